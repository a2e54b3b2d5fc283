import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GroupSummary, ImportReport, SlotState } from '../../../common/api/schemas';
import { openStationApp } from '../../../main/app';
import { startDemoEnvironment, type DemoEnvironment } from '../../../scripts/demo';

/**
 * A group that slots cannot burn, told when it is picked, and a group's PID set by a supervisor in the app:
 * the demo's four slots (two tuya-auc, two tuyaopen-cli) and a list of 20-character uuids without a PID.
 */
let env: DemoEnvironment | null = null;
afterAll(async () => {
  await env?.close().catch(() => undefined);
}, 30_000);

const csv = (uuids: string[]) =>
  Buffer.from(
    ['uuid,authkey,mac', ...uuids.map((u, i) => `${u},${'K'.repeat(31)}${i},D0C0B00000${String(i).padStart(2, '0')}`)].join('\r\n'),
  ).toString('base64');

describe('picking a group the modules cannot take, and setting a group PID', () => {
  it('refuses a pick before any slot changes, and a supervisor sets the PID, audited by name, queued for the hub while it is down', async () => {
    env = await startDemoEnvironment({ licenses: 20 });
    const app = await openStationApp({
      dataDir: join(env.dir, 'station'),
      demoHub: () => Promise.resolve(env!.access),
      discovery: { virtualDirs: env.portDirs, udev: 'off' },
      scrypt: { N: 2 ** 12, r: 8, p: 1 },
    });
    const call = async <T>(channel: string, payload: unknown = {}): Promise<T> => {
      const r = await app.dispatcher.dispatch(channel, payload, { sessionKey: 'pid-test' });
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value as T;
    };
    try {
      await call('setup.startDemo', { keyProtection: { kind: 'passphrase', passphrase: 'group pid passphrase' }, supervisorPin: '2468' });
      const first = await call<{ groups: GroupSummary[]; slots: SlotState[] }>('station.overview');
      expect(first.slots.map((s) => s.protocol)).toEqual(['tuya-auc', 'tuya-auc', 'tuyaopen-cli', 'tuyaopen-cli']);
      const plug = first.groups.find((g) => g.blocked === null)!;
      await call('station.selectGroup', { groupId: plug.id });

      await expect(call('supervisor.setGroupPid', { groupId: plug.id, pid: 'plug0001' })).rejects.toMatchObject({
        code: 'SUPERVISOR_REQUIRED',
      });
      await call('supervisor.login', { pin: '2468' });
      const uuids = Array.from({ length: 3 }, (_, i) => `longuuid0000000000${String(i).padStart(2, '0')}`);
      const report = await call<ImportReport>('supervisor.importLicenses', {
        fileName: 'long.csv',
        contentBase64: csv(uuids),
        groupName: 'Long uuids',
      });
      expect(report).toMatchObject({ imported: true, rowsImported: 3 });
      const long = report.groupId!;

      // Picked for all slots: the tuya-auc slots take 16-character uuids only; no slot changes.
      await expect(call('station.selectGroup', { groupId: long })).rejects.toMatchObject({
        code: 'UUIDS_DO_NOT_FIT',
        message: 'Group Long uuids has 20-character uuids, and the tuya-auc modules on slot 1 take 16: pick another group for slot 1.',
      });
      // a slot that could take it is not switched before the one that cannot is found
      await expect(call('station.selectGroup', { groupId: long, slotIds: ['slot-3', 'slot-1'] })).rejects.toMatchObject({
        code: 'UUIDS_DO_NOT_FIT',
      });
      const groupsOfSlots = async () => (await call<{ slots: SlotState[] }>('station.overview')).slots.map((s) => s.groupId);
      expect(await groupsOfSlots()).toEqual([plug.id, plug.id, plug.id, plug.id]);
      // a supervisor's reassignment is checked the same way, before anything is recorded
      await expect(call('supervisor.reassign', { groupId: long, slotIds: ['slot-3', 'slot-2'] })).rejects.toMatchObject({
        code: 'UUIDS_DO_NOT_FIT',
        message: expect.stringContaining('on slot 2'),
      });
      expect(await groupsOfSlots()).toEqual([plug.id, plug.id, plug.id, plug.id]);
      expect(await call<unknown[]>('sync.outcomes')).toEqual([]);
      // the tuyaopen-cli slots take it
      const picked = await call<SlotState[]>('station.selectGroup', { groupId: long, slotIds: ['slot-3', 'slot-4'] });
      expect(picked.map((s) => s.groupId)).toEqual([long, long]);

      // The group came without a PID: a supervisor sets it, recorded with the supervisor's name.
      const groupOf = async (id: string) => (await call<{ groups: GroupSummary[] }>('station.overview')).groups.find((g) => g.id === id)!;
      expect((await groupOf(long)).pid).toBe('unknown');
      await expect(call('supervisor.setGroupPid', { groupId: long, pid: 'plug 0001' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
        message: expect.stringContaining('a PID has no spaces'),
      });
      const set = await call<GroupSummary>('supervisor.setGroupPid', { groupId: long, pid: ' plug0001 ' });
      expect(set).toMatchObject({ id: long, pid: 'plug0001' });
      expect((await groupOf(long)).pid).toBe('plug0001');
      const station = app.runtime.station!;
      const audited = station.vault.audit.entries().filter((e) => e.action === 'group.pid-set');
      expect(audited.map((e) => e.detail)).toEqual([{ from: null, to: 'plug0001', by: 'Station supervisor' }]);
      const outbox = () =>
        station.vault.db
          .prepare<[], { payload: string }>("SELECT payload FROM sync_outbox WHERE kind = 'set_pid'")
          .all()
          .map((r) => JSON.parse(r.payload) as { credentialId: string; pid: string });
      // a group imported here is the station's own: nothing to tell the hub
      expect(outbox()).toEqual([]);

      // A hub group while the hub is down: set here at once and queued for the hub.
      await env.hub.close();
      await call('sync.syncNow').catch(() => undefined);
      const hubSet = await call<GroupSummary>('supervisor.setGroupPid', { groupId: plug.id, pid: 'plugnew1' });
      expect(hubSet.pid).toBe('plugnew1');
      expect(outbox()).toEqual([expect.objectContaining({ pid: 'plugnew1' })]);
    } finally {
      await app.close();
    }
  }, 90_000);
});
