import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GroupSummary, HistoryEntry, JobProgress, OfflineOutcome, SyncStatus, UpdateRequest } from '../../common/api/schemas';
import { openStationApp } from '../../main/app';
import { startHub } from '../../hub/server';
import { silentLogger } from '../../common/log';
import { startDemoEnvironment, type DemoEnvironment } from '../../scripts/demo';
import { generateDemoLicenses } from '../../hub/demo';
import { importLicenses } from '../../hub/services/credentials';
import { hubAdmin } from './hub-admin';

/**
 * The supervisor's hub operations through the station's API, against a real
 * hub, all on the station's own token: a product change requested at the
 * station, approved and paid by the hub operator on the admin API and shown at the station,
 * third-party resources with progress, a download with the hub's one-time code,
 * and a split made while the hub is down, applied once it is back.
 */
let env: DemoEnvironment | null = null;
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c().catch(() => undefined);
  await env?.close();
}, 30_000);

describe('hub operations from the supervisor console', () => {
  it('change product: under review, approved and paid on the hub, each step shown at the station; then resources, download and an offline split', async () => {
    env = await startDemoEnvironment({ licenses: 40 });
    const app = await openStationApp({
      dataDir: join(env.dir, 'station'),
      demoHub: () => Promise.resolve(env!.access),
      discovery: { virtualDirs: env.portDirs, udev: 'off' },
      scrypt: { N: 2 ** 12, r: 8, p: 1 },
    });
    closers.push(() => app.close());
    const events: { event: string; payload: unknown }[] = [];
    app.dispatcher.subscribe((event, payload) => events.push({ event, payload }));
    const ctx = { sessionKey: 'hub-ops' };
    const call = async <T>(channel: string, payload: unknown = {}): Promise<T> => {
      const r = await app.dispatcher.dispatch(channel, payload, ctx);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value as T;
    };
    await call('setup.startDemo', { keyProtection: { kind: 'passphrase', passphrase: 'hub operations test' }, supervisorPin: '8642' });
    await call('supervisor.login', { pin: '8642' });
    const group = (await call<{ groups: GroupSummary[] }>('station.overview')).groups[0]!;
    // approve and pay are the hub operator's, on the hub's admin API
    const admin = hubAdmin(env.hub);
    const groupNow = async (): Promise<GroupSummary> => {
      await call('sync.syncNow');
      return (await call<{ groups: GroupSummary[] }>('station.overview')).groups.find((g) => g.id === group.id)!;
    };

    const req = await call<UpdateRequest>('supervisor.changeProduct', {
      groupId: group.id,
      targetPid: 'demobulb01',
      deliveryMode: 'credential',
    });
    expect(req).toMatchObject({ state: 'confirming_update', targetProductName: 'Demo HomeKit bulb' });
    expect(req.priceDifferenceCents).toBeGreaterThan(0);
    const underReview = await groupNow();
    expect(underReview.state).toBe('confirming_update');
    expect(underReview.blocked?.message).toContain('under review');
    await expect(call('station.selectGroup', { groupId: group.id })).rejects.toMatchObject({ code: 'GROUP_BLOCKED' });
    // the station token reaches only this station's groups: the bulb group belongs to another line
    const bulb = env.seed.credentials.find((c) => c.pid === 'demobulb01')!;
    await expect(
      call('supervisor.changeProduct', { groupId: bulb.id, targetPid: 'demoplug01', deliveryMode: 'credential' }),
    ).rejects.toMatchObject({ code: 'NOT_YOUR_GROUP' });

    await admin.approveUpdate(req.id);
    expect((await groupNow()).state).toBe('being_paid');
    expect((await call<UpdateRequest[]>('supervisor.requests', { groupId: group.id }))[0]!.state).toBe('being_paid');
    await admin.payUpdate(req.id, 'INV-2026-001');
    const updated = await groupNow();
    expect(updated).toMatchObject({ state: 'updated', blocked: null, productName: 'Demo HomeKit bulb' });
    const history = await call<HistoryEntry[]>('supervisor.history', { groupId: group.id });
    expect(history.map((h) => h.event)).toEqual(expect.arrayContaining(['update_requested', 'update_approved', 'update_paid', 'updated']));
    // facts with product names and the amount, never the update id or the payment reference
    expect(history.find((h) => h.event === 'update_requested')!.facts).toMatchObject({ toProduct: 'Demo HomeKit bulb' });
    expect(history.find((h) => h.event === 'update_paid')!.facts.amountCents).toBe(req.priceDifferenceCents);
    expect(JSON.stringify(history)).not.toContain(req.id);
    expect(JSON.stringify(history)).not.toContain('INV-2026-001');

    // the bulb supports HomeKit: the job's progress reaches the page as events
    const job = await call<JobProgress>('supervisor.generateResources', { groupId: group.id, kind: 'homekit' });
    expect(job.state).toBe('running');
    await expect
      .poll(
        () =>
          events.some(
            (e) =>
              e.event === 'onJobProgress' && (e.payload as JobProgress).jobId === job.jobId && (e.payload as JobProgress).state === 'done',
          ),
        { timeout: 20_000 },
      )
      .toBe(true);
    // the hub's notice says it is done
    const done = events.find((e) => e.event === 'onJobProgress' && (e.payload as JobProgress).state === 'done')!.payload as JobProgress;
    expect(done.message).toMatch(/^Third-party resources \(homekit\) for credential .* are ready: \d+ generated\.$/);

    // every license the group had is leased to this station: a download would hand out nothing, so no code is used
    expect(await call('supervisor.downloadPreview', { groupId: group.id })).toEqual({ licenses: 0, heldByStations: expect.any(Number) });
    const codesBefore = env.hubCodes.length;
    await expect(call('supervisor.requestCode', { purpose: 'download', groupId: group.id })).rejects.toMatchObject({
      code: 'DOWNLOAD_NOTHING',
    });
    expect(env.hubCodes).toHaveLength(codesBefore);
    // the brand adds 3 licenses on the hub (no station holds them yet): the console says so before any code
    await importLicenses(env.hub.deps, group.id, 'purchased', generateDemoLicenses(3, 'dlxx'));
    expect(await call('supervisor.downloadPreview', { groupId: group.id })).toEqual({ licenses: 3, heldByStations: expect.any(Number) });
    // download: the hub sends the code; the file holds the authkeys, the answer only its path
    const sent = await call<{ sentTo: string }>('supervisor.requestCode', { purpose: 'download', groupId: group.id });
    // to the contact the hub operator set for this station, not to an address the station names
    expect(sent.sentTo).toBe('s***@factory.local');
    const code = env.hubCodes.at(-1)!.code;
    const dl = await call<{ filePath: string; licenses: number }>('supervisor.download', { groupId: group.id, code });
    expect(JSON.stringify(dl)).not.toMatch(/[0-9A-Za-z]{32}/);
    const rows = readFileSync(dl.filePath, 'utf8').trim().split('\r\n');
    expect(rows[0]).toBe('uuid,authkey,mac,kind');
    expect(dl.licenses).toBe(3);
    expect(rows).toHaveLength(4);
    // the same code again: the hub says it was used
    await expect(call('supervisor.download', { groupId: group.id, code })).rejects.toMatchObject({
      code: 'DOWNLOAD_CODE_USED',
      message: 'This download code was already used: ask for a new code.',
    });

    // the hub goes away: a split is made here, queued, and applied when the hub is back
    const hubUrl = new URL(env.hub.url);
    await env.hub.close();
    await expect(call('sync.syncNow')).rejects.toMatchObject({ code: 'HUB_UNREACHABLE' });
    expect((await call<SyncStatus>('sync.status')).online).toBe(false);
    const fresh = (await call<{ groups: GroupSummary[] }>('station.overview')).groups.find((g) => g.id === group.id)!;
    const split = await call<{ group: GroupSummary; queuedOffline: boolean }>('supervisor.split', {
      groupId: group.id,
      purchased: Math.min(5, fresh.counts.left),
      free: 0,
      name: 'offline split',
    });
    expect(split.queuedOffline).toBe(true);
    expect((await call<OfflineOutcome[]>('sync.outcomes'))[0]).toMatchObject({ kind: 'split', status: 'pending' });
    const again = await startHub({ db: join(env.dir, 'hub.sqlite'), port: Number(hubUrl.port), logger: silentLogger });
    closers.push(() => again.close());
    await call('sync.syncNow');
    expect((await call<OfflineOutcome[]>('sync.outcomes'))[0]).toMatchObject({ kind: 'split', status: 'applied' });
    expect(events.some((e) => e.event === 'onOfflineOutcome' && (e.payload as OfflineOutcome).status === 'applied')).toBe(true);
  }, 90_000);
});
