// A SQLite hub database is made with 16 KiB pages; one made before keeps its 4 KiB pages and opens as it was.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../hub/store';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempFile = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-pages-'));
  dirs.push(dir);
  return join(dir, 'hub.sqlite');
};

describe('SQLite hub page size', () => {
  it('a new hub database has 16 KiB pages', async () => {
    const file = tempFile();
    const store = await openStore({ db: file });
    expect((await sql<{ page_size: number }>`pragma page_size`.execute(store.db)).rows[0]!.page_size).toBe(16384);
    await store.close();
  });

  it('a database made with 4 KiB pages keeps them, and migrates and opens', async () => {
    const file = tempFile();
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec('create table keep (x text)');
    old.close();
    const store = await openStore({ db: file });
    expect((await sql<{ page_size: number }>`pragma page_size`.execute(store.db)).rows[0]!.page_size).toBe(4096);
    await store.db
      .insertInto('products')
      .values({ pid: 'p4k', name: 'Old file', price_cents: 1, homekit: 0, findmy: 0, created_at: '2026-12-06T00:00:00.000Z' })
      .execute();
    await store.close();
    const again = await openStore({ db: file });
    expect(await again.db.selectFrom('products').select('pid').execute()).toEqual([{ pid: 'p4k' }]);
    await again.close();
  });
});
