// tuyaopen-cli burn benchmarks (issue 2): the driver over SerialTransport on real socat ptys,
// against virtual modules in a child process (spawnFleet, as the auc bench does: real modules do
// not share the station's event loop). Prints `BENCH <name> <value> <unit>`.
//
// cli_burn_ms             median burn of a blank module at 115200 8N1, flash write 0 ms (so it compares with the wire floor)
// cli_wire_floor_ms       what the bytes of that burn need on the wire: every byte the module sends, plus one byte
//                         per Enter (the echo of a command rides along while the host types it; the Enter is not echoed as itself)
// cli_burn_vs_wire_floor  their ratio (target <= 1.15)
// cli_host_overhead_ms    mean burn with zero timing (bytes and flash writes free): the host's, the pty's and the
//                         virtual module's own cost, averaged over many burns (target <= 3 ms)
// cli_parallel_8_speedup  8 modules burned at once vs one after another, 115200 timing, flash write 20 ms (target >= 7)
// cli_false_verdicts_logs_2ms  burns per 100 that end suspect or failed on a sound module that takes and holds its
//                         license, while the firmware logs every 2 ms (colour-wrapped, whole log lines landing inside the
//                         echo and the answer lines), 115200 timing, flash write 20 ms, 4 modules at once (goal 0). The
//                         modules have no fault, so every failure is a false verdict; the `#` line tells those after
//                         which the module held the license (suspect for nothing) from those before the write.
import { loadavg } from 'node:os';
import { spawnFleet, type RemoteFleet } from '../../native/sim/remote';
import { SerialTransport } from '../../native/transport/serial';
import { TuyaopenCliDriver } from '../../native/protocols/tuyaopen-cli/driver';
import type { LicenseToBurn } from '../../native/protocols/types';

