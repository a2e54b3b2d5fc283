// The fleet view: what stations report with pull and push, their burns in the last hour, and when each group runs dry.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Fleet } from '../../../common/console-api';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('fleet on %s', (target) => {
  let h: TestHub;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  beforeEach(async () => {
    h = await bootHub(target);
    world = await seedWorld(h);
  });
  afterEach(async () => h?.close());

  const fleet = async (key = h.keys.owner): Promise<Fleet> => {
    const r = await h.call<Fleet>('GET', '/v1/console/fleet', undefined, key);
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    return r.body;
  };

  it("shows each station's last sync, its reported outbox and suspects, burns in the last hour, and when each group runs dry", async () => {
    const fast = await makeCredential(h, { purchased: 40 });
    const slow = await makeCredential(h, { purchased: 40 });
    await makeCredential(h, { purchased: 5 }); // not assigned: not at work
    await h.admin('POST', `/v1/admin/credentials/${fast.id}/assign`, {
      factoryId: world.factoryId,
      lineId: world.lineA,
      stationId: world.s1,
    });
    await h.admin('POST', `/v1/admin/credentials/${slow.id}/assign`, {
      factoryId: world.factoryId,
      lineId: world.lineB,
      stationId: world.s3,
    });
    const t1 = await enrollStation(h, world.s1);
    const t3 = await enrollStation(h, world.s3);
    const pulled = await h.call('POST', '/v1/station/pull', { cursor: null, limit: 30, status: { outbox: 0, suspects: 0 } }, t1);
    const pulled3 = await h.call('POST', '/v1/station/pull', { cursor: null, limit: 10 }, t3);
    const burn = (uuid: string, minutesAgo: number) => ({
      kind: 'burn',
      key: randomUUID(),
      uuid,
      burnedAt: new Date(h.clock.now() - minutesAgo * 60_000).toISOString(),
    });
    // s1: 20 burns in the last hour (and 2 earlier, not counted); s3: 2 burns in the last hour
    h.clock.advance(2 * 3_600_000);
    const uuids1 = (pulled.body.licenses as { uuid: string }[]).map((l) => l.uuid);
    const uuids3 = (pulled3.body.licenses as { uuid: string }[]).map((l) => l.uuid);
    const pushed = await h.call(
      'POST',
      '/v1/station/push',
      {
        items: [...uuids1.slice(0, 20).map((u) => burn(u, 30)), burn(uuids1[20]!, 90), burn(uuids1[21]!, 100)],
        status: { outbox: 7, suspects: 2 },
      },
      t1,
    );
    expect(pushed.body.outcomes.every((o: { status: string }) => o.status === 'applied')).toBe(true);
    await h.call('POST', '/v1/station/push', { items: uuids3.slice(0, 2).map((u) => burn(u, 10)) }, t3);

    const f = await fleet();
    const s1 = f.stations.find((s) => s.id === world.s1)!;
    expect(s1).toMatchObject({
      name: 'A-1',
      factory: 'Shenzhen 1',
      line: 'Line A',
      outbox: 7,
      suspects: 2,
      burnsLastHour: 20,
      lastSyncAt: new Date(h.clock.now()).toISOString(),
    });
    expect(f.stations.find((s) => s.id === world.s3)).toMatchObject({ burnsLastHour: 2, outbox: 0, suspects: 0 });
    expect(f.stations.find((s) => s.id === world.s2)).toMatchObject({ lastSyncAt: null, burnsLastHour: 0 });
    expect(f.groups.map((g) => g.credentialId)).toEqual([fast.id, slow.id]);
    // fast: 40 - 22 = 18 left at 20 an hour: dry in 54 minutes, soon; slow: 38 left at 2 an hour: 19 hours
    expect(f.groups[0]).toMatchObject({
      left: 18,
      burnRatePerHour: 20,
      runsDrySoon: true,
      runsDryAt: new Date(h.clock.now() + 54 * 60_000).toISOString(),
    });
    expect(f.groups[1]).toMatchObject({
      left: 38,
      burnRatePerHour: 2,
      runsDrySoon: false,
      runsDryAt: new Date(h.clock.now() + 19 * 3_600_000).toISOString(),
    });

    // an hour later nothing burned: no rate, no run-dry time
    h.clock.advance(3_600_000);
    expect((await fleet()).groups[0]).toMatchObject({ burnRatePerHour: 0, runsDryAt: null, runsDrySoon: false });
  });

  it("a factory's manager sees its own factory's stations and groups only", async () => {
    const other = await h.admin('POST', '/v1/admin/factories', { name: 'Other' });
    const line = await h.admin('POST', `/v1/admin/factories/${other.body.id}/lines`, { name: 'X' });
    await h.admin('POST', `/v1/admin/lines/${line.body.id}/stations`, { name: 'X-1' });
    const c = await makeCredential(h, { purchased: 3 });
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: other.body.id });
    const mine = await fleet(await h.factoryKey(world.factoryId));
    expect(mine.stations.map((s) => s.name).sort()).toEqual(['A-1', 'A-2', 'B-1']);
    expect(mine.groups).toEqual([]);
    const theirs = await fleet(await h.factoryKey(other.body.id));
    expect(theirs.stations.map((s) => s.name)).toEqual(['X-1']);
    expect(theirs.groups.map((g) => g.credentialId)).toEqual([c.id]);
  });

  it('refuses a malformed station status', async () => {
    const t1 = await enrollStation(h, world.s1);
    const r = await h.call('POST', '/v1/station/pull', { cursor: null, status: { outbox: -1, suspects: 0 } }, t1);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('OUT_OF_RANGE');
  });
});
