import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GroupSummary, OfflineOutcome, People, SlotState, SyncStatus } from '../../../common/api/schemas';
import { openStationApp } from '../../../main/app';
import { startDemoEnvironment, type DemoEnvironment } from '../../../scripts/demo';

/**
 * A supervisor's reassignment while the hub is down: the line is picked from the hub's list as last synced
 * (a typed one is refused), the tiles change at once, and a slot never burns a group assigned to other slots.
 */
let env: DemoEnvironment | null = null;
afterAll(async () => {
  await env?.close().catch(() => undefined);
}, 30_000);

describe('reassign offline', () => {
  it('binds the named slots at once, refuses unknown lines and slots the group is not assigned to', async () => {
    env = await startDemoEnvironment({ licenses: 40 });
    const app = await openStationApp({
      dataDir: join(env.dir, 'station'),
      demoHub: () => Promise.resolve(env!.access),
      discovery: { virtualDirs: env.portDirs, udev: 'off' },
      scrypt: { N: 2 ** 12, r: 8, p: 1 },
    });
    const call = async <T>(channel: string, payload: unknown = {}): Promise<T> => {
      const r = await app.dispatcher.dispatch(channel, payload, { sessionKey: 'reassign-test' });
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value as T;
    };
    try {
      await call('setup.startDemo', { keyProtection: { kind: 'passphrase', passphrase: 'reassign passphrase' }, supervisorPin: '2468' });
      const plug = (await call<{ groups: GroupSummary[] }>('station.overview')).groups.find((g) => g.blocked === null)!;
      await call('station.selectGroup', { groupId: plug.id });
      await call('supervisor.login', { pin: '2468', supervisorId: 'station' });
      expect(await call<People>('supervisor.people')).toMatchObject({ lines: ['Line 1', 'Line 2'], stationLine: 'Line 1' });

      // the hub goes away: the station works from what it synced last
      await env.hub.close();
      await call('sync.syncNow').catch(() => undefined);
      expect((await call<SyncStatus>('sync.status')).online).toBe(false);
      await expect(call('supervisor.reassign', { groupId: plug.id, slotIds: ['slot-2'], line: 'Line 9' })).rejects.toMatchObject({
        code: 'LINE_UNKNOWN',
        message: expect.stringContaining('pick one of Line 1, Line 2'),
      });
      const r = await call<{ group: GroupSummary; queuedOffline: boolean }>('supervisor.reassign', {
        groupId: plug.id,
        slotIds: ['slot-2'],
        line: 'Line 1',
      });
      expect(r.queuedOffline).toBe(true);
      expect(r.group.assignment.line).toBe('Line 1');
      expect((await call<{ slots: SlotState[] }>('station.overview')).slots.find((s) => s.slotId === 'slot-2')?.groupId).toBe(plug.id);
      expect((await call<OfflineOutcome[]>('sync.outcomes')).find((o) => o.kind === 'reassign')).toMatchObject({
        status: 'pending',
        groupId: plug.id,
      });

      // the group is slot 2's now: the other slots may not burn it, picked or started
      await call('station.signOn', { code: env.seed.floor.operators[1]!.number });
      await expect(call('station.start', {})).rejects.toMatchObject({
        code: 'GROUP_NOT_FOR_SLOT',
        message: `Group "${plug.name}" is assigned to slot 2, not to slot 1: pick another group for slot 1, or ask a supervisor to reassign it.`,
      });
      await expect(call('station.start', { slotIds: ['slot-3'] })).rejects.toMatchObject({
        code: 'GROUP_NOT_FOR_SLOT',
        message: expect.stringContaining('not to slot 3'),
      });
      expect((await call<{ slots: SlotState[] }>('station.overview')).slots.every((s) => !s.running)).toBe(true);
      await call('station.start', { slotIds: ['slot-2'] });
      expect((await call<{ slots: SlotState[] }>('station.overview')).slots.filter((s) => s.running).map((s) => s.slotId)).toEqual([
        'slot-2',
      ]);
      await call('station.stop', {});
    } finally {
      await app.close();
    }
  }, 90_000);
});
