import { AppError } from '../../common/errors';
import type { Product, ProductInput } from '../../common/hub-api';
import { productInputSchema } from '../../common/hub-api';
import type { Db, Tx } from '../store';
import type { Insertable, Selectable } from 'kysely';
import type { ProductTable } from '../store/schema';
import type { HubDeps } from './context';
import { nowIso } from './util';

export const toProduct = (r: Selectable<ProductTable>): Product => ({
  pid: r.pid,
  name: r.name,
  priceCents: r.price_cents,
  homekit: r.homekit === 1,
  findmy: r.findmy === 1,
  homekitPriceCents: r.homekit_price_cents,
  findmyPriceCents: r.findmy_price_cents,
  unitPriceCents: unitPriceCents(r),
  createdAt: r.created_at,
});

/** One license of the product with its features: the license price plus each feature the product has. */
export const unitPriceCents = (
  r: Pick<Selectable<ProductTable>, 'price_cents' | 'homekit' | 'findmy' | 'homekit_price_cents' | 'findmy_price_cents'>,
): number => r.price_cents + (r.homekit === 1 ? r.homekit_price_cents : 0) + (r.findmy === 1 ? r.findmy_price_cents : 0);

/** Creates a product, or updates its name, price and features (a new price applies to later product changes only). */
export async function upsertProduct(deps: HubDeps, input: ProductInput): Promise<Product> {
  const p = productInputSchema.parse(input);
  const row: Insertable<ProductTable> & { homekit_price_cents: number; findmy_price_cents: number } = {
    pid: p.pid,
    name: p.name,
    price_cents: p.priceCents,
    homekit: p.homekit ? 1 : 0,
    findmy: p.findmy ? 1 : 0,
    homekit_price_cents: p.homekitPriceCents,
    findmy_price_cents: p.findmyPriceCents,
    created_at: nowIso(deps),
  };
  await deps.store.db
    .insertInto('products')
    .values(row)
    .onConflict((oc) =>
      oc.column('pid').doUpdateSet({
        name: row.name,
        price_cents: row.price_cents,
        homekit: row.homekit,
        findmy: row.findmy,
        homekit_price_cents: row.homekit_price_cents,
        findmy_price_cents: row.findmy_price_cents,
      }),
    )
    .execute();
  return getProduct(deps.store.db, p.pid);
}

export async function listProducts(deps: HubDeps): Promise<{ products: Product[] }> {
  const rows = await deps.store.db.selectFrom('products').selectAll().orderBy('pid').execute();
  return { products: rows.map(toProduct) };
}

export async function getProduct(db: Db | Tx, pid: string): Promise<Product> {
  const row = await db.selectFrom('products').selectAll().where('pid', '=', pid).executeTakeFirst();
  if (!row) throw new AppError('PRODUCT_NOT_FOUND', `There is no product with PID ${pid}.`, { pid });
  return toProduct(row);
}
