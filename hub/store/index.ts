/**
 * The hub's store: Kysely over better-sqlite3 (a file; zero set-up) or over
 * PostgreSQL (`postgres://...`; several hub processes may share it). One code
 * path for both: services write Kysely queries and call `lockForUpdate` where a
 * row lock is needed (a no-op on SQLite, whose writers are already serialised).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, type Transaction } from 'kysely';
import { startCheckpointer, type Checkpointer } from './checkpointer';
import { FifoSqliteDialect } from './fifo-sqlite';
import pg from 'pg';
import { AppError } from '../../common/errors';
import { migrationProvider, type StoreDialect } from './migrations';
import type { HubDatabase } from './schema';

export type { HubDatabase } from './schema';
export type { StoreDialect } from './migrations';
export type Tx = Transaction<HubDatabase>;
export type Db = Kysely<HubDatabase>;

export interface Store {
  readonly db: Db;
  readonly dialect: StoreDialect;
  /** Where the data lives, without secrets (for logs and /v1/health). */
  readonly location: string;
  /** Runs `fn` in one transaction; on PostgreSQL retried on serialization failures and deadlocks. */
  tx<T>(fn: (trx: Tx) => Promise<T>): Promise<T>;
  /** `SELECT ... FOR UPDATE [OF t] [SKIP LOCKED]` on PostgreSQL; unchanged on SQLite. */
  lockForUpdate<Q extends Lockable<Q>>(qb: Q, opts?: { of?: string; skipLocked?: boolean }): Q;
  close(): Promise<void>;
}

interface Lockable<Q> {
  forUpdate(of?: never): Q;
  skipLocked(): Q;
}

export interface OpenStoreOptions {
  /** `postgres://user:pass@host:port/db` or a SQLite file path (`:memory:` for tests). */
  db: string;
  /** PostgreSQL only: a schema to live in (created if missing); tests use one per run. */
  schema?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  migrate?: boolean;
  /**
   * SQLite file only: checkpoint the write-ahead log on a thread of its own (checkpointer.ts); a running hub does,
   * and hears through `onFailure` if that thread fails.
   */
  checkpointInBackground?: boolean | { onFailure(error: Error): void };
}

export const isPostgresUrl = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

/** The PostgreSQL URL without its password, for logs. */
export const redactDbUrl = (db: string): string => (isPostgresUrl(db) ? db.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@') : db);

const int8 = 20;
const numeric = 1700;
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    // Counts and sums come back as int8/numeric: our values fit a JS number.
    if (oid === int8 || oid === numeric) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const dialect: StoreDialect = isPostgresUrl(opts.db) ? 'postgres' : 'sqlite';
  let db: Db;
  let checkpointer: Checkpointer | undefined;
  if (dialect === 'postgres') {
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema))
      throw new AppError('STORE_BAD_SCHEMA', `schema name "${opts.schema}" is not a plain identifier`);
    if (opts.schema) {
      const client = new pg.Client({ connectionString: opts.db });
      try {
        await client.connect();
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`);
      } catch (e) {
        throw new AppError('STORE_UNAVAILABLE', `cannot reach PostgreSQL at ${redactDbUrl(opts.db)}: ${(e as Error).message}`, undefined, {
          cause: e,
        });
      } finally {
        await client.end().catch(() => undefined);
      }
    }
    const pool = new pg.Pool({
      connectionString: opts.db,
      max: opts.poolSize ?? 10,
      types: pgTypes,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    db = new Kysely<HubDatabase>({ dialect: new PostgresDialect({ pool }) });
  } else {
    if (opts.db !== ':memory:') mkdirSync(dirname(opts.db), { recursive: true });
    const sqlite = new Database(opts.db);
    // A new database gets 16 KiB pages (SQLite's default is 4 KiB; an existing file keeps its own): a license row
    // and its index entries take fewer pages to rewrite, the 100,000-license pull took 1.34-1.56 s against
    // 1.37-1.78 s in runs interleaved with 4 KiB, and pushes were the same (docs/hub.md, "Pull of 100k, fourth pass").
    sqlite.pragma('page_size = 16384');
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    db = new Kysely<HubDatabase>({ dialect: new FifoSqliteDialect({ database: sqlite }) });
    const background = opts.checkpointInBackground;
    if (background && opts.db !== ':memory:')
      checkpointer = startCheckpointer(opts.db, sqlite, background === true ? {} : { onFailure: (e) => background.onFailure(e) });
  }

  const store: Store = {
    db,
    dialect,
    location: redactDbUrl(opts.db) + (opts.schema ? ` (schema ${opts.schema})` : ''),
    async tx(fn) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await db.transaction().execute(fn);
        } catch (e) {
          if (attempt < 8 && isRetryable(e)) {
            await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10 * attempt));
            continue;
          }
          throw e;
        }
      }
    },
    lockForUpdate(qb, o) {
      if (dialect !== 'postgres') return qb;
      let q = o?.of ? qb.forUpdate(o.of as never) : qb.forUpdate();
      if (o?.skipLocked) q = q.skipLocked();
      return q;
    },
    async close() {
      await checkpointer?.stop();
      await db.destroy();
    },
  };

  if (opts.migrate !== false) {
    try {
      await migrate(store, opts.schema);
    } catch (e) {
      await store.close().catch(() => undefined);
      if (e instanceof AppError) throw e;
      throw new AppError('STORE_UNAVAILABLE', `cannot open the hub store at ${store.location}: ${(e as Error).message}`, undefined, {
        cause: e,
      });
    }
  }
  return store;
}

/**
 * Brings the store to the latest migration (or to `target`, for migration tests).
 *
 * SQLite migrates with foreign keys off, as its own procedure for rebuilding a table asks (a migration that drops
 * and recreates a table other tables refer to, 019, could not run otherwise: the pragma is ignored inside the
 * migration's transaction). Every reference is checked once the migrations have run; a broken one fails the
 * migration, by table.
 */
export async function migrate(store: Store, schema?: string, target?: string): Promise<string[]> {
  const migrator = new Migrator({
    db: store.db,
    provider: migrationProvider(store.dialect),
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const sqlite = store.dialect === 'sqlite';
  if (sqlite) await sql`pragma foreign_keys = off`.execute(store.db);
  try {
    const { error, results } = target ? await migrator.migrateTo(target) : await migrator.migrateToLatest();
    if (error) throw new AppError('STORE_MIGRATION_FAILED', `migration failed: ${(error as Error).message}`, undefined, { cause: error });
    if (sqlite) {
      const broken = await sql<{ table: string; parent: string }>`pragma foreign_key_check`.execute(store.db);
      if (broken.rows.length > 0) {
        const where = [...new Set(broken.rows.map((r) => `${r.table} -> ${r.parent}`))].join(', ');
        throw new AppError('STORE_MIGRATION_FAILED', `migration failed: ${broken.rows.length} broken references (${where})`);
      }
    }
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  } finally {
    if (sqlite) await sql`pragma foreign_keys = on`.execute(store.db);
  }
}

function isRetryable(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '40001' || code === '40P01' || (typeof code === 'string' && code.startsWith('SQLITE_BUSY'));
}

/** True when `e` is a unique-constraint violation, on either dialect. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