const BAUD = 115200;
const byteMs = (10 * 1000) / BAUD;
const bench = (name: string, value: number, unit: string) =>
  console.log(`BENCH ${name} ${value.toFixed(unit === 'ratio' ? 3 : 2)} ${unit}`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const licenseFor = (i: number): LicenseToBurn => ({
  uuid: `uuidbench${String(i).padStart(11, '0')}`,
  authkey: `AuthKeyBench${String(i).padStart(20, '0')}`,
});

interface Station {
  fleet: RemoteFleet;
  drivers: TuyaopenCliDriver[];
  transports: SerialTransport[];
}

/** `timing`: the sim's options, e.g. ['--flash-ms', '0'] or ['--zero-timing']. */
async function station(count: number, timing: string[]): Promise<Station> {
  const fleet = await spawnFleet([
    '--protocol',
    'tuyaopen-cli',
    '--count',
    String(count),
    '--baud',
    String(BAUD),
    '--boot-ms',
    '0',
    '--option',
    'banner=false',
    ...timing,
  ]);
  const transports = (await fleet.ports()).map((p) => new SerialTransport(p.hostPath, { baudRate: BAUD }));
  await Promise.all(transports.map((t) => t.open()));
  const drivers = transports.map((t) => new TuyaopenCliDriver(t));
  return { fleet, drivers, transports };
}

async function stop(s: Station) {
  await Promise.all(s.transports.map((t) => t.close()));
  await s.fleet.stop();
}

/** One timed burn on a blank module already at its prompt (the slot detected it; that is not timed). */
async function timedBurn(driver: TuyaopenCliDriver, license: LicenseToBurn) {
  await driver.resetAuthorization();
  await driver.detect({ timeoutMs: 1000 });
  const before = { ...driver.stats };
  const t0 = performance.now();
  const outcome = await driver.burn(license);
  const ms = performance.now() - t0;
  if (!outcome.ok) throw new Error(`benchmark burn failed: ${outcome.error.code} ${outcome.error.message}`);
  const received = driver.stats.bytesReceived - before.bytesReceived;
  const sent = driver.stats.bytesSent - before.bytesSent;
  const enters = driver.stats.enters - before.enters;
  // serialMs: the wire time if the echo could not ride along with the typing (every byte both ways one after another).
  return { ms, floorMs: (received + enters) * byteMs, serialMs: (received + sent) * byteMs, bytes: { sent, received, enters } };
}

async function burnAtWireSpeed() {
  const s = await station(1, ['--flash-ms', '0']);
  try {
    const runs = [];
    for (let i = 0; i < 5; i++) await timedBurn(s.drivers[0]!, licenseFor(i)); // warm-up
    for (let i = 0; i < 30; i++) runs.push(await timedBurn(s.drivers[0]!, licenseFor(100 + i)));
    const burn = median(runs.map((r) => r.ms));
    const floor = median(runs.map((r) => r.floorMs));
    const serial = median(runs.map((r) => r.serialMs));
    const { sent, received, enters } = runs[0]!.bytes;
    console.log(`# load average ${load()} (1, 5, 15 min) after the single burns`);
    console.log(
      `# one burn: ${sent} bytes typed (${enters} Enters), ${received} bytes received; with the echo not overlapping the typing: ${serial.toFixed(2)} ms (ratio ${(burn / serial).toFixed(3)})`,
    );
    bench('cli_burn_ms', burn, 'ms');
    bench('cli_wire_floor_ms', floor, 'ms');
    bench('cli_burn_vs_wire_floor', burn / floor, 'ratio');
  } finally {
    await stop(s);
  }
}

async function hostOverhead() {
  const s = await station(1, ['--zero-timing']);
  try {
    for (let i = 0; i < 30; i++) await timedBurn(s.drivers[0]!, licenseFor(i));
    const runs = [];
    for (let i = 0; i < 300; i++) runs.push((await timedBurn(s.drivers[0]!, licenseFor(1000 + i))).ms);
    // The mean is the figure; the median shows how much of it is the machine's other load.
    console.log(`# load average ${load()} after the zero-timing burns`);
    console.log(
      `# host overhead over ${runs.length} burns: median ${median(runs).toFixed(2)} ms, slowest ${Math.max(...runs).toFixed(2)} ms`,
    );
    bench('cli_host_overhead_ms', runs.reduce((a, b) => a + b, 0) / runs.length, 'ms');
  } finally {
    await stop(s);
  }
}

async function parallelSpeedup() {
  const s = await station(8, ['--flash-ms', '20']);
  try {
    const round = async (parallel: boolean, base: number) => {
      await Promise.all(s.drivers.map(async (d) => (await d.resetAuthorization(), await d.detect({ timeoutMs: 1000 }))));
      const t0 = performance.now();
      const burn = async (d: TuyaopenCliDriver, i: number) => {
        const o = await d.burn(licenseFor(base + i));
        if (!o.ok) throw new Error(`benchmark burn failed: ${o.error.code}`);
      };
      if (parallel) await Promise.all(s.drivers.map(burn));
      else for (const [i, d] of s.drivers.entries()) await burn(d, i);
      return performance.now() - t0;
    };
    await round(true, 0);
    const seq: number[] = [];
    const par: number[] = [];
    for (let r = 0; r < 5; r++) {
      seq.push(await round(false, 100 + r * 10));
      par.push(await round(true, 200 + r * 10));
    }
    console.log(`# load average ${load()} after the parallel rounds`);
    console.log(`# parallel: 8 burns one after another ${median(seq).toFixed(1)} ms, at once ${median(par).toFixed(1)} ms`);
    bench('cli_parallel_8_speedup', median(seq) / median(par), 'ratio');
  } finally {
    await stop(s);
  }
}

async function falseVerdictsUnderLogs() {
  const count = 4;
  const rounds = 25;
  const s = await station(count, ['--flash-ms', '20', '--option', 'logEveryMs=2']);
  try {
    let burns = 0;
    let falseVerdicts = 0;
    let heldAnyway = 0;
    const ms: number[] = [];
    const reasons = new Map<string, number>();
    for (let r = 0; r < rounds; r++) {
      await Promise.all(
        s.drivers.map(async (d, i) => {
          // A fresh blank module in the jig for every burn.
          await s.fleet.swap(i, { options: { banner: true, logEveryMs: 2 } });
          const license = licenseFor(10_000 + r * count + i);
          const t0 = performance.now();
          const outcome = await d.burn(license);
          ms.push(performance.now() - t0);
          burns++;
          if (outcome.ok) return;
          const flash = await s.fleet.readFlash(i);
          const holds = flash?.uuid === license.uuid && flash.authkey === license.authkey;
          falseVerdicts++;
          if (holds) heldAnyway++;
          const key = `${outcome.error.code}${holds ? '' : ' (module holds nothing)'}`;
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
        }),
      );
    }
    console.log(`# load average ${load()} after the burns under logs`);
    console.log(
      `# ${burns} burns under a log every 2 ms: median ${median(ms).toFixed(0)} ms, slowest ${Math.max(...ms).toFixed(0)} ms; failures: ${[...reasons].map(([k, v]) => `${k} x${v}`).join(', ') || 'none'}; after ${heldAnyway} of them the module held the license`,
    );
    bench('cli_false_verdicts_logs_2ms', (falseVerdicts * 100) / burns, 'per100');
  } finally {
    await stop(s);
  }
}

await burnAtWireSpeed();
await hostOverhead();
await parallelSpeedup();
await falseVerdictsUnderLogs();
