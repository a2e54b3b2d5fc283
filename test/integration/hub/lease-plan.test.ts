// Leasing on pull reads only the unleased licenses of the groups a station may lease from, however many other
// groups' unleased licenses the hub holds: the query plans on both stores, and a pull next to a large other group.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullResponse } from '../../../common/hub-api';
import { leaseFrom, unleasedOf } from '../../../hub/services/sync';
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

  const plan = (credentialId: string): Promise<string> =>
    planOf(h.store.lockForUpdate(unleasedOf(h.store.db, h.store.dialect, credentialId, 500), { skipLocked: true }).compile());

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

  it('the lease updates the licenses it picked by primary key, never walking the unleased licenses of the hub', async () => {
    const other = await makeCredential(h, { purchased: 0 });
    await bulkUnleased(other.id, 20_000);
    const mine = await makeCredential(h, { purchased: 0 });
    await bulkUnleased(mine.id, 50, 'b');
    const p = await planOf(
      leaseFrom(h.store.db, h.store, mine.id, 20, {
        station_id: world.s1,
        lease_seq: 1,
        leased_at: new Date(h.clock.now()).toISOString(),
      }).compile(),
    );
    // Before, SQLite drove it from `station_id IS NULL` on licenses_lease_ix: 20 ms per pull next to 100k unleased.
    expect(p).not.toContain('licenses_lease_ix');
    expect(p).toMatch(
      target === 'sqlite'
        ? /SEARCH licenses USING (COVERING )?INDEX sqlite_autoindex_licenses_1 \(uuid=\?\)/
        : /Index Scan using licenses_pkey on licenses /,
    );
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
});
