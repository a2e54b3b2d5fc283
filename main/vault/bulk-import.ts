import { newId } from '../../common/ids';
import { AppError } from '../../common/errors';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/log';
import type { LicenseListError, LicenseListRow } from '../../common/import';
import type { AuditLog } from './audit';
import type { VaultDb } from './db';
import { SealPipeline } from './seal-pipeline';
import type { CredentialGroup } from './vault';
import { diskFullError, isDiskFullError } from './failures';

/**
 * The vault's bulk import: a license list (or a pulled page) into a credential group, all or
 * nothing, fast (many rows per INSERT, sealing on a worker thread for big lists). It sees the vault
 * only through `ImportTarget`: its tables, audit, clock, and sealing with its data key.
 */
export interface ImportTarget {
  db: VaultDb;
  audit: AuditLog;
  clock: Clock;
  logger: Logger;
  getGroup(id: string): CredentialGroup;
  sealAuthkey(uuid: string, authkey: string): Buffer;
  /** The raw data key for the seal worker; the caller wipes it. */
  exportRawKey(): Buffer;
}

export interface ImportProgress {
  phase: 'parse' | 'seal' | 'write' | 'done';
  done: number;
  total: number;
}

export interface ImportOptions {
  /** Shown to operators; defaults to the file name. */
  groupName?: string;
  pid?: string;
  hubCredentialId?: string;
  /** Add to this existing group instead of creating one (sync pulls licenses page by page). */
  groupId?: string;
  onProgress?: (progress: ImportProgress) => void;
}

export type ImportReport = { ok: true; groupId: string; imported: number } | { ok: false; errors: LicenseListError[] };

/** A license as it goes into the vault (authkey in the clear only in memory). */
export type LicenseInput = Pick<LicenseListRow, 'uuid' | 'authkey' | 'mac' | 'pid'> & { line?: number };

const SEAL_CHUNK = 5000;
/** From this many rows, sealing runs on a worker thread alongside the inserts. */
const PIPELINE_MIN_ROWS = 20_000;
const INSERT_BATCH = 64;

// Character checks by a class table instead of regular expressions: a cold regex costs ~40 ms
// on 100k rows, comparisons ~40 ms, the table ~15 ms.
const UUID_CHAR = 1; // [0-9a-z], as common/license.ts
const AUTHKEY_CHAR = 2; // [0-9A-Za-z]
const MAC_CHAR = 4; // [0-9A-F]
const CHAR_CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CHAR_CLASS[c] = UUID_CHAR | AUTHKEY_CHAR | MAC_CHAR;
for (let c = 97; c <= 122; c++) CHAR_CLASS[c] = UUID_CHAR | AUTHKEY_CHAR;
for (let c = 65; c <= 90; c++) CHAR_CLASS[c] = AUTHKEY_CHAR | (c <= 70 ? MAC_CHAR : 0);

function allOfClass(v: string, charClass: number): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c > 127 || ((CHAR_CLASS[c] as number) & charClass) === 0) return false;
  }
  return true;
}
/** 16 or 20 of [0-9a-z]. */
const isUuid = (v: string): boolean => typeof v === 'string' && (v.length === 16 || v.length === 20) && allOfClass(v, UUID_CHAR);
/** 32 of [0-9A-Za-z]. */
const isAuthkey = (v: string): boolean => typeof v === 'string' && v.length === 32 && allOfClass(v, AUTHKEY_CHAR);
/** 12 of [0-9A-F]. */
const isMac = (v: string): boolean => typeof v === 'string' && v.length === 12 && allOfClass(v, MAC_CHAR);

class DuplicatesFound extends Error {
  constructor(readonly rows: { row: LicenseInput; index: number }[]) {
    super('duplicates against the vault or within the rows');
  }
}

/**
 * Every bad row of a list, by line. `repeats`: also DUPLICATE_UUID for a uuid an earlier row has;
 * good lists skip that (a set of 100k uuids costs ~50 ms) because the unique uuid index finds
 * repeats during the insert, which then rolls back and checks again with `repeats`.
 */
