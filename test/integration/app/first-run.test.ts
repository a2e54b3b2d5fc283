import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Programmer, SetupState, SlotState } from '../../../common/api/schemas';
import { openStationApp } from '../../../main/app';
import { startDemoEnvironment, type DemoEnvironment } from '../../../scripts/demo';
import { FakeMachine } from '../../support/fake-sysfs';

/** A first run whose enrollment fails starts again from a clean first run, with the programmers still watched. */
let env: DemoEnvironment | null = null;
let machine: FakeMachine | null = null;
afterAll(async () => {
  await env?.close().catch(() => undefined);
  machine?.cleanup();
}, 30_000);

describe('a failed first-run enrollment', () => {
  it('leaves no vault behind, and after the next attempt a programmer plugged in is seen', async () => {
    env = await startDemoEnvironment({ licenses: 10 });
    const m = FakeMachine.create();
    machine = m;
    const plug = (i: number) =>
      m.plugUsbSerial({
        tty: `ttyUSB${i}`,
        usbPort: `1-${i + 1}`,
        vid: '10c4',
        pid: 'ea60',
        serial: `JIG-${i}`,
        driver: 'cp210x',
        devLink: env!.ports()[i]!.info.hostPath,
      });
    plug(0);
    const dataDir = join(env.dir, 'station');
    const app = await openStationApp({
      dataDir,
      scrypt: { N: 2 ** 12, r: 8, p: 1 },
      discovery: { sysRoot: m.sysRoot, devRoot: m.devRoot, udev: 'off' },
      programmerWatch: { hotplug: 'off', pollMs: 0 },
    });
    const call = async <T>(channel: string, payload: unknown = {}): Promise<T> => {
      const r = await app.dispatcher.dispatch(channel, payload, { sessionKey: 'first-run-test' });
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value as T;
    };
    const connect = (enrollmentCode: string) =>
      call<SetupState>('setup.connectHub', {
        hubUrl: env!.access.hubUrl,
        enrollmentCode,
        stationName: 'First run',
        keyProtection: { kind: 'passphrase', passphrase: 'first run passphrase' },
        supervisorPin: '1357',
      });
    try {
      await expect(connect('WRONG-CODE-0000')).rejects.toMatchObject({ code: expect.any(String) });
      expect(existsSync(join(dataDir, 'station.vault'))).toBe(false);
      expect((await call<SetupState>('setup.state')).stage).toBe('new');

      await connect(env.access.enrollmentCode);
      const { slots } = await call<{ slots: SlotState[] }>('station.overview');
      expect(slots.map((s) => s.programmer)).toEqual(['10c4:ea60:JIG-0']);

      // The watcher still looks: a second programmer plugged in now is offered to the supervisor.
      plug(1);
      await call('supervisor.login', { pin: '1357', supervisorId: 'station' });
      const programmers = await call<Programmer[]>('supervisor.programmers');
      expect(programmers.map((p) => [p.key, p.slotNumber])).toEqual([
        ['10c4:ea60:JIG-0', 1],
        ['10c4:ea60:JIG-1', null],
      ]);
    } finally {
      await app.close();
    }
  }, 60_000);
});
