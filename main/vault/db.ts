import Database from 'better-sqlite3';

/**
 * The vault's SQLite handle. Other parts of main/ (the ledger, sync) take it by
 * this type so that only main/vault/ imports better-sqlite3.
 */
export type VaultDb = Database.Database;
export type { Statement as VaultStatement } from 'better-sqlite3';

/**
 * One numbered schema migration: takes a vault from user_version `version - 1`
 * to `version` in one transaction. The list is in migrations.ts; parts that
 * bring their own tables (sync-schema.ts) take this type from here, so the
 * list imports them and not the other way round.
 */
export interface Migration {
  version: number;
  name: string;
  up(db: VaultDb): void;
}

export function openDatabase(path: string, options: { readonly?: boolean; mustExist?: boolean } = {}): VaultDb {
  const db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.mustExist ?? false });
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    // Every commit reaches the disk before it returns: the ledger's promises depend on it.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
  }
  // Sorts and temp tables stay in memory: no temp file can ever hold vault data.
  db.pragma('temp_store = MEMORY');
  // 32 MiB of page cache: big imports and a million-license uuid index stay off the disk read path.
  db.pragma('cache_size = -32768');
  return db;
}
