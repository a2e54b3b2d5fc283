import { existsSync, renameSync, rmSync } from 'node:fs';
import { AppError } from '../../common/errors';
import { systemClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/log';
import { parseLicenseList } from '../../common/import';
import { readXlsxSheet } from '../../node/xlsx';
import { AnchorFile, type AnchorState } from './anchor';
import { AuditLog } from './audit';
import { DataKey } from './crypto';
import { openDatabase, type VaultDb } from './db';
import type { KeyWrapper, WrappedKey } from './key-wrappers';
import { VaultLock } from './lock';
import { UnlockGuard } from './unlock-guard';
import { latestVersion, migrate, schemaVersion } from './migrations';
import { damageAdvice, damagedError, isDamageError } from './failures';
import { importRows, importValidated, type ImportOptions, type ImportReport, type ImportTarget, type LicenseInput } from './bulk-import';

export interface VaultOptions {
  path: string;
  wrapper: KeyWrapper;
  clock?: Clock;
  logger?: Logger;
  /**
   * Where the vault's anchor (its newest durable audit head) is kept, outside the vault's folder.
   * With it, a vault found behind its anchor (a deleted WAL, an older copy restored) offers no license.
   */
  anchorPath?: string;
}

/**
 * The vault is behind (or beside) a state known to be newer: it offers no license. `anchor`: its own anchor
 * said so on open; `hub`: the hub refused its push (STATION_ROLLED_BACK), remembered in the vault until reconciled.
 */
export interface VaultRollback {
  source: 'anchor' | 'hub';
  /** The vault's newest entry. */
  vaultSeq: number;
  /** The newest entry known elsewhere: anchored durable at this station, or reported to the hub. */
  anchoredSeq: number;
  /** True when the vault holds entry `anchoredSeq` but a different one (another history). */
  diverged: boolean;
  message: string;
}

/** Where a refusal by the hub is remembered (kv), so a restart offline still offers nothing. */
const HUB_ROLLBACK_KEY = 'vault.hubRollback';

const thousands = (n: number): string => n.toLocaleString('en-US');

/** The refusal while a vault is behind its anchor. */
export function rollbackMessage(vaultSeq: number, anchoredSeq: number, diverged: boolean): string {
  return diverged
    ? `This vault is not the copy of its last known state (its entry ${thousands(anchoredSeq)} differs): restore the newest copy, or reconcile with the hub.`
    : `This vault is older than its last known state (entry ${thousands(vaultSeq)} of ${thousands(anchoredSeq)}): restore the newest copy, or reconcile with the hub.`;
}

/** The refusal while the hub says the vault went back (its push was refused with STATION_ROLLED_BACK). */
export function hubRollbackMessage(vaultSeq: number, hubSeq: number): string {
  return `The hub says this vault is older than what it reported before (entry ${thousands(vaultSeq)} of ${thousands(hubSeq)}): a supervisor must reconcile with the hub.`;
}

/** Makes `onCommit` run after every outermost transaction of `db` that committed. */
function observeCommits(db: VaultDb, onCommit: () => void): void {
  const begin = db.transaction.bind(db);
  const after = <F extends (...args: never[]) => unknown>(run: F): F =>
    function (this: unknown, ...args: Parameters<F>) {
      const outermost = !db.inTransaction;
      const result = run.apply(this, args);
      if (outermost) onCommit();
      return result;
    } as F;
  db.transaction = ((fn: (...args: never[]) => unknown) => {
    const t = begin(fn);
    return Object.assign(after(t), {
      default: after(t.default),
      deferred: after(t.deferred),
      immediate: after(t.immediate),
      exclusive: after(t.exclusive),
    });
  }) as VaultDb['transaction'];
}

export interface CredentialGroup {
  id: string;
  name: string;
  pid: string | null;
  hubCredentialId: string | null;
  state: 'active' | 'blocked';
  blockedReason: string | null;
  source: string | null;
  licenseCount: number;
  createdAt: number;
}

interface GroupRow {
  id: string;
  name: string;
  pid: string | null;
  hub_credential_id: string | null;
  state: 'active' | 'blocked';
  blocked_reason: string | null;
  source: string | null;
  license_count: number;
  created_at: number;
}

const groupFromRow = (r: GroupRow): CredentialGroup => ({
  id: r.id,
  name: r.name,
  pid: r.pid,
  hubCredentialId: r.hub_credential_id,
  state: r.state,
  blockedReason: r.blocked_reason,
  source: r.source,
  licenseCount: r.license_count,
  createdAt: r.created_at,
});

/**
 * The encrypted vault: one SQLite file (WAL) holding credential groups,
 * licenses with sealed authkeys, the audit chain and burn records. Opening it
 * unwraps the data key and nothing else: no license is decrypted until the
 * ledger reserves it.
 */
export class Vault {
  readonly db: VaultDb;
  readonly path: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly audit: AuditLog;
  #key: DataKey | null;
  readonly #lock: VaultLock;
  #anchor: AnchorFile | null = null;
  #anchored: AnchorState | null = null;
  #rollback: VaultRollback | null = null;
  #damage: string | null = null;
  /** The audit head as of the last fsynced commit: what the station reports to the hub. */
  #durable: { seq: number; hash: string } | null = null;
  /** False while a commit runs without its fsync (see withoutFsync): such a commit is not anchored. */
  #fsync = true;

  private constructor(db: VaultDb, path: string, key: DataKey, clock: Clock, logger: Logger, lock: VaultLock) {
    this.db = db;
    this.#lock = lock;
    this.path = path;
    this.#key = key;
    this.clock = clock;
    this.logger = logger;
    this.audit = new AuditLog(db, clock);
    this.#durable = this.audit.head();
    observeCommits(db, () => this.#committed());
  }

  /**
   * The newest audit entry a power cut cannot take back (as of the last fsynced commit; a commit made
   * without its fsync is not in it until the next one): what the station reports to the hub with a push.
   */
  durableHead(): { seq: number; hash: string } | null {
    return this.#durable;
  }

  /**
   * The hub refused this vault's push: its audit head is behind the one the station reported before
   * (`hubSeq`). From now on, and after a restart too, it offers no license until it is reconciled
   * with the hub (or the newest copy is put back, which does not carry this mark).
   */
  markBehindHub(hubSeq: number): VaultRollback {
    if (this.#rollback) return this.#rollback;
    const vaultSeq = this.audit.head()?.seq ?? 0;
    this.#rollback = {
      source: 'hub',
      vaultSeq,
      anchoredSeq: hubSeq,
      diverged: vaultSeq >= hubSeq,
      message: hubRollbackMessage(vaultSeq, hubSeq),
    };
    this.db
      .transaction(() => {
        this.putValue(HUB_ROLLBACK_KEY, JSON.stringify({ vaultSeq, hubSeq }));
        this.audit.append({ action: 'vault.behind-hub', detail: { vaultSeq, hubSeq } });
      })
      .immediate();
    this.logger.error({ path: this.path, vaultSeq, hubSeq }, 'the hub says this vault went back');
    return this.#rollback;
  }

  /** A refusal by the hub remembered from an earlier run. */
  #readHubRollback(): void {
    const raw = this.getValue(HUB_ROLLBACK_KEY);
    if (raw === null || this.#rollback) return;
    const { vaultSeq, hubSeq } = JSON.parse(raw) as { vaultSeq: number; hubSeq: number };
    this.#rollback = {
      source: 'hub',
      vaultSeq,
      anchoredSeq: hubSeq,
      diverged: vaultSeq >= hubSeq,
      message: hubRollbackMessage(vaultSeq, hubSeq),
    };
  }

  /** Set when the vault is behind its anchor: it offers no license until the newest copy is restored or the hub reconciled it. */
  get rollback(): VaultRollback | null {
    return this.#rollback;
  }

  /**
   * A consistent copy of the vault as it stands (SQLite's backup API, safe while slots burn),
   * written beside `file` and renamed onto it, so a copy cut short never looks like a backup.
   * The copy is as sealed as the vault: it opens only with the same passphrase.
   */
  async backupTo(file: string): Promise<{ pages: number }> {
    if (this.#damage !== null)
      throw new AppError('VAULT_DAMAGED', `${this.#damage} A copy of a damaged vault is no backup: nothing was written.`);
    const partial = `${file}.partial`;
    try {
      const { totalPages } = await this.db.backup(partial);
      renameSync(partial, file);
      return { pages: totalPages };
    } finally {
      rmSync(partial, { force: true });
    }
  }

  /** Set when SQLite's quick_check on open (or a row read since) found the file damaged: the plain message. */
  get damage(): string | null {
    return this.#damage;
  }

  /**
   * SQLite's quick_check: every page, every record's format, NOT NULL and CHECK constraints (a
   * license state no longer one of the states), without matching indexes to tables. Null when
   * the file is sound, else the first problems, with the page or row where SQLite names one.
   */
  checkIntegrity(max = 10): string[] | null {
    const check = (table?: string): string[] =>
      this.db
        .prepare<[], { quick_check: string }>(`PRAGMA quick_check(${table !== undefined ? `"${table}"` : Math.max(1, Math.floor(max))})`)
        .all()
        .map((r) => r.quick_check);
    let lines: string[];
    try {
      lines = check();
    } catch (e) {
      if (!isDamageError(e)) throw e;
      // SQLite gives up on a page it cannot even parse: name the tables that hold one.
      return this.#damagedTables(check) ?? [(e as Error).message];
    }
    return lines.length === 1 && lines[0] === 'ok' ? null : lines;
  }

  #damagedTables(check: (table: string) => string[]): string[] | null {
    try {
      const tables = this.db
        .prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .all()
        .map((r) => r.name);
      const found = tables.flatMap((table) => {
        try {
          const lines = check(table);
          return lines.length === 1 && lines[0] === 'ok' ? [] : lines.map((l) => `table ${table}: ${l}`);
        } catch (e) {
          return [`table ${table}: ${(e as Error).message}`];
        }
      });
      return found.length > 0 ? found : null;
    } catch {
      return null;
    }
  }

  /** Marks the vault damaged (a row read back wrong): it offers nothing more. Returns the refusal. */
  markDamaged(what: string): AppError {
    const message = `The vault file is damaged (${what}): ${damageAdvice}`;
    this.#damage ??= message;
    this.logger.error({ path: this.path, what }, 'vault is damaged');
    return new AppError('VAULT_DAMAGED', message);
  }

  /** Refuses with VAULT_DAMAGED or VAULT_ROLLED_BACK while the vault cannot be trusted to offer a license. */
  assertCurrent(): void {
    if (this.#damage) throw new AppError('VAULT_DAMAGED', this.#damage);
    if (this.#rollback)
      throw new AppError('VAULT_ROLLED_BACK', this.#rollback.message, {
        vaultSeq: this.#rollback.vaultSeq,
        anchoredSeq: this.#rollback.anchoredSeq,
      });
  }

  /**
   * Runs `fn` (one transaction) committed without its fsync: for commits a power cut may lose without
   * harm (the ledger's reserve and written). They are anchored with the next fsynced commit.
   */
  withoutFsync<T>(fn: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    this.#fsync = false;
    try {
      return fn();
    } finally {
      this.#fsync = true;
      this.db.pragma('synchronous = FULL');
    }
  }

  /**
   * Ends a rollback with the hub's word: `apply` (the ledger marking every license the hub holds as
   * burned, spoiled or rejected) runs in one transaction with a `vault.reconciled` entry; then the
   * vault offers licenses again, and its anchor restarts at the new head (both slots, since the new
   * head may be older than the entry the anchor held).
   */
  reconcileRollback<T extends Record<string, unknown>>(apply: () => T, options: { by?: string } = {}): T {
    const rollback = this.#rollback;
    if (!rollback) throw new AppError('NOT_ROLLED_BACK', 'This vault is not behind its last known state: there is nothing to reconcile.');
    if (this.#damage) throw new AppError('VAULT_DAMAGED', this.#damage);
    const result = this.db
      .transaction(() => {
        const done = apply();
        this.deleteValue(HUB_ROLLBACK_KEY);
        this.audit.append({
          action: 'vault.reconciled',
          detail: {
            ...done,
            by: options.by ?? null,
            source: rollback.source,
            vaultSeq: rollback.vaultSeq,
            anchoredSeq: rollback.anchoredSeq,
            diverged: rollback.diverged,
          },
        });
        return done;
      })
      .immediate();
    this.#rollback = null;
    this.#durable = this.audit.head();
    const head = this.audit.head();
    if (this.#anchor && head) {
      const state = { seq: head.seq, hash: head.hash, at: this.clock.now() };
      this.#anchor.reset(state);
      this.#anchored = state;
    }
    this.logger.warn({ path: this.path, ...result, anchoredSeq: rollback.anchoredSeq }, 'vault reconciled with the hub after a rollback');
    return result;
  }

  /** Reads the anchor and compares the vault with it; anchors a new vault, or one that has no anchor yet. */
  #attachAnchor(path: string, fresh: boolean): void {
    const anchor = AnchorFile.open(path);
    this.#anchor = anchor;
    const known = fresh ? null : anchor.read();
    const head = this.audit.head();
    if (known && known.seq > 0) {
      const hash = this.audit.hashAt(known.seq);
      if (hash !== known.hash) {
        const vaultSeq = head?.seq ?? 0;
        const diverged = hash !== null;
        this.#rollback = {
          source: 'anchor',
          vaultSeq,
          anchoredSeq: known.seq,
          diverged,
          message: rollbackMessage(vaultSeq, known.seq, diverged),
        };
        this.logger.error({ path: this.path, vaultSeq, anchoredSeq: known.seq, diverged }, 'vault is behind its anchor');
        return;
      }
    }
    this.#anchored = known;
    this.#writeAnchor();
  }

  /** After every committed transaction: the WAL is still there, and a durable new head is anchored. */
  #committed(): void {
    if (this.#fsync) this.#durable = this.audit.head();
    if (!this.#anchor || this.#rollback || !this.#fsync) return;
    if (!existsSync(`${this.path}-wal`)) this.#restoreWal();
    this.#writeAnchor();
  }

  #writeAnchor(): void {
    const head = this.audit.head();
    if (!this.#anchor || !head || (this.#anchored?.seq === head.seq && this.#anchored.hash === head.hash)) return;
    const state = { seq: head.seq, hash: head.hash, at: this.clock.now() };
    this.#anchor.write(state);
    this.#anchored = state;
  }

  /**
   * Someone deleted the WAL while the vault was open. The connection still holds it: switching the
   * journal to DELETE checkpoints every committed transaction into the vault file, and back to WAL
   * starts a new one, so nothing committed is lost.
   */
  #restoreWal(): void {
    this.db.pragma('journal_mode = DELETE');
    this.db.pragma('journal_mode = WAL');
    this.logger.warn(
      { path: this.path },
      "the vault's WAL was deleted while it was open; its transactions were written into the vault file",
    );
    this.db
      .transaction(() =>
        this.audit.append({ action: 'vault.wal-restored', detail: { reason: 'the WAL file was deleted while the vault was open' } }),
      )
      .immediate();
  }

  /** Creates a new vault file with a fresh random data key wrapped by `wrapper`. */
  static async create(options: VaultOptions): Promise<Vault> {
    const clock = options.clock ?? systemClock;
    if (existsSync(options.path)) {
      const info = Vault.inspect(options.path);
      if (info.initialized)
        throw new AppError('VAULT_EXISTS', `A vault already exists at ${options.path}; unlock it instead of creating one.`);
    }
    const { key, raw } = DataKey.generate();
    const wrapped = await options.wrapper.wrap(raw);
    raw.fill(0);
    const lock = VaultLock.acquire(options.path);
    let db: VaultDb | undefined;
    try {
      db = openDatabase(options.path);
      migrate(db);
      const vault = new Vault(db, options.path, key, clock, options.logger ?? silentLogger, lock);
      vault.db
        .transaction(() => {
          const now = clock.now();
          vault.db
            .prepare('INSERT INTO vault_key (id, wrap, key_check, created_at, updated_at) VALUES (1, ?, ?, ?, ?)')
            .run(JSON.stringify(wrapped), key.sealKeyCheck(), now, now);
          vault.audit.append({ action: 'vault.created', detail: { wrapper: options.wrapper.kind, schema: latestVersion() } });
        })
        .immediate();
      if (options.anchorPath !== undefined) vault.#attachAnchor(options.anchorPath, true);
      vault.logger.info({ path: options.path, wrapper: options.wrapper.kind }, 'vault created');
      return vault;
    } catch (e) {
      db?.close();
      lock.release();
      throw e;
    }
  }

  /** Opens and unlocks an existing vault, then brings its schema up to date. */
  static async open(options: VaultOptions): Promise<Vault> {
    const clock = options.clock ?? systemClock;
    if (!existsSync(options.path))
      throw new AppError('VAULT_NOT_FOUND', `No vault at ${options.path}; create one first (or check the path).`);
    // One writer at a time: refused at once, before anything is read, when another process has it open.
    const lock = VaultLock.acquire(options.path);
    let db: VaultDb | undefined;
    try {
      db = openDatabase(options.path, { mustExist: true });
      if (schemaVersion(db) > latestVersion()) migrate(db); // throws VAULT_TOO_NEW
      const stored =
        schemaVersion(db) >= 1
          ? db.prepare<[], { wrap: string; key_check: Buffer }>('SELECT wrap, key_check FROM vault_key WHERE id = 1').get()
          : undefined;
      if (!stored)
        throw new AppError(
          'VAULT_NOT_INITIALIZED',
          `The file at ${options.path} is not a finished vault (no key); create the vault again.`,
        );
      let wrapped: WrappedKey;
      try {
        wrapped = JSON.parse(stored.wrap) as WrappedKey;
      } catch {
        throw new AppError('VAULT_TAMPERED', 'The vault key record is damaged; restore the vault from a backup.');
      }
      if (wrapped.kind !== options.wrapper.kind) {
        throw new AppError(
          'WRAPPER_MISMATCH',
          `This vault is locked with "${wrapped.kind}", not "${options.wrapper.kind}"; unlock it with ${wrapped.kind === 'passphrase' ? 'the station passphrase' : "this computer's key storage"}.`,
          { expected: wrapped.kind },
        );
      }
      const guard = new UnlockGuard(db, clock, schemaVersion(db));
      guard.assertAllowed();
      const raw = await guard.unlock(() => options.wrapper.unwrap(wrapped));
      const key = new DataKey(raw);
      raw.fill(0);
      if (!key.matchesKeyCheck(stored.key_check))
        throw new AppError(
          'VAULT_TAMPERED',
          'The vault key does not match this vault (the key record was altered); restore the vault from a backup.',
        );
      const started = Date.now();
      const schema = migrate(db);
      const vault = new Vault(db, options.path, key, clock, options.logger ?? silentLogger, lock);
      if (schema.to !== schema.from)
        vault.logger.info({ path: options.path, from: schema.from, to: schema.to, ms: Date.now() - started }, 'vault schema upgraded');
      const problems = vault.checkIntegrity();
      if (problems) vault.markDamaged(problems.slice(0, 3).join('; '));
      if (options.anchorPath !== undefined && !problems) vault.#attachAnchor(options.anchorPath, false);
      if (!problems) vault.#readHubRollback();
      vault.logger.info({ path: options.path }, 'vault unlocked');
      return vault;
    } catch (e) {
      db?.close();
      lock.release();
      // Too damaged to read even its key record: say so, with its own code.
      if (isDamageError(e)) throw damagedError(e);
      throw e;
    }
  }

  /** What is at `path`, without unlocking: lets the shell ask for the right secret. */
  static inspect(path: string): { exists: boolean; initialized: boolean; wrapperKind: string | null; schemaVersion: number } {
    if (!existsSync(path)) return { exists: false, initialized: false, wrapperKind: null, schemaVersion: 0 };
    let db: VaultDb;
    try {
      db = openDatabase(path, { readonly: true, mustExist: true });
    } catch (cause) {
      throw new AppError('VAULT_UNREADABLE', `The file at ${path} is not a vault that can be read; check the path.`, undefined, { cause });
    }
    try {
      const version = schemaVersion(db);
      const row = version >= 1 ? db.prepare<[], { wrap: string }>('SELECT wrap FROM vault_key WHERE id = 1').get() : undefined;
      let kind: string | null = null;
      if (row) kind = String((JSON.parse(row.wrap) as WrappedKey).kind);
      return { exists: true, initialized: row !== undefined, wrapperKind: kind, schemaVersion: version };
    } catch (cause) {
      throw new AppError('VAULT_UNREADABLE', `The file at ${path} is not a vault that can be read; check the path.`, undefined, { cause });
    } finally {
      db.close();
    }
  }

  get #dataKey(): DataKey {
    if (!this.#key) throw new AppError('VAULT_LOCKED', 'The vault is closed; unlock it again.');
    return this.#key;
  }

  /**
   * Wraps the same data key with `next` (a new passphrase, or safeStorage).
   * `current` must unlock the stored wrap: someone at an unlocked station cannot change it alone.
   * Licenses are not re-encrypted.
   */
  async rewrap(next: KeyWrapper, current: KeyWrapper): Promise<void> {
    const stored = this.db.prepare<[], { wrap: string }>('SELECT wrap FROM vault_key WHERE id = 1').get();
    if (!stored) throw new AppError('VAULT_NOT_INITIALIZED', 'The vault has no key record.');
    const wrapped = JSON.parse(stored.wrap) as WrappedKey;
    if (wrapped.kind !== current.kind)
      throw new AppError('WRAPPER_MISMATCH', `This vault is locked with "${wrapped.kind}"; give that to change it.`, {
        expected: wrapped.kind,
      });
    const proven = await current.unwrap(wrapped);
    const raw = this.#dataKey.exportRaw();
    try {
      if (!proven.equals(raw))
        throw new AppError('VAULT_TAMPERED', 'The stored key record does not match the unlocked vault; restore the vault from a backup.');
      const rewrapped = await next.wrap(raw);
      this.db
        .transaction(() => {
          this.db.prepare('UPDATE vault_key SET wrap = ?, updated_at = ? WHERE id = 1').run(JSON.stringify(rewrapped), this.clock.now());
          this.audit.append({ action: 'vault.rewrapped', detail: { from: wrapped.kind, to: next.kind } });
        })
        .immediate();
    } finally {
      raw.fill(0);
      proven.fill(0);
    }
  }

  sealAuthkey(uuid: string, authkey: string): Buffer {
    return this.#dataKey.sealAuthkey(uuid, authkey);
  }

  openAuthkey(uuid: string, sealed: Uint8Array): string {
    return this.#dataKey.openAuthkey(uuid, sealed);
  }

  /** Seals any secret (a hub token) the way authkeys are sealed; `name` binds it to its use. */
  sealSecret(name: string, value: string): Buffer {
    return this.#dataKey.sealSecret(name, value);
  }

  openSecret(name: string, sealed: Uint8Array): string {
    return this.#dataKey.openSecret(name, sealed);
  }

  /** Stores a secret sealed in the key-value table. */
  putSecret(name: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO kv (key, value, sealed, updated_at) VALUES (?, NULL, ?, ?) ON CONFLICT (key) DO UPDATE SET value = NULL, sealed = excluded.sealed, updated_at = excluded.updated_at',
      )
      .run(name, this.sealSecret(name, value), this.clock.now());
  }

  getSecret(name: string): string | null {
    const row = this.db.prepare<[string], { sealed: Buffer | null }>('SELECT sealed FROM kv WHERE key = ?').get(name);
    if (!row) return null;
    if (!row.sealed) throw new AppError('NOT_A_SECRET', `"${name}" is stored as a plain value, not a secret.`);
    return this.openSecret(name, row.sealed);
  }

  /** Plain (non-secret) values: sync cursors, the station id. */
  putValue(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO kv (key, value, sealed, updated_at) VALUES (?, ?, NULL, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, sealed = NULL, updated_at = excluded.updated_at',
      )
      .run(key, value, this.clock.now());
  }

  getValue(key: string): string | null {
    const row = this.db.prepare<[string], { value: string | null }>('SELECT value FROM kv WHERE key = ?').get(key);
    if (row && row.value === null) throw new AppError('NOT_A_PLAIN_VALUE', `"${key}" is a sealed secret; read it with getSecret.`);
    return row?.value ?? null;
  }

  deleteValue(key: string): boolean {
    return this.db.prepare('DELETE FROM kv WHERE key = ?').run(key).changes > 0;
  }

  hasUuid(uuid: string): boolean {
    return this.db.prepare('SELECT 1 FROM licenses WHERE uuid = ?').get(uuid) !== undefined;
  }

  listGroups(): CredentialGroup[] {
    return this.db.prepare<[], GroupRow>('SELECT * FROM credential_groups ORDER BY created_at, key').all().map(groupFromRow);
  }

  getGroup(id: string): CredentialGroup {
    const row = this.db.prepare<[string], GroupRow>('SELECT * FROM credential_groups WHERE id = ?').get(id);
    if (!row) throw new AppError('GROUP_NOT_FOUND', `There is no credential group ${id} in this vault; pick one from the list.`);
    return groupFromRow(row);
  }

  /**
   * Imports a License List download (CSV or XLSX) into a new credential group,
   * all or nothing: any bad row, or any uuid the vault already holds, and
   * nothing is imported; the report names every bad row.
   */
  async importLicenseList(bytes: Uint8Array, fileName: string, options: ImportOptions = {}): Promise<ImportReport> {
    options.onProgress?.({ phase: 'parse', done: 0, total: bytes.length });
    const parse = await parseLicenseList(bytes, fileName, { readXlsx: readXlsxSheet });
    if (!parse.ok) {
      // A refused file is reported in full: parse again, this time also against the vault.
      const full = await parseLicenseList(bytes, fileName, { readXlsx: readXlsxSheet, knownUuids: { has: (u) => this.hasUuid(u) } });
      return { ok: false, errors: full.ok ? parse.errors : full.errors };
    }
    return importValidated(this.#importTarget(), parse.rows, { ...options, groupName: options.groupName ?? fileName, source: fileName });
  }

  /** Imports rows that did not come from a file (sync). Validated like a file; all or nothing. */
  async importRows(rows: readonly LicenseInput[], options: ImportOptions & { source?: string } = {}): Promise<ImportReport> {
    return importRows(this.#importTarget(), rows, options);
  }

  /** What the bulk import needs of the vault: its tables, audit, clock, and sealing with its key. */
  #importTarget(): ImportTarget {
    return {
      db: this.db,
      audit: this.audit,
      clock: this.clock,
      logger: this.logger,
      getGroup: (id) => this.getGroup(id),
      sealAuthkey: (uuid, authkey) => this.#dataKey.sealAuthkey(uuid, authkey),
      exportRawKey: () => this.#dataKey.exportRaw(),
    };
  }

  /** Moves the WAL into the main file (backups, tests). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  close(): void {
    this.#key = null;
    if (this.db.open) this.db.close();
    this.#anchor?.close();
    this.#anchor = null;
    this.#lock.release();
  }
}
