import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GroupSummary, Programmer, SlotState } from '../../common/api/schemas';
import { openStationApp } from '../../main/app';
import { startDemoEnvironment, type DemoEnvironment } from '../../scripts/demo';
import { FakeMachine } from '../support/fake-sysfs';

/**
 * The station's services on programmers that move: a fake sysfs tree whose USB
 * programmers lead to the demo's virtual modules. The slots are laid out on the
 * programmers at the first run; after a restart that brings them back swapped,
 * each slot burns into its own jig; a new programmer is offered to the
 * supervisor and bound to a new slot; an unplugged one makes its slot say so.
 */
let env: DemoEnvironment | null = null;
let machine: FakeMachine | null = null;
afterAll(async () => {
  await env?.close();
  machine?.cleanup();
}, 30_000);

const jigs = [
  { serial: 'JIG-A', usbPort: '1-1', demoPort: 0 },
  { serial: 'JIG-B', usbPort: '1-2', demoPort: 2 },
  { serial: 'JIG-C', usbPort: '1-3', demoPort: 1 },
] as const;
const key = (i: number) => `10c4:ea60:${jigs[i]!.serial}`;

describe('slots on programmers that move', () => {
  it('follows each programmer across a swapped restart, offers a new one, and says when one is missing', async () => {
    env = await startDemoEnvironment({ licenses: 40 });
    const m = FakeMachine.create();
    machine = m;
    const plug = (i: number, tty: string) =>
      m.plugUsbSerial({
        tty,
        usbPort: jigs[i]!.usbPort,
        vid: '10c4',
        pid: 'ea60',
        serial: jigs[i]!.serial,
        driver: 'cp210x',
        devLink: env!.ports()[jigs[i]!.demoPort]!.info.hostPath,
      });
    plug(0, 'ttyUSB0');
    plug(1, 'ttyUSB1');
    const options = {
      dataDir: join(env.dir, 'station'),
      demoHub: () => Promise.resolve(env!.access),
      scrypt: { N: 2 ** 12, r: 8, p: 1 },
      discovery: { sysRoot: m.sysRoot, devRoot: m.devRoot, udev: 'off' as const },
      programmerWatch: { hotplug: 'off' as const, pollMs: 0 },
    };
    const ctx = { sessionKey: 'programmers-test' };
    let app = await openStationApp(options);
    const call = async <T>(channel: string, payload: unknown = {}): Promise<T> => {
      const r = await app.dispatcher.dispatch(channel, payload, ctx);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value as T;
    };
    await call('setup.startDemo', { keyProtection: { kind: 'passphrase', passphrase: 'programmers passphrase' }, supervisorPin: '2468' });
    const first = await call<{ groups: GroupSummary[]; slots: SlotState[] }>('station.overview');
    expect(first.slots.map((s) => [s.slotId, s.programmer, s.port, s.protocol])).toEqual([
      ['slot-1', key(0), join(m.devRoot, 'ttyUSB0'), 'tuya-auc'],
      ['slot-2', key(1), join(m.devRoot, 'ttyUSB1'), 'tuyaopen-cli'],
    ]);
    const group = first.groups[0]!;
    await call('station.selectGroup', { groupId: group.id });
    await call('station.signOn', { code: env.seed.floor.operators[1]!.number });
    await call('station.start', {});
    await expect
      .poll(async () => (await call<{ burned: number }>('station.counts', { groupId: group.id })).burned, { timeout: 20_000 })
      .toBe(2);
    await call('station.stop', {});
    await app.close();
    for (const j of jigs.slice(0, 2)) await env.swap(env.ports()[j.demoPort]!.info.hostPath);

    // The reboot: the two come back the other way round, and a third programmer is plugged in.
    m.unplug(jigs[0].usbPort, ['ttyUSB0']);
    m.unplug(jigs[1].usbPort, ['ttyUSB1']);
    plug(1, 'ttyUSB0');
    plug(0, 'ttyUSB1');
    plug(2, 'ttyUSB2');
    app = await openStationApp(options);
    await call('setup.unlock', { passphrase: 'programmers passphrase' });
    const again = await call<{ slots: SlotState[] }>('station.overview');
    expect(again.slots.map((s) => [s.slotId, s.programmer, s.port, s.groupId])).toEqual([
      ['slot-1', key(0), join(m.devRoot, 'ttyUSB1'), group.id],
      ['slot-2', key(1), join(m.devRoot, 'ttyUSB0'), group.id],
    ]);
    await call('station.signOn', { code: env.seed.floor.operators[1]!.number });
    await call('station.start', {});
    await expect
      .poll(async () => (await call<{ burned: number }>('station.counts', { groupId: group.id })).burned, { timeout: 20_000 })
      .toBe(4);
    await call('station.stop', {});
    // each slot's newest license is in its own jig
    const slots = (await call<{ slots: SlotState[] }>('station.overview')).slots;
    for (const [i, s] of slots.entries()) {
      const port = env.ports()[jigs[i]!.demoPort]!;
      expect((await port.fleet.readFlash(port.index))?.uuid, `slot ${s.number}'s jig`).toBe(
        s.lastResult?.ok ? s.lastResult.uuid : 'no burn',
      );
    }

    // The new programmer is offered to the supervisor, then becomes slot 3 (its module speaks tuya-auc).
    await call('supervisor.login', { pin: '2468' });
    const offered = await call<Programmer[]>('supervisor.programmers');
    expect(offered.map((p) => [p.key, p.slotNumber])).toEqual([
      [key(0), 1],
      [key(1), 2],
      [key(2), null],
    ]);
    await expect(call('supervisor.assignProgrammer', { key: key(0) })).rejects.toMatchObject({ code: 'PROGRAMMER_IN_USE' });
    const assigned = await call<{ slot: SlotState; programmers: Programmer[] }>('supervisor.assignProgrammer', { key: key(2) });
    expect(assigned.slot).toMatchObject({ slotId: 'slot-3', programmer: key(2), protocol: 'tuya-auc', programmerMissing: false });
    expect(assigned.programmers.find((p) => p.key === key(2))?.slotId).toBe('slot-3');

    // Unplugged: its slot says the programmer is missing, and it is still listed as slot 2's.
    m.unplug(jigs[1].usbPort, ['ttyUSB0']);
    await call('supervisor.programmers');
    const missing = (await call<{ slots: SlotState[] }>('station.overview')).slots.find((s) => s.slotId === 'slot-2')!;
    expect(missing).toMatchObject({ programmerMissing: true, connected: false, programmer: key(1) });
    expect((await call<Programmer[]>('supervisor.programmers')).find((p) => p.key === key(1))).toMatchObject({ port: null, slotNumber: 2 });
    await app.close();
  }, 90_000);
});