function checkRows(rows: readonly LicenseInput[], repeats: boolean): LicenseListError[] {
  const errors: LicenseListError[] = [];
  const seen = repeats ? new Set<string>() : null;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as LicenseInput;
    const line = row.line ?? i + 1;
    if (!isUuid(row.uuid)) errors.push({ line, code: 'BAD_UUID', reason: `uuid "${row.uuid}" is not 16 or 20 characters of 0-9 and a-z.` });
    else if (seen?.has(row.uuid)) errors.push({ line, code: 'DUPLICATE_UUID', reason: `uuid ${row.uuid} is repeated.` });
    seen?.add(row.uuid);
    if (!isAuthkey(row.authkey)) errors.push({ line, code: 'BAD_AUTHKEY', reason: 'authkey is not 32 characters of 0-9, a-z and A-Z.' });
    if (row.mac !== undefined && !isMac(row.mac))
      errors.push({ line, code: 'BAD_MAC', reason: `MAC "${row.mac}" is not 12 upper-case hexadecimal digits.` });
  }
  return errors;
}

/** Imports rows that did not come from a file (sync). Validated like a file; all or nothing. */
export async function importRows(
  t: ImportTarget,
  rows: readonly LicenseInput[],
  options: ImportOptions & { source?: string } = {},
): Promise<ImportReport> {
  // Big lists: the seal workers boot while this thread validates (a refused list closes them unused).
  const pipeline = rows.length >= PIPELINE_MIN_ROWS ? startPipeline(t, rows) : null;
  if (checkRows(rows, false).length > 0) {
    pipeline?.close();
    return { ok: false, errors: checkRows(rows, true) };
  }
  return importValidated(
    t,
    rows,
    { ...options, groupName: options.groupName ?? options.source ?? 'imported licenses', source: options.source ?? null },
    pipeline,
  );
}

function startPipeline(t: ImportTarget, rows: readonly LicenseInput[]): SealPipeline {
  const raw = t.exportRawKey();
  try {
    return SealPipeline.start(raw, rows, (i) => {
      const row = rows[i] as LicenseInput;
      return t.sealAuthkey(row.uuid, row.authkey);
    });
  } finally {
    raw.fill(0);
  }
}

/** Imports rows already validated (a parsed file), all or nothing; closes `started` (a pipeline begun during validation) either way. */
export async function importValidated(
  t: ImportTarget,
  rows: readonly LicenseInput[],
  options: ImportOptions & { groupName: string; source: string | null },
  started: SealPipeline | null = null,
): Promise<ImportReport> {
  try {
    return await importSealed(t, rows, options, started);
  } finally {
    started?.close();
  }
}

