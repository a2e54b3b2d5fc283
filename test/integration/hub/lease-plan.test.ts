// Leasing on pull reads only the unleased licenses of the groups a station may lease from, however many other
// groups' unleased licenses the hub holds: the query plans on both stores, and a pull next to a large other group.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullResponse } from '../../../common/hub-api';
import { leasedAfter, leaseFrom, unleasedOf } from '../../../hub/services/sync';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('lease query on %s', (target) => {
  let h: TestHub;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  beforeEach(async () => {
    h = await bootHub(target);
    world = await seedWorld(h);
  });
  afterEach(async () => h?.close());

  /** `n` unleased licenses straight into the store; uuids start with `prefix` ('a' sorts before every other group's). */
  async function bulkUnleased(credentialId: string, n: number, prefix = 'a'): Promise<void> {
    const now = new Date(h.clock.now()).toISOString();
    for (let i = 0; i < n; i += 2000) {
      const rows = Array.from({ length: Math.min(2000, n - i) }, (_, j) => ({
        uuid: `${prefix}${String(i + j).padStart(15, '0')}`,
        credential_id: credentialId,
        authkey: 'k'.repeat(32),
        mac: null,
        kind: 'purchased',
        status: 'unused',
        station_id: null,
        lease_seq: null,
        burned_at: null,
        burned_pid: null,
        burned_mac: null,
        spoiled_reason: null,
        imported_at: now,
      }));
      await h.store.db.insertInto('licenses').values(rows).execute();
    }
  }

  const lease = (credentialId: string, n: number) =>
    leaseFrom(h.store.db, h.store, credentialId, n, {
      station_id: world.s1,
      lease_seq: 1,
      leased_at: new Date(h.clock.now()).toISOString(),
    });

  /** How a lease of 500 finds its licenses: SQLite's whole lease statement, PostgreSQL's picking of them (its CTE). */
  const plan = (credentialId: string): Promise<string> =>
    planOf(
      target === 'sqlite'
        ? lease(credentialId, 500).compile()
        : h.store.lockForUpdate(unleasedOf(h.store.db, credentialId, 500), { skipLocked: true }).compile(),
    );

  async function planOf(q: { sql: string; parameters: readonly unknown[] }): Promise<string> {
    const lit = (i: number): string => {
      const v = q.parameters[i];
      return typeof v === 'number' ? String(v) : `'${String(v)}'`;
    };
    if (target === 'sqlite') {
      let i = 0;
      return JSON.stringify((await sql.raw(`explain query plan ${q.sql.replace(/\?/g, () => lit(i++))}`).execute(h.store.db)).rows);
    }
    await sql`analyze licenses`.execute(h.store.db);
    return JSON.stringify(
      (await sql.raw(`explain ${q.sql.replace(/\$(\d+)/g, (_, n: string) => lit(Number(n) - 1))}`).execute(h.store.db)).rows,
    );
  }

  it('the lease walks its own group on licenses_unleased_ix, never the unleased licenses of the hub', async () => {
    const other = await makeCredential(h, { purchased: 0 });
    await bulkUnleased(other.id, 20_000);
    const mine = await makeCredential(h, { purchased: 0 });
    await bulkUnleased(mine.id, 50, 'b');
    const p = await planOf(lease(mine.id, 20).compile());
    // Before, SQLite drove it from `station_id IS NULL` on licenses_lease_ix: 20 ms per pull next to 100k unleased.
    expect(p).not.toContain('licenses_lease_ix');
    if (target === 'sqlite') {
      // one ordered walk of the group's range: no sort, no primary-key probe per license
      expect(p).toMatch(/SEARCH licenses USING INDEX licenses_unleased_ix \(credential_id=\?\)/);
      expect(p).not.toContain('TEMP B-TREE');
      expect(p).not.toContain('autoindex');
    } else expect(p).toMatch(/Index Scan using licenses_pkey on licenses /);
    const rows = await lease(mine.id, 20).execute();
    // the group's first 20 in uuid order (PostgreSQL returns them in no particular order: the pull sorts them)
    expect(rows.map((r) => r.uuid).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `b${String(i).padStart(15, '0')}`));
    const held = await h.store.db
      .selectFrom('licenses')
      .select(['credential_id', 'station_id'])
      .where('station_id', 'is not', null)
      .execute();
    expect(held).toHaveLength(20);
    expect(new Set(held.map((r) => r.credential_id))).toEqual(new Set([mine.id]));
  });

  it('keeps unleased licenses out of licenses_lease_ix (018): a lease only adds its entry', async () => {
    const def =
      target === 'sqlite'
        ? await sql<{ d: string }>`select sql as d from sqlite_master where name = 'licenses_lease_ix'`.execute(h.store.db)
        : await sql<{
            d: string;
          }>`select indexdef as d from pg_indexes where indexname = 'licenses_lease_ix' and schemaname = current_schema()`.execute(
            h.store.db,
          );
    expect(def.rows).toHaveLength(1);
    expect(def.rows[0]!.d.replace(/[()"]/g, '').toLowerCase()).toMatch(/where station_id is not null$/);
  });

  it("reads a page of the station's leases after the cursor as a range of licenses_lease_ix, not every lease before it", async () => {
    const mine = await makeCredential(h, { purchased: 0 });
    await bulkUnleased(mine.id, 20_000);
    // 40 lease batches of 500, as 40 pulls would leave them
    await h.store.db
      .updateTable('licenses')
      .set({ station_id: world.s1, lease_seq: sql<number>`1 + cast(substr(uuid, 2) as integer) / 500` })
      .where('credential_id', '=', mine.id)
      .execute();
    const p = await planOf(leasedAfter(h.store.db, world.s1, { seq: 30, uuid: 'a000000000014999' }, 500).compile());
    // Before, the cursor was `lease_seq > s or (lease_seq = s and uuid > u)`: the index gave station_id only, and
    // every license the station had leased was read and filtered (250 ms per page at 50,000 on PostgreSQL).
    expect(p).toMatch(
      target === 'sqlite'
        ? /SEARCH licenses USING INDEX licenses_lease_ix \(station_id=\? AND \(lease_seq,uuid\)>\(\?,\?\)\)/
        : /Index Cond: \(\(station_id = '[^']+'::text\) AND \(ROW\(lease_seq, uuid\) > ROW\(30, 'a000000000014999'::text\)\)\)/,
    );
    const page = await leasedAfter(h.store.db, world.s1, { seq: 30, uuid: 'a000000000014999' }, 500).execute();
    expect(page.map((r) => r.uuid)).toEqual(Array.from({ length: 500 }, (_, i) => `a${String(15_000 + i).padStart(15, '0')}`));
    expect(new Set(page.map((r) => Number(r.lease_seq)))).toEqual(new Set([31]));
  });

  it('a lease writes no entry of the burns-by-time index: it holds burned licenses only (016)', async () => {
    const def =
      target === 'sqlite'
        ? await sql<{ d: string }>`select sql as d from sqlite_master where name = 'licenses_burned_at_ix'`.execute(h.store.db)
        : await sql<{
            d: string;
          }>`select indexdef as d from pg_indexes where indexname = 'licenses_burned_at_ix' and schemaname = current_schema()`.execute(
            h.store.db,
          );
    expect(def.rows).toHaveLength(1);
    expect(def.rows[0]!.d.replace(/[()"]/g, '').toLowerCase()).toMatch(/where burned_at is not null$/);
  });

  it('reads a big group in order from its index range, never walking other groups whose uuids sort first', async () => {
    const other = await makeCredential(h, { purchased: 0 });
    await bulkUnleased(other.id, 20_000);
    // Well over one page (500), with uuids after all of the other group's: the case where walking the
    // primary key in uuid order looks cheap to PostgreSQL and reads the other group first.
    const mine = await makeCredential(h, { purchased: 0 });
    await bulkUnleased(mine.id, 5_000, 'b');
    const p = await plan(mine.id);
    if (target === 'sqlite') {
      expect(p).toMatch(/SEARCH licenses USING (COVERING )?INDEX licenses_(unleased|credential)_ix \(credential_id=\?/);
      expect(p).not.toContain('TEMP B-TREE');
    } else {
      expect(p).toMatch(/Index Scan using licenses_unleased_ix on licenses/);
      expect(p).not.toContain('licenses_pkey');
      expect(p).not.toContain('Sort');
    }
  });

  it('reads a small group from its index range too (PostgreSQL may sort its few rows after a bitmap scan)', async () => {
    const other = await makeCredential(h, { purchased: 0 });
    const mine = await makeCredential(h, { purchased: 300 });
    await bulkUnleased(other.id, 20_000);
    const p = await plan(mine.id);
    if (target === 'sqlite') {
      expect(p).toMatch(/SEARCH licenses USING (COVERING )?INDEX licenses_(unleased|credential)_ix \(credential_id=\?/);
      expect(p).not.toContain('TEMP B-TREE');
    } else {
      // Either an ordered index scan or a bitmap scan of the same index range and a sort of this group's rows alone.
      expect(p).toContain('licenses_unleased_ix');
      expect(p).not.toContain('licenses_pkey');
      expect(p).not.toMatch(/Seq Scan/);
    }
  });

  it('a pull next to a large unleased group of another station leases only its own group, in pages', async () => {
    const t1 = await enrollStation(h, world.s1);
    const other = await makeCredential(h, { purchased: 0 });
    await h.admin('POST', `/v1/admin/credentials/${other.id}/assign`, { factoryId: world.factoryId, lineId: null, stationId: world.s3 });
    await bulkUnleased(other.id, 5000);
    const a = await makeCredential(h, { purchased: 120 });
    const b = await makeCredential(h, { purchased: 80 });
    for (const c of [a, b])
      await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: world.factoryId, lineId: null, stationId: world.s1 });
    const got: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const r: { status: number; body: PullResponse } = await h.call<PullResponse>('POST', '/v1/station/pull', { cursor, limit: 70 }, t1);
      expect(r.status).toBe(200);
      got.push(...r.body.licenses.map((l) => l.uuid));
      cursor = r.body.cursor;
      if (!r.body.hasMore) break;
    }
    expect(new Set(got).size).toBe(200);
    expect(got.sort()).toEqual([...a.purchased, ...b.purchased].map((l) => l.uuid).sort());
    const leasedOther = await h.store.db
      .selectFrom('licenses')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('credential_id', '=', other.id)
      .where('station_id', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(Number(leasedOther.n)).toBe(0);
  });

  it('a lease checks no foreign key per license (migrations 017, 019); stations are never deleted', async () => {
    const fks =
      target === 'postgres'
        ? (
            await sql<{
              conname: string;
            }>`select conname from pg_constraint where conrelid = 'licenses'::regclass and contype = 'f'`.execute(h.store.db)
          ).rows.map((r) => r.conname)
        : (await sql<{ from: string }>`select "from" from pragma_foreign_key_list('licenses')`.execute(h.store.db)).rows.map(
            (r) => `licenses_${r.from}_fkey`,
          );
    // credential_id keeps its check on both stores; station_id has none on either.
    expect(fks).toContain('licenses_credential_id_fkey');
    expect(fks).not.toContain('licenses_station_id_fkey');
    // What the dropped check relied on: no code path deletes a station (a revoked station keeps its row).
    const t1 = await enrollStation(h, world.s1);
    expect((await h.admin('POST', `/v1/admin/stations/${world.s1}/revoke`, {})).status).toBe(200);
    expect(await h.store.db.selectFrom('stations').select('id').where('id', '=', world.s1).executeTakeFirst()).toBeDefined();
    // revoked, the station can no longer pull (so it leases nothing more), while its row stays for its leases to name
    expect((await h.call('POST', '/v1/station/pull', { cursor: null }, t1)).status).toBe(401);
  });
});
