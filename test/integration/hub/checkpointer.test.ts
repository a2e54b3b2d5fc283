// The SQLite hub's log checkpointer: a worker thread with its own connection copies the write-ahead log back
// into the database, so the hub's commits do not; without the worker the hub's connection checkpoints as
// SQLite does by default.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { BEHIND_PAGES, startCheckpointer } from '../../../hub/store/checkpointer';
import { openStore } from '../../../hub/store';

const dirs: string[] = [];
const tempFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-ckpt-'));
  dirs.push(dir);
  return join(dir, 'hub.sqlite');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('log checkpointer (SQLite hub)', () => {
  it('checkpoints on its own thread while the connection commits without checkpointing, and hands back on stop', async () => {
    const file = tempFile();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec('create table t (x blob)');
    const autocheckpoint = () => db.pragma('wal_autocheckpoint', { simple: true }) as number;
    expect(autocheckpoint()).toBe(1000);
    const failures: Error[] = [];
    const c = startCheckpointer(file, db, { everyMs: 10, onFailure: (e) => failures.push(e) });
    await until('the worker to take over', () => autocheckpoint() === BEHIND_PAGES);
    // 2,000 pages of log in small commits: past SQLite's 1,000 but under the hub's own bound
    expect(BEHIND_PAGES).toBeGreaterThan(2000);
    const insert = db.prepare('insert into t values (randomblob(4000))');
    for (let i = 0; i < 40; i++) db.transaction(() => Array.from({ length: 50 }, () => insert.run()))();
    // the database file itself receives the pages: only a checkpoint writes there
    await until('the checkpoint to reach the database file', () => statSync(file).size > 2000 * 4000 * 0.9);
    await c.stop();
    expect(autocheckpoint()).toBe(1000);
    expect(failures).toEqual([]); // stopping is no failure
    db.close();
  });

  it('a worker that fails is reported once, and the connection checkpoints as SQLite does by default', async () => {
    const file = tempFile();
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    const failures: Error[] = [];
    // the worker cannot open its file (it must exist): it fails at boot
    const c = startCheckpointer(join(file, '..', 'gone.sqlite'), db, { onFailure: (e) => failures.push(e) });
    await until('the failure to be reported', () => failures.length > 0);
    await new Promise((r) => setTimeout(r, 100)); // the exit that follows the error is not a second report
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toBe('the checkpoint worker failed (SQLITE_CANTOPEN)');
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    await c.stop();
    db.close();
  });

  it('a running hub store checkpoints in the background and reopens with everything committed', async () => {
    const file = tempFile();
    const store = await openStore({ db: file, checkpointInBackground: true });
    const autocheckpoint = async () =>
      (await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db)).rows[0]!.wal_autocheckpoint;
    for (let i = 0; i < 500 && (await autocheckpoint()) !== BEHIND_PAGES; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await autocheckpoint()).toBe(BEHIND_PAGES);
    await store.db
      .insertInto('products')
      .values({ pid: 'ck1', name: 'Checkpointed', price_cents: 100, homekit: 0, findmy: 0, created_at: '2026-12-06T00:00:00.000Z' })
      .execute();
    await store.close();
    const again = await openStore({ db: file });
    expect((await again.db.selectFrom('products').select('name').where('pid', '=', 'ck1').executeTakeFirst())?.name).toBe('Checkpointed');
    // a store opened without it (tests, the hub command) keeps SQLite's default
    expect((await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(again.db)).rows[0]!.wal_autocheckpoint).toBe(1000);
    await again.close();
  });
});