async function importSealed(
  t: ImportTarget,
  rows: readonly LicenseInput[],
  options: ImportOptions & { groupName: string; source: string | null },
  started: SealPipeline | null,
): Promise<ImportReport> {
  const total = rows.length;
  const progress = options.onProgress;
  if (options.groupId !== undefined) t.getGroup(options.groupId);
  if (options.hubCredentialId !== undefined && options.groupId === undefined) {
    const taken = t.db
      .prepare<[string], { id: string }>('SELECT id FROM credential_groups WHERE hub_credential_id = ?')
      .get(options.hubCredentialId);
    if (taken)
      throw new AppError(
        'GROUP_EXISTS',
        `Hub credential ${options.hubCredentialId} is already group ${taken.id}; add the licenses to that group.`,
      );
  }

  // Sealing costs more than inserting. Big files: a worker seals while this thread inserts.
  // Small ones: seal here first, yielding so the UI stays live.
  let pipeline = started;
  let sealed: Buffer[] = [];
  if (!pipeline && total >= PIPELINE_MIN_ROWS) {
    pipeline = startPipeline(t, rows);
  } else if (!pipeline) {
    sealed = new Array<Buffer>(total);
    for (let start = 0; start < total; start += SEAL_CHUNK) {
      const end = Math.min(total, start + SEAL_CHUNK);
      for (let i = start; i < end; i++) {
        const row = rows[i] as LicenseInput;
        sealed[i] = t.sealAuthkey(row.uuid, row.authkey);
      }
      progress?.({ phase: 'seal', done: end, total });
      if (end < total) await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  const groupId = options.groupId ?? newId();
  const pids = new Set(rows.map((r) => r.pid).filter((p): p is string => p !== undefined));
  const pid = options.pid ?? (pids.size === 1 ? [...pids][0] : undefined) ?? null;
  const now = t.clock.now();
  // Many rows per statement: the per-statement cost, not SQLite, dominates a plain insert loop.
  const columns = '(group_key, uuid, sealed_authkey, mac, pid, state, created_at, updated_at)';
  const sqlFor = (n: number): string =>
    `INSERT OR IGNORE INTO licenses ${columns} VALUES ${Array.from({ length: n }, () => "(?, ?, ?, ?, ?, 'available', ?, ?)").join(', ')}`;
  const fullBatch = t.db.prepare(sqlFor(INSERT_BATCH));
  // The per-row foreign-key probe costs a quarter of the insert; every row's group_key is read from
  // its group inside this same write transaction, so the reference holds by construction.
  // (The pragma cannot change inside a transaction: an outer one keeps the checks on.)
  const foreignKeys = t.db.pragma('foreign_keys', { simple: true }) === 1;
  if (foreignKeys) t.db.pragma('foreign_keys = OFF');
  try {
    t.db
      .transaction(() => {
        if (options.groupId === undefined) {
          t.db
            .prepare(
              'INSERT INTO credential_groups (id, name, pid, hub_credential_id, state, source, license_count, created_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)',
            )
            .run(groupId, options.groupName, pid, options.hubCredentialId ?? null, 'active', options.source, now);
        }
        const group = t.db.prepare<[string], { key: number }>('SELECT key FROM credential_groups WHERE id = ?').get(groupId);
        if (!group) throw new AppError('GROUP_NOT_FOUND', `There is no credential group ${groupId} in this vault; pick one from the list.`);
        const groupKey = group.key;
        const lastIdBefore = t.db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM licenses').get()?.id ?? 0;
        const duplicates: { row: LicenseInput; index: number }[] = [];
        let repeated = false;
        const params: unknown[] = [];
        let nextProgress = 10_000;
        for (let start = 0; start < total; start += INSERT_BATCH) {
          const end = Math.min(total, start + INSERT_BATCH);
          params.length = 0;
          for (let i = start; i < end; i++) {
            const row = rows[i] as LicenseInput;
            params.push(groupKey, row.uuid, pipeline ? pipeline.sealed(i) : sealed[i], row.mac ?? null, row.pid ?? null, now, now);
          }
          const statement = end - start === INSERT_BATCH ? fullBatch : t.db.prepare(sqlFor(end - start));
          // OR IGNORE: a uuid the vault already holds is found by the insert itself, at no extra cost.
          if (statement.run(...params).changes < end - start) {
            const held = t.db.prepare<[string], { id: number }>('SELECT id FROM licenses WHERE uuid = ?');
            for (let i = start; i < end; i++) {
              const row = rows[i] as LicenseInput;
              const id = held.get(row.uuid)?.id ?? 0;
              // Held before this import: KNOWN_UUID. Inserted by an earlier row of this import: a repeat.
              if (id <= lastIdBefore) duplicates.push({ row, index: i });
              else repeated = true;
            }
          }
          if (progress && end >= nextProgress) {
            progress({ phase: 'write', done: nextProgress, total });
            nextProgress += 10_000;
          }
        }
        if (duplicates.length > 0 || repeated) throw new DuplicatesFound(duplicates);
        t.db.prepare('UPDATE credential_groups SET license_count = license_count + ? WHERE id = ?').run(total, groupId);
        t.audit.append({
          action: options.groupId === undefined ? 'group.imported' : 'group.licenses-added',
          groupId,
          detail: { name: options.groupName, source: options.source, pid, count: total },
        });
      })
      .immediate();
  } catch (e) {
    if (foreignKeys) t.db.pragma('foreign_keys = ON');
    pipeline?.close();
    if (isDiskFullError(e)) throw diskFullError(e);
    if (e instanceof DuplicatesFound) {
      // Rolled back. Repeats within the list are reported first, as a refused list is.
      const repeats = checkRows(rows, true);
      if (repeats.length > 0) return { ok: false, errors: repeats };
      return {
        ok: false,
        errors: e.rows.map(({ row, index }) => ({
          line: row.line ?? index + 1,
          code: 'KNOWN_UUID' as const,
          uuid: row.uuid,
          reason: `uuid ${row.uuid} is already in this vault (imported before); remove the row or import a fresh list.`,
        })),
      };
    }
    throw e;
  }
  if (foreignKeys) t.db.pragma('foreign_keys = ON');
  pipeline?.close();
  progress?.({ phase: 'done', done: total, total });
  t.logger.info({ groupId, count: total, source: options.source }, 'license list imported');
  return { ok: true, groupId, imported: total };
}
