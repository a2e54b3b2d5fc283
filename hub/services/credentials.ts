import { AppError } from '../../common/errors';
import { newId } from '../../common/ids';
import type {
  AssignInput,
  Credential,
  CredentialEvent,
  CredentialInput,
  CredentialListQuery,
  ImportResult,
  LicenseKind,
  SplitInput,
  SplitResult,
} from '../../common/hub-api';
import { assignInputSchema, credentialInputSchema } from '../../common/hub-api';
import type { License } from '../../common/license';
import type { Tx } from '../store';
import type { CredentialTable, LicenseTable } from '../store/schema';
import { sealAuthkey } from './authkeys';
import type { HubDeps } from './context';
import { getProduct } from './products';
import { divideJobs } from './resources';
import {
  addEvent,
  type CredentialGuard,
  assertNotListGenerated,
  assertOperable,
  chunks,
  countLicenses,
  credentialNotFound,
  loadCredential,
  nowIso,
  toCredential,
} from './util';

export async function createCredential(deps: HubDeps, input: CredentialInput): Promise<Credential> {
  const c = credentialInputSchema.parse(input);
  if (c.owner === 'customer' && !c.customerName)
    throw new AppError('CUSTOMER_NAME_REQUIRED', "A customer's credential needs the customer's name (customerName).");
  await getProduct(deps.store.db, c.pid);
  const now = nowIso(deps);
  const row: CredentialTable = {
    id: newId(),
    pid: c.pid,
    owner: c.owner,
    customer_name: c.customerName ?? null,
    confirmed_at: null,
    delivery_mode: c.deliveryMode,
    purchased_count: 0,
    free_count: 0,
    firmware_key: c.firmwareKey,
    chip: c.chip,
    parent_id: null,
    origin: c.origin,
    factory_id: null,
    line_id: null,
    station_id: null,
    state: 'valid',
    created_at: now,
    updated_at: now,
    name: c.name ?? null,
    order_no: c.orderNo ?? null,
  };
  await deps.store.tx(async (trx) => {
    await trx.insertInto('credentials').values(row).execute();
    await addEvent(trx, deps, row.id, 'created', { pid: c.pid, owner: c.owner, deliveryMode: c.deliveryMode, origin: c.origin });
  });
  return toCredential(row, undefined);
}

/** Credentials, by owner and state; `factoryId`: only those assigned to that factory (a factory account's view). */
export async function listCredentials(
  deps: HubDeps,
  q: CredentialListQuery,
  factoryId: string | null = null,
): Promise<{ credentials: Credential[] }> {
  let query = deps.store.db.selectFrom('credentials').selectAll();
  if (factoryId !== null) query = query.where('factory_id', '=', factoryId);
  if (q.owner) query = query.where('owner', '=', q.owner);
  if (q.state) query = query.where('state', '=', q.state);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  const counts = await countLicenses(
    deps.store.db,
    rows.map((r) => r.id),
  );
  return { credentials: rows.map((r) => toCredential(r, counts.get(r.id))) };
}

export const getCredential = (deps: HubDeps, id: string): Promise<Credential> => loadCredential(deps.store.db, id);

export async function lockCredential(deps: HubDeps, trx: Tx, id: string): Promise<CredentialTable> {
  const row = await deps.store.lockForUpdate(trx.selectFrom('credentials').selectAll().where('id', '=', id)).executeTakeFirst();
  if (!row) throw credentialNotFound(id);
  return row;
}

/** The factory confirms a credential a customer handed over; before that it cannot be used. */
export async function confirmCredential(deps: HubDeps, id: string): Promise<Credential> {
  await deps.store.tx(async (trx) => {
    const row = await lockCredential(deps, trx, id);
    if (row.owner !== 'customer')
      throw new AppError(
        'NOT_A_CUSTOMER_CREDENTIAL',
        `Credential ${id} is the factory's own: only a customer's credential needs confirming.`,
        { credentialId: id },
      );
    if (row.confirmed_at !== null)
      throw new AppError('ALREADY_CONFIRMED', `Credential ${id} was already confirmed on ${row.confirmed_at}.`, { credentialId: id });
    const now = nowIso(deps);
    await trx.updateTable('credentials').set({ confirmed_at: now, updated_at: now }).where('id', '=', id).execute();
    await addEvent(trx, deps, id, 'confirmed', {});
  });
  return getCredential(deps, id);
}

