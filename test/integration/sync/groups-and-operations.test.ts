import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfflineOutcome } from '../../../common/api/schemas';
import { seedFactory, seedGroup, startHubProcess, type HubFixture, type HubProcess } from '../../support/hub-process';
import { burnOne, openTestStation, type TestStation } from '../../support/station';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy';

describe('group state from the hub and offline supervisor operations', () => {
  let dir: string;
  let hub: HubProcess;
  let fx: HubFixture;
  let proxy: TcpProxy;
  let a: TestStation;
  let b: TestStation;
  const outcomes: OfflineOutcome[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-ops-'));
    hub = await startHubProcess(join(dir, 'hub.sqlite'));
    fx = await seedFactory(hub, 2);
    proxy = await startTcpProxy(hub.port);
    a = await openTestStation(dir, 'a');
    b = await openTestStation(dir, 'b');
    a.sync.subscribe((e, p) => {
      if (e === 'onOfflineOutcome') outcomes.push(p as OfflineOutcome);
    });
    await a.sync.enroll(proxy.url, fx.codes[0]!);
    await b.sync.enroll(hub.url, fx.codes[1]!);
  }, 60_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await proxy?.close();
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const offline = async (): Promise<void> => {
    proxy.chaos.refuse = true;
    proxy.dropAll();
    await expect(a.sync.syncNow()).rejects.toMatchObject({ code: 'HUB_UNREACHABLE' });
    expect(a.sync.status().online).toBe(false);
  };
  const online = (): void => {
    proxy.chaos.refuse = false;
  };

  it('a group put under review on the hub is blocked after the next pull; a recall unblocks it', async () => {
    const g = await seedGroup(hub, fx, { purchased: 20, stationId: fx.stationIds[0]! });
    await a.sync.syncNow();
    expect(a.vault.getGroup(g.id).state).toBe('active');
    const req = await hub.admin('POST', `/v1/admin/credentials/${g.id}/update-requests`, {
      targetPid: `${fx.pid}x`,
      deliveryMode: 'credential',
    });
    const r = await a.sync.syncNow();
    expect(r.pulled.blocked).toContain(g.id);
    expect(a.vault.getGroup(g.id)).toMatchObject({ state: 'blocked', blockedReason: expect.stringContaining('under review') });
    expect(() => a.ledger.reserve(g.id, { slot: 's1' })).toThrow(expect.objectContaining({ code: 'GROUP_BLOCKED' }));
    await hub.admin('POST', `/v1/admin/update-requests/${req.update.id}/recall`);
    const r2 = await a.sync.syncNow();
    expect(r2.pulled.unblocked).toContain(g.id);
    expect(a.vault.getGroup(g.id).state).toBe('active');
    await burnOne(a.ledger, g.id);
    await a.sync.syncNow();
    expect(a.ledger.counts(g.id).reported).toBe(1);
  });

  it('leaves a block a supervisor set alone', async () => {
    const g = await seedGroup(hub, fx, { purchased: 5, stationId: fx.stationIds[0]! });
    await a.sync.syncNow();
    a.ledger.blockGroup(g.id, 'held for a quality check');
    await a.sync.syncNow();
    expect(a.vault.getGroup(g.id)).toMatchObject({ state: 'blocked', blockedReason: 'held for a quality check' });
  });

  it('a group moved to another station on the hub stops being offered and its unused licenses go back', async () => {
    const g = await seedGroup(hub, fx, { purchased: 30, stationId: fx.stationIds[0]! });
    await a.sync.syncNow();
    await burnOne(a.ledger, g.id);
    await hub.admin('POST', `/v1/admin/credentials/${g.id}/assign`, {
      factoryId: fx.factoryId,
      lineId: fx.lineId,
      stationId: fx.stationIds[1]!,
    });
    const r = await a.sync.syncNow();
    expect(r.pulled.released).toBe(29);
    expect(r.pushedAfter.applied).toBeGreaterThanOrEqual(1);
    expect(a.vault.getGroup(g.id)).toMatchObject({ state: 'blocked', blockedReason: expect.stringContaining('Moved to another station') });
    expect(a.ledger.counts(g.id)).toMatchObject({ available: 0, reported: 1 });
    // the other station now gets them
    await b.sync.syncNow();
    expect(b.ledger.counts(g.id).available).toBe(29);
  });

  it('offline split and reassign take effect at once and are applied by the hub when it is back', async () => {
    const g = await seedGroup(hub, fx, { purchased: 20, free: 5, stationId: fx.stationIds[0]! });
    await a.sync.syncNow();
    await offline();
    const split = a.sync.split(g.id, { purchased: 8, free: 2, name: 'Night shift' });
    expect(split.queuedOffline).toBe(true);
    expect(a.vault.getGroup(split.groupId)).toMatchObject({ name: 'Night shift', licenseCount: 10, state: 'active' });
    expect(a.ledger.counts(g.id).available).toBe(15);
    await burnOne(a.ledger, split.groupId);
    const re = a.sync.reassign(g.id, { slotIds: ['slot-1', 'slot-2'], line: 'Line A' });
    expect(a.sync.assignment(g.id)).toEqual({ slotIds: ['slot-1', 'slot-2'], line: 'Line A' });
    expect(
      a.sync
        .outcomes()
        .filter((o) => o.status === 'pending')
        .map((o) => o.id)
        .sort(),
    ).toEqual([split.operationId, re.operationId].sort());
    online();
    await a.sync.syncNow();
    const byId = new Map(a.sync.outcomes().map((o) => [o.id, o]));
    expect(byId.get(split.operationId)).toMatchObject({ kind: 'split', status: 'applied', reason: null });
    expect(byId.get(re.operationId)).toMatchObject({ kind: 'reassign', status: 'applied' });
    expect(outcomes.some((o) => o.id === split.operationId && o.status === 'applied')).toBe(true);
    const child = await hub.admin('GET', `/v1/admin/credentials/${split.groupId}`);
    expect(child).toMatchObject({ id: split.groupId, parentId: g.id, purchased: 8, free: 2, assignment: { stationId: fx.stationIds[0]! } });
    const parent = await hub.admin('GET', `/v1/admin/credentials/${g.id}`);
    expect(parent.assignment.stationId).toBe(fx.stationIds[0]!);
    // the burn from the new group was accepted, and the pull keeps the child usable
    expect(a.ledger.counts(split.groupId)).toMatchObject({ reported: 1, available: 9 });
    expect(a.vault.getGroup(split.groupId).state).toBe('active');
  });

  it('a conflicting offline split and reassign are rejected with the reason, the station restores its state, nothing is lost', async () => {
    const g = await seedGroup(hub, fx, { purchased: 12, stationId: fx.stationIds[0]! });
    await a.sync.syncNow();
    a.sync.reassign(g.id, { slotIds: ['slot-3'], line: 'Line A' });
    await a.sync.syncNow();
    await offline();
    const split = a.sync.split(g.id, { purchased: 5, free: 0 });
    await burnOne(a.ledger, split.groupId);
    const re = a.sync.reassign(g.id, { slotIds: ['slot-4'], line: 'Line B' });
    expect(a.sync.assignment(g.id)).toEqual({ slotIds: ['slot-4'], line: 'Line B' });
    // meanwhile on the hub: a product change is requested for the same group
    await hub.admin('POST', `/v1/admin/credentials/${g.id}/update-requests`, { targetPid: `${fx.pid}x`, deliveryMode: 'credential' });
    online();
    await a.sync.syncNow();
    const byId = new Map(a.sync.outcomes().map((o) => [o.id, o]));
    const s = byId.get(split.operationId)!;
    expect(s).toMatchObject({ status: 'rejected', localAction: expect.stringContaining('Split undone: 5 licenses returned') });
    expect(s.reason).toBeTruthy();
    expect(byId.get(re.operationId)).toMatchObject({ status: 'rejected', localAction: expect.stringContaining('slot-3') });
    expect(outcomes.some((o) => o.id === split.operationId && o.status === 'rejected' && o.reason === s.reason)).toBe(true);
    // local state restored: the child group is gone, every license is back in the parent, the old slots are back
    expect(() => a.vault.getGroup(split.groupId)).toThrow(expect.objectContaining({ code: 'GROUP_NOT_FOUND' }));
    expect(a.ledger.counts(g.id)).toMatchObject({ total: 12, available: 11, reported: 1 });
    expect(a.sync.assignment(g.id)).toEqual({ slotIds: ['slot-3'], line: 'Line A' });
    // nothing lost: the burn made before the request reached the hub counts there, and the group is now blocked
    const hubGroup = await hub.admin('GET', `/v1/admin/credentials/${g.id}`);
    expect(hubGroup.counts.burned).toBe(1);
    expect(a.vault.getGroup(g.id).state).toBe('blocked');
    expect(a.sync.status().outbox).toBe(0);
  });
});
