/**
 * Station sync. Pull leases licenses to the station that asks (row locks with
 * SKIP LOCKED: two stations never get the same license) and pages through the
 * station's leases with a keyset cursor (lease batch, uuid), so a page can be
 * asked again and an interrupted pull resumes. The offline operations a push
 * carries are applied here, one at a time, inside the push's group (push.ts).
 */
import { AppError } from '../../common/errors';
import type { PullRequest, PullResponse, PushItem, StationGroup, StationLicense, StationStatus } from '../../common/hub-api';
import { pullRequestSchema } from '../../common/hub-api';
import { type CompiledQuery, type Kysely, type QueryCreator, sql } from 'kysely';
import type { HubDatabase, Store, Tx } from '../store';
import type { CredentialTable, StationTable } from '../store/schema';
import { stationPeople } from './accounts';
import { openAuthkeys } from './authkey-opener';
import type { HubDeps } from './context';
import { confirmPid, createChild, moveToChild } from './credentials';
import { addEvent, assertNotListGenerated, assertOperable, chunks, nowIso, usableStates, visibleTo } from './util';

export interface CursorPos {
  seq: number;
  uuid: string;
}
const encodeCursor = (c: CursorPos): string => `c1.${c.seq}.${c.uuid}`;
function decodeCursor(cursor: string | null): CursorPos {
  if (cursor === null) return { seq: 0, uuid: '' };
  const [, seq, uuid] = cursor.split('.');
  return { seq: Number(seq), uuid: uuid ?? '' };
}

const isUsable = (c: Pick<CredentialTable, 'state' | 'owner' | 'confirmed_at'>): boolean =>
  usableStates.includes(c.state) && (c.owner === 'mine' || c.confirmed_at !== null);

/**
 * PostgreSQL: the next `n` unleased licenses of one group, in uuid order, as a range of the partial index
 * licenses_unleased_ix (credential_id, uuid). `status` is a literal, not a parameter, so the planner can match the
 * index's WHERE. The group is written as the index range (credential_id, uuid) > (id, '') with credential_id <= id
 * (a uuid is never empty, so this is exactly credential_id = id), ordered by (credential_id, uuid). With
 * `credential_id = id ORDER BY uuid`, the primary key (uuid) gives the same order, and PostgreSQL, assuming the
 * group's rows spread evenly over all uuids, may walk the primary key and filter: through every other group's
 * unleased licenses whose uuids sort first (20,000 in the plan test) before the first of this group's.
 */
export const unleasedOf = (db: QueryCreator<HubDatabase>, credentialId: string, n: number) =>
  db
    .selectFrom('licenses')
    .select('uuid')
    .where(sql<boolean>`(credential_id, uuid) > (${credentialId}, ${''})`)
    .where('credential_id', '<=', credentialId)
    .where('station_id', 'is', null)
    .where('status', '=', sql.lit('unused'))
    .orderBy('credential_id')
    .orderBy('uuid')
    .limit(n);

/** A license a pull leased: its group and lease batch are the pull's own, so the statement does not return them. */
export interface LeasedRow {
  uuid: string;
  authkey: string;
  mac: string | null;
  kind: string;
}

/**
 * Leases the next `n` unleased licenses of one group to a station, in uuid order, returning them.
 *
 * SQLite: one UPDATE ... ORDER BY uuid LIMIT n walking licenses_unleased_ix (credential_id, uuid) in order, named
 * with INDEXED BY. Without it SQLite drove the update from `station_id IS NULL` on licenses_lease_ix, through every
 * unleased license of the hub (20 ms per pull of 20 next to 100,000 unleased licenses of another group, against
 * 2 ms); the earlier form, a CTE of picked uuids and an update by primary key, cost one primary-key probe per
 * license (about 0.07 s of the 1 s of SQL of a 100,000-license pull). Its transactions run one at a time, so
 * nothing else leases meanwhile.
 *
 * PostgreSQL: SKIP LOCKED steps over rows another station's pull is taking right now. A CTE with FOR UPDATE runs
 * once (PostgreSQL never inlines it), so LIMIT holds; an IN (subquery) could be re-run and lease more. The update
 * finds the picked rows by primary key and checks `station_id IS NULL` again.
 */
