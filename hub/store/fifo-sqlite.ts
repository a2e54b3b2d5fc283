import type { Database, Statement } from 'better-sqlite3';
import { CompiledQuery, SqliteDialect, type DatabaseConnection, type Driver, type QueryResult, type SqliteDialectConfig } from 'kysely';

/**
 * SQLite has one connection. Kysely's own wait loop lets a late query overtake
 * earlier ones under load (we measured a 10 s p99 with 50 stations pushing at
 * once), so this driver hands the connection over strictly first come, first
 * served. Transactions begin IMMEDIATE: the write lock is taken up front, so
 * another process on the same file (the `hub` command next to a running hub)
 * waits on busy_timeout instead of failing halfway through a transaction.
 * Statements are prepared once and kept (the most recent 500 texts): Kysely's
 * own driver prepares every statement again each time it runs.
 */
export class FifoSqliteDialect extends SqliteDialect {
  readonly #database: Database;

  constructor(config: SqliteDialectConfig & { database: Database }) {
    super(config);
    this.#database = config.database;
  }

  override createDriver(): Driver {
    return new FifoDriver(super.createDriver(), new CachingConnection(this.#database));
  }
}

/** Kysely's SQLite connection, with prepared statements kept by their text. */
class CachingConnection implements DatabaseConnection {
  readonly #db: Database;
  readonly #statements = new Map<string, Statement>();

  constructor(db: Database) {
    this.#db = db;
  }

  #prepare(text: string): Statement {
    let stmt = this.#statements.get(text);
    if (stmt) {
      this.#statements.delete(text); // to the back: the least recently used go first
    } else {
      stmt = this.#db.prepare(text);
      if (this.#statements.size >= 500) this.#statements.delete(this.#statements.keys().next().value!);
    }
    this.#statements.set(text, stmt);
    return stmt;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const stmt = this.#prepare(compiled.sql);
    const params = compiled.parameters as unknown[];
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(...params) as R[] });
    const { changes, lastInsertRowid } = stmt.run(...params);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
  }

  // eslint-disable-next-line require-yield -- Kysely's interface; the hub never streams
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('the hub does not stream SQLite queries');
  }
}

class FifoDriver implements Driver {
  readonly #inner: Driver;
  readonly #connection: DatabaseConnection;
  readonly #waiting: (() => void)[] = [];
  #busy = false;

  constructor(inner: Driver, connection: DatabaseConnection) {
    this.#inner = inner;
    this.#connection = connection;
    if (inner.savepoint) this.savepoint = inner.savepoint.bind(inner);
    if (inner.rollbackToSavepoint) this.rollbackToSavepoint = inner.rollbackToSavepoint.bind(inner);
    if (inner.releaseSavepoint) this.releaseSavepoint = inner.releaseSavepoint.bind(inner);
  }

  savepoint?: Driver['savepoint'];
  rollbackToSavepoint?: Driver['rollbackToSavepoint'];
  releaseSavepoint?: Driver['releaseSavepoint'];

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#busy = true;
    await this.#inner.acquireConnection();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    await this.#inner.releaseConnection(this.#connection);
    const next = this.#waiting.shift();
    // The connection passes straight to the next in line; `busy` stays set.
    if (next) next();
    else this.#busy = false;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}
