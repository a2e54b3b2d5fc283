import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { AppError } from '../../common/errors';

/** Who holds a vault open for writing. */
export interface LockHolder {
  pid: number;
  /** When that process started (ms since the epoch). */
  startedAt: number;
  host: string;
}

const MARK = 'station-vault-lock';
// Fixed width, so rewriting the record updates its cell in place and the file never holds an older one.
const record = (h: LockHolder): string =>
  JSON.stringify({
    [MARK]: 1,
    pid: String(h.pid).padStart(10, '0'),
    startedAt: String(h.startedAt).padStart(15, '0'),
    host: h.host.slice(0, 64).padEnd(64),
  });
const recordPattern = new RegExp(`\\{"${MARK}":1,"pid":"(\\d{10})","startedAt":"(\\d{15})","host":"([^"]{64})"\\}`);

/** This process, as a lock holder. */
export const thisProcess = (): LockHolder => ({
  pid: process.pid,
  startedAt: Math.round(Date.now() - process.uptime() * 1000),
  host: hostname(),
});

const hhmm = (t: number): string => {
  const d = new Date(t);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};

/**
 * Locks this process holds, by lock file. A second connection of the same process must never touch
 * a held lock file: closing any descriptor of a file drops every POSIX lock the process has on it.
 */
const heldHere = new Set<string>();

/**
 * One writer per vault. The lock is an exclusive SQLite (POSIX advisory) lock on `<vault>.lock`,
 * taken with `locking_mode=EXCLUSIVE` and kept until the vault closes; the OS drops it when the
 * process dies, so a killed station never leaves a stale lock. The holder writes its pid and
 * start time into that file, where a refused process reads them (advisory locks do not stop a
 * plain read) to name it.
 */
export class VaultLock {
  readonly path: string;
  #db: Database.Database | null;

  private constructor(path: string, db: Database.Database) {
    this.path = path;
    this.#db = db;
  }

  /** Takes the lock at once or refuses with VAULT_IN_USE naming the process that holds it. */
  static acquire(vaultPath: string): VaultLock {
    const path = resolve(`${vaultPath}.lock`);
    if (heldHere.has(path)) throw inUse(thisProcess());
    let db: Database.Database;
    try {
      db = new Database(path, { timeout: 0 });
    } catch (cause) {
      throw new AppError('VAULT_UNREADABLE', `The vault's lock file ${path} cannot be opened; check the folder's permissions.`, undefined, {
        cause,
      });
    }
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = TRUNCATE');
      db.exec('BEGIN EXCLUSIVE');
      db.exec('CREATE TABLE IF NOT EXISTS holder (id INTEGER PRIMARY KEY CHECK (id = 1), info TEXT NOT NULL)');
      db.prepare('INSERT INTO holder (id, info) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET info = excluded.info').run(
        record(thisProcess()),
      );
      db.exec('COMMIT');
    } catch (e) {
      db.close();
      if ((e as { code?: string }).code?.startsWith('SQLITE_BUSY')) throw inUse(VaultLock.holder(vaultPath));
      throw e;
    }
    heldHere.add(path);
    return new VaultLock(path, db);
  }

  /**
   * The process named in the lock file (the holder, while it holds it), or null. Never call it in
   * the process that holds the lock: closing the file it reads would drop that process's lock.
   */
  static holder(vaultPath: string): LockHolder | null {
    let text: string;
    try {
      text = readFileSync(`${vaultPath}.lock`, 'latin1');
    } catch {
      return null;
    }
    const m = recordPattern.exec(text);
    if (!m) return null;
    return { pid: Number(m[1]), startedAt: Number(m[2]), host: (m[3] as string).trimEnd() };
  }

  get held(): boolean {
    return this.#db !== null;
  }

  release(): void {
    if (!this.#db) return;
    this.#db.close();
    this.#db = null;
    heldHere.delete(this.path);
  }
}

function inUse(holder: LockHolder | null): AppError {
  const who = holder
    ? `pid ${holder.pid}, started ${hhmm(holder.startedAt)}${holder.host !== hostname() ? ` on ${holder.host}` : ''}`
    : 'it is still starting';
  return new AppError(
    'VAULT_IN_USE',
    `This vault is open in another station process (${who}): close it first.`,
    holder ? { pid: holder.pid, startedAt: holder.startedAt, host: holder.host } : undefined,
  );
}