/**
 * A person sets a group's PID on the hub (as a station supervisor does with the `set_pid` sync item).
 * On the hub a group's PID is its product's: that PID is confirmed and recorded, another is refused
 * (PID_IS_PRODUCT), since modules of another product need a product change.
 */
export async function setCredentialPid(deps: HubDeps, id: string, pid: string): Promise<Credential> {
  await deps.store.tx(async (trx) => {
    const cred = await lockCredential(deps, trx, id);
    assertOperable(cred, 'given a PID');
    assertNotListGenerated(cred, 'given a PID');
    await confirmPid(deps, trx, cred, pid, {});
  });
  return getCredential(deps, id);
}

/** Confirms `pid` as the group's PID (it must be its product's) and records it in the group's history with `details`. */
export async function confirmPid(
  deps: HubDeps,
  trx: Tx,
  cred: CredentialTable,
  pid: string,
  details: Record<string, unknown>,
): Promise<void> {
  if (cred.pid !== pid) {
    throw new AppError(
      'PID_IS_PRODUCT',
      `Group ${cred.id} is product ${cred.pid} on the hub, not ${pid}: a group's PID is its product's. Ask for a product change on the hub if these modules are another product.`,
      { credentialId: cred.id, pid: cred.pid },
    );
  }
  await addEvent(trx, deps, cred.id, 'pid_confirmed', { pid, ...details });
}

/** Imports licenses into a credential, all or nothing: one bad, duplicated or already known license refuses the whole list. */
export async function importLicenses(
  deps: HubDeps,
  credentialId: string,
  kind: LicenseKind,
  licenses: readonly License[],
): Promise<ImportResult> {
  const seen = new Map<string, number>();
  licenses.forEach((l, i) => {
    const first = seen.get(l.uuid);
    if (first !== undefined)
      throw new AppError(
        'DUPLICATE_LICENSE',
        `License ${l.uuid} appears twice in the list (rows ${first + 1} and ${i + 1}); nothing was imported.`,
        { uuid: l.uuid, rows: [first + 1, i + 1] },
      );
    seen.set(l.uuid, i);
  });
  const now = nowIso(deps);
  await deps.store.tx(async (trx) => {
    const row = await lockCredential(deps, trx, credentialId);
    assertNotListGenerated(row, 'given more licenses');
    if (row.state === 'confirming_update' || row.state === 'being_paid') assertOperable(row, 'changed');
    const uuids = licenses.map((l) => l.uuid);
    for (const part of chunks(uuids, 1000)) {
      const known = await trx.selectFrom('licenses').select(['uuid', 'credential_id']).where('uuid', 'in', part).limit(5).execute();
      if (known.length > 0) {
        throw new AppError(
          'LICENSE_EXISTS',
          `License ${known[0]!.uuid} is already on the hub (credential ${known[0]!.credential_id}); nothing was imported.`,
          { uuids: known.map((k) => k.uuid) },
        );
      }
    }
    const rows: LicenseTable[] = licenses.map((l) => ({
      uuid: l.uuid,
      credential_id: credentialId,
      authkey: sealAuthkey(deps.keyring, l.uuid, l.authkey),
      mac: l.mac ? l.mac.toUpperCase() : null,
      kind,
      status: 'unused',
      station_id: null,
      lease_seq: null,
      leased_at: null,
      burned_at: null,
      burned_pid: null,
      burned_mac: null,
      spoiled_reason: null,
      rejected_reason: null,
      imported_at: now,
    }));
    for (const part of chunks(rows, 1000)) await trx.insertInto('licenses').values(part).execute();
    await trx
      .updateTable('credentials')
      .set((eb) => ({
        [kind === 'purchased' ? 'purchased_count' : 'free_count']: eb(
          kind === 'purchased' ? 'purchased_count' : 'free_count',
          '+',
          licenses.length,
        ),
        updated_at: now,
      }))
      .where('id', '=', credentialId)
      .execute();
    await addEvent(trx, deps, credentialId, 'imported', { kind, count: licenses.length });
  });
  deps.logger.info({ credentialId, kind, count: licenses.length }, 'licenses imported');
  const c = await getCredential(deps, credentialId);
  return { credentialId, imported: licenses.length, purchased: c.purchased, free: c.free };
}

