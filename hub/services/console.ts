/**
 * The hub console's credentials page: one tab (my or customer's credentials),
 * searched, filtered, sorted and paged by the hub, each row with its license
 * counts and the actions this account may take on it (common/credential-actions.ts).
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import type { ConsoleCredentialPage, ConsoleCredentialRow } from '../../common/console-api';
import { consoleCredentialQuerySchema, type ConsoleCredentialQuery } from '../../common/console-api';
import { allowedActions, type ActionRole, type ActionSubject } from '../../common/credential-actions';
import { shortIdLength } from '../../common/ids';
import type { LicenseCounts } from '../../common/hub-api';
import type { Db } from '../store';
import type { Principal } from './accounts';
import type { HubDeps } from './context';
import { factoryScope } from './scope';
import { countLicenses } from './util';

/** `%` and `_` in a search are letters, not wildcards. */
const escapeLike = (q: string): string => q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
const likePattern = (q: string): string => `%${escapeLike(q)}%`;
const idPrefix = (q: string): string => `${escapeLike(q)}%`;

const countSort = (status: string, held: boolean | null) =>
  sql<number>`(select count(*) from licenses lc where lc.credential_id = c.id and lc.status = ${status}${held === null ? sql`` : held ? sql` and lc.station_id is not null` : sql` and lc.station_id is null`})`;

const sortColumns = {
  name: sql`coalesce(c.name, p.name, c.pid)`,
  product: sql`coalesce(p.name, c.pid)`,
  purchased: sql`c.purchased_count`,
  free: sql`c.free_count`,
  total: sql`c.purchased_count + c.free_count`,
  unused: countSort('unused', false),
  leased: countSort('unused', true),
  burned: countSort('burned', null),
  spoiled: countSort('spoiled', null),
  exported: countSort('exported', null),
  delivery: sql`c.delivery_mode`,
  state: sql`c.state`,
  createdAt: sql`c.created_at`,
} as const;

function baseQuery(db: Db, q: ReturnType<typeof consoleCredentialQuerySchema.parse>, factoryId: string | null) {
  let query = db
    .selectFrom('credentials as c')
    .leftJoin('products as p', 'p.pid', 'c.pid')
    .where('c.owner', '=', q.tab === 'mine' ? 'mine' : 'customer');
  if (factoryId !== null) query = query.where('c.factory_id', '=', factoryId);
  if (q.state) query = query.where('c.state', '=', q.state);
  if (q.productId) query = query.where('c.pid', '=', q.productId);
  if (q.factoryId) query = query.where('c.factory_id', '=', q.factoryId);
  if (q.delivery) query = query.where('c.delivery_mode', '=', q.delivery);
  if (q.q) {
    const pattern = likePattern(q.q);
    const text = q.q;
    query = query.where((eb) =>
      eb.or([
        sql<SqlBool>`lower(coalesce(c.name, p.name, '')) like ${pattern} escape '\\'`,
        sql<SqlBool>`lower(coalesce(c.order_no, '')) like ${pattern} escape '\\'`,
        sql<SqlBool>`lower(coalesce(c.customer_name, '')) like ${pattern} escape '\\'`,
        eb('c.pid', '=', text),
        // the whole id, or the short id the console shows under the name (two credentials may share a name)
        ...(text.length >= shortIdLength ? [sql<SqlBool>`c.id like ${idPrefix(text)} escape '\\'`] : []),
      ] as Expression<SqlBool>[]),
    );
  }
  return query;
}

/** One page of credentials for this account. */
export async function listConsoleCredentials(
  deps: HubDeps,
  principal: Principal,
  raw: ConsoleCredentialQuery,
): Promise<ConsoleCredentialPage> {
  const q = consoleCredentialQuerySchema.parse(raw);
  const db = deps.store.db;
  const scope = factoryScope(principal);
  const totalRow = await baseQuery(db, q, scope)
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  const dir = q.dir === 'asc' ? sql`asc` : sql`desc`;
  const rows = await baseQuery(db, q, scope)
    .leftJoin('factories as f', 'f.id', 'c.factory_id')
    .leftJoin('lines as l', 'l.id', 'c.line_id')
    .leftJoin('stations as s', 's.id', 'c.station_id')
    .selectAll('c')
    .select(['p.name as product_name', 'p.homekit', 'p.findmy', 'f.name as factory_name', 'l.name as line_name', 's.name as station_name'])
    .orderBy(sql`${sortColumns[q.sort]} ${dir}`)
    .orderBy(sql`c.id ${dir}`)
    .limit(q.pageSize)
    .offset((q.page - 1) * q.pageSize)
    .execute();
  const ids = rows.map((r) => r.id);
  const counts = await countLicenses(db, ids);
  const busy = new Set<string>();
  const requests = new Map<string, number>();
  if (ids.length > 0) {
    for (const j of await db
      .selectFrom('jobs')
      .select('credential_id')
      .where('credential_id', 'in', ids)
      .where('state', 'in', ['queued', 'running'])
      .execute())
      busy.add(j.credential_id);
    const ur = await db
      .selectFrom('update_requests')
      .select(['credential_id', sql<number>`count(*)`.as('n')])
      .where('credential_id', 'in', ids)
      .groupBy('credential_id')
      .execute();
    for (const r of ur) requests.set(r.credential_id, Number(r.n));
  }
  const role = principal.account.role as ActionRole;
  return {
    total: Number(totalRow.n),
    page: q.page,
    pageSize: q.pageSize,
    rows: rows.map((r): ConsoleCredentialRow => {
      const c = counts.get(r.id)!;
      return {
        id: r.id,
        name: r.name ?? r.product_name ?? r.pid,
        orderNo: r.order_no,
        customerName: r.customer_name,
        confirmed: r.owner === 'mine' || r.confirmed_at !== null,
        product: { id: r.pid, name: r.product_name ?? r.pid, pid: r.pid },
        purchased: r.purchased_count,
        free: r.free_count,
        total: r.purchased_count + r.free_count,
        counts: c,
        delivery: r.delivery_mode as ConsoleCredentialRow['delivery'],
        state: r.state as ConsoleCredentialRow['state'],
        assignment: {
          factory: r.factory_id && r.factory_name !== null ? { id: r.factory_id, name: r.factory_name } : null,
          line: r.line_id && r.line_name !== null ? { id: r.line_id, name: r.line_name } : null,
          station: r.station_id && r.station_name !== null ? { id: r.station_id, name: r.station_name } : null,
        },
        createdAt: r.created_at,
        allowedActions: allowedActions(
          role,
          actionSubject(r, { homekit: r.homekit === 1, findmy: r.findmy === 1 }, c, busy.has(r.id), requests.get(r.id) ?? 0),
        ),
      };
    }),
  };
}

/** What the action rule needs, from a credential row and what the hub knows around it. */
export function actionSubject(
  r: { state: string; owner: string; confirmed_at: string | null; delivery_mode: string; origin: string },
  features: { homekit: boolean; findmy: boolean },
  c: LicenseCounts,
  jobRunning: boolean,
  updateRequests: number,
): ActionSubject {
  return {
    state: r.state as ActionSubject['state'],
    owner: r.owner as ActionSubject['owner'],
    confirmed: r.owner === 'mine' || r.confirmed_at !== null,
    deliveryMode: r.delivery_mode as ActionSubject['deliveryMode'],
    origin: r.origin as ActionSubject['origin'],
    features,
    unusedAtHub: c.unused,
    unused: c.unused + c.leased,
    licenses: c.unused + c.leased + c.burned + c.spoiled + c.rejected + c.exported,
    jobRunning,
    updateRequests,
  };
}