export function leaseFrom(
  db: Kysely<HubDatabase>,
  store: Pick<Store, 'dialect' | 'lockForUpdate'>,
  credentialId: string,
  n: number,
  lease: { station_id: string; lease_seq: number; leased_at: string },
): { compile(): CompiledQuery; execute(): Promise<LeasedRow[]> } {
  if (store.dialect === 'sqlite') {
    const q = sql<LeasedRow>`update licenses indexed by licenses_unleased_ix
      set station_id = ${lease.station_id}, lease_seq = ${lease.lease_seq}, leased_at = ${lease.leased_at}
      where credential_id = ${credentialId} and station_id is null and status = 'unused'
      returning uuid, authkey, mac, kind order by uuid limit ${n}`;
    return { compile: () => q.compile(db), execute: async () => (await q.execute(db)).rows };
  }
  return db
    .with('picked', (qc) => store.lockForUpdate(unleasedOf(qc, credentialId, n), { skipLocked: true }))
    .updateTable('licenses')
    .set(lease)
    .where('uuid', 'in', (eb) => eb.selectFrom('picked').select('picked.uuid'))
    .where('station_id', 'is', null)
    .returning(['uuid', 'authkey', 'mac', 'kind']);
}

/**
 * The station's unused leases after the cursor, in (lease batch, uuid) order. The cursor is a row value, so both
 * stores read it as a range of licenses_lease_ix (station_id, lease_seq, uuid); written as `lease_seq > s or
 * (lease_seq = s and uuid > u)` they filtered every license the station had leased before the cursor, on every page
 * (250 ms per 5,000-license page at 50,000 leased on PostgreSQL, against 13 ms).
 */
export const leasedAfter = (db: QueryCreator<HubDatabase>, stationId: string, after: CursorPos, limit: number) =>
  db
    .selectFrom('licenses')
    .select(['uuid', 'authkey', 'mac', 'credential_id', 'kind', 'lease_seq'])
    .where('station_id', '=', stationId)
    .where('status', '=', 'unused')
    .where((eb) => eb(eb.refTuple('lease_seq', 'uuid'), '>', eb.tuple(after.seq, after.uuid)))
    .orderBy('lease_seq')
    .orderBy('uuid')
    .limit(limit);

/** Licenses leased per statement in a pull: each part goes to the authkey worker while the next is leased. */
const LEASE_PART = 500;

/**
 * Replaces the sealed authkeys of the rows there are now with the opened ones (the list may grow meanwhile: the
 * pull adds its fresh leases to the page). Started at once and awaited later: a rejection is marked handled
 * here, so one that comes while the pull fails elsewhere does not go unhandled; Promise.all in the pull still
 * sees it.
 */
function openRows(deps: HubDeps, rows: { uuid: string; authkey: string }[]): Promise<void> {
  const part = rows.slice();
  const done = openAuthkeys(deps.keyring, part).then((keys) => {
    for (let i = 0; i < part.length; i++) part[i]!.authkey = keys[i]!;
  });
  done.catch(() => undefined);
  return done;
}

/** A license as the pull's reply carries it; its authkey still sealed until `openRows` replaces it. */
const asLicense = (r: LeasedRow, credentialId: string): StationLicense => ({
  uuid: r.uuid,
  authkey: r.authkey,
  mac: r.mac,
  credentialId,
  kind: r.kind as StationLicense['kind'],
});

const inUuidOrder = (rows: readonly { uuid: string }[]): boolean => rows.every((r, i) => i === 0 || rows[i - 1]!.uuid < r.uuid);

