// tuya-auc benchmarks (npm run bench -- auc). The virtual modules run in a child
// process (spawnFleet) so that the station's event loop measured here does not
// share time with them, as with real modules.
import { loadavg } from 'node:os';
import { spawnFleet, type RemoteFleet } from '../../native/sim/remote';
import { byteTimeMs } from '../../native/sim/module';
import { blankFlash } from '../../native/sim/types';
import { SerialTransport } from '../../native/transport/serial';
import { TuyaAucDriver } from '../../native/protocols/tuya-auc/driver';
import { AucCommand, encodeAuthInfo, encodeFrame, encodeQueryInfo, RET_TRUE } from '../../native/protocols/tuya-auc/codec';
import type { LicenseToBurn } from '../../native/protocols/types';

const BAUD = 115200;
const license = (n: number): LicenseToBurn => ({
  uuid: `tuya1234abcd${String(n % 10000).padStart(4, '0')}`,
  authkey: '0123456789abcdefABCDEF0123456789',
  mac: 'DC2345678901',
});
const bench = (name: string, value: number, unit: string) => console.log(`BENCH ${name} ${Number(value.toFixed(3))} ${unit}`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The bytes of one burn on the wire, both directions, as the virtual module answers them. */
function burnWireBytes(): number {
  const fw = blankFlash();
  const info = encodeQueryInfo({ authkey: null, hid: null, uuid: null, mac: null, firmName: fw.firmName, firmVer: fw.firmVer });
  const written = encodeQueryInfo({ ...license(0), mac: license(0).mac!, hid: null, firmName: fw.firmName, firmVer: fw.firmVer });
  const frames = [
    encodeFrame(AucCommand.ENTER),
    encodeFrame(AucCommand.ENTER, Buffer.from([0x01])),
    encodeFrame(AucCommand.QUERY_INFO),
    encodeFrame(AucCommand.QUERY_INFO, info),
    encodeFrame(AucCommand.WRITE_AUTH_INFO, encodeAuthInfo({ ...license(0), mac: license(0).mac! })),
    encodeFrame(AucCommand.WRITE_AUTH_INFO, RET_TRUE),
    encodeFrame(AucCommand.QUERY_INFO),
    encodeFrame(AucCommand.QUERY_INFO, written),
    encodeFrame(AucCommand.EXIT),
    encodeFrame(AucCommand.EXIT, RET_TRUE),
  ];
  return frames.reduce((n, f) => n + f.length, 0);
}

async function openPorts(fleet: RemoteFleet): Promise<{ transport: SerialTransport; driver: TuyaAucDriver }[]> {
  return Promise.all(
    (await fleet.ports()).map(async (p) => {
      const transport = new SerialTransport(p.hostPath, { baudRate: BAUD });
      await transport.open();
      return { transport, driver: new TuyaAucDriver(transport) };
    }),
  );
}

/** Burns a fresh module on port `i` and returns the burn's own duration. */
async function burnOnce(fleet: RemoteFleet, port: { driver: TuyaAucDriver }, i: number, n: number): Promise<number> {
  await fleet.swap(i); // the operator places the next, blank module (not timed)
  const outcome = await port.driver.burn(license(n));
  if (!outcome.ok) throw new Error(`burn failed: ${outcome.error.code} ${outcome.error.message}`);
  return outcome.durationMs;
}

async function withFleet<T>(
  args: string[],
  fn: (fleet: RemoteFleet, ports: { transport: SerialTransport; driver: TuyaAucDriver }[]) => Promise<T>,
): Promise<T> {
  const fleet = await spawnFleet(args);
  const ports = await openPorts(fleet);
  try {
    return await fn(fleet, ports);
  } finally {
    await Promise.all(ports.map((p) => p.transport.close()));
    await fleet.stop();
  }
}

async function main(): Promise<void> {
  const wireBytes = burnWireBytes();
  const floor = wireBytes * byteTimeMs(BAUD);

  // One burn at 115200 baud timing, flash writes free: protocol overhead against pure wire time.
  const burnMs = await withFleet(['--count', '1', '--baud', String(BAUD), '--flash-ms', '0'], async (fleet, [port]) => {
    for (let i = 0; i < 3; i++) await burnOnce(fleet, port!, 0, i); // warm-up
    const times: number[] = [];
    for (let i = 0; i < 25; i++) times.push(await burnOnce(fleet, port!, 0, i));
    return median(times);
  });
  console.log(`# load average ${load()} (1, 5, 15 min) after the single burns`);
  console.log(
    `# one burn = ${wireBytes} bytes on the wire at ${BAUD} 8N1; flash write time set to 0 ms so the ratio measures protocol overhead only (median of 25)`,
  );
  bench('auc_burn_ms', burnMs, 'ms');
  bench('auc_wire_floor_ms', floor, 'ms');
  bench('auc_burn_vs_wire_floor', burnMs / floor, 'ratio');

  // Zero timing: what the station itself spends on a burn (pty round trips included).
  const overhead = await withFleet(['--count', '1', '--zero-timing'], async (fleet, [port]) => {
    for (let i = 0; i < 20; i++) await burnOnce(fleet, port!, 0, i);
    const times: number[] = [];
    let cpu = 0;
    for (let i = 0; i < 200; i++) {
      await fleet.swap(0);
      const before = process.cpuUsage();
      const outcome = await port!.driver.burn(license(i));
      const used = process.cpuUsage(before);
      if (!outcome.ok) throw new Error(`burn failed: ${outcome.error.code}`);
      times.push(outcome.durationMs);
      cpu += (used.user + used.system) / 1000;
    }
    return { mean: times.reduce((a, b) => a + b, 0) / times.length, median: median(times), cpu: cpu / times.length };
  });
  console.log(`# load average ${load()} after the zero-timing burns`);
  console.log(
    `# zero timing: bytes and flash writes cost nothing; mean of 200 burns over real ptys (socat), module in another process; median ${overhead.median.toFixed(3)} ms, station CPU ${overhead.cpu.toFixed(3)} ms per burn`,
  );
  bench('auc_host_overhead_ms', overhead.mean, 'ms');

  // 8 modules at 115200 with 20 ms flash writes: all at once vs one after another.
  const speedup = await withFleet(['--count', '8', '--baud', String(BAUD), '--flash-ms', '20'], async (fleet, ports) => {
    const swapAll = () => Promise.all(ports.map((_, i) => fleet.swap(i)));
    const burnAll = (n: number) =>
      ports.map((p, i) => async () => {
        const outcome = await p.driver.burn(license(n * 8 + i));
        if (!outcome.ok) throw new Error(`burn failed: ${outcome.error.code}`);
      });
    const ratios: number[] = [];
    for (let round = 0; round < 5; round++) {
      await swapAll();
      let t = performance.now();
      for (const burn of burnAll(round)) await burn();
      const sequential = performance.now() - t;
      await swapAll();
      t = performance.now();
      await Promise.all(burnAll(round + 100).map((b) => b()));
      const parallel = performance.now() - t;
      ratios.push(sequential / parallel);
      console.log(`# round ${round}: 8 burns one after another ${sequential.toFixed(1)} ms, all at once ${parallel.toFixed(1)} ms`);
    }
    return median(ratios);
  });
  console.log(`# load average ${load()} after the parallel rounds`);
  bench('auc_parallel_8_speedup', speedup, 'ratio');
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
