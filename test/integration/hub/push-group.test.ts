// Pushes applied with group commit (hub/services/push.ts): concurrent pushes share one transaction and keep their
// per-item outcomes and idempotency; each push's audit entry is written in that transaction; a station whose
// audit head went backwards is refused (STATION_ROLLED_BACK).
import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullResponse, PushItem, PushResponse, StationAuditHead } from '../../../common/hub-api';
import type { Store } from '../../../hub/store';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestHub } from './harness';

const hashOf = (n: number, tag = 'a'): string => createHash('sha256').update(`${tag}${n}`).digest('hex');

/** Counts the store's transactions from now on; `restore` puts the store back. */
function countTransactions(store: Store, failFirst = false): { count(): number; restore(): void } {
  const original = store.tx.bind(store);
  let n = 0;
  (store as { tx: Store['tx'] }).tx = (fn) => {
    n++;
    if (failFirst && n === 1) return Promise.reject(new Error('the store failed once (test)'));
    return original(fn);
  };
  return { count: () => n, restore: () => void ((store as { tx: Store['tx'] }).tx = original) };
}

describe.each(targets())('pushes with group commit on %s', (target) => {
  let h: TestHub;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  beforeEach(async () => {
    // A window long enough that pushes sent together really meet in one group.
    h = await bootHub(target, { config: { pushGroup: { windowMs: 25 } } });
    world = await seedWorld(h);
  });
  afterEach(async () => h?.close());

  const push = (token: string, items: PushItem[], auditHead?: StationAuditHead) =>
    h.call('POST', '/v1/station/push', { items, ...(auditHead ? { auditHead } : {}) }, token);
  const burn = (uuid: string, key = randomUUID()): PushItem => ({
    kind: 'burn',
    key,
    uuid,
    burnedAt: new Date(h.clock.now()).toISOString(),
  });
  const pullAll = async (token: string) => {
    const uuids: string[] = [];
    let cursor: string | null = null;
    for (;;) {
      const r: { status: number; body: PullResponse } = await h.call<PullResponse>(
        'POST',
        '/v1/station/pull',
        { cursor, limit: 1000 },
        token,
      );
      expect(r.status).toBe(200);
      uuids.push(...r.body.licenses.map((l) => l.uuid));
      cursor = r.body.cursor;
      if (!r.body.hasMore) return uuids;
    }
  };
  async function stationWith(stationId: string, n: number): Promise<{ token: string; uuids: string[]; credentialId: string }> {
    const token = await enrollStation(h, stationId);
    const c = await makeCredential(h, { purchased: n });
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: world.factoryId, lineId: null, stationId });
    return { token, uuids: await pullAll(token), credentialId: c.id };
  }
  const statusOf = async (uuid: string) =>
    (await h.store.db.selectFrom('licenses').select('status').where('uuid', '=', uuid).executeTakeFirstOrThrow()).status;
  const pushEntries = async () => await h.store.db.selectFrom('audit_log').selectAll().where('kind', '=', 'push').orderBy('seq').execute();

  it('pushes sent together share transactions, and each keeps its own outcomes, replays and audit entry', async () => {
    const a = await stationWith(world.s1, 40);
    const b = await stationWith(world.s2, 40);
    const shared = burn(a.uuids[0]!);
    const requests: [string, PushItem[]][] = [
      [a.token, [shared, burn(a.uuids[1]!)]],
      [a.token, [shared]], // the same key again, in the same group: applied once, replayed here
      [b.token, [burn(b.uuids[0]!), burn(a.uuids[2]!)]], // a's license: refused for b, b's own applied
      [a.token, [burn(a.uuids[3]!), { kind: 'release', key: randomUUID(), uuids: [a.uuids[4]!] }, burn(a.uuids[4]!)]], // released, then burned: refused
      [
        b.token,
        [
          { kind: 'spoiled', key: randomUUID(), uuid: b.uuids[1]!, at: new Date(h.clock.now()).toISOString(), reason: 'bent pin' },
          burn(b.uuids[1]!),
        ],
      ],
      ...Array.from({ length: 10 }, (_, i): [string, PushItem[]] => [i % 2 ? a.token : b.token, [burn((i % 2 ? a : b).uuids[10 + i]!)]]),
    ];
    const auditBefore = (await pushEntries()).length;
    h.hub.deps.config.pushGroup.windowMs = 200;
    const tx = countTransactions(h.store);
    const replies = await Promise.all(requests.map(([token, items]) => push(token, items)));
    tx.restore();
    expect(tx.count()).toBeLessThan(requests.length); // they were grouped
    for (const r of replies) expect(r.status).toBe(200);
    const view = (r: { body: PushResponse }) => r.body.outcomes.map((o) => [o.status, o.code ?? null, o.replayed]);
    // The two pushes carrying `shared`: one applied it, the other answers the stored outcome.
    expect(
      ([replies[0]!.body.outcomes[0], replies[1]!.body.outcomes[0]] as PushResponse['outcomes']).map((o) => [o.status, o.replayed]).sort(),
    ).toEqual([
      ['applied', false],
      ['applied', true],
    ]);
    expect(view(replies[0]!)[1]).toEqual(['applied', null, false]);
    expect(view(replies[2]!)).toEqual([
      ['applied', null, false],
      ['rejected', 'LICENSE_NOT_HELD', false],
    ]);
    expect(view(replies[3]!)).toEqual([
      ['applied', null, false],
      ['applied', null, false],
      ['rejected', 'LICENSE_NOT_HELD', false],
    ]);
    expect(view(replies[4]!)).toEqual([
      ['applied', null, false],
      ['rejected', 'ALREADY_SPOILED', false],
    ]);
    for (const r of replies.slice(5)) expect(view(r)).toEqual([['applied', null, false]]);
    expect(await statusOf(a.uuids[2]!)).toBe('unused');
    expect(await statusOf(b.uuids[1]!)).toBe('spoiled');
    const counts = async (id: string) => (await h.admin('GET', `/v1/admin/credentials/${id}`)).body.counts;
    expect(await counts(a.credentialId)).toMatchObject({ burned: 3 + 5, leased: 40 - 8 - 1 });
    expect(await counts(b.credentialId)).toMatchObject({ burned: 1 + 5, spoiled: 1 });

    // One audit entry per push, naming its station, and the chain still verifies.
    const entries = (await pushEntries()).slice(auditBefore);
    expect(entries).toHaveLength(requests.length);
    const names = new Map([
      [world.s1, 'A-1'],
      [world.s2, 'A-2'],
    ]);
    expect(entries.map((e) => e.actor_name).sort()).toEqual(
      requests.map(([token]) => names.get(token === a.token ? world.s1 : world.s2)).sort(),
    );
    expect(entries.every((e) => e.actor_kind === 'station' && e.outcome === 'ok')).toBe(true);
    expect((await h.admin('GET', '/v1/audit/verify')).body).toMatchObject({ ok: true });

    // Sent again, every request answers its stored outcomes and changes nothing.
    const again = await Promise.all(requests.map(([token, items]) => push(token, items)));
    again.forEach((r, i) => expect(view(r)).toEqual(view(replies[i]!).map(([s, c]) => [s, c, true])));
    expect(await counts(a.credentialId)).toMatchObject({ burned: 8 });
  });

  it('a group whose transaction fails is applied again request by request: nothing is lost, nothing doubled', async () => {
    const a = await stationWith(world.s1, 12);
    h.hub.deps.config.pushGroup.windowMs = 1000; // all six surely meet in the first group
    const tx = countTransactions(h.store, true);
    const replies = await Promise.all(a.uuids.slice(0, 6).map((u) => push(a.token, [burn(u)])));
    tx.restore();
    expect(replies.map((r) => [r.status, r.body.outcomes?.[0]?.status, r.body.outcomes?.[0]?.replayed ?? JSON.stringify(r.body)])).toEqual(
      Array(6).fill([200, 'applied', false]),
    );
    expect(tx.count()).toBe(7); // the failed group, then each of the six alone
    for (const u of a.uuids.slice(0, 6)) expect(await statusOf(u)).toBe('burned');
    expect((await pushEntries()).length).toBe(6);
  });

  it('the audit entry of a push is in its own transaction: a push that fails leaves neither its items nor its entry', async () => {
    const a = await stationWith(world.s1, 3);
    const before = (await pushEntries()).length;
    const original = h.store.tx.bind(h.store);
    // The push's transaction fails at its end, after its items and its entry were written; the store works again after it.
    (h.store as { tx: Store['tx'] }).tx = (fn) => {
      (h.store as { tx: Store['tx'] }).tx = original;
      return original(async (trx) => {
        await fn(trx);
        throw new Error('disk gone at commit (test)');
      });
    };
    const r = await push(a.token, [burn(a.uuids[0]!)]);
    expect(r.status).toBe(500);
    expect(await statusOf(a.uuids[0]!)).toBe('unused');
    expect(await h.store.db.selectFrom('push_items').select('idem_key').where('station_id', '=', world.s1).execute()).toEqual([]);
    // The refusal itself is audited (HTTP 500), but no 'ok' entry of a push that did not happen.
    const after = (await pushEntries()).slice(before);
    expect(after.map((e) => e.outcome)).toEqual(['INTERNAL']);
  });

  describe('station audit head', () => {
    it('refuses a station whose audit head went backwards, naming the gap; its items are not applied; other stations go on', async () => {
      const a = await stationWith(world.s1, 10);
      const b = await stationWith(world.s2, 10);
      expect((await push(a.token, [burn(a.uuids[0]!)], { seq: 4210, hash: hashOf(4210) })).status).toBe(200);
      expect((await push(a.token, [burn(a.uuids[1]!)], { seq: 4388, hash: hashOf(4388) })).status).toBe(200);
      const head = await h.store.db
        .selectFrom('stations')
        .select(['audit_seq', 'audit_hash'])
        .where('id', '=', world.s1)
        .executeTakeFirstOrThrow();
      expect({ seq: Number(head.audit_seq), hash: head.audit_hash }).toEqual({ seq: 4388, hash: hashOf(4388) });

      // An older copy of the vault: behind by 178 entries.
      const key = randomUUID();
      const [old, other] = await Promise.all([
        push(a.token, [burn(a.uuids[2]!, key)], { seq: 4210, hash: hashOf(4210) }),
        push(b.token, [burn(b.uuids[0]!)], { seq: 7, hash: hashOf(7, 'b') }),
      ]);
      expect(old.status).toBe(409);
      expect(old.body.error.code).toBe('STATION_ROLLED_BACK');
      expect(old.body.error.message).toContain('entry 4,210 of 4,388');
      expect(old.body.error.message).toContain('178 entries missing');
      expect(old.body.error.message).toMatch(/Restore the station's newest copy of its vault, or reconcile it with the hub\.$/);
      expect(other.status).toBe(200);
      expect(await statusOf(a.uuids[2]!)).toBe('unused');
      expect(await statusOf(b.uuids[0]!)).toBe('burned');
      // The same entry number with another hash is a replaced vault, refused the same way.
      const forked = await push(a.token, [burn(a.uuids[2]!, key)], { seq: 4388, hash: hashOf(4388, 'x') });
      expect(forked.status).toBe(409);
      expect(forked.body.error.code).toBe('STATION_ROLLED_BACK');
      expect(forked.body.error.message).toContain('differs from the one it reported before at entry 4,388');
      // The refusals are in the hub's audit log.
      expect(
        await h.store.db
          .selectFrom('audit_log')
          .select('outcome')
          .where('kind', '=', 'push')
          .where('outcome', '=', 'STATION_ROLLED_BACK')
          .execute(),
      ).toHaveLength(2);

      // Put right (its newest vault back, further on), the station's push goes through with the same key, once.
      const ok = await push(a.token, [burn(a.uuids[2]!, key)], { seq: 4390, hash: hashOf(4390) });
      expect(ok.body.outcomes[0]).toMatchObject({ status: 'applied', replayed: false });
      expect(await statusOf(a.uuids[2]!)).toBe('burned');
      // The same head again (nothing new written at the station since) is not a rollback.
      expect((await push(a.token, [burn(a.uuids[3]!)], { seq: 4390, hash: hashOf(4390) })).status).toBe(200);
      // A push without a head (an older station) is taken as before and does not move the recorded head.
      expect((await push(a.token, [burn(a.uuids[4]!)])).status).toBe(200);
      expect(
        Number(
          (await h.store.db.selectFrom('stations').select('audit_seq').where('id', '=', world.s1).executeTakeFirstOrThrow()).audit_seq,
        ),
      ).toBe(4390);
    });

    it('within one group, a push behind an earlier push of the same station is refused', async () => {
      const a = await stationWith(world.s1, 4);
      const [first, second] = await Promise.all([
        push(a.token, [burn(a.uuids[0]!)], { seq: 20, hash: hashOf(20) }),
        push(a.token, [burn(a.uuids[1]!)], { seq: 19, hash: hashOf(19) }),
      ]);
      expect(first.status).toBe(200);
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('STATION_ROLLED_BACK');
      expect(await statusOf(a.uuids[1]!)).toBe('unused');
    });

    it('refuses a malformed head', async () => {
      const a = await stationWith(world.s1, 1);
      const r = await push(a.token, [burn(a.uuids[0]!)], { seq: -1, hash: 'nothex' });
      expect(r.status).toBe(400);
      expect(await statusOf(a.uuids[0]!)).toBe('unused');
    });
  });
});