export async function pull(deps: HubDeps, station: StationTable, raw: PullRequest): Promise<PullResponse> {
  const req = pullRequestSchema.parse(raw);
  const after = decodeCursor(req.cursor);
  const limit = req.limit;
  const { store } = deps;
  return store.tx(async (trx) => {
    const now = nowIso(deps);
    // One pull per station at a time: lease batches are numbered in commit order.
    const st = await store.lockForUpdate(trx.selectFrom('stations').selectAll().where('id', '=', station.id)).executeTakeFirstOrThrow();
    if (after.seq > st.lease_counter)
      throw new AppError('CURSOR_UNKNOWN', 'This cursor was not issued to this station: pull again from the start (cursor null).');
    const held = await leasedAfter(trx, st.id, after, limit).execute();
    const page = held.map((r) => asLicense(r, r.credential_id));
    // The cursor: the lease batch of the page's last license (fresh leases are the newest batch).
    let lastSeq = held.length > 0 ? Number(held[held.length - 1]!.lease_seq) : after.seq;
    // The authkeys are opened on the authkey worker while the leasing goes on (authkey-opener.ts).
    const opening = [openRows(deps, page)];

    if (page.length < limit) {
      // Lease the next licenses, group by group: each group's unleased licenses are read from the partial index
      // licenses_unleased_ix (004), so the cost does not grow with other groups' unleased licenses on the hub.
      const seq = st.lease_counter + 1;
      const sources = await trx
        .selectFrom('credentials')
        .select('id')
        .where('state', 'in', usableStates)
        .where((eb) => eb.or([eb('owner', '=', 'mine'), eb('confirmed_at', 'is not', null)]))
        .where((eb) => eb.or([eb('station_id', '=', st.id), eb.and([eb('station_id', 'is', null), eb('line_id', '=', st.line_id)])]))
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const fresh: typeof page = [];
      for (const src of sources) {
        // In parts of LEASE_PART, each handed to the worker as soon as it is leased.
        for (;;) {
          const want = Math.min(LEASE_PART, limit - page.length - fresh.length);
          if (want <= 0) break;
          const leased = await leaseFrom(trx, store, src.id, want, { station_id: st.id, lease_seq: seq, leased_at: now }).execute();
          const rows = leased.map((r) => asLicense(r, src.id));
          opening.push(openRows(deps, rows));
          fresh.push(...rows);
          if (rows.length < want) break;
        }
      }
      if (fresh.length > 0) {
        await trx.updateTable('stations').set({ lease_counter: seq }).where('id', '=', st.id).execute();
        if (!inUuidOrder(fresh)) fresh.sort((x, y) => (x.uuid < y.uuid ? -1 : x.uuid > y.uuid ? 1 : 0));
        page.push(...fresh);
        lastSeq = seq;
      }
    }
    await trx
      .updateTable('stations')
      .set({ last_seen_at: now, ...statusColumns(req.status, now) })
      .where('id', '=', st.id)
      .execute();

    // Every group assigned to the station, and every group it still holds unused licenses of (moved away: assignedToYou false).
    const groupRows = await trx
      .selectFrom('credentials')
      .innerJoin('products', 'products.pid', 'credentials.pid')
      .selectAll('credentials')
      .select('products.name as product_name')
      .where((eb) =>
        eb.or([
          eb('credentials.station_id', '=', st.id),
          eb.and([eb('credentials.station_id', 'is', null), eb('credentials.line_id', '=', st.line_id)]),
          eb.exists(
            eb
              .selectFrom('licenses')
              .select('licenses.uuid')
              .whereRef('licenses.credential_id', '=', 'credentials.id')
              .where('licenses.status', '=', 'unused')
              .where('licenses.station_id', '=', st.id),
          ),
        ]),
      )
      .orderBy('credentials.created_at')
      .orderBy('credentials.id')
      .execute();
    const groups: StationGroup[] = groupRows.map((c) => ({
      id: c.id,
      pid: c.pid,
      productName: c.product_name,
      deliveryMode: c.delivery_mode as StationGroup['deliveryMode'],
      state: c.state as StationGroup['state'],
      usable: isUsable(c),
      purchased: c.purchased_count,
      free: c.free_count,
      firmwareKey: c.firmware_key,
      chip: c.chip,
      parentId: c.parent_id,
      lineId: c.line_id,
      stationId: c.station_id,
      assignedToYou: visibleTo(c, st),
    }));
    await Promise.all(opening);
    const last = page[page.length - 1];
    const hasMore = page.length === limit;
    return {
      // who works at the station's factory, once per pull (on its last page)
      ...(hasMore ? {} : { people: await stationPeople(deps, trx, st.factory_id) }),
      groups,
      licenses: page,
      cursor: last ? encodeCursor({ seq: lastSeq, uuid: last.uuid }) : req.cursor,
      hasMore,
      serverTime: now,
    };
  });
}

