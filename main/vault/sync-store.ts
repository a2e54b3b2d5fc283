import { AppError } from '../../common/errors';
import type { Vault } from './vault';
import type { VaultDb } from './db';

/**
 * The SQL of station sync (tables from sync-schema.ts): the outbox, what the
 * hub said about each group, offline operations, transfer tombstones. main/sync
 * holds the rules; this file only reads and writes rows, always with bound values.
 */

export type OutboxKind = 'burn' | 'spoiled' | 'rejected' | 'release' | 'set_pid' | 'split' | 'reassign' | 'transfer_out' | 'transfer_in';
export type OperationKind = 'split' | 'reassign' | 'transfer_out' | 'transfer_in';
export type OperationStatus = 'pending' | 'applied' | 'rejected';

export interface OutboxRow {
  seq: number;
  idemKey: string;
  kind: OutboxKind;
  uuid: string | null;
  refId: number | null;
  opId: string | null;
  payload: Record<string, unknown>;
  createdAt: number;
  attempts: number;
}

export interface HubGroupMeta {
  groupId: string;
  hubState: string;
  usable: boolean;
  assignedToYou: boolean;
  syncBlock: string | null;
  productName: string;
  deliveryMode: string;
  purchased: number;
  free: number;
  parentId: string | null;
  hubLineId: string | null;
  hubStationId: string | null;
  firmwareKey: string;
  chip: string;
  slotIds: string[];
  localLine: string | null;
}

export interface OperationRow {
  id: string;
  kind: OperationKind;
  groupId: string;
  summary: string;
  detail: Record<string, unknown>;
  status: OperationStatus;
  code: string | null;
  reason: string | null;
  localAction: string | null;
  createdAt: number;
  settledAt: number | null;
}

export interface NewLicense {
  uuid: string;
  sealed: Buffer;
  mac: string | null;
  pid: string | null;
  free: boolean;
}

export interface HeldLicense {
  uuid: string;
  state: string;
  mac: string | null;
  pid: string | null;
  sealed: Buffer;
  free: boolean;
}

interface OutboxDbRow {
  seq: number;
  idem_key: string;
  kind: OutboxKind;
  uuid: string | null;
  ref_id: number | null;
  op_id: string | null;
  payload: string;
  created_at: number;
  attempts: number;
}
interface MetaDbRow {
  group_id: string;
  hub_state: string;
  usable: number;
  assigned_to_you: number;
  sync_block: string | null;
  product_name: string;
  delivery_mode: string;
  purchased: number;
  free: number;
  parent_id: string | null;
  hub_line_id: string | null;
  hub_station_id: string | null;
  firmware_key: string;
  chip: string;
  slot_ids: string;
  local_line: string | null;
}
interface OpDbRow {
  id: string;
  kind: OperationKind;
  group_id: string;
  summary: string;
  detail: string;
  status: OperationStatus;
  code: string | null;
  reason: string | null;
  local_action: string | null;
  created_at: number;
  settled_at: number | null;
}

const metaFromRow = (r: MetaDbRow): HubGroupMeta => ({
  groupId: r.group_id,
  hubState: r.hub_state,
  usable: r.usable === 1,
  assignedToYou: r.assigned_to_you === 1,
  syncBlock: r.sync_block,
  productName: r.product_name,
  deliveryMode: r.delivery_mode,
  purchased: r.purchased,
  free: r.free,
  parentId: r.parent_id,
  hubLineId: r.hub_line_id,
  hubStationId: r.hub_station_id,
  firmwareKey: r.firmware_key,
  chip: r.chip,
  slotIds: JSON.parse(r.slot_ids) as string[],
  localLine: r.local_line,
});
const opFromRow = (r: OpDbRow): OperationRow => ({
  id: r.id,
  kind: r.kind,
  groupId: r.group_id,
  summary: r.summary,
  detail: JSON.parse(r.detail) as Record<string, unknown>,
  status: r.status,
  code: r.code,
  reason: r.reason,
  localAction: r.local_action,
  createdAt: r.created_at,
  settledAt: r.settled_at,
});

