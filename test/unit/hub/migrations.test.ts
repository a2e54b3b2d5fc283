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
    await store.db
      .insertInto('products')
      .values({ pid: 'p1', name: 'Plug', price_cents: 100, homekit: 1, findmy: 0, created_at: '2026-01-01T00:00:00.000Z' })
      .execute();
    const tables = async () =>
      (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store!.db)).rows.map((r) => r.name);
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
    await sql`insert into stations (id, factory_id, line_id, name, lease_counter, created_at) values ('s', 'f', 'l', 'S', 0, ${now})`.execute(
      store.db,
    );
    expect(await migrate(store, undefined, '003_station_contact')).toEqual(['003_station_contact']);
    const row = await store.db.selectFrom('stations').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ id: 's', contact_channel: null, contact_destination: null });
    await migrate(store, undefined, '002_jobs');
    expect(Object.keys((await sql<Record<string, unknown>>`select * from stations`.execute(store.db)).rows[0]!)).not.toContain(
      'contact_channel',
    );
  });

  async function seed003(): Promise<Store> {
    const s = await openStore({ db: ':memory:', migrate: false });
    await migrate(s, undefined, '003_station_contact');
    const now = '2026-01-01T00:00:00.000Z';
    await sql`insert into products values ('p', 'P', 1, 0, 0, ${now})`.execute(s.db);
    await sql`insert into factories values ('f', 'F', ${now})`.execute(s.db);
    await sql`insert into lines values ('l', 'f', 'L', ${now})`.execute(s.db);
    await sql`insert into stations (id, factory_id, line_id, name, lease_counter, created_at) values ('s1', 'f', 'l', 'S1', 1, ${now}), ('s2', 'f', 'l', 'S2', 0, ${now})`.execute(
      s.db,
    );
    await sql`insert into credentials (id, pid, owner, delivery_mode, firmware_key, chip, origin, state, created_at, updated_at) values ('c', 'p', 'mine', 'credential', 'k', 'x', 'purchase', 'valid', ${now}, ${now})`.execute(
      s.db,
    );
    await sql`insert into licenses (uuid, credential_id, authkey, kind, status, station_id, lease_seq, imported_at) values ('u1', 'c', 'k', 'purchased', 'unused', null, null, ${now}), ('u2', 'c', 'k', 'purchased', 'unused', 's1', 1, ${now}), ('u3', 'c', 'k', 'purchased', 'burned', 's1', 1, ${now})`.execute(
      s.db,
    );
    return s;
  }
  const indexes = async (s: Store) =>
    (await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(s.db)).rows.map((r) => r.name);

  it('004 adds the partial index of unleased licenses over a 003 store, keeping its licenses, and goes back down', async () => {
    store = await seed003();
    expect(await migrate(store, undefined, '004_lease_index')).toEqual(['004_lease_index']);
    expect(await indexes(store)).toContain('licenses_unleased_ix');
    expect(await store.db.selectFrom('licenses').select('uuid').orderBy('uuid').execute()).toHaveLength(3);
    // only the unleased, unused license is in it
    const viaIndex = await sql<{
      uuid: string;
    }>`select uuid from licenses indexed by licenses_unleased_ix where credential_id = 'c' and station_id is null and status = 'unused'`.execute(
      store.db,
    );
    expect(viaIndex.rows.map((r) => r.uuid)).toEqual(['u1']);
    await migrate(store, undefined, '003_station_contact');
    expect(await indexes(store)).not.toContain('licenses_unleased_ix');
  });

  it('005 makes transfer claims a table keyed by bundle id, filled from the transfer_in events of a 004 store', async () => {
    store = await seed003();
    await migrate(store, undefined, '004_lease_index');
    const b1 = '0b5e3c1e-8a43-4c52-9a0e-000000000001';
    await store.db
      .insertInto('credential_events')
      .values([
        {
          id: 'e1',
          credential_id: 'c',
          at: '2026-01-02T00:00:00.000Z',
          kind: 'transfer_in',
          details: JSON.stringify({ bundleId: b1, fromStationId: 's1', toStationId: 's2', licenses: 1, moved: 1 }),
        },
        {
          id: 'e2',
          credential_id: 'c',
          at: '2026-01-02T00:00:01.000Z',
          kind: 'transfer_out',
          details: JSON.stringify({ bundleId: b1, stationId: 's1', licenses: 1 }),
        },
      ])
      .execute();
    expect(await migrate(store, undefined, '005_transfer_claims')).toEqual(['005_transfer_claims']);
    expect(await store.db.selectFrom('transfer_claims').selectAll().execute()).toEqual([
      { bundle_id: b1, credential_id: 'c', source_station_id: 's1', target_station_id: 's2', claimed_at: '2026-01-02T00:00:00.000Z' },
    ]);
    await migrate(store, undefined, '004_lease_index');
    expect(
      (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store.db)).rows.map((r) => r.name),
    ).not.toContain('transfer_claims');
  });

  it('006 records when licenses were leased; the ones held already get their import time', async () => {
    store = await seed003();
    await migrate(store, undefined, '005_transfer_claims');
    expect(await migrate(store, undefined, '006_license_leased_at')).toEqual(['006_license_leased_at']);
    const rows = await store.db.selectFrom('licenses').select(['uuid', 'leased_at']).orderBy('uuid').execute();
    expect(rows).toEqual([
      { uuid: 'u1', leased_at: null },
      { uuid: 'u2', leased_at: '2026-01-01T00:00:00.000Z' },
      { uuid: 'u3', leased_at: '2026-01-01T00:00:00.000Z' },
    ]);
    await migrate(store, undefined, '005_transfer_claims');
    expect(Object.keys((await sql<Record<string, unknown>>`select * from licenses`.execute(store.db)).rows[0]!)).not.toContain('leased_at');
  });

  it('008 adds accounts, sessions, API keys, the sign-in throttle and the audit log with its head, keeping a 007 store, and goes back down', async () => {
    store = await seed003();
    await migrate(store, undefined, '007_rejected_licenses');
    const tables = async () =>
      (await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(store!.db)).rows.map((r) => r.name);
    expect(await migrate(store, undefined, '008_accounts')).toEqual(['008_accounts']);
    expect(await tables()).toEqual(
      expect.arrayContaining(['accounts', 'sessions', 'api_keys', 'auth_throttle', 'audit_log', 'audit_head']),
    );
    expect(await store.db.selectFrom('audit_head').selectAll().execute()).toEqual([{ id: 1, seq: 0, hash: '0'.repeat(64) }]);
    expect(await store.db.selectFrom('licenses').select('uuid').execute()).toHaveLength(3);
    const now = '2026-01-01T00:00:00.000Z';
    const account = { id: 'a', name: 'x', role: 'factory', factory_id: null, password_hash: 'h', created_at: now, updated_at: now };
    // a factory account names its factory; the other roles name none; no unknown role
    await expect(
      store.db
        .insertInto('accounts')
        .values(account as never)
        .execute(),
    ).rejects.toThrow(/CHECK/);
    await expect(
      store.db
        .insertInto('accounts')
        .values({ ...account, role: 'root' } as never)
        .execute(),
    ).rejects.toThrow(/CHECK/);
    await store.db
      .insertInto('accounts')
      .values({ ...account, factory_id: 'f' } as never)
      .execute();
    await migrate(store, undefined, '007_rejected_licenses');
    expect(await tables()).not.toContain('accounts');
  });

  it('018 and 019 keep unleased licenses out of the lease index and drop the station check of a 017 store, keeping every row', async () => {
    store = await seed003();
    await migrate(store, undefined, '017_lease_station_unchecked');
    // a third-party resource refers to a license: the rebuild keeps the reference whole
    await sql`insert into third_party_resources (license_uuid, kind, job_id, payload, created_at) values ('u2', 'homekit', 'j', '{}', '2026-01-01')`.execute(
      store.db,
    );
    const rows = () => store!.db.selectFrom('licenses').selectAll().orderBy('uuid').execute();
    const before = await rows();
    const ddl = async (name: string) =>
      (await sql<{ sql: string }>`select sql from sqlite_master where name = ${name}`.execute(store!.db)).rows[0]?.sql ?? '';
    const references = async () =>
      (await sql<{ from: string; table: string }>`pragma foreign_key_list(licenses)`.execute(store!.db)).rows.map(
        (r) => `${r.from}->${r.table}`,
      );
    expect(await references()).toEqual(expect.arrayContaining(['station_id->stations', 'credential_id->credentials']));

    expect(await migrate(store, undefined, '019_lease_station_unchecked_sqlite')).toEqual([
      '018_lease_index_partial',
      '019_lease_station_unchecked_sqlite',
    ]);
    expect(await rows()).toEqual(before);
    expect(await references()).toEqual(['credential_id->credentials']);
    expect(await ddl('licenses_lease_ix')).toMatch(/where "station_id" is not null$/);
    expect(await indexes(store)).toEqual(
      expect.arrayContaining(['licenses_credential_ix', 'licenses_unleased_ix', 'licenses_burned_at_ix', 'licenses_lease_ix']),
    );
    // only the leased licenses are in the lease index
    const leased = await sql<{ uuid: string }>`select uuid from licenses indexed by licenses_lease_ix where station_id = 's1'`.execute(
      store.db,
    );
    expect(leased.rows.map((r) => r.uuid).sort()).toEqual(['u2', 'u3']);
    // foreign keys are on again after migrating, and the other references still hold
    expect((await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db)).rows[0]!.foreign_keys).toBe(1);
    await expect(
      sql`insert into third_party_resources (license_uuid, kind, job_id, payload, created_at) values ('nope', 'homekit', 'j', '{}', '2026-01-01')`.execute(
        store.db,
      ),
    ).rejects.toThrow(/FOREIGN KEY/);
    expect(await store.db.selectFrom('third_party_resources').select('license_uuid').execute()).toEqual([{ license_uuid: 'u2' }]);

    await migrate(store, undefined, '017_lease_station_unchecked');
    expect(await rows()).toEqual(before);
    expect(await references()).toEqual(expect.arrayContaining(['station_id->stations', 'credential_id->credentials']));
    expect(await ddl('licenses_lease_ix')).not.toContain('where');
  });

  it('a migration that leaves a broken reference fails, naming the table', async () => {
    store = await seed003();
    await migrate(store, undefined, '017_lease_station_unchecked');
    await sql`pragma foreign_keys = off`.execute(store.db);
    await sql`insert into third_party_resources (license_uuid, kind, job_id, payload, created_at) values ('gone', 'homekit', 'j', '{}', '2026-01-01')`.execute(
      store.db,
    );
    await expect(migrate(store)).rejects.toMatchObject({
      code: 'STORE_MIGRATION_FAILED',
      message: expect.stringContaining('third_party_resources -> licenses'),
    });
    expect((await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.db)).rows[0]!.foreign_keys).toBe(1);
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
    const page = store.db
      .selectFrom('licenses')
      .select('uuid')
      .where('station_id', '=', 's')
      .where('status', '=', 'unused')
      .where('lease_seq', '>', 0)
      .orderBy('lease_seq')
      .orderBy('uuid')
      .limit(10);
    expect(await plan(page)).toContain('licenses_lease_ix');
    const free = store.db
      .selectFrom('licenses')
      .select('uuid')
      .where('credential_id', '=', 'c')
      .where('status', '=', 'unused')
      .where('station_id', 'is', null)
      .orderBy('uuid')
      .limit(10);
    expect(await plan(free)).toContain('licenses_credential_ix');
  });

  it('a PostgreSQL URL that cannot be reached is a plain STORE_UNAVAILABLE', async () => {
    await expect(openStore({ db: 'postgres://nobody:secret@127.0.0.1:1/none', schema: 'x' })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.not.stringContaining('secret'),
    });
  });
});