/**
 * Split quantity: `purchased` + `free` licenses that are unused and at the hub
 * move to a new credential with the same production details. The parent row is
 * locked first, so two splits of one credential run one after the other and
 * can never hand out more than it holds.
 */
export async function splitCredential(deps: HubDeps, credentialId: string, input: SplitInput): Promise<SplitResult> {
  if (
    !Number.isSafeInteger(input.purchased) ||
    !Number.isSafeInteger(input.free) ||
    input.purchased < 0 ||
    input.free < 0 ||
    input.purchased + input.free === 0
  ) {
    throw new AppError(
      'SPLIT_EMPTY',
      'A split takes at least one license: give whole numbers of purchased and free licenses, not both 0.',
      { credentialId },
    );
  }
  const childId = newId();
  await deps.store.tx(async (trx) => {
    const parent = await lockCredential(deps, trx, credentialId);
    assertOperable(parent, 'split');
    assertNotListGenerated(parent, 'split');
    const picked: string[] = [];
    const short: string[] = [];
    for (const [kind, want] of [
      ['purchased', input.purchased],
      ['free', input.free],
    ] as const) {
      if (want === 0) continue;
      // SKIP LOCKED: licenses a concurrent pull is leasing right now are not "unused at the hub" for us.
      const rows = await deps.store
        .lockForUpdate(
          trx
            .selectFrom('licenses')
            .select('uuid')
            .where('credential_id', '=', credentialId)
            .where('kind', '=', kind)
            .where('status', '=', 'unused')
            .where('station_id', 'is', null)
            .orderBy('uuid')
            .limit(want),
          { skipLocked: true },
        )
        .execute();
      if (rows.length < want) short.push(`${want} ${kind} asked, ${rows.length} unused`);
      picked.push(...rows.map((r) => r.uuid));
    }
    if (short.length > 0) {
      throw new AppError(
        'SPLIT_EXCEEDS_UNUSED',
        `Credential ${credentialId} does not have that many unused licenses at the hub (${short.join('; ')}). Nothing was split.`,
        { credentialId, purchased: input.purchased, free: input.free },
      );
    }
    await createChild(
      deps,
      trx,
      parent,
      childId,
      { factory_id: parent.factory_id, line_id: null, station_id: null },
      input.purchased,
      input.free,
    );
    await moveToChild(deps, trx, credentialId, childId, picked);
    await addEvent(trx, deps, credentialId, 'split', { childId, purchased: input.purchased, free: input.free, by: 'admin' });
  });
  deps.logger.info({ credentialId, childId, ...input }, 'credential split');
  return { parent: await getCredential(deps, credentialId), child: await getCredential(deps, childId) };
}

/** Inserts the child of a split and takes its counts off the parent; production details are copied unchanged. */
export async function createChild(
  deps: HubDeps,
  trx: Tx,
  parent: CredentialTable,
  childId: string,
  assignment: Pick<CredentialTable, 'factory_id' | 'line_id' | 'station_id'>,
  purchased: number,
  free: number,
): Promise<void> {
  const now = nowIso(deps);
  await trx
    .insertInto('credentials')
    .values({
      ...parent,
      ...assignment,
      id: childId,
      parent_id: parent.id,
      origin: parent.origin === 'replacement' ? 'replacement' : 'split',
      purchased_count: purchased,
      free_count: free,
      state: parent.state === 'updated' ? 'updated' : 'valid',
      created_at: now,
      updated_at: now,
    })
    .execute();
  await trx
    .updateTable('credentials')
    .set((eb) => ({ purchased_count: eb('purchased_count', '-', purchased), free_count: eb('free_count', '-', free), updated_at: now }))
    .where('id', '=', parent.id)
    .execute();
  await addEvent(trx, deps, childId, 'created_by_split', { parentId: parent.id, purchased, free });
}

