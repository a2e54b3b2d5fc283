// Numbered migrations: each one from the previous version, on an in-memory SQLite database, keeping the data.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openStore, type Store } from '../../../hub/store';
import { migrationsFor } from '../../../hub/store/migrations';

describe('hub store migrations', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('are numbered and applied in order', () => {
    const names = Object.keys(migrationsFor('sqlite'));
    expect(names).toEqual([...names].sort());
    names.forEach((n, i) => expect(n.startsWith(String(i + 1).padStart(3, '0'))).toBe(true));
  });

  it('002 upgrades a 001 store without losing its data, and goes back down', async () => {
    store = await openStore({ db: ':memory:', migrate: false });
    expect(await migrate(store, undefined, '001_core')).toEqual(['001_core']);
    await store.db.insertInto('products').values({ pid: 'p1', name: 'Plug', price_cents: 100, homekit: 1, findmy: 0, created_at: '2026-01-01T00:00:00.000Z' }).execute();
    const tables = async () => (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store!.db)).rows.map((r) => r.name);
    expect(await tables()).not.toContain('jobs');
    expect(await migrate(store, undefined, '002_jobs')).toEqual(['002_jobs']);
    expect(await tables()).toEqual(expect.arrayContaining(['jobs', 'third_party_resources', 'notices']));
    expect((await store.db.selectFrom('products').selectAll().execute()).map((p) => p.pid)).toEqual(['p1']);
    await migrate(store, undefined, '001_core');
    expect(await tables()).not.toContain('jobs');
    expect(await store.db.selectFrom('products').select('pid').execute()).toHaveLength(1);
  });

  it('003 gives stations a download contact, keeping them, and goes back down', async () => {
    store = await openStore({ db: ':memory:', migrate: false });
    await migrate(store, undefined, '002_jobs');
    const now = '2026-01-01T00:00:00.000Z';
    await store.db.insertInto('factories').values({ id: 'f', name: 'F', created_at: now }).execute();
    await store.db.insertInto('lines').values({ id: 'l', factory_id: 'f', name: 'L', created_at: now }).execute();
    await sql`insert into stations (id, factory_id, line_id, name, lease_counter, created_at) values ('s', 'f', 'l', 'S', 0, ${now})`.execute(store.db);
    expect(await migrate(store)).toEqual(['003_station_contact']);
    const row = await store.db.selectFrom('stations').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ id: 's', contact_channel: null, contact_destination: null });
    await migrate(store, undefined, '002_jobs');
    expect(Object.keys((await sql<Record<string, unknown>>`select * from stations`.execute(store.db)).rows[0]!)).not.toContain('contact_channel');
  });

  it('a fresh store reaches the latest version and is not migrated twice', async () => {
    store = await openStore({ db: ':memory:' });
    expect(await migrate(store)).toEqual([]);
  });

  it('plans the hot sync queries on an index', async () => {
    store = await openStore({ db: ':memory:' });
    const plan = async (q: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
      const c = q.compile();
      const r = await sql.raw(`explain query plan ${c.sql.replace(/\?/g, "'x'")}`).execute(store!.db);
      return JSON.stringify(r.rows);
    };
    const page = store.db.selectFrom('licenses').select('uuid').where('station_id', '=', 's').where('status', '=', 'unused').where('lease_seq', '>', 0).orderBy('lease_seq').orderBy('uuid').limit(10);
    expect(await plan(page)).toContain('licenses_lease_ix');
    const free = store.db.selectFrom('licenses').select('uuid').where('credential_id', '=', 'c').where('status', '=', 'unused').where('station_id', 'is', null).orderBy('uuid').limit(10);
    expect(await plan(free)).toContain('licenses_credential_ix');
  });

  it('a PostgreSQL URL that cannot be reached is a plain STORE_UNAVAILABLE', async () => {
    await expect(openStore({ db: 'postgres://nobody:secret@127.0.0.1:1/none', schema: 'x' })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.not.stringContaining('secret') });
  });
});
