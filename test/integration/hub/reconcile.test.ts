// POST /v1/station/reconcile (hub/services/reconcile.ts): a station whose vault went back learns, page by page,
// which of its licenses the hub holds as burned, spoiled or rejected; the first page clears the audit head the
// hub recorded for it (so its restored vault's next push is taken) and is audited with the supervisor it named.
import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullResponse, PushItem, ReconcileResponse, StationAuditHead } from '../../../common/hub-api';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestHub } from './harness';

const hashOf = (n: number, tag = 'a'): string => createHash('sha256').update(`${tag}${n}`).digest('hex');

describe.each(targets())('station reconcile on %s', (target) => {
  let h: TestHub;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  beforeEach(async () => {
    h = await bootHub(target);
    world = await seedWorld(h);
  });
  afterEach(async () => h?.close());

  const at = () => new Date(h.clock.now()).toISOString();
  const push = (token: string, items: PushItem[], auditHead?: StationAuditHead) =>
    h.call('POST', '/v1/station/push', { items, ...(auditHead ? { auditHead } : {}) }, token);
  const reconcile = (token: string | null, after: string | null, limit?: number, supervisor?: string) =>
    h.call<ReconcileResponse>(
      'POST',
      '/v1/station/reconcile',
      { after, ...(limit ? { limit } : {}) },
      token,
      supervisor ? { 'x-station-supervisor': supervisor } : {},
    );
  async function stationWith(stationId: string, n: number): Promise<{ token: string; uuids: string[] }> {
    const token = await enrollStation(h, stationId);
    const c = await makeCredential(h, { purchased: n });
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: world.factoryId, lineId: null, stationId });
    const r = await h.call<PullResponse>('POST', '/v1/station/pull', { cursor: null, limit: 1000 }, token);
    expect(r.body.hasMore).toBe(false);
    return { token, uuids: r.body.licenses.map((l) => l.uuid) };
  }
  const headOf = async (stationId: string) => {
    const r = await h.store.db
      .selectFrom('stations')
      .select(['audit_seq', 'audit_hash'])
      .where('id', '=', stationId)
      .executeTakeFirstOrThrow();
    return r.audit_seq === null ? null : { seq: Number(r.audit_seq), hash: r.audit_hash };
  };

  it("pages through this station's used-up licenses only, clears its audit head once, and is audited with the supervisor", async () => {
    const a = await stationWith(world.s1, 12);
    const b = await stationWith(world.s2, 6);
    const burned = a.uuids.slice(0, 5);
    const spoiled = a.uuids.slice(5, 7);
    const rejected = a.uuids.slice(7, 8);
    const items: PushItem[] = [
      ...burned.map((uuid): PushItem => ({ kind: 'burn', key: randomUUID(), uuid, burnedAt: at() })),
      ...spoiled.map((uuid): PushItem => ({ kind: 'spoiled', key: randomUUID(), uuid, at: at(), reason: 'bent pin' })),
      ...rejected.map((uuid): PushItem => ({
        kind: 'rejected',
        key: randomUUID(),
        uuid,
        at: at(),
        reason: 'uuid too long for this protocol',
      })),
      { kind: 'release', key: randomUUID(), uuids: [a.uuids[8]!] },
    ];
    expect((await push(a.token, items, { seq: 4388, hash: hashOf(4388) })).status).toBe(200);
    // The other station's burns and head are its own.
    expect(
      (
        await push(
          b.token,
          b.uuids.slice(0, 2).map((uuid): PushItem => ({ kind: 'burn', key: randomUUID(), uuid, burnedAt: at() })),
          { seq: 70, hash: hashOf(70, 'b') },
        )
      ).status,
    ).toBe(200);

    // An older copy of a's vault is refused by the push...
    const behind = await push(a.token, [{ kind: 'burn', key: randomUUID(), uuid: a.uuids[9]!, burnedAt: at() }], {
      seq: 4210,
      hash: hashOf(4210),
    });
    expect(behind.body.error.code).toBe('STATION_ROLLED_BACK');

    // ...until the station reconciles: pages of 3 by uuid.
    const auditBefore = await h.store.db.selectFrom('audit_log').select('seq').where('kind', '=', 'stationReconcile').execute();
    expect(auditBefore).toHaveLength(0);
    const seen: ReconcileResponse['licenses'] = [];
    let after: string | null = null;
    let pages = 0;
    let cleared: StationAuditHead | null = null;
    for (;;) {
      const r: { status: number; body: ReconcileResponse } = await reconcile(a.token, after, 3, 'Li Wei');
      expect(r.status).toBe(200);
      if (pages === 0) cleared = r.body.clearedHead;
      else expect(r.body.clearedHead).toBeNull();
      pages++;
      seen.push(...r.body.licenses);
      if (r.body.next === null) break;
      after = r.body.next;
    }
    expect(pages).toBe(3);
    expect(cleared).toEqual({ seq: 4388, hash: hashOf(4388) });
    const expected = [
      ...burned.map((uuid) => ({ uuid, state: 'burned' })),
      ...spoiled.map((uuid) => ({ uuid, state: 'spoiled' })),
      ...rejected.map((uuid) => ({ uuid, state: 'rejected' })),
    ].sort((x, y) => (x.uuid < y.uuid ? -1 : 1));
    expect(seen).toEqual(expected);
    // Neither the released, unused, nor the other station's licenses are in it.
    expect(seen.map((l) => l.uuid)).not.toContain(a.uuids[8]);
    expect(seen.some((l) => b.uuids.includes(l.uuid))).toBe(false);

    // a's head is cleared, b's is kept.
    expect(await headOf(world.s1)).toBeNull();
    expect(await headOf(world.s2)).toEqual({ seq: 70, hash: hashOf(70, 'b') });

    // One audit entry for the whole reconcile (the first page), naming the station and its supervisor.
    const entries = await h.store.db.selectFrom('audit_log').selectAll().where('kind', '=', 'stationReconcile').execute();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ actor_kind: 'station', actor_id: world.s1, actor_via: 'Li Wei', outcome: 'ok', target: world.s1 });
    expect(JSON.parse(entries[0]!.details)).toEqual({ clearedSeq: 4388, firstPage: 3, more: true });
    expect((await h.call('GET', '/v1/audit/verify', undefined, h.keys.platform)).body).toMatchObject({ ok: true });

    // The restored vault's next push is taken and starts a new head.
    const again = await push(a.token, [{ kind: 'burn', key: randomUUID(), uuid: a.uuids[9]!, burnedAt: at() }], {
      seq: 4212,
      hash: hashOf(4212, 'r'),
    });
    expect(again.status).toBe(200);
    expect(again.body.outcomes[0]).toMatchObject({ status: 'applied' });
    expect(await headOf(world.s1)).toEqual({ seq: 4212, hash: hashOf(4212, 'r') });

    // A second reconcile sees the new burn, and clears the new head again.
    const second = await reconcile(a.token, null, 5000);
    expect(second.body.licenses).toHaveLength(9);
    expect(second.body.next).toBeNull();
    expect(second.body.clearedHead).toEqual({ seq: 4212, hash: hashOf(4212, 'r') });
  });

  it('a station with nothing used up gets one empty page; no token, a bad cursor or a bad supervisor name are refused and change nothing', async () => {
    const a = await stationWith(world.s1, 3);
    expect((await push(a.token, [{ kind: 'release', key: randomUUID(), uuids: [a.uuids[0]!] }], { seq: 9, hash: hashOf(9) })).status).toBe(
      200,
    );
    expect((await reconcile(null, null)).status).toBe(401);
    expect((await reconcile(a.token, 'NOT A UUID')).status).toBe(400);
    expect((await reconcile(a.token, null, undefined, 'x'.repeat(200))).status).toBe(400);
    expect(await headOf(world.s1)).toEqual({ seq: 9, hash: hashOf(9) });
    const refused = await h.store.db.selectFrom('audit_log').select('outcome').where('kind', '=', 'stationReconcile').execute();
    expect(refused.map((r) => r.outcome).sort()).toEqual(['UNAUTHORIZED', 'INVALID_REQUEST', 'INVALID_REQUEST'].sort());
    const r = await reconcile(a.token, null);
    expect(r.body).toEqual({ licenses: [], next: null, clearedHead: { seq: 9, hash: hashOf(9) } });
    expect(await headOf(world.s1)).toBeNull();
  });
});