/** Moves a split's licenses (with the resources made for them) to the child; the child gets a job for the resources still to make. */
export async function moveToChild(deps: HubDeps, trx: Tx, parentId: string, childId: string, uuids: readonly string[]): Promise<void> {
  for (const part of chunks(uuids, 1000))
    await trx.updateTable('licenses').set({ credential_id: childId }).where('uuid', 'in', part).execute();
  await divideJobs(deps, trx, parentId, childId);
}

/** Assigns a credential to a factory, optionally a line of it and a station of that line. */
export async function assignCredential(
  deps: HubDeps,
  credentialId: string,
  input: AssignInput,
  guard?: CredentialGuard,
): Promise<Credential> {
  const a = assignInputSchema.parse(input);
  await deps.store.tx(async (trx) => {
    const row = await lockCredential(deps, trx, credentialId);
    guard?.(row);
    // Planning where a customer's credential goes is fine before it is confirmed; using it is not.
    assertOperable(row, 'changed', { needsConfirmation: false });
    const target = await resolveAssignment(trx, a.factoryId, a.lineId, a.stationId);
    await trx
      .updateTable('credentials')
      .set({ ...target, updated_at: nowIso(deps) })
      .where('id', '=', credentialId)
      .execute();
    await addEvent(trx, deps, credentialId, 'assigned', {
      factoryId: target.factory_id,
      lineId: target.line_id,
      stationId: target.station_id,
    });
  });
  return getCredential(deps, credentialId);
}

async function resolveAssignment(
  trx: Tx,
  factoryId: string | null,
  lineId: string | null,
  stationId: string | null,
): Promise<Pick<CredentialTable, 'factory_id' | 'line_id' | 'station_id'>> {
  if (factoryId === null) {
    if (lineId !== null || stationId !== null)
      throw new AppError('ASSIGNMENT_INCONSISTENT', 'A line or station needs its factory: give factoryId too.');
    return { factory_id: null, line_id: null, station_id: null };
  }
  const factory = await trx.selectFrom('factories').select('id').where('id', '=', factoryId).executeTakeFirst();
  if (!factory) throw new AppError('FACTORY_NOT_FOUND', `There is no factory ${factoryId}.`, { factoryId });
  let line = lineId;
  if (stationId !== null) {
    const st = await trx.selectFrom('stations').select(['id', 'line_id', 'factory_id']).where('id', '=', stationId).executeTakeFirst();
    if (!st) throw new AppError('STATION_NOT_FOUND', `There is no station ${stationId}.`, { stationId });
    if (st.factory_id !== factoryId || (line !== null && st.line_id !== line))
      throw new AppError('ASSIGNMENT_INCONSISTENT', `Station ${stationId} is not on that factory/line.`, { stationId });
    line = st.line_id;
  }
  if (line !== null) {
    const l = await trx.selectFrom('lines').select(['id', 'factory_id']).where('id', '=', line).executeTakeFirst();
    if (!l) throw new AppError('LINE_NOT_FOUND', `There is no line ${line}.`, { lineId: line });
    if (l.factory_id !== factoryId)
      throw new AppError('ASSIGNMENT_INCONSISTENT', `Line ${line} belongs to another factory.`, { lineId: line });
  }
  return { factory_id: factoryId, line_id: line, station_id: stationId };
}

export async function credentialHistory(deps: HubDeps, credentialId: string): Promise<{ events: CredentialEvent[] }> {
  await getCredential(deps, credentialId);
  const rows = await deps.store.db
    .selectFrom('credential_events')
    .selectAll()
    .where('credential_id', '=', credentialId)
    .orderBy('seq')
    .execute();
  return {
    events: rows.map((r) => ({
      id: r.id,
      credentialId: r.credential_id,
      at: r.at,
      kind: r.kind,
      details: JSON.parse(r.details) as Record<string, unknown>,
    })),
  };
}
