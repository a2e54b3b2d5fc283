// Slots bound to programmers, not to tty paths: a fake sysfs tree (temp dir) whose /dev
// nodes link to virtual modules on socat ptys, so each "USB programmer" leads to its own jig.
// Between runs the programmers come back as other ttys (renamed, swapped); each slot must
// follow its own programmer, and a slot whose programmer is missing burns nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MemoryTransport } from '../../../native/transport/memory';
import { findProgrammerByModel } from '../../../native/transport/programmers';
import type { SlotSnapshot } from '../../../main/station';
import { Operator, sleep, waitFor } from './fixtures';
import { runStationCommand } from '../../../main/cli/station-command';
import { testPassphrase } from './fixtures';
import { bindSlots, keyOf, programmerFloor, programmers } from './programmer-floor';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

describe('slots bound to their programmers', () => {
  it('each slot follows its own programmer across a restart that brings the two back swapped and renamed', async () => {
    const f = await programmerFloor(cleanups);
    f.plug(0, 'ttyUSB0');
    f.plug(1, 'ttyUSB1');
    await f.watcher.start();
    const jigOf = (s: SlotSnapshot) => programmers[s.number - 1]!.jig;

    const run = async (burnsEach: number) => {
      const station = await f.open(false);
      const slots = bindSlots(station, f.groups);
      const operator = new Operator(f.fleet, jigOf, 20);
      station.subscribe(operator.onEvent);
      station.start();
      await waitFor(() => slots.every((s) => s.snapshot.burned >= burnsEach), `${burnsEach} burns on each slot`, 20_000);
      const ports = slots.map((s) => s.snapshot.port);
      await station.stop();
      await operator.stop();
      await station.close();
      // End of the shift: the modules still in the jigs are taken off too.
      for (const [i, p] of programmers.entries()) {
        const flash = await f.fleet.readFlash(p.jig);
        if (flash?.uuid) operator.burnedModules.push({ slotId: `slot-${i + 1}`, flash });
        await f.fleet.swap(p.jig);
      }
      return { ports, modules: operator.burnedModules };
    };

    const first = await run(2);
    expect(first.ports).toEqual([join(f.machine.devRoot, 'ttyUSB0'), join(f.machine.devRoot, 'ttyUSB1')]);

    // The reboot: both programmers come back in the other order, one under a new name.
    f.unplug(0, 'ttyUSB0');
    f.unplug(1, 'ttyUSB1');
    f.plug(1, 'ttyUSB0');
    f.plug(0, 'ttyUSB3');
    await f.watcher.rescan();
    expect(f.watcher.resolve(keyOf(programmers[0]))).toBe(join(f.machine.devRoot, 'ttyUSB3'));

    const second = await run(2);
    expect(second.ports).toEqual([join(f.machine.devRoot, 'ttyUSB3'), join(f.machine.devRoot, 'ttyUSB0')]);

    // Every module taken off a jig holds a license of that jig's slot's group, and none holds one twice.
    const all = [...first.modules, ...second.modules];
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const m of all) {
      const slotIndex = Number(m.slotId.slice('slot-'.length)) - 1;
      expect(f.uuids[slotIndex]!.has(m.flash.uuid!), `${m.slotId} burned ${m.flash.uuid} from the other group`).toBe(true);
    }
    const uuids = all.map((m) => m.flash.uuid);
    expect(new Set(uuids).size).toBe(uuids.length);
  }, 60_000);

  it('a slot whose programmer is missing says so, never shows Done and burns nothing, then resumes when it is back', async () => {
    const f = await programmerFloor(cleanups);
    f.plug(0, 'ttyUSB0');
    await f.watcher.start();
    const station = await f.open(false);
    cleanups.push(() => station.close({ abandon: true }));
    const [slot1, slot2] = bindSlots(station, f.groups);
    expect(slot2!.snapshot.programmerMissing).toBe(true);
    const operator = new Operator(f.fleet, (s) => programmers[s.number - 1]!.jig, 20);
    station.subscribe(operator.onEvent);
    const seen: SlotSnapshot[] = [];
    station.subscribe((e) => {
      if (e.type === 'slot' && e.slot.slotId === 'slot-2') seen.push(e.slot);
    });
    station.start();
    await waitFor(() => slot1!.snapshot.burned >= 1, 'a burn on slot 1');
    const missing = await waitFor(() => slot2!.snapshot.portProblem !== null && slot2!.snapshot, 'slot 2 to say its programmer is missing');
    expect(missing.portProblem).toBe(
      'Programmer missing: the programmer of slot 2 (10c4:ea60:JIG-B) is not plugged in. Plug it back in; slot 2 burns nothing until then.',
    );
    expect(missing).toMatchObject({ programmerMissing: true, connected: false });
    await sleep(300);
    expect(station.counts(f.groups[1]).burned).toBe(0);
    expect(seen.some((s) => s.phase === 'burning' || s.phase === 'done')).toBe(false);

    // Plugged in: the watcher sees it, slot 2 opens it and burns its own group into its own jig.
    f.plug(1, 'ttyUSB7');
    await f.watcher.rescan();
    await waitFor(() => slot2!.snapshot.burned >= 1, 'a burn on slot 2 once its programmer is back');
    expect(slot2!.snapshot).toMatchObject({ programmerMissing: false, portProblem: null, port: join(f.machine.devRoot, 'ttyUSB7') });

    // Unplugged after a burn: the Done it showed gives way to "Programmer missing", and nothing more is burned.
    await waitFor(() => slot2!.snapshot.phase === 'done' || slot2!.snapshot.phase === 'waiting-for-module', 'slot 2 between burns');
    await station.stop(['slot-2']);
    station.start(['slot-2']);
    f.unplug(1, 'ttyUSB7');
    await f.watcher.rescan();
    const gone = await waitFor(() => slot2!.snapshot.programmerMissing && slot2!.snapshot, 'slot 2 to see its programmer go');
    expect(gone.phase).not.toBe('done');
    const burned = station.counts(f.groups[1]).burned;
    await sleep(300);
    expect(station.counts(f.groups[1]).burned).toBe(burned);
    await station.stop();
    await operator.stop();
    for (const m of operator.burnedModules) expect(f.uuids[Number(m.slotId.slice(5)) - 1]!.has(m.flash.uuid!)).toBe(true);
  }, 60_000);

  it('refuses a second slot on the same programmer, and a programmer without a watcher', async () => {
    const f = await programmerFloor(cleanups);
    f.plug(0, 'ttyUSB0');
    await f.watcher.start();
    const station = await f.open(false);
    cleanups.push(() => station.close({ abandon: true }));
    station.addSlot({ programmer: keyOf(programmers[0]), protocol: 'tuya-auc', groupId: f.groups[0] });
    expect(() => station.addSlot({ programmer: keyOf(programmers[0]), protocol: 'tuya-auc', groupId: f.groups[1] })).toThrow(
      expect.objectContaining({ code: 'PROGRAMMER_IN_USE' }),
    );
    await station.close();
    const unwatched = await f.open(false, false);
    cleanups.push(() => unwatched.close());
    expect(() => unwatched.addSlot({ programmer: keyOf(programmers[0]), protocol: 'tuya-auc', groupId: f.groups[0] })).toThrow(
      expect.objectContaining({ code: 'NO_PROGRAMMER_WATCH' }),
    );
  }, 30_000);

  it("plays the programmer's DTR/RTS reset each time the slot opens its port, and says so when the lines cannot be set", async () => {
    const f = await programmerFloor(cleanups);
    f.plug(0, 'ttyUSB0');
    f.plug(1, 'ttyUSB1');
    await f.watcher.start();
    const sequence = findProgrammerByModel('cp210x')!.resetToAuthorization;
    // On a memory port the lines are recorded; nothing answers, so the slot keeps looking at an empty jig.
    const opened: MemoryTransport[] = [];
    const station = await f.open(false, true, {
      openTransport: (path) => {
        const t = new MemoryTransport(path);
        opened.push(t);
        return t;
      },
    });
    cleanups.push(() => station.close({ abandon: true }));
    station.addSlot({ programmer: keyOf(programmers[0]), resetSequence: sequence, protocol: 'tuya-auc', groupId: f.groups[0] });
    station.start();
    await waitFor(() => opened.at(-1)!.signals.length >= 2, 'the reset to be played');
    expect(opened.at(-1)!.path).toBe(join(f.machine.devRoot, 'ttyUSB0'));
    expect(opened.at(-1)!.signals).toEqual(
      sequence.map(({ dtr, rts }) => ({ ...(dtr !== undefined ? { dtr } : {}), ...(rts !== undefined ? { rts } : {}) })),
    );
    await station.close({ abandon: true });

    // A pty has no modem lines: the slot says the port cannot be used and burns nothing.
    const real = await f.open(false);
    cleanups.push(() => real.close({ abandon: true }));
    const slot = real.addSlot({ programmer: keyOf(programmers[1]), resetSequence: sequence, protocol: 'tuya-auc', groupId: f.groups[1] });
    real.start();
    const problem = await waitFor(() => slot.snapshot.portProblem, 'the reset to fail on a pty');
    expect(problem).toMatch(/^The port of slot 1 cannot be opened: could not set DTR\/RTS on .*ttyUSB1.*The slot keeps trying\.$/);
    await sleep(200);
    expect(real.counts(f.groups[1]).burned).toBe(0);
  }, 30_000);

  it('station run --slot programmer=<key> burns through the programmer wherever it is plugged in', async () => {
    const f = await programmerFloor(cleanups);
    f.plug(0, 'ttyUSB5');
    const out: string[] = [];
    const code = await runStationCommand(
      [
        'run',
        '--vault',
        f.vaultPath,
        '--json',
        '--count',
        '1',
        '--slot',
        `programmer=${keyOf(programmers[0])},protocol=tuya-auc,group=${f.groups[0]}`,
      ],
      {
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
        env: { CS_PASSPHRASE: testPassphrase, CS_STATE_DIR: process.env.CS_STATE_DIR },
        programmerWatch: { sysRoot: f.machine.sysRoot, devRoot: f.machine.devRoot, udev: 'off', hotplug: 'off', pollMs: 0 },
      },
    );
    expect(code, out.join('')).toBe(0);
    const flash = await f.fleet.readFlash(programmers[0].jig);
    expect(f.uuids[0].has(flash!.uuid!)).toBe(true);
    expect(out.join('')).toContain(join(f.machine.devRoot, 'ttyUSB5'));
  }, 30_000);
});
