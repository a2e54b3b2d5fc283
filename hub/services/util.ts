import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql } from 'kysely';
import { AppError } from '../../common/errors';
import { newId } from '../../common/ids';
import type { Credential, CredentialState, Job, LicenseCounts, ThirdPartyKind } from '../../common/hub-api';
import type { Db, Tx } from '../store';
import type { CredentialTable, JobTable, StationTable } from '../store/schema';
import { currentActor } from './audit';
import type { HubDeps } from './context';

export const nowIso = (deps: Pick<HubDeps, 'clock'>): string => new Date(deps.clock.now()).toISOString();
export const isoIn = (deps: Pick<HubDeps, 'clock'>, ms: number): string => new Date(deps.clock.now() + ms).toISOString();

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
export const randomToken = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export type CredentialRow = CredentialTable;

const emptyCounts = (): LicenseCounts => ({ unused: 0, leased: 0, burned: 0, spoiled: 0, rejected: 0, exported: 0 });

/** License counts per credential: unused (at the hub), leased (unused, held by a station), burned, spoiled, rejected, exported. */
export async function countLicenses(db: Db | Tx, credentialIds: readonly string[]): Promise<Map<string, LicenseCounts>> {
  const out = new Map<string, LicenseCounts>();
  for (const id of credentialIds) out.set(id, emptyCounts());
  for (const part of chunks(credentialIds, 500)) {
    if (part.length === 0) continue;
    const rows = await db
      .selectFrom('licenses')
      .select([
        'credential_id',
        'status',
        sql<number>`case when station_id is null then 0 else 1 end`.as('held'),
        sql<number>`count(*)`.as('n'),
      ])
      .where('credential_id', 'in', part)
      .groupBy(['credential_id', 'status', sql`case when station_id is null then 0 else 1 end`])
      .execute();
    for (const r of rows) {
      const c = out.get(r.credential_id) ?? emptyCounts();
      const n = Number(r.n);
      if (r.status === 'unused') {
        if (Number(r.held) === 1) c.leased += n;
        else c.unused += n;
      } else if (r.status === 'burned') c.burned += n;
      else if (r.status === 'spoiled') c.spoiled += n;
      else if (r.status === 'rejected') c.rejected += n;
      else if (r.status === 'exported') c.exported += n;
      out.set(r.credential_id, c);
    }
  }
  return out;
}

export function toCredential(row: CredentialRow, counts: LicenseCounts | undefined): Credential {
  return {
    id: row.id,
    name: row.name,
    orderNo: row.order_no,
    pid: row.pid,
    owner: row.owner as Credential['owner'],
    customerName: row.customer_name,
    confirmed: row.owner === 'mine' || row.confirmed_at !== null,
    deliveryMode: row.delivery_mode as Credential['deliveryMode'],
    purchased: row.purchased_count,
    free: row.free_count,
    firmwareKey: row.firmware_key,
    chip: row.chip,
    parentId: row.parent_id,
    origin: row.origin as Credential['origin'],
    assignment: { factoryId: row.factory_id, lineId: row.line_id, stationId: row.station_id },
    state: row.state as CredentialState,
    counts: counts ?? emptyCounts(),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function loadCredential(db: Db | Tx, id: string): Promise<Credential> {
  const row = await db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw credentialNotFound(id);
  const counts = await countLicenses(db, [id]);
  return toCredential(row, counts.get(id));
}

export const credentialNotFound = (id: string): AppError =>
  new AppError('CREDENTIAL_NOT_FOUND', `There is no credential ${id}.`, { credentialId: id });

/** One event of a credential's history, naming who acted (the request's or command's actor). */
export async function addEvent(
  trx: Tx,
  deps: Pick<HubDeps, 'clock'>,
  credentialId: string,
  kind: string,
  details: Record<string, unknown>,
): Promise<void> {
  const actor = currentActor()?.actor;
  await trx
    .insertInto('credential_events')
    .values({
      id: newId(),
      credential_id: credentialId,
      at: nowIso(deps),
      kind,
      details: JSON.stringify(actor ? { ...details, actor } : details),
    })
    .execute();
}

/**
 * Checks a locked credential inside the operation's transaction before any
 * other rule (a station may act only on its own groups; see station-supervisor.ts).
 */
export type CredentialGuard = (row: CredentialRow) => void;

/** A group a station sees: assigned to it, or to its line and no station in particular (shared by the line). */
export const visibleTo = (c: Pick<CredentialRow, 'station_id' | 'line_id'>, s: Pick<StationTable, 'id' | 'line_id'>): boolean =>
  c.station_id === s.id || (c.station_id === null && c.line_id === s.line_id);

export const underReviewStates: readonly string[] = ['confirming_update', 'being_paid'];
export const usableStates: readonly string[] = ['valid', 'updated'];

/**
 * The refusals shared by every operation that uses or changes a credential's
 * licenses (`action` in plain words: "split", "downloaded", ...).
 */
export function assertOperable(row: CredentialRow, action: string, opts: { needsConfirmation?: boolean } = {}): void {
  if (underReviewStates.includes(row.state)) {
    throw new AppError(
      'CREDENTIAL_UNDER_REVIEW',
      `Credential ${row.id} has a product change under review (${row.state}): nothing can be ${action} until the request is approved${row.state === 'being_paid' ? ' and paid' : ''} or recalled.`,
      { credentialId: row.id, state: row.state },
    );
  }
  if (opts.needsConfirmation !== false && row.owner === 'customer' && row.confirmed_at === null) {
    throw new AppError(
      'CREDENTIAL_NOT_CONFIRMED',
      `Credential ${row.id} was handed over by a customer and the factory has not confirmed it yet: confirm it before it can be ${action}.`,
      { credentialId: row.id },
    );
  }
}

export function assertNotListGenerated(row: CredentialRow, action: string): void {
  if (row.state === 'list_generated') {
    throw new AppError(
      'LIST_GENERATED',
      `The license list of credential ${row.id} was already generated and downloaded: it can no longer be ${action}.`,
      { credentialId: row.id },
    );
  }
}

export const toJob = (r: JobTable): Job => ({
  id: r.id,
  credentialId: r.credential_id,
  kinds: JSON.parse(r.kinds) as ThirdPartyKind[],
  state: r.state as Job['state'],
  total: r.total,
  done: r.done_count,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
});