/** The offline operations a push may carry (burn, spoiled and rejected records are applied set-based: push.ts). */
export type OperationItem = Exclude<PushItem, { kind: 'burn' | 'spoiled' | 'rejected' }>;

/** The columns a station's status sets (nothing when the station sent none). */
export const statusColumns = (status: StationStatus | undefined, now: string) =>
  status ? { outbox_length: status.outbox, suspect_count: status.suspects, status_at: now } : {};

/** Applies one operation inside the push's transaction; a refusal is an AppError thrown before anything is written. */
export function applyOperation(deps: HubDeps, trx: Tx, station: StationTable, item: OperationItem): Promise<void> {
  switch (item.kind) {
    case 'set_pid':
      return applySetPid(deps, trx, station, item.credentialId, item.pid);
    case 'release':
      return applyRelease(deps, trx, station, item.uuids);
    case 'split':
      return applySplit(deps, trx, station, item.credentialId, item.newCredentialId, item.uuids);
    case 'reassign':
      return applyReassign(deps, trx, station, item.credentialId, item.stationId);
    case 'transfer_out':
      return applyTransferOut(deps, trx, station, item.bundleId, item.credentialId, item.uuids);
    case 'transfer_in':
      return applyTransferIn(deps, trx, station, item.bundleId, item.sourceStationId, item.credentialId, item.uuids);
  }
}

/**
 * A supervisor set the group's PID at the station. On the hub a group's PID is its product's, so the
 * station's PID is confirmed when it is that one; another PID is a product change, reviewed on the hub.
 */
async function applySetPid(deps: HubDeps, trx: Tx, station: StationTable, credentialId: string, pid: string): Promise<void> {
  const cred = await lockVisibleGroup(deps, trx, station, credentialId, 'given a PID');
  await confirmPid(deps, trx, cred, pid, { stationId: station.id });
}

async function heldUnused(deps: HubDeps, trx: Tx, station: StationTable, uuids: readonly string[], credentialId?: string) {
  const unique = [...new Set(uuids)];
  if (unique.length !== uuids.length) throw new AppError('DUPLICATE_LICENSE', 'The same license is listed twice in this item.');
  const rows = [];
  for (const part of chunks(unique, 1000)) {
    rows.push(
      ...(await deps.store
        .lockForUpdate(
          trx.selectFrom('licenses').select(['uuid', 'credential_id', 'station_id', 'status', 'kind']).where('uuid', 'in', part),
        )
        .execute()),
    );
  }
  const byUuid = new Map(rows.map((r) => [r.uuid, r]));
  for (const u of unique) {
    const r = byUuid.get(u);
    if (!r || r.station_id !== station.id || r.status !== 'unused')
      throw new AppError('LICENSE_NOT_HELD', `License ${u} is not an unused license held by this station.`, { uuid: u });
    if (credentialId !== undefined && r.credential_id !== credentialId)
      throw new AppError('LICENSE_NOT_IN_GROUP', `License ${u} does not belong to group ${credentialId}.`, { uuid: u, credentialId });
  }
  return rows;
}

async function applyRelease(deps: HubDeps, trx: Tx, station: StationTable, uuids: readonly string[]): Promise<void> {
  await heldUnused(deps, trx, station, uuids);
  for (const part of chunks([...uuids], 1000))
    await trx.updateTable('licenses').set({ station_id: null, lease_seq: null, leased_at: null }).where('uuid', 'in', part).execute();
}

async function lockVisibleGroup(
  deps: HubDeps,
  trx: Tx,
  station: StationTable,
  credentialId: string,
  action: string,
): Promise<CredentialTable> {
  const cred = await deps.store.lockForUpdate(trx.selectFrom('credentials').selectAll().where('id', '=', credentialId)).executeTakeFirst();
  if (!cred || !visibleTo(cred, station))
    throw new AppError(
      'GROUP_NOT_ASSIGNED',
      `Group ${credentialId} is not assigned to this station (any more): it cannot be ${action} here.`,
      { credentialId },
    );
  assertOperable(cred, action);
  assertNotListGenerated(cred, action);
  return cred;
}

