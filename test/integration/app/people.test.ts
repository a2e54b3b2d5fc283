import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Dashboard, GroupSummary, OperatorSession, People, SlotState, SupervisorRef } from '../../../common/api/schemas';
import { burnRecordsSince } from '../../../main/ledger';
import { openStationApp } from '../../../main/app';
import { startDemoEnvironment, type DemoEnvironment } from '../../../scripts/demo';

/**
 * Who is at the station, on the real services against the demo hub: operators from the hub's factory accounts
 * sign on with a number or a badge, every burn record names them, no burn starts without one; each supervisor
 * signs in with their own PIN (the hub's hash, checked at the station), and their actions name them at the
 * station and in the hub's audit (x-station-supervisor).
 */
let env: DemoEnvironment | null = null;
afterAll(async () => {
  await env?.close();
}, 30_000);

describe('people at the station', () => {
  it("signs operators on from the hub's list, names them on burns, and names each supervisor on their actions", async () => {
    env = await startDemoEnvironment({ licenses: 40 });
    const app = await openStationApp({
      dataDir: join(env.dir, 'station'),
      demoHub: () => Promise.resolve(env!.access),
      discovery: { virtualDirs: env.portDirs, udev: 'off' },
      scrypt: { N: 2 ** 12, r: 8, p: 1 },
    });
    const call = async <T>(channel: string, payload: unknown = {}, sessionKey = 'people-test'): Promise<T> => {
      const r = await app.dispatcher.dispatch(channel, payload, { sessionKey });
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value as T;
    };
    try {
      await call('setup.startDemo', { keyProtection: { kind: 'passphrase', passphrase: 'people passphrase' }, supervisorPin: '2468' });
      const { groups } = await call<{ groups: GroupSummary[]; slots: SlotState[] }>('station.overview');
      const group = groups.find((g) => g.blocked === null)!;
      await call('station.selectGroup', { groupId: group.id, slotIds: ['slot-1', 'slot-3'] });

      // nobody signed on: no burn starts, and the operator is told what to do
      await expect(call('station.start', {})).rejects.toMatchObject({
        code: 'OPERATOR_REQUIRED',
        message: expect.stringMatching(/scan your badge or type your operator number/),
      });
      await expect(call('station.signOn', { code: '999' })).rejects.toMatchObject({ code: 'OPERATOR_UNKNOWN' });
      const [manager, operator] = env.seed.floor.operators;
      // a badge scan signs on as well as a typed number
      expect((await call<OperatorSession>('station.signOn', { code: manager!.badge })).operator).toEqual({
        number: manager!.number,
        name: manager!.name,
      });
      const on = await call<OperatorSession>('station.signOn', { code: operator!.number });
      expect(on).toMatchObject({ operator: { number: operator!.number, name: operator!.name }, idleMinutes: 30 });
      await call('station.start', {});
      await expect
        .poll(async () => (await call<{ burned: number }>('station.counts', { groupId: group.id })).burned, { timeout: 15_000 })
        .toBeGreaterThanOrEqual(2);
      // signing off stops the slots (the burns under way are recorded under this operator) and nothing starts again
      expect((await call<OperatorSession>('station.signOff')).operator).toBeNull();
      expect((await call<{ slots: SlotState[] }>('station.overview')).slots.every((s) => !s.running)).toBe(true);
      await expect(call('station.start', {})).rejects.toMatchObject({ code: 'OPERATOR_REQUIRED' });
      const records = burnRecordsSince(app.runtime.station!.vault.db, 0).filter((r) => r.result === 'verified');
      expect(records.length).toBeGreaterThanOrEqual(2);
      expect(new Set(records.map((r) => r.operator))).toEqual(new Set([operator!.number]));
      const dash = await call<Dashboard>('reports.dashboard', { range: 'day', operator: operator!.number });
      expect(dash.totals.verified).toBe(records.length);
      expect(dash.operators).toEqual([{ number: operator!.number, name: operator!.name }]);
      expect((await call<Dashboard>('reports.dashboard', { range: 'day', operator: manager!.number })).totals.verified).toBe(0);

      // supervisors: the first-run PIN ("Station supervisor") and the hub's, each by name
      const supervisors = await call<SupervisorRef[]>('supervisor.supervisors');
      expect(supervisors).toEqual([
        { id: 'station', name: 'Station supervisor', source: 'shared' },
        { id: expect.stringMatching(/^hub:/), name: 'demo-factory', source: 'hub' },
      ]);
      const hubSupervisor = supervisors[1]!;
      await expect(call('supervisor.login', { pin: env.seed.floor.supervisor.pin, supervisorId: 'station' })).rejects.toMatchObject({
        code: 'WRONG_PIN',
      });
      await new Promise((r) => setTimeout(r, 1000));
      expect(await call('supervisor.login', { pin: env.seed.floor.supervisor.pin, supervisorId: hubSupervisor.id })).toMatchObject({
        active: true,
        supervisor: { name: 'demo-factory' },
      });
      // a supervisor keeps the station's own operators, also offline
      const people = await call<People>('supervisor.addOperator', { number: '7', name: 'Zhao Min', badge: 'LOCAL-0007' });
      expect(people.operators.map((o) => `${o.number} ${o.source}`)).toEqual(['100 hub', '101 hub', '7 station']);
      await expect(call('supervisor.addOperator', { number: '101', name: 'Twice' })).rejects.toMatchObject({ code: 'OPERATOR_EXISTS' });
      await expect(call('supervisor.removeOperator', { number: '101' })).rejects.toMatchObject({ code: 'OPERATOR_FROM_HUB' });
      expect((await call<OperatorSession>('station.signOn', { code: 'LOCAL-0007' })).operator?.name).toBe('Zhao Min');
      // a hub call the supervisor makes names them in the hub's audit
      // every unused license of the group is this station's: a download would hand out nothing, so no code is sent
      expect(await call('supervisor.downloadPreview', { groupId: group.id })).toMatchObject({ licenses: 0 });
      await expect(call('supervisor.requestCode', { purpose: 'download', groupId: group.id })).rejects.toMatchObject({
        code: 'DOWNLOAD_NOTHING',
        message: expect.stringMatching(/held by stations, which burn them\. No code was sent\.$/),
      });
      const audited = await env.hub.deps.store.db
        .selectFrom('audit_log')
        .select(['kind', 'actor_kind', 'actor_via'])
        .where('actor_via', '=', 'demo-factory')
        .execute();
      expect(audited.map((a) => a.kind)).toContain('stationSendDownloadCode');
      expect(env.hubCodes.filter((c) => c.purpose === 'license download')).toEqual([]);
      // and the station's audit chain names them on each action
      const local = app.runtime
        .station!.vault.db.prepare("SELECT action, detail FROM audit_log WHERE action LIKE 'supervisor.%' ORDER BY seq")
        .all() as { action: string; detail: string }[];
      expect(local.map((e) => e.action)).toEqual([
        'supervisor.addOperator',
        'supervisor.addOperator',
        'supervisor.removeOperator',
        'supervisor.requestCode',
      ]);
      expect(local.every((e) => JSON.parse(e.detail).by === 'demo-factory')).toBe(true);
      // a named supervisor retires the shared first-run PIN; it signs nobody in after that
      expect((await call<People>('supervisor.retireSharedPin')).supervisors.map((s) => s.name)).toEqual(['demo-factory']);
      await new Promise((r) => setTimeout(r, 1000));
      await expect(call('supervisor.login', { pin: '2468', supervisorId: 'station' }, 'another-window')).rejects.toMatchObject({
        code: 'SUPERVISOR_UNKNOWN',
      });
    } finally {
      await app.close();
    }
  }, 90_000);
});
