// slots_8_burns_per_hour: 8 slots of one station burning virtual modules at
// 115200-baud timing (flash write 20 ms), each module swapped for a blank one
// 200 ms after its burn finished (the operator's hand). The modules run in
// their own process, as real hardware would not share the station's CPU.
// slot_next_burn_after_failure_ms: one slot; its module fails a burn (no answer
// at the check, nothing sent), is taken out 100 ms later and a blank one is in
// 100 ms after that (about 200 ms after the failure); from that swap to the start of the next burn,
// median of 10 rounds (the goal is 250 ms or less).
// Run: npm run bench -- slots
import { join } from 'node:path';
import { Station, type SlotSnapshot } from '../../main/station';
import { PassphraseWrapper } from '../../main/vault';
import { spawnFleet } from '../../native/sim/remote';
import { fastScrypt, licensesCsv, sleep, stationLicenses, tempDir } from '../integration/station/fixtures';

const SLOTS = 8;
const SWAP_MS = 200;
const WARMUP_S = 3;
const MEASURE_S = Number(process.env.BENCH_SLOTS_SECONDS ?? 30);
const bench = (name: string, value: number, unit: string): void => console.log(`BENCH ${name} ${Number(value.toPrecision(4))} ${unit}`);

const tmp = tempDir('slots-bench-');
const fleet = await spawnFleet(['--count', String(SLOTS), '--baud', '115200', '--flash-ms', '20']);
try {
  const station = await Station.create({
    vaultPath: join(tmp.dir, 'bench.vault'),
    wrapper: new PassphraseWrapper('bench passphrase', fastScrypt),
  });
  const report = await station.importLicenseList(licensesCsv(stationLicenses(5000)), 'bench.csv', { groupName: 'bench' });
  if (!report.ok) throw new Error('bench import refused');
  const ports = fleet.portList;
  const slotIndex = new Map<string, number>();
  ports.forEach((p, i) => slotIndex.set(station.addSlot({ port: p.hostPath, protocol: 'tuya-auc', groupId: report.groupId }).id, i));

  const burnsAt: number[] = [];
  const cycle: number[] = [];
  const handled = new Map<string, string>();
  const lastDoneAt = new Map<string, number>();
  let failures = 0;
  station.subscribe((e) => {
    if (e.type !== 'slot') return;
    const s: SlotSnapshot = e.slot;
    if (s.phase === 'failed') failures++;
    if (s.phase !== 'done' || !s.lastResult?.ok || handled.get(s.slotId) === s.lastResult.uuid) return;
    handled.set(s.slotId, s.lastResult.uuid);
    const now = performance.now();
    burnsAt.push(now);
    const prev = lastDoneAt.get(s.slotId);
    if (prev !== undefined) cycle.push(now - prev);
    lastDoneAt.set(s.slotId, now);
    const index = slotIndex.get(s.slotId)!;
    setTimeout(() => void fleet.swap(index).catch(() => undefined), SWAP_MS);
  });
  station.start();
  await sleep(WARMUP_S * 1000);
  const from = performance.now();
  const before = burnsAt.length;
  await sleep(MEASURE_S * 1000);
  const to = performance.now();
  const burned = burnsAt.filter((t) => t >= from && t < to).length;
  await station.close();
  const perHour = (burned / ((to - from) / 1000)) * 3600;
  cycle.sort((a, b) => a - b);
  console.log(
    `# ${burned} burns in ${((to - from) / 1000).toFixed(1)} s on ${SLOTS} slots (${before} in warm-up); slot cycle p50 ${cycle[cycle.length >> 1]?.toFixed(0)} ms, p99 ${cycle[Math.floor(cycle.length * 0.99)]?.toFixed(0)} ms; failures ${failures}`,
  );
  if (failures > 0) throw new Error(`${failures} burns failed during the benchmark`);
  bench('slots_8_burns_per_hour', perHour, 'burns/h');
  bench('slot_cycle_p50_ms', cycle[cycle.length >> 1] ?? 0, 'ms');

  // After a failure: the swap at floor speed.
  const one = await Station.create({
    vaultPath: join(tmp.dir, 'swap.vault'),
    wrapper: new PassphraseWrapper('bench passphrase', fastScrypt),
  });
  const group = await one.importLicenseList(licensesCsv(stationLicenses(50)), 'swap.csv', { groupName: 'swap' });
  if (!group.ok) throw new Error('bench import refused');
  await fleet.swap(0, { faults: { noAnswer: 'check' } });
  const slot = one.addSlot({ port: ports[0]!.hostPath, protocol: 'tuya-auc', groupId: group.groupId });
  const delays: number[] = [];
  let swappedAt = 0;
  let round = 0;
  const finished = new Promise<void>((resolve) => {
    slot.subscribe((s) => {
      if (s.phase === 'failed' && swappedAt === 0 && round < 10) {
        swappedAt = -1;
        // Out 100 ms after the failure, a blank one in 100 ms after it is out: chained, so a timer firing late on a
        // loaded machine cannot shrink the empty jig (two timers once left it empty 47 ms, which no rule calls a swap).
        void sleep(100)
          .then(() => fleet.setFaults(0, { noAnswer: 'any' }))
          .then(() => sleep(100))
          .then(() => {
            // From the moment the swap is asked for: the burn may start before the fleet's answer to it arrives.
            swappedAt = performance.now();
            void fleet.swap(0);
          });
      } else if (s.phase === 'burning' && swappedAt > 0) {
        delays.push(performance.now() - swappedAt);
        swappedAt = 0;
      } else if (s.phase === 'done' && swappedAt === 0) {
        if (++round >= 10) return resolve();
        // The burned module out (the jig silent a moment, as a hand takes it), a module that will fail in.
        void fleet
          .setFaults(0, { noAnswer: 'any' })
          .then(() => sleep(300))
          .then(() => fleet.swap(0, { faults: { noAnswer: 'check' } }));
      }
    });
  });
  one.start();
  await Promise.race([finished, sleep(60_000)]);
  await one.close();
  if (delays.length < 10) throw new Error(`only ${delays.length} of 10 swaps after a failure were burned within a minute`);
  delays.sort((a, b) => a - b);
  console.log(`# next burn after a failure: ${delays.map((d) => d.toFixed(0)).join(', ')} ms`);
  bench('slot_next_burn_after_failure_ms', delays[delays.length >> 1]!, 'ms');
} finally {
  await fleet.stop();
  tmp.cleanup();
}