async function applySplit(
  deps: HubDeps,
  trx: Tx,
  station: StationTable,
  credentialId: string,
  newId: string,
  uuids: readonly string[],
): Promise<void> {
  const parent = await lockVisibleGroup(deps, trx, station, credentialId, 'split');
  const clash = await trx.selectFrom('credentials').select('id').where('id', '=', newId).executeTakeFirst();
  if (clash)
    throw new AppError('CREDENTIAL_EXISTS', `A group with id ${newId} already exists; the station must pick a new id.`, {
      credentialId: newId,
    });
  const rows = await heldUnused(deps, trx, station, uuids, credentialId);
  const purchased = rows.filter((r) => r.kind === 'purchased').length;
  await createChild(
    deps,
    trx,
    parent,
    newId,
    { factory_id: station.factory_id, line_id: station.line_id, station_id: station.id },
    purchased,
    rows.length - purchased,
  );
  await moveToChild(deps, trx, credentialId, newId, uuids);
  await addEvent(trx, deps, credentialId, 'split', {
    childId: newId,
    purchased,
    free: rows.length - purchased,
    by: 'station',
    stationId: station.id,
  });
}

async function applyReassign(deps: HubDeps, trx: Tx, station: StationTable, credentialId: string, targetId: string): Promise<void> {
  await lockVisibleGroup(deps, trx, station, credentialId, 'reassigned');
  const target = await deps.store.lockForUpdate(trx.selectFrom('stations').selectAll().where('id', '=', targetId)).executeTakeFirst();
  if (!target || target.factory_id !== station.factory_id)
    throw new AppError('STATION_NOT_IN_FACTORY', `Station ${targetId} is not a station of this factory.`, { stationId: targetId });
  if (target.revoked_at !== null)
    throw new AppError('STATION_REVOKED', `Station ${target.name} was revoked: it cannot receive groups.`, { stationId: targetId });
  await trx
    .updateTable('credentials')
    .set({ factory_id: target.factory_id, line_id: target.line_id, station_id: target.id, updated_at: nowIso(deps) })
    .where('id', '=', credentialId)
    .execute();
  let moved = 0;
  if (target.id !== station.id) {
    // The licenses this station holds of the group go with it, as a new lease batch of the target.
    const seq = target.lease_counter + 1;
    const res = await trx
      .updateTable('licenses')
      .set({ station_id: target.id, lease_seq: seq })
      .where('credential_id', '=', credentialId)
      .where('station_id', '=', station.id)
      .where('status', '=', 'unused')
      .executeTakeFirst();
    moved = Number(res.numUpdatedRows);
    if (moved > 0) await trx.updateTable('stations').set({ lease_counter: seq }).where('id', '=', target.id).execute();
  }
  await addEvent(trx, deps, credentialId, 'assigned', {
    factoryId: target.factory_id,
    lineId: target.line_id,
    stationId: target.id,
    by: 'station',
    fromStationId: station.id,
    licensesMoved: moved,
  });
}

// ---------- transfer bundles (station to station while both are offline) ----------

async function lockBundleLicenses(deps: HubDeps, trx: Tx, uuids: readonly string[], credentialId: string) {
  const unique = [...new Set(uuids)];
  if (unique.length !== uuids.length) throw new AppError('DUPLICATE_LICENSE', 'The same license is listed twice in this bundle.');
  const rows = [];
  for (const part of chunks(unique, 1000)) {
    rows.push(
      ...(await deps.store
        .lockForUpdate(trx.selectFrom('licenses').select(['uuid', 'credential_id', 'station_id', 'status']).where('uuid', 'in', part))
        .execute()),
    );
  }
  if (rows.length !== unique.length)
    throw new AppError('LICENSE_NOT_FOUND', `${unique.length - rows.length} licenses of the bundle are unknown to the hub.`, {
      credentialId,
    });
  const other = rows.find((r) => r.credential_id !== credentialId);
  if (other)
    throw new AppError('LICENSE_NOT_IN_GROUP', `License ${other.uuid} does not belong to group ${credentialId}.`, {
      uuid: other.uuid,
      credentialId,
    });
  return rows;
}

