import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GroupSummary, SetupState, SlotState } from '../../common/api/schemas';
import { openStationApp } from '../../main/app';
import { startDemoEnvironment, type DemoEnvironment } from '../../scripts/demo';

/**
 * The station's lifecycle on the real services, without a browser: first run,
 * burns, a restart (locked until the passphrase), slots back on their groups,
 * the PIN and its lockout kept, counts intact, and a hub admin token an older
 * station kept in its vault removed.
 */
let env: DemoEnvironment | null = null;
afterAll(async () => {
  await env?.close();
}, 30_000);

const options = (e: DemoEnvironment) => ({
  dataDir: join(e.dir, 'station'),
  demoHub: () => Promise.resolve(e.access),
  discovery: { virtualDirs: e.portDirs, udev: 'off' as const },
  scrypt: { N: 2 ** 12, r: 8, p: 1 },
});

describe('a station restarts with what it had', () => {
  it('is locked until its passphrase, then has its slots, groups, counts and PIN back', async () => {
    env = await startDemoEnvironment({ licenses: 40 });
    const ctx = { sessionKey: 'restart-test' };
    let app = await openStationApp(options(env));
    const call = async <T>(channel: string, payload: unknown = {}): Promise<T> => {
      const r = await app.dispatcher.dispatch(channel, payload, ctx);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value as T;
    };
    expect((await call<SetupState>('setup.state')).stage).toBe('new');
    expect(
      (
        await call<SetupState>('setup.startDemo', {
          keyProtection: { kind: 'passphrase', passphrase: 'restart passphrase' },
          supervisorPin: '1357',
        })
      ).stage,
    ).toBe('ready');
    const first = await call<{ groups: GroupSummary[]; slots: SlotState[] }>('station.overview');
    expect(first.slots.map((s) => s.protocol)).toEqual(['tuya-auc', 'tuya-auc', 'tuyaopen-cli', 'tuyaopen-cli']);
    const group = first.groups[0]!;
    await call('station.selectGroup', { groupId: group.id, slotIds: ['slot-1', 'slot-3'] });
    await call('station.signOn', { code: env.seed.floor.operators[1]!.number });
    await call('station.start', {});
    await expect
      .poll(async () => (await call<{ burned: number }>('station.counts', { groupId: group.id })).burned, { timeout: 15_000 })
      .toBe(2);
    await call('station.stop', {});
    // a station set up by an older version kept the hub's (since removed) shared admin token in its vault
    app.runtime.station!.vault.putSecret('app.hubOperatorToken', 'hadm_an-old-shared-admin-token');
    await app.close();

    app = await openStationApp(options(env));
    expect((await call<SetupState>('setup.state')).stage).toBe('locked');
    await expect(call('station.overview')).rejects.toMatchObject({ code: 'NOT_READY' });
    await expect(call('setup.unlock', { passphrase: 'not the passphrase' })).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' });
    expect((await call<SetupState>('setup.unlock', { passphrase: 'restart passphrase' })).stage).toBe('ready');
    // opening the vault removes it: the supervisor's hub calls use the station's own token
    expect(app.runtime.station!.vault.getSecret('app.hubOperatorToken')).toBeNull();
    const again = await call<{ groups: GroupSummary[]; slots: SlotState[] }>('station.overview');
    expect(again.slots.map((s) => [s.slotId, s.groupId])).toEqual([
      ['slot-1', group.id],
      ['slot-2', null],
      ['slot-3', group.id],
      ['slot-4', null],
    ]);
    expect(again.groups.find((g) => g.id === group.id)?.counts).toMatchObject({ burned: 2, suspect: 0 });
    // the first-run PIN signs in as "Station supervisor", beside the hub's supervisors
    await expect(call('supervisor.login', { pin: '1357', supervisorId: 'station' })).resolves.toMatchObject({ active: true });
    // nobody is signed on after a restart
    await expect(call('station.start', {})).rejects.toMatchObject({ code: 'OPERATOR_REQUIRED' });
    // the sync engine carried the burns to the hub
    await call('sync.syncNow');
    expect(await call<{ outbox: number; enrolled: boolean }>('sync.status')).toMatchObject({ outbox: 0, enrolled: true });
    await app.close();
  }, 60_000);
});
