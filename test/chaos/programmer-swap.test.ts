// Programmers pulled and swapped while two slots burn two different groups: at random moments
// both USB programmers are unplugged (the slots see them go) and come back in the other order,
// or in the same order, under new tty names. Each slot must follow its own programmer: no
// license is burned twice, none lands in the other slot's jig, and the ledger agrees with the modules.
// Each suspect is first read back on the wrong module (refused, nothing changes), then on its own.
import { afterEach, expect, it } from 'vitest';
import { join } from 'node:path';
import { seededRandom, seedFromEnv } from '../support/seeded-random';
import type { Flash } from '../../native/sim/types';
import { replaceModule, sleep, waitFor } from '../integration/station/fixtures';
import { bindSlots, programmerFloor, programmers } from '../integration/station/programmer-floor';

const SWAPS = 12;
const random = seededRandom(seedFromEnv('CHAOS_SEED', 'programmer swaps'));
const rnd = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

it(
  'burns nothing twice and nothing into the wrong jig while the programmers are swapped 12 times mid-run',
  { timeout: 180_000 },
  async () => {
    const f = await programmerFloor(cleanups, 200);
    let ttys = ['ttyUSB0', 'ttyUSB1'];
    f.plug(0, ttys[0]!);
    f.plug(1, ttys[1]!);
    await f.watcher.start();
    const station = await f.open(false);
    cleanups.push(() => station.close({ abandon: true }));
    const slots = bindSlots(station, f.groups);

    // The operator: a burned module goes to the finished tray, a failed one (an unplug mid-burn leaves a suspect) to the
    // supervisor's tray; a blank one goes in. Per jig, one module at a time; every module that left jig j is in taken[j].
    const taken: Map<string, Flash>[] = [new Map(), new Map()];
    const queue: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    const handled = new Map<string, string>();
    let stopped = false;
    // A failed module is taken out by hand: the jig stays empty a moment, which is how the slot knows it left
    // (its flash cannot tell it from the next blank one); a burned one the slot knows by the license it holds.
    const takeOut = (jig: number, failed: boolean) => {
      queue[jig] = queue[jig]!.then(async () => {
        await sleep(20);
        if (stopped) return;
        const flash = await f.fleet.readFlash(jig);
        if (flash?.uuid) taken[jig]!.set(flash.uuid, flash);
        await replaceModule(f.fleet, jig, {}, failed ? 300 : 0);
      }).catch(() => undefined);
    };
    const sawMissing = new Set<string>();
    station.subscribe((e) => {
      if (e.type !== 'slot') return;
      if (e.slot.programmerMissing) sawMissing.add(e.slot.slotId);
      const r = e.slot.lastResult;
      if (r === null || (e.slot.phase !== 'done' && e.slot.phase !== 'failed')) return;
      const mark = `${r.ok ? r.uuid : r.at}`;
      if (handled.get(e.slot.slotId) === mark) return;
      handled.set(e.slot.slotId, mark);
      takeOut(programmers[e.slot.number - 1]!.jig, !r.ok);
    });
    station.start();

    const figures = { swapped: 0, sameOrder: 0 };
    for (let round = 0; round < SWAPS; round++) {
      await sleep(rnd(100, 600));
      // Both pulled out: the slots see their programmers go (a burn under way ends as a suspect, as a real unplug does).
      f.unplug(0, ttys[0]!);
      f.unplug(1, ttys[1]!);
      await f.watcher.rescan();
      await sleep(rnd(0, 300));
      // Both back, under new names; in the other order (a swap) about two times in three.
      const names = [`ttyUSB${2 * round + 2}`, `ttyUSB${2 * round + 3}`];
      const swap = random() < 0.67;
      ttys = swap ? [names[1]!, names[0]!] : names;
      if (swap) figures.swapped++;
      else figures.sameOrder++;
      for (const i of [0, 1]) f.plug(i, ttys[i]!);
      await f.watcher.rescan();
    }
    await waitFor(
      () => slots.every((s) => s.snapshot.connected && s.snapshot.port === join(f.machine.devRoot, ttys[s.config.number - 1]!)),
      'both slots on their programmers after the last swap',
    );
    const before = slots.map((s) => s.snapshot.burned);
    await waitFor(() => slots.every((s, i) => s.snapshot.burned > before[i]!), 'a burn on each slot after the last swap', 20_000);
    await station.stop();
    await Promise.all(queue);
    stopped = true;
    for (const [j] of taken.entries()) {
      const flash = await f.fleet.readFlash(j);
      if (flash?.uuid) taken[j]!.set(flash.uuid, flash);
    }

    // The supervisor settles each suspect on its own module, put back in its jig (a module holding nothing: confirmed unidentified).
    // First the wrong module goes in: one of the jig's modules holding another license (else a blank one); it is refused and nothing changes.
    const settled = { verified: 0, released: 0, wrongRefused: 0 };
    for (const [i, slot] of slots.entries()) {
      for (const suspect of station.listSuspects(f.groups[i])) {
        const other = [...taken[programmers[i]!.jig]!.values()].find(
          (m) => m.uuid !== suspect.uuid && station.ledger.license(m.uuid!).state === 'verified',
        );
        await f.fleet.swap(programmers[i]!.jig, other ? { flash: other } : {});
        const refused = await station.resolveSuspectByReadBack(suspect.uuid, { slotId: slot.id }, { by: 'chaos supervisor' }).then(
          () => 'settled',
          (e: unknown) => (e as { code?: string }).code,
        );
        expect(['WRONG_MODULE', 'MODULE_UNIDENTIFIED'], `read-back of ${suspect.uuid} on the wrong module`).toContain(refused);
        expect(station.ledger.license(suspect.uuid).state).toBe('suspect');
        if (other) expect(station.ledger.license(other.uuid!).state).toBe('verified');
        settled.wrongRefused++;
        const flash = taken[programmers[i]!.jig]!.get(suspect.uuid);
        await f.fleet.swap(programmers[i]!.jig, flash ? { flash } : {});
        const { state } = await station.resolveSuspectByReadBack(
          suspect.uuid,
          { slotId: slot.id },
          { by: 'chaos supervisor', ...(flash ? {} : { confirmUnidentified: true }) },
        );
        expect(state).toBe(flash ? 'verified' : 'released');
        settled[flash ? 'verified' : 'released']++;
      }
    }

    const modules = taken.flatMap((m, jig) => [...m.values()].map((flash) => ({ jig, flash })));
    const wrongJig = modules.filter((m) => !f.uuids[m.jig]!.has(m.flash.uuid!));
    const uuids = modules.map((m) => m.flash.uuid!);
    const twice = uuids.filter((u, i) => uuids.indexOf(u) !== i);
    expect(
      wrongJig.map((m) => `jig ${m.jig}: ${m.flash.uuid}`),
      "licenses burned into the other slot's jig",
    ).toEqual([]);
    expect(twice, 'a uuid is in two modules').toEqual([]);
    const counts = f.groups.map((g) => station.counts(g));
    for (const [i, c] of counts.entries()) {
      expect(c.burned, `group ${i + 1}: verified licenses = modules holding one`).toBe(modules.filter((m) => m.jig === i).length);
      expect(c.suspect).toBe(0);
      expect(c.left + c.burned + c.suspect + c.rejected + c.void).toBe(c.total);
    }
    for (const m of modules) expect(station.ledger.license(m.flash.uuid!).state).toBe('verified');
    expect([...sawMissing].sort()).toEqual(['slot-1', 'slot-2']);
    expect(figures.swapped).toBeGreaterThan(0);
    expect(station.verifyAudit().ok).toBe(true);
    console.log(
      [
        `CHAOS programmer swaps: ${SWAPS} unplug/replug rounds mid-run (${figures.swapped} in the other order, ${figures.sameOrder} in the same order, new tty names each time)`,
        `CHAOS modules holding a license: jig 1 ${counts[0]!.burned}, jig 2 ${counts[1]!.burned}; in the wrong jig ${wrongJig.length}; uuids in two modules ${twice.length}`,
        `CHAOS burns cut by an unplug (suspects): ${settled.verified} verified on their module, ${settled.released} released, ${settled.wrongRefused} read-backs on the wrong module refused first; failed attempts ${counts[0]!.failedAttempts + counts[1]!.failedAttempts}`,
      ].join('\n'),
    );
  },
);