/** SQLite binds at most 32766 values per statement; stay well below. */
const IN_CHUNK = 500;
function* chunked<T>(items: readonly T[], size = IN_CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
const marks = (n: number): string => new Array<string>(n).fill('?').join(',');

export class SyncStore {
  readonly vault: Vault;
  readonly db: VaultDb;
  readonly #insertLicense;
  readonly #insertFree;
  readonly #enqueue;
  readonly #licensesIn;
  readonly #tombstoned;

  constructor(vault: Vault) {
    this.vault = vault;
    this.db = vault.db;
    this.#insertLicense = this.db.prepare(
      "INSERT OR IGNORE INTO licenses (group_key, uuid, sealed_authkey, mac, pid, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'available', ?, ?)",
    );
    this.#insertFree = this.db.prepare('INSERT OR IGNORE INTO sync_free_licenses (uuid) VALUES (?)');
    this.#licensesIn = this.db.prepare<string[], { uuid: string }>(`SELECT uuid FROM licenses WHERE uuid IN (${marks(IN_CHUNK)})`);
    this.#tombstoned = this.db.prepare<[string], { one: number }>('SELECT 1 AS one FROM transfer_tombstones WHERE uuid = ?');
    this.#enqueue = this.db.prepare(
      'INSERT OR IGNORE INTO sync_outbox (idem_key, kind, uuid, ref_id, op_id, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
  }

  /** One immediate transaction (nested calls become savepoints). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // ---------- groups ----------

  groupKey(groupId: string): number {
    const row = this.db.prepare<[string], { key: number }>('SELECT key FROM credential_groups WHERE id = ?').get(groupId);
    if (!row) throw new AppError('GROUP_NOT_FOUND', `There is no credential group ${groupId} in this vault; pick one from the list.`);
    return row.key;
  }

  hasGroup(groupId: string): boolean {
    return this.db.prepare('SELECT 1 FROM credential_groups WHERE id = ?').get(groupId) !== undefined;
  }

  /** A group the hub knows: its local id is the hub's credential id. */
  createHubGroup(groupId: string, name: string, pid: string | null, source: string): void {
    this.db
      .prepare(
        "INSERT INTO credential_groups (id, name, pid, hub_credential_id, state, source, license_count, created_at) VALUES (?, ?, ?, ?, 'active', ?, 0, ?)",
      )
      .run(groupId, name, pid, groupId, source, this.vault.clock.now());
  }

  deleteGroup(groupId: string): void {
    this.db.prepare('DELETE FROM sync_groups WHERE group_id = ?').run(groupId);
    this.db.prepare('DELETE FROM credential_groups WHERE id = ?').run(groupId);
  }

  meta(groupId: string): HubGroupMeta | undefined {
    const row = this.db.prepare<[string], MetaDbRow>('SELECT * FROM sync_groups WHERE group_id = ?').get(groupId);
    return row ? metaFromRow(row) : undefined;
  }

  allMeta(): HubGroupMeta[] {
    return this.db.prepare<[], MetaDbRow>('SELECT * FROM sync_groups ORDER BY group_id').all().map(metaFromRow);
  }

  /** Stores what the hub says; keeps the station's own fields (sync block, slots, line). */
  upsertMeta(
    m: Omit<HubGroupMeta, 'syncBlock' | 'slotIds' | 'localLine'> & Partial<Pick<HubGroupMeta, 'syncBlock' | 'slotIds' | 'localLine'>>,
  ): void {
    this.db
      .prepare(
        `
      INSERT INTO sync_groups (group_id, hub_state, usable, assigned_to_you, sync_block, product_name, delivery_mode, purchased, free, parent_id, hub_line_id, hub_station_id, firmware_key, chip, slot_ids, local_line, updated_at)
      VALUES (@groupId, @hubState, @usable, @assignedToYou, @syncBlock, @productName, @deliveryMode, @purchased, @free, @parentId, @hubLineId, @hubStationId, @firmwareKey, @chip, @slotIds, @localLine, @now)
      ON CONFLICT (group_id) DO UPDATE SET hub_state = excluded.hub_state, usable = excluded.usable, assigned_to_you = excluded.assigned_to_you, product_name = excluded.product_name,
        delivery_mode = excluded.delivery_mode, purchased = excluded.purchased, free = excluded.free, parent_id = excluded.parent_id, hub_line_id = excluded.hub_line_id,
        hub_station_id = excluded.hub_station_id, firmware_key = excluded.firmware_key, chip = excluded.chip, updated_at = excluded.updated_at
    `,
      )
      .run({
        ...m,
        usable: m.usable ? 1 : 0,
        assignedToYou: m.assignedToYou ? 1 : 0,
        syncBlock: m.syncBlock ?? null,
        slotIds: JSON.stringify(m.slotIds ?? []),
        localLine: m.localLine ?? null,
        now: this.vault.clock.now(),
      });
  }

  setSyncBlock(groupId: string, reason: string | null): void {
    this.db.prepare('UPDATE sync_groups SET sync_block = ? WHERE group_id = ?').run(reason, groupId);
  }

  setAssignment(groupId: string, slotIds: readonly string[], localLine: string | null): void {
    this.db
      .prepare('UPDATE sync_groups SET slot_ids = ?, local_line = ? WHERE group_id = ?')
      .run(JSON.stringify(slotIds), localLine, groupId);
  }

  /** Slots are bound to one group at a time: take them from any other group. */
  unbindSlots(slotIds: readonly string[], exceptGroupId: string): void {
    if (slotIds.length === 0) return;
    for (const m of this.allMeta()) {
      if (m.groupId === exceptGroupId) continue;
      const kept = m.slotIds.filter((s) => !slotIds.includes(s));
      if (kept.length !== m.slotIds.length) this.setAssignment(m.groupId, kept, m.localLine);
    }
  }

  // ---------- licenses ----------

  /** The uuids of `uuids` that the vault holds or has sent away in a bundle. */
  knownUuids(uuids: readonly string[]): Set<string> {
    const known = new Set<string>();
    const tombstones = this.db.prepare('SELECT 1 FROM transfer_tombstones LIMIT 1').get() !== undefined;
    for (const part of chunked(uuids)) {
      const stmt =
        part.length === IN_CHUNK
          ? this.#licensesIn
          : this.db.prepare<string[], { uuid: string }>(`SELECT uuid FROM licenses WHERE uuid IN (${marks(part.length)})`);
      for (const r of stmt.all(...part)) known.add(r.uuid);
      if (tombstones) for (const u of part) if (this.#tombstoned.get(u) !== undefined) known.add(u);
    }
    return known;
  }

  /** Inserts sealed licenses into a group (inside the caller's transaction); returns how many were new. */
  insertLicenses(groupId: string, rows: readonly NewLicense[]): number {
    const key = this.groupKey(groupId);
    const now = this.vault.clock.now();
    let added = 0;
    for (const r of rows) {
      if (this.#insertLicense.run(key, r.uuid, r.sealed, r.mac, r.pid, now, now).changes === 1) {
        added++;
        if (r.free) this.#insertFree.run(r.uuid);
      }
    }
    if (added > 0) this.db.prepare('UPDATE credential_groups SET license_count = license_count + ? WHERE key = ?').run(added, key);
    return added;
  }

  /** Available licenses of a group, oldest first, with their kind. */
  availableLicenses(groupId: string): { uuid: string; free: boolean }[] {
    return this.db
      .prepare<[number], { uuid: string; free: number }>(
        "SELECT l.uuid, (f.uuid IS NOT NULL) AS free FROM licenses l LEFT JOIN sync_free_licenses f ON f.uuid = l.uuid WHERE l.group_key = ? AND l.state = 'available' ORDER BY l.id",
      )
      .all(this.groupKey(groupId))
      .map((r) => ({ uuid: r.uuid, free: r.free === 1 }));
  }

  /** Licenses (sealed) of the group, in the given states. */
  heldLicenses(uuids: readonly string[]): HeldLicense[] {
    const out: HeldLicense[] = [];
    for (const part of chunked(uuids)) {
      out.push(
        ...this.db
          .prepare<string[], { uuid: string; state: string; mac: string | null; pid: string | null; sealed_authkey: Buffer; free: number }>(
            `SELECT l.uuid, l.state, l.mac, l.pid, l.sealed_authkey, (f.uuid IS NOT NULL) AS free FROM licenses l LEFT JOIN sync_free_licenses f ON f.uuid = l.uuid WHERE l.uuid IN (${marks(part.length)})`,
          )
          .all(...part)
          .map((r) => ({ uuid: r.uuid, state: r.state, mac: r.mac, pid: r.pid, sealed: r.sealed_authkey, free: r.free === 1 })),
      );
    }
    return out;
  }

  groupOf(uuid: string): string | null {
    return (
      this.db
        .prepare<[string], { id: string }>('SELECT g.id FROM licenses l JOIN credential_groups g ON g.key = l.group_key WHERE l.uuid = ?')
        .get(uuid)?.id ?? null
    );
  }

  /** Deletes licenses that are still available (released to the hub or sent away); returns the uuids deleted. */
  removeAvailable(uuids: readonly string[]): string[] {
    const removed: string[] = [];
    const del = this.db.prepare<[string], { group_key: number }>(
      "DELETE FROM licenses WHERE uuid = ? AND state = 'available' RETURNING group_key",
    );
    const perGroup = new Map<number, number>();
    for (const u of uuids) {
      const r = del.get(u);
      if (!r) continue;
      removed.push(u);
      perGroup.set(r.group_key, (perGroup.get(r.group_key) ?? 0) + 1);
    }
    for (const [key, n] of perGroup)
      this.db.prepare('UPDATE credential_groups SET license_count = license_count - ? WHERE key = ?').run(n, key);
    for (const part of chunked(removed))
      this.db.prepare(`DELETE FROM sync_free_licenses WHERE uuid IN (${marks(part.length)})`).run(...part);
    return removed;
  }

  /** Moves licenses (any state) to another group, with their burn records; returns how many moved. */
  moveLicenses(uuids: readonly string[], toGroupId: string): number {
    const to = this.groupKey(toGroupId);
    let moved = 0;
    const perGroup = new Map<number, number>();
    const get = this.db.prepare<[string], { group_key: number }>('SELECT group_key FROM licenses WHERE uuid = ?');
    const upd = this.db.prepare('UPDATE licenses SET group_key = ? WHERE uuid = ?');
    const burns = this.db.prepare('UPDATE burn_records SET group_id = ? WHERE uuid = ?');
    for (const u of uuids) {
      const r = get.get(u);
      if (!r || r.group_key === to) continue;
      upd.run(to, u);
      burns.run(toGroupId, u);
      perGroup.set(r.group_key, (perGroup.get(r.group_key) ?? 0) + 1);
      moved++;
    }
    for (const [key, n] of perGroup)
      this.db.prepare('UPDATE credential_groups SET license_count = license_count - ? WHERE key = ?').run(n, key);
    this.db.prepare('UPDATE credential_groups SET license_count = license_count + ? WHERE key = ?').run(moved, to);
    return moved;
  }

  licenseUuidsOfGroup(groupId: string): string[] {
    return this.db
      .prepare<[number], { uuid: string }>('SELECT uuid FROM licenses WHERE group_key = ? ORDER BY id')
      .all(this.groupKey(groupId))
      .map((r) => r.uuid);
  }

  licenseState(uuid: string): string | null {
    return this.db.prepare<[string], { state: string }>('SELECT state FROM licenses WHERE uuid = ?').get(uuid)?.state ?? null;
  }

  // ---------- outbox ----------

  enqueue(item: {
    key: string;
    kind: OutboxKind;
    uuid?: string | null;
    refId?: number | null;
    opId?: string | null;
    payload: Record<string, unknown>;
  }): boolean {
    return (
      this.#enqueue.run(
        item.key,
        item.kind,
        item.uuid ?? null,
        item.refId ?? null,
        item.opId ?? null,
        JSON.stringify(item.payload),
        this.vault.clock.now(),
      ).changes === 1
    );
  }

  /** The oldest outbox rows, in push order. */
  outboxBatch(limit: number): OutboxRow[] {
    return this.db
      .prepare<[number], OutboxDbRow>(
        `SELECT o.seq, o.idem_key, o.kind, o.uuid, o.ref_id, o.op_id, o.payload, o.created_at, o.attempts FROM sync_outbox o ORDER BY o.seq LIMIT ?`,
      )
      .all(limit)
      .map((r) => ({
        seq: r.seq,
        idemKey: r.idem_key,
        kind: r.kind,
        uuid: r.uuid,
        refId: r.ref_id,
        opId: r.op_id,
        payload: JSON.parse(r.payload) as Record<string, unknown>,
        createdAt: r.created_at,
        attempts: r.attempts,
      }));
  }

  outboxCount(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sync_outbox').get()?.n ?? 0;
  }

  outboxKeys(): string[] {
    return this.db
      .prepare<[], { idem_key: string }>('SELECT idem_key FROM sync_outbox ORDER BY seq')
      .all()
      .map((r) => r.idem_key);
  }

  /** The hub acknowledged these: they leave the outbox. */
  removeFromOutbox(keys: readonly string[]): void {
    const del = this.db.prepare('DELETE FROM sync_outbox WHERE idem_key = ?');
    for (const k of keys) del.run(k);
  }

  noteAttempt(keys: readonly string[], error: string): void {
    const upd = this.db.prepare('UPDATE sync_outbox SET attempts = attempts + 1, last_error = ? WHERE idem_key = ?');
    this.tx(() => keys.forEach((k) => upd.run(error, k)));
  }

  recordRejected(r: { key: string; kind: string; uuid: string | null; code: string; reason: string }): void {
    this.db
      .prepare('INSERT OR REPLACE INTO sync_rejected (idem_key, kind, uuid, code, reason, at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(r.key, r.kind, r.uuid, r.code, r.reason, this.vault.clock.now());
  }

  rejectedItems(): { key: string; kind: string; uuid: string | null; code: string; reason: string; at: number }[] {
    return this.db
      .prepare<[], { idem_key: string; kind: string; uuid: string | null; code: string; reason: string; at: number }>(
        'SELECT * FROM sync_rejected ORDER BY at, idem_key',
      )
      .all()
      .map((r) => ({ key: r.idem_key, kind: r.kind, uuid: r.uuid, code: r.code, reason: r.reason, at: r.at }));
  }

  // ---------- operations ----------

  insertOperation(op: { id: string; kind: OperationKind; groupId: string; summary: string; detail: Record<string, unknown> }): void {
    this.db
      .prepare("INSERT INTO sync_operations (id, kind, group_id, summary, detail, status, created_at) VALUES (?, ?, ?, ?, ?, 'pending', ?)")
      .run(op.id, op.kind, op.groupId, op.summary, JSON.stringify(op.detail), this.vault.clock.now());
  }

  operation(id: string): OperationRow | undefined {
    const row = this.db.prepare<[string], OpDbRow>('SELECT * FROM sync_operations WHERE id = ?').get(id);
    return row ? opFromRow(row) : undefined;
  }

  operations(kinds?: readonly OperationKind[]): OperationRow[] {
    const rows = this.db.prepare<[], OpDbRow>('SELECT * FROM sync_operations ORDER BY created_at, rowid').all().map(opFromRow);
    return kinds ? rows.filter((r) => kinds.includes(r.kind)) : rows;
  }

  settleOperation(
    id: string,
    s: { status: 'applied' | 'rejected'; code?: string | null; reason?: string | null; localAction?: string | null },
  ): void {
    this.db
      .prepare('UPDATE sync_operations SET status = ?, code = ?, reason = ?, local_action = ?, settled_at = ? WHERE id = ?')
      .run(s.status, s.code ?? null, s.reason ?? null, s.localAction ?? null, this.vault.clock.now(), id);
  }

  // ---------- transfer bundles ----------

  tombstone(uuids: readonly string[], bundleId: string, groupId: string): void {
    const ins = this.db.prepare('INSERT INTO transfer_tombstones (uuid, bundle_id, group_id, at) VALUES (?, ?, ?, ?)');
    const now = this.vault.clock.now();
    for (const u of uuids) ins.run(u, bundleId, groupId, now);
  }

  tombstoneCount(bundleId: string): number {
    return (
      this.db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM transfer_tombstones WHERE bundle_id = ?').get(bundleId)?.n ?? 0
    );
  }

  importedBundle(bundleId: string): { groupId: string; licenses: number; at: number } | undefined {
    const r = this.db
      .prepare<[string], { group_id: string; licenses: number; at: number }>(
        'SELECT group_id, licenses, at FROM transfer_imports WHERE bundle_id = ?',
      )
      .get(bundleId);
    return r ? { groupId: r.group_id, licenses: r.licenses, at: r.at } : undefined;
  }

  recordImport(bundleId: string, sourceStationId: string, groupId: string, licenses: number): void {
    this.db
      .prepare('INSERT INTO transfer_imports (bundle_id, source_station_id, group_id, licenses, at) VALUES (?, ?, ?, ?, ?)')
      .run(bundleId, sourceStationId, groupId, licenses, this.vault.clock.now());
  }
}
