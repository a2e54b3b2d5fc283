// Station enrollment and sync: pull pages with a cursor, idempotent push, offline operations, and who may see what.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullResponse, PushItem, PushResponse } from '../../../common/hub-api';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('station sync on %s', (target) => {
  let h: TestHub;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  beforeEach(async () => {
    h = await bootHub(target);
    world = await seedWorld(h);
  });
  afterEach(async () => h?.close());

  const pull = (token: string, cursor: string | null, limit = 1000) =>
    h.call<PullResponse>('POST', '/v1/station/pull', { cursor, limit }, token);
  const push = (token: string, items: PushItem[]) => h.call<PushResponse>('POST', '/v1/station/push', { items }, token);
  const assign = (id: string, stationId: string | null, lineId: string | null = null) =>
    h.admin('POST', `/v1/admin/credentials/${id}/assign`, { factoryId: world.factoryId, lineId, stationId });
  const burn = (uuid: string, key = randomUUID()): PushItem => ({
    kind: 'burn',
    key,
    uuid,
    burnedAt: new Date(h.clock.now()).toISOString(),
  });
  const pullAll = async (token: string, limit = 1000) => {
    const licenses: PullResponse['licenses'] = [];
    let cursor: string | null = null;
    for (;;) {
      const r = await pull(token, cursor, limit);
      expect(r.status).toBe(200);
      licenses.push(...r.body.licenses);
      cursor = r.body.cursor;
      if (!r.body.hasMore) return { licenses, cursor, last: r.body };
    }
  };

  describe('enrollment', () => {
    it('revoking a station cancels its open enrollment codes; a new code cancels the older ones', async () => {
      const code = async () =>
        (await h.admin('POST', `/v1/admin/stations/${world.s1}/enrollment-codes`, { ttlMinutes: 60 })).body.code as string;
      const enroll = (c: string) => h.call('POST', '/v1/station/enroll', { code: c });
      const first = await code();
      const second = await code();
      expect((await enroll(first)).body.error.code).toBe('ENROLLMENT_CODE_EXPIRED');
      const token = (await enroll(second)).body.token as string;
      const open = await code();
      expect((await h.admin('POST', `/v1/admin/stations/${world.s1}/revoke`)).status).toBe(200);
      expect((await enroll(open)).body.error.code).toBe('ENROLLMENT_CODE_EXPIRED');
      expect((await h.call('GET', '/v1/station/me', undefined, token)).status).toBe(401);
      // Another station's code is untouched, and a code made after the revocation works.
      const other = (await h.admin('POST', `/v1/admin/stations/${world.s2}/enrollment-codes`, {})).body.code as string;
      await h.admin('POST', `/v1/admin/stations/${world.s1}/revoke`);
      expect((await enroll(other)).status).toBe(200);
      expect((await enroll(await code())).status).toBe(200);
    });

    it('trades a code for a token once; the token works until revoked', async () => {
      const code = await h.admin('POST', `/v1/admin/stations/${world.s1}/enrollment-codes`, { ttlMinutes: 60 });
      expect(code.body.code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
      const r = await h.call('POST', '/v1/station/enroll', { code: code.body.code.toLowerCase(), hostname: 'bench-01' });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ stationId: world.s1, lineId: world.lineA, factoryId: world.factoryId });
      const again = await h.call('POST', '/v1/station/enroll', { code: code.body.code });
      expect(again.body.error.code).toBe('ENROLLMENT_CODE_USED');
      expect((await h.call('GET', '/v1/station/me', undefined, r.body.token)).body.stationId).toBe(world.s1);
      // Stored hashed: the token is nowhere in the store.
      const row = await h.store.db.selectFrom('stations').selectAll().where('id', '=', world.s1).executeTakeFirstOrThrow();
      expect(row.token_hash).not.toContain(r.body.token);
      expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
      await h.admin('POST', `/v1/admin/stations/${world.s1}/revoke`);
      const after = await h.call('GET', '/v1/station/me', undefined, r.body.token);
      expect(after.status).toBe(401);
      expect(after.body.error.code).toBe('UNAUTHORIZED');
    });

    it('refuses an expired or unknown code and a missing token', async () => {
      const code = await h.admin('POST', `/v1/admin/stations/${world.s1}/enrollment-codes`, { ttlMinutes: 1 });
      h.clock.advance(2 * 60_000);
      expect((await h.call('POST', '/v1/station/enroll', { code: code.body.code })).body.error.code).toBe('ENROLLMENT_CODE_EXPIRED');
      expect((await h.call('POST', '/v1/station/enroll', { code: 'AAAA-BBBB-CCCC' })).body.error.code).toBe('ENROLLMENT_CODE_INVALID');
      expect((await h.call('POST', '/v1/station/pull', { cursor: null })).status).toBe(401);
      expect((await h.call('POST', '/v1/station/pull', { cursor: null }, 'hst_forged')).status).toBe(401);
    });
  });

  describe('pull', () => {
    it('pages through a group with a cursor; asking a page again returns the same licenses (resume)', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 25, free: 5 });
      await assign(c.id, world.s1);
      const p1 = await pull(t1, null, 10);
      expect(p1.body.licenses).toHaveLength(10);
      expect(p1.body.hasMore).toBe(true);
      expect(p1.body.groups).toEqual([
        expect.objectContaining({
          id: c.id,
          usable: true,
          assignedToYou: true,
          firmwareKey: 'fwkey-abc',
          chip: 'BK7231N',
          productName: 'Smart plug',
        }),
      ]);
      const p2 = await pull(t1, p1.body.cursor, 10);
      // The answer to p2 was "lost": the station asks with the same cursor again.
      const p2again = await pull(t1, p1.body.cursor, 10);
      expect(p2again.body.licenses).toEqual(p2.body.licenses);
      const rest = [];
      let cursor = p2.body.cursor;
      for (;;) {
        const p = await pull(t1, cursor, 10);
        rest.push(...p.body.licenses);
        cursor = p.body.cursor;
        if (!p.body.hasMore) break;
      }
      const uuids = [...p1.body.licenses, ...p2.body.licenses, ...rest].map((l) => l.uuid);
      expect(new Set(uuids).size).toBe(30);
      expect(uuids.sort()).toEqual([...c.purchased, ...c.free].map((l) => l.uuid).sort());
      expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.counts).toMatchObject({ unused: 0, leased: 30 });
      // Nothing new: an empty page that keeps the cursor.
      const idle = await pull(t1, cursor, 10);
      expect(idle.body).toMatchObject({ licenses: [], hasMore: false, cursor });
    });

    it('lists a group moved away while the station still holds unused licenses of it (assignedToYou false), also on pages without them', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 6 });
      await assign(c.id, world.s1);
      const first = await pullAll(t1);
      expect(first.licenses).toHaveLength(6);
      await assign(c.id, world.s2, world.lineA);
      const other = await makeCredential(h, { purchased: 3 });
      await assign(other.id, world.s1);
      // a page of another group's licenses, then an empty page: the moved group is on both
      let cursor = first.cursor;
      for (const licenses of [3, 0]) {
        const r = await pull(t1, cursor, 3);
        expect(r.status).toBe(200);
        expect(r.body.licenses).toHaveLength(licenses);
        cursor = r.body.cursor;
        expect(r.body.groups.find((g) => g.id === c.id)).toMatchObject({ assignedToYou: false, stationId: world.s2 });
        expect(r.body.groups.find((g) => g.id === other.id)).toMatchObject({ assignedToYou: true });
      }
      await push(t1, [
        burn(first.licenses[0]!.uuid),
        { kind: 'release', key: randomUUID(), uuids: first.licenses.slice(1).map((l) => l.uuid) },
      ]);
      const after = await pull(t1, cursor, 3);
      expect(after.body.groups.map((g) => g.id)).not.toContain(c.id);
    });

    it('refuses a forged cursor', async () => {
      const t1 = await enrollStation(h, world.s1);
      expect(((await pull(t1, 'c1.99.zzz')).body as unknown as { error: { code: string } }).error.code).toBe('CURSOR_UNKNOWN');
      expect((await pull(t1, 'not-a-cursor')).status).toBe(400);
    });

    it("a station cannot read another station's groups", async () => {
      const t1 = await enrollStation(h, world.s1);
      const t2 = await enrollStation(h, world.s2);
      const t3 = await enrollStation(h, world.s3);
      const mine = await makeCredential(h, { purchased: 4 });
      const theirs = await makeCredential(h, { purchased: 4 });
      const lineB = await makeCredential(h, { purchased: 4 });
      await assign(mine.id, world.s1);
      await assign(theirs.id, world.s2);
      await assign(lineB.id, null, world.lineB);
      const a = await pullAll(t1);
      expect(a.last.groups.map((g) => g.id)).toEqual([mine.id]);
      expect(a.licenses.every((l) => l.credentialId === mine.id)).toBe(true);
      const b = await pullAll(t2);
      expect(b.last.groups.map((g) => g.id)).toEqual([theirs.id]);
      expect(b.licenses.map((l) => l.uuid).sort()).toEqual(theirs.purchased.map((l) => l.uuid).sort());
      const c = await pullAll(t3);
      expect(c.licenses.map((l) => l.credentialId)).toEqual([lineB.id, lineB.id, lineB.id, lineB.id]);
      // Station 1 cannot burn what station 2 holds.
      const r = await push(t1, [burn(theirs.purchased[0]!.uuid)]);
      expect(r.body.outcomes[0]).toMatchObject({ status: 'rejected', code: 'LICENSE_NOT_HELD' });
    });

    it('leases nothing from an unconfirmed customer group, nor while an update is under review', async () => {
      const t1 = await enrollStation(h, world.s1);
      const cust = await makeCredential(h, { owner: 'customer', purchased: 3 });
      await assign(cust.id, world.s1);
      const first = await pullAll(t1);
      expect(first.licenses).toHaveLength(0);
      expect(first.last.groups[0]).toMatchObject({ id: cust.id, usable: false });
      await h.admin('POST', `/v1/admin/credentials/${cust.id}/confirm`);
      await h.admin('POST', `/v1/admin/credentials/${cust.id}/update-requests`, { targetPid: 'p0', deliveryMode: 'credential' });
      const second = await pullAll(t1);
      expect(second.licenses).toHaveLength(0);
      expect(second.last.groups[0]).toMatchObject({ state: 'confirming_update', usable: false });
    });

    it('line groups are shared out: two stations of the line never get the same license', async () => {
      const t1 = await enrollStation(h, world.s1);
      const t2 = await enrollStation(h, world.s2);
      const c = await makeCredential(h, { purchased: 40 });
      await assign(c.id, null, world.lineA);
      const [a, b] = await Promise.all([pull(t1, null, 15), pull(t2, null, 15)]);
      const [a2, b2] = await Promise.all([pull(t1, a.body.cursor, 15), pull(t2, b.body.cursor, 15)]);
      const all = [...a.body.licenses, ...b.body.licenses, ...a2.body.licenses, ...b2.body.licenses].map((l) => l.uuid);
      expect(all).toHaveLength(40);
      expect(new Set(all).size).toBe(40);
    });
  });

  describe('push', () => {
    it('the same batch sent three times counts once', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 12 });
      await assign(c.id, world.s1);
      const { licenses } = await pullAll(t1);
      const batch: PushItem[] = [
        ...licenses.slice(0, 8).map((l) => burn(l.uuid)),
        {
          kind: 'spoiled',
          key: randomUUID(),
          uuid: licenses[8]!.uuid,
          at: new Date(h.clock.now()).toISOString(),
          reason: 'read-back mismatch, voided by supervisor',
        },
      ];
      const first = await push(t1, batch);
      expect(first.body.outcomes.map((o) => [o.status, o.replayed])).toEqual(batch.map(() => ['applied', false]));
      const second = await push(t1, batch);
      const third = await push(t1, batch);
      for (const r of [second, third])
        expect(r.body.outcomes.map((o) => [o.status, o.replayed])).toEqual(batch.map(() => ['applied', true]));
      const counts = (await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.counts;
      expect(counts).toMatchObject({ burned: 8, spoiled: 1, leased: 3 });
      const report = await h.admin('GET', '/v1/admin/reports/stations');
      expect(report.body.rows.find((r: { stationId: string }) => r.stationId === world.s1)).toMatchObject({
        burned: 8,
        spoiled: 1,
        leased: 3,
      });
      // A new key for an already burned license is refused with a reason, not counted again.
      const dup = await push(t1, [burn(licenses[0]!.uuid)]);
      expect(dup.body.outcomes[0]).toMatchObject({ status: 'rejected', code: 'ALREADY_BURNED', replayed: false });
    });

    it("a rejected license is kept out of pulls and counted apart from spoiled; a set PID is confirmed only as the group's product", async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 3 });
      await assign(c.id, world.s1);
      const { licenses } = await pullAll(t1);
      const at = new Date(h.clock.now()).toISOString();
      const item: PushItem = {
        kind: 'rejected',
        key: randomUUID(),
        uuid: licenses[0]!.uuid,
        at,
        reason: 'this module asks for the product PID and none was given',
      };
      expect((await push(t1, [item])).body.outcomes[0]).toMatchObject({ kind: 'rejected', status: 'applied' });
      expect((await push(t1, [{ ...item, key: randomUUID() }])).body.outcomes[0]).toMatchObject({
        status: 'rejected',
        code: 'ALREADY_REJECTED',
      });
      expect((await push(t1, [burn(licenses[0]!.uuid)])).body.outcomes[0]).toMatchObject({ status: 'rejected', code: 'ALREADY_REJECTED' });
      const row = await h.store.db
        .selectFrom('licenses')
        .select(['status', 'rejected_reason'])
        .where('uuid', '=', licenses[0]!.uuid)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'rejected', rejected_reason: 'this module asks for the product PID and none was given' });
      expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.counts).toMatchObject({ rejected: 1, spoiled: 0, leased: 2 });
      // Released back to the hub and pulled again, a rejected license is never handed out.
      await push(t1, [{ kind: 'release', key: randomUUID(), uuids: [licenses[1]!.uuid, licenses[2]!.uuid] }]);
      const again = await pullAll(t1);
      expect(again.licenses.map((l) => l.uuid).sort()).toEqual([licenses[1]!.uuid, licenses[2]!.uuid].sort());

      const pid = (await h.store.db.selectFrom('credentials').select('pid').where('id', '=', c.id).executeTakeFirstOrThrow()).pid;
      const same = await push(t1, [{ kind: 'set_pid', key: randomUUID(), credentialId: c.id, pid, at }]);
      expect(same.body.outcomes[0]).toMatchObject({ status: 'applied' });
      const other = await push(t1, [{ kind: 'set_pid', key: randomUUID(), credentialId: c.id, pid: 'otherpid', at }]);
      expect(other.body.outcomes[0]).toMatchObject({ status: 'rejected', code: 'PID_IS_PRODUCT' });
    });

    it('concurrent retries of one item apply it once', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 2 });
      await assign(c.id, world.s1);
      const { licenses } = await pullAll(t1);
      const item = burn(licenses[0]!.uuid);
      const rs = await Promise.all(Array.from({ length: 5 }, () => push(t1, [item])));
      expect(rs.map((r) => r.body.outcomes[0]!.status)).toEqual(['applied', 'applied', 'applied', 'applied', 'applied']);
      expect(rs.filter((r) => !r.body.outcomes[0]!.replayed)).toHaveLength(1);
      expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.counts.burned).toBe(1);
    });

    it('refuses a record for a license the station does not hold, with a reason', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 2 });
      await assign(c.id, world.s1);
      const r = await push(t1, [burn(c.purchased[0]!.uuid), burn('zzzzzzzzzzzzzzzz')]);
      expect(r.body.outcomes).toEqual([
        expect.objectContaining({
          status: 'rejected',
          code: 'LICENSE_NOT_HELD',
          reason: expect.stringContaining('not held by this station'),
        }),
        expect.objectContaining({ status: 'rejected', code: 'LICENSE_NOT_HELD' }),
      ]);
    });

    it('refuses burns made after an update request was opened, accepts the ones before', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 3 });
      await assign(c.id, world.s1);
      const { licenses } = await pullAll(t1);
      const before = burn(licenses[0]!.uuid);
      h.clock.advance(1000);
      await h.admin('POST', `/v1/admin/credentials/${c.id}/update-requests`, { targetPid: 'p0', deliveryMode: 'credential' });
      h.clock.advance(1000);
      const after = burn(licenses[1]!.uuid);
      const r = await push(t1, [after, before]);
      expect(r.body.outcomes.map((o) => o.code ?? o.status)).toEqual(['CREDENTIAL_UNDER_REVIEW', 'applied']);
    });

    it('refuses a burn time that is not ISO-8601, is before the lease, or is in the future beyond the clock skew', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 9 });
      await assign(c.id, world.s1);
      h.clock.advance(3_600_000);
      const { licenses } = await pullAll(t1);
      const leasedAt = h.clock.now();
      const at = (uuid: string, burnedAt: string): PushItem => ({ kind: 'burn', key: randomUUID(), uuid, burnedAt });
      const iso = (t: number) => new Date(t).toISOString();
      const skew = 5 * 60_000;
      const r = await push(t1, [
        at(licenses[0]!.uuid, '0000'),
        at(licenses[1]!.uuid, ''),
        at(licenses[2]!.uuid, '2026-02-30T08:00:00Z'),
        at(licenses[3]!.uuid, iso(leasedAt - 1_800_000)), // after the import, before the lease
        at(licenses[4]!.uuid, iso(leasedAt + skew + 1000)), // in the future beyond the skew
        at(licenses[5]!.uuid, iso(leasedAt - skew + 1000)), // a station clock a little slow: accepted
        at(licenses[6]!.uuid, iso(leasedAt + skew - 1000)), // a little fast: accepted
        at(licenses[7]!.uuid, '2026-01-05T11:02:00+02:00'), // an offset is fine; stored as UTC
      ]);
      expect(r.body.outcomes.map((o) => o.code ?? o.status)).toEqual([
        'BURN_TIME_INVALID',
        'BURN_TIME_INVALID',
        'BURN_TIME_INVALID',
        'BURN_BEFORE_LEASE',
        'BURN_TIME_IN_FUTURE',
        'applied',
        'applied',
        'applied',
      ]);
      expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.counts).toMatchObject({ burned: 3, leased: 6 });
      const stored = await h.store.db
        .selectFrom('licenses')
        .select('burned_at')
        .where('uuid', '=', licenses[7]!.uuid)
        .executeTakeFirstOrThrow();
      expect(stored.burned_at).toBe('2026-01-05T09:02:00.000Z');
    });

    it('under review, a burn counts only for a license the hub leased before the review, whatever the station dates it', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 3 });
      await assign(c.id, world.s1);
      h.clock.advance(3_600_000);
      const { licenses } = await pullAll(t1);
      h.clock.advance(1000);
      await h.admin('POST', `/v1/admin/credentials/${c.id}/update-requests`, { targetPid: 'p0', deliveryMode: 'credential' });
      // Dated before the review (and before the lease, as a station with a wrong clock would): refused on the hub's own record.
      const early = await push(t1, [{ kind: 'burn', key: randomUUID(), uuid: licenses[0]!.uuid, burnedAt: '2026-01-05T08:00:00.000Z' }]);
      expect(early.body.outcomes[0]).toMatchObject({ status: 'rejected', code: 'BURN_BEFORE_LEASE' });
      // A license the hub's record says was leased after the review began (here: written so by hand) is refused even when dated before it.
      await h.store.db
        .updateTable('licenses')
        .set({ leased_at: new Date(h.clock.now() + 1000).toISOString() })
        .where('uuid', '=', licenses[1]!.uuid)
        .execute();
      const late = await push(t1, [
        { kind: 'burn', key: randomUUID(), uuid: licenses[1]!.uuid, burnedAt: new Date(h.clock.now() - 500).toISOString() },
      ]);
      expect(late.body.outcomes[0]).toMatchObject({ status: 'rejected', code: 'CREDENTIAL_UNDER_REVIEW' });
      // Leased before, burned before: a fact, applied.
      const fact = await push(t1, [
        { kind: 'burn', key: randomUUID(), uuid: licenses[2]!.uuid, burnedAt: new Date(h.clock.now() - 500).toISOString() },
      ]);
      expect(fact.body.outcomes[0]!.status).toBe('applied');
    });

    it('release gives licenses back to the hub', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 3 });
      await assign(c.id, world.s1);
      const { licenses } = await pullAll(t1);
      const r = await push(t1, [{ kind: 'release', key: randomUUID(), uuids: licenses.slice(0, 2).map((l) => l.uuid) }]);
      expect(r.body.outcomes[0]!.status).toBe('applied');
      expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.counts).toMatchObject({ unused: 2, leased: 1 });
    });

    it('reusing a key for another kind of item is refused', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 2 });
      await assign(c.id, world.s1);
      const { licenses } = await pullAll(t1);
      const key = randomUUID();
      await push(t1, [burn(licenses[0]!.uuid, key)]);
      const r = await push(t1, [{ kind: 'spoiled', key, uuid: licenses[1]!.uuid, at: new Date().toISOString(), reason: 'x' }]);
      expect(r.body.outcomes[0]).toMatchObject({ status: 'rejected', code: 'IDEMPOTENCY_KEY_REUSED' });
    });
  });

  describe('offline operations', () => {
    it('split of a held group: applied once, with the id the station chose and the licenses it named', async () => {
      const t1 = await enrollStation(h, world.s1);
      const c = await makeCredential(h, { purchased: 6, free: 2 });
      await assign(c.id, world.s1);
      const { licenses } = await pullAll(t1);
      const picked = [
        ...licenses.filter((l) => l.kind === 'purchased').slice(0, 2),
        ...licenses.filter((l) => l.kind === 'free').slice(0, 1),
      ];
      const newId = randomUUID();
      const item: PushItem = {
        kind: 'split',
        key: randomUUID(),
        credentialId: c.id,
        newCredentialId: newId,
        uuids: picked.map((l) => l.uuid),
        at: new Date().toISOString(),
      };
      const r = await push(t1, [item]);
      expect(r.body.outcomes[0]).toMatchObject({ status: 'applied' });
      expect((await push(t1, [item])).body.outcomes[0]).toMatchObject({ status: 'applied', replayed: true });
      const child = await h.admin('GET', `/v1/admin/credentials/${newId}`);
      expect(child.body).toMatchObject({
        parentId: c.id,
        purchased: 2,
        free: 1,
        firmwareKey: 'fwkey-abc',
        assignment: { stationId: world.s1 },
        counts: { leased: 3 },
      });
      expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body).toMatchObject({ purchased: 4, free: 1 });
      // The new group shows up on the next pull.
      expect((await pull(t1, null, 1)).body.groups.map((g) => g.id).sort()).toEqual([c.id, newId].sort());
    });

    it('split rejected with a reason: licenses not held, group of another station, group under review', async () => {
      const t1 = await enrollStation(h, world.s1);
      const t2 = await enrollStation(h, world.s2);
      const c = await makeCredential(h, { purchased: 4 });
      const other = await makeCredential(h, { purchased: 2 });
      await assign(c.id, world.s1);
      await assign(other.id, world.s2);
      const { licenses } = await pullAll(t1);
      await pullAll(t2);
      const split = (credentialId: string, uuids: string[]): PushItem => ({
        kind: 'split',
        key: randomUUID(),
        credentialId,
        newCredentialId: randomUUID(),
        uuids,
        at: new Date().toISOString(),
      });
      const r = await push(t1, [split(c.id, [licenses[0]!.uuid, other.purchased[0]!.uuid]), split(other.id, [other.purchased[0]!.uuid])]);
      expect(r.body.outcomes.map((o) => o.code)).toEqual(['LICENSE_NOT_HELD', 'GROUP_NOT_ASSIGNED']);
      await h.admin('POST', `/v1/admin/credentials/${c.id}/update-requests`, { targetPid: 'p0', deliveryMode: 'credential' });
      const r2 = await push(t1, [split(c.id, [licenses[0]!.uuid])]);
      expect(r2.body.outcomes[0]).toMatchObject({ status: 'rejected', code: 'CREDENTIAL_UNDER_REVIEW' });
      expect(r2.body.outcomes[0]!.reason).toMatch(/under review/);
    });

    it('reassign moves the group and its held licenses to another station of the factory', async () => {
      const t1 = await enrollStation(h, world.s1);
      const t3 = await enrollStation(h, world.s3);
      const c = await makeCredential(h, { purchased: 5 });
      await assign(c.id, world.s1);
      const { licenses } = await pullAll(t1);
      await push(t1, [burn(licenses[0]!.uuid)]);
      const r = await push(t1, [
        { kind: 'reassign', key: randomUUID(), credentialId: c.id, stationId: world.s3, at: new Date().toISOString() },
      ]);
      expect(r.body.outcomes[0]!.status).toBe('applied');
      const got = await pullAll(t3);
      expect(got.licenses.map((l) => l.uuid).sort()).toEqual(
        licenses
          .slice(1)
          .map((l) => l.uuid)
          .sort(),
      );
      expect(got.last.groups[0]).toMatchObject({ id: c.id, stationId: world.s3, assignedToYou: true });
      // Station 1 no longer holds them.
      const late = await push(t1, [burn(licenses[1]!.uuid)]);
      expect(late.body.outcomes[0]).toMatchObject({ code: 'LICENSE_NOT_HELD' });
      const bad = await push(t1, [
        { kind: 'reassign', key: randomUUID(), credentialId: c.id, stationId: world.s1, at: new Date().toISOString() },
      ]);
      expect(bad.body.outcomes[0]).toMatchObject({ status: 'rejected', code: 'GROUP_NOT_ASSIGNED' });
    });
  });
});
