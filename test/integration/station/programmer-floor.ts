// A floor whose USB programmers can be unplugged, replugged and swapped: a fake sysfs tree
// (temp dir) whose /dev nodes link to virtual modules on socat ptys, so each programmer leads
// to its own jig whatever tty it gets. Shared by the programmer-binding tests and their chaos test.
import { join } from 'node:path';
import { Fleet } from '../../../native/sim/fleet';
import { ProgrammerWatcher } from '../../../native/transport/programmer-watcher';
import { PassphraseWrapper } from '../../../main/vault';
import { Station, type StationOptions } from '../../../main/station';
import { FakeMachine } from '../../support/fake-sysfs';
import { fastScrypt, licensesCsv, stationLicenses, tempDir, testPassphrase } from './fixtures';

/** Two CP2102 programmers with serial numbers; each sits on its own jig (fleet port 0 and 1) whatever tty it gets. */
export const programmers = [
  { serial: 'JIG-A', usbPort: '1-1', jig: 0 },
  { serial: 'JIG-B', usbPort: '1-2', jig: 1 },
] as const;
export const keyOf = (p: (typeof programmers)[number]) => `10c4:ea60:${p.serial}`;

/** The floor, its cleanups pushed onto `cleanups` (run them in reverse). */
export async function programmerFloor(cleanups: (() => Promise<void> | void)[], licensesPerGroup = 40) {
  const tmp = tempDir('station-programmers-');
  cleanups.push(tmp.cleanup);
  const fleet = await Fleet.start({ protocol: 'tuya-auc', count: 2, timing: { baudRate: 115200, flashWriteMs: 5 } });
  cleanups.push(() => fleet.stop());
  const machine = FakeMachine.create();
  cleanups.push(() => machine.cleanup());
  /** Plugs programmer i in as `tty`: its /dev node leads to its own jig. */
  const plug = (i: number, tty: string) => {
    const p = programmers[i]!;
    machine.plugUsbSerial({
      tty,
      usbPort: p.usbPort,
      vid: '10c4',
      pid: 'ea60',
      serial: p.serial,
      driver: 'cp210x',
      devLink: fleet.portList[p.jig]!.hostPath,
    });
  };
  const unplug = (i: number, tty: string) => machine.unplug(programmers[i]!.usbPort, [tty]);
  const watcher = new ProgrammerWatcher({ sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off', hotplug: 'off', pollMs: 0 });
  cleanups.push(() => watcher.stop());
  // Two groups whose licenses are told apart by their uuids: every module shows which group it got.
  const g1 = stationLicenses(licensesPerGroup);
  const g2 = stationLicenses(licensesPerGroup);
  const vaultPath = join(tmp.dir, 'station.vault');
  const open = async (create: boolean, watched = true, extra: Partial<StationOptions> = {}) => {
    const options = {
      vaultPath,
      wrapper: new PassphraseWrapper(testPassphrase, fastScrypt),
      ...(watched ? { programmers: watcher } : {}),
      slotTiming: { reconnectMs: 50 },
      ...extra,
    };
    return create ? Station.create(options) : Station.open(options);
  };
  const station = await open(true);
  const r1 = await station.importLicenseList(licensesCsv(g1), 'g1.csv', { groupName: 'Jig A group' });
  const r2 = await station.importLicenseList(licensesCsv(g2), 'g2.csv', { groupName: 'Jig B group' });
  if (!r1.ok || !r2.ok) throw new Error('import refused');
  await station.close();
  return {
    fleet,
    machine,
    plug,
    unplug,
    watcher,
    open,
    vaultPath,
    groups: [r1.groupId, r2.groupId] as const,
    uuids: [new Set(g1.map((l) => l.uuid)), new Set(g2.map((l) => l.uuid))] as const,
  };
}

/** Slot n+1 is bound to programmer n and burns group n, as the station's settings keep them across restarts. */
export function bindSlots(station: Station, groups: readonly [string, string]) {
  return programmers.map((p, i) =>
    station.addSlot({
      id: `slot-${i + 1}`,
      number: i + 1,
      programmer: keyOf(p),
      port: '/dev/ttyUSB-last-seen',
      protocol: 'tuya-auc',
      groupId: groups[i]!,
    }),
  );
}