/** Whether the target already claimed this bundle (its transfer_in reached the hub first). */
async function bundleClaimed(trx: Tx, credentialId: string, bundleId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('transfer_claims')
    .select('bundle_id')
    .where('bundle_id', '=', bundleId)
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return row !== undefined;
}

async function applyTransferOut(
  deps: HubDeps,
  trx: Tx,
  station: StationTable,
  bundleId: string,
  credentialId: string,
  uuids: readonly string[],
): Promise<void> {
  const rows = await lockBundleLicenses(deps, trx, uuids, credentialId);
  const stillHere = rows.filter((r) => r.status === 'unused' && r.station_id === station.id).length;
  if (stillHere !== rows.length && !(await bundleClaimed(trx, credentialId, bundleId))) {
    throw new AppError(
      'BUNDLE_LICENSES_USED',
      `${rows.length - stillHere} of the ${rows.length} licenses in this bundle were burned, spoiled or moved before the hub heard of the bundle.`,
      { bundleId },
    );
  }
  await addEvent(trx, deps, credentialId, 'transfer_out', { bundleId, stationId: station.id, licenses: rows.length });
}

async function applyTransferIn(
  deps: HubDeps,
  trx: Tx,
  station: StationTable,
  bundleId: string,
  sourceId: string,
  credentialId: string,
  uuids: readonly string[],
): Promise<void> {
  if (sourceId === station.id) throw new AppError('BUNDLE_OWN', 'A station cannot claim a bundle it made itself.', { bundleId });
  const source = await trx.selectFrom('stations').select(['id', 'factory_id']).where('id', '=', sourceId).executeTakeFirst();
  if (!source || source.factory_id !== station.factory_id)
    throw new AppError('STATION_NOT_IN_FACTORY', `The bundle comes from station ${sourceId}, which is not a station of this factory.`, {
      stationId: sourceId,
    });
  const rows = await lockBundleLicenses(deps, trx, uuids, credentialId);
  const move = rows.filter((r) => r.status === 'unused' && r.station_id === sourceId);
  const used = rows.filter((r) => !(r.status === 'unused' && r.station_id === sourceId) && r.station_id !== station.id);
  if (used.length > 0) {
    const burned = used.filter((r) => r.status === 'burned').length;
    const spoiled = used.filter((r) => r.status === 'spoiled').length;
    throw new AppError(
      'BUNDLE_LICENSES_USED',
      `${used.length} of the ${rows.length} licenses in this bundle were used meanwhile (${burned} burned, ${spoiled} spoiled, ${used.length - burned - spoiled} held elsewhere): the bundle is refused.`,
      { bundleId },
    );
  }
  if (move.length > 0) {
    // They become a new lease batch of the target, like a reassignment.
    const st = await deps.store
      .lockForUpdate(trx.selectFrom('stations').selectAll().where('id', '=', station.id))
      .executeTakeFirstOrThrow();
    const seq = st.lease_counter + 1;
    for (const part of chunks(
      move.map((r) => r.uuid),
      1000,
    )) {
      await trx
        .updateTable('licenses')
        .set({ station_id: station.id, lease_seq: seq })
        .where('uuid', 'in', part)
        .where('station_id', '=', sourceId)
        .where('status', '=', 'unused')
        .execute();
    }
    await trx.updateTable('stations').set({ lease_counter: seq }).where('id', '=', station.id).execute();
  }
  await trx
    .insertInto('transfer_claims')
    .values({
      bundle_id: bundleId,
      credential_id: credentialId,
      source_station_id: sourceId,
      target_station_id: station.id,
      claimed_at: nowIso(deps),
    })
    .onConflict((oc) => oc.column('bundle_id').doNothing())
    .execute();
  await addEvent(trx, deps, credentialId, 'transfer_in', {
    bundleId,
    fromStationId: sourceId,
    toStationId: station.id,
    licenses: rows.length,
    moved: move.length,
  });
}
