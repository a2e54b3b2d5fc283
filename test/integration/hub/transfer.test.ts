// Transfer bundle reconciliation on the hub (both stores): either end may arrive first, the target's claim is
// found by bundle id, a bundle whose licenses were used meanwhile is refused, a copy claimed twice is refused.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PullResponse, PushItem, PushResponse } from '../../../common/hub-api';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('transfer bundles on %s', (target) => {
  let h: TestHub;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  let t1: string;
  let t2: string;
  let t3: string;
  beforeEach(async () => {
    h = await bootHub(target);
    world = await seedWorld(h);
    [t1, t2, t3] = [await enrollStation(h, world.s1), await enrollStation(h, world.s2), await enrollStation(h, world.s3)];
  });
  afterEach(async () => h?.close());

  const at = () => new Date(h.clock.now()).toISOString();
  const push = async (token: string, items: PushItem[]) =>
    (await h.call<PushResponse>('POST', '/v1/station/push', { items }, token)).body.outcomes;
  const out = (bundleId: string, credentialId: string, uuids: string[]): PushItem => ({
    kind: 'transfer_out',
    key: randomUUID(),
    bundleId,
    credentialId,
    uuids,
    at: at(),
  });
  const into = (bundleId: string, credentialId: string, uuids: string[], sourceStationId = world.s1): PushItem => ({
    kind: 'transfer_in',
    key: randomUUID(),
    bundleId,
    sourceStationId,
    credentialId,
    uuids,
    at: at(),
  });
  const holder = async (uuids: string[]) => [
    ...new Set(
      (await h.store.db.selectFrom('licenses').select('station_id').where('uuid', 'in', uuids).execute()).map((r) => r.station_id),
    ),
  ];

  /** A group of 10 assigned to station 1 and pulled by it; the bundle carries the first `n`. */
  async function held(n = 4) {
    const c = await makeCredential(h, { purchased: 10 });
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: world.factoryId, lineId: null, stationId: world.s1 });
    const r = await h.call<PullResponse>('POST', '/v1/station/pull', { cursor: null, limit: 100 }, t1);
    expect(r.body.licenses.filter((l) => l.credentialId === c.id)).toHaveLength(10);
    return { id: c.id, uuids: c.purchased.map((l) => l.uuid), bundle: c.purchased.slice(0, n).map((l) => l.uuid), bundleId: randomUUID() };
  }

  it('source first, then target: the licenses move to the target, one claim row per bundle', async () => {
    const g = await held();
    expect(await push(t1, [out(g.bundleId, g.id, g.bundle)])).toMatchObject([{ status: 'applied' }]);
    expect(await holder(g.bundle)).toEqual([world.s1]);
    expect(await push(t2, [into(g.bundleId, g.id, g.bundle)])).toMatchObject([{ status: 'applied' }]);
    expect(await holder(g.bundle)).toEqual([world.s2]);
    const claims = await h.store.db.selectFrom('transfer_claims').selectAll().execute();
    expect(claims).toMatchObject([
      { bundle_id: g.bundleId, credential_id: g.id, source_station_id: world.s1, target_station_id: world.s2 },
    ]);
  });

  it('target first, then source: the source end is applied because the bundle was claimed (found by bundle id)', async () => {
    const g = await held();
    expect(await push(t2, [into(g.bundleId, g.id, g.bundle)])).toMatchObject([{ status: 'applied' }]);
    expect(await push(t1, [out(g.bundleId, g.id, g.bundle)])).toMatchObject([{ status: 'applied' }]);
    // another bundle id over licenses that moved is not covered by that claim
    expect(await push(t1, [out(randomUUID(), g.id, g.bundle)])).toMatchObject([{ status: 'rejected', code: 'BUNDLE_LICENSES_USED' }]);
    const history = await h.admin('GET', `/v1/admin/credentials/${g.id}/history`);
    expect(JSON.stringify(history.body)).toContain('transfer_out');
  });

  it('refuses a bundle whose licenses were used meanwhile, and a copy claimed by a third station', async () => {
    const g = await held();
    await push(t1, [{ kind: 'burn', key: randomUUID(), uuid: g.bundle[0]!, burnedAt: at() }]);
    const [r] = await push(t2, [into(g.bundleId, g.id, g.bundle)]);
    expect(r).toMatchObject({ status: 'rejected', code: 'BUNDLE_LICENSES_USED' });
    expect(r!.reason).toContain('1 of the 4 licenses');
    expect(await h.store.db.selectFrom('transfer_claims').selectAll().execute()).toEqual([]);

    const g2 = await held();
    expect(await push(t2, [into(g2.bundleId, g2.id, g2.bundle)])).toMatchObject([{ status: 'applied' }]);
    // station 3 is on the other line of the same factory: the licenses are now held by station 2
    expect(await push(t3, [into(g2.bundleId, g2.id, g2.bundle)])).toMatchObject([{ status: 'rejected', code: 'BUNDLE_LICENSES_USED' }]);
    expect(await holder(g2.bundle)).toEqual([world.s2]);
    expect(await h.store.db.selectFrom('transfer_claims').select('target_station_id').execute()).toEqual([{ target_station_id: world.s2 }]);
  });
});
