import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Fleet } from '../../../native/sim/fleet';
import { spawnFleet, type RemoteFleet } from '../../../native/sim/remote';
import { byteTimeMs } from '../../../native/sim/module';
import { SerialTransport } from '../../../native/transport/serial';
import { TuyaAucDriver } from '../../../native/protocols/tuya-auc/driver';
import { AucCommand, AucDecoder, encodeFrame } from '../../../native/protocols/tuya-auc/codec';

const license = { uuid: 'tuya1234abcd5678', authkey: '0123456789abcdefABCDEF0123456789', mac: 'DC2345678901' };
let fleet: Fleet | RemoteFleet | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});

async function burn(hostPath: string, lic = license) {
  const transport = new SerialTransport(hostPath, { baudRate: 115200 });
  await transport.open();
  try {
    return await new TuyaAucDriver(transport, { enterAttempts: 3 }).burn(lic);
  } finally {
    await transport.close();
  }
}

describe('virtual module fleet', () => {
  it('gives each module its own host port and keeps each flash apart', async () => {
    const f = (fleet = await Fleet.start({ protocol: 'tuya-auc', count: 3, timing: { flashWriteMs: 1 } }));
    const ports = await f.ports();
    expect(new Set(ports.map((p) => p.hostPath)).size).toBe(3);
    await Promise.all(ports.map((p, i) => burn(p.hostPath, { ...license, uuid: `tuya1234abcd000${i}` })));
    for (const i of [0, 1, 2]) expect((await f.readFlash(i))?.uuid).toBe(`tuya1234abcd000${i}`);
  });

  it('swaps in a blank module on the same port, or one with given state', async () => {
    const f = (fleet = await Fleet.start({ protocol: 'tuya-auc', count: 1 }));
    const [before] = await f.ports();
    expect((await burn(before!.hostPath)).ok).toBe(true);
    const after = await f.swap(0);
    expect(after.hostPath).toBe(before!.hostPath);
    expect((await f.readFlash(0))?.uuid).toBeNull();
    await f.swap(0, { flash: { uuid: 'alreadyhere00001', authkey: 'x'.repeat(32), mac: '001122334455' } });
    expect(await burn(before!.hostPath)).toMatchObject({ ok: false, error: { code: 'ALREADY_AUTHORIZED' } });
  });

  it('makes the host port vanish on unplug and brings it back on the next swap', async () => {
    const f = (fleet = await Fleet.start({ protocol: 'tuya-auc', count: 1 }));
    const [port] = await f.ports();
    const host = new SerialTransport(port!.hostPath);
    await host.open();
    const pending = expect(host.read({ timeoutMs: 5000 })).rejects.toMatchObject({ code: 'DISCONNECTED' });
    await f.unplug(0);
    await pending;
    expect((await f.ports())[0]?.connected).toBe(false);
    await host.close();
    await f.swap(0);
    expect((await f.ports())[0]?.connected).toBe(true);
    expect((await burn(port!.hostPath)).ok).toBe(true);
  });

  it('never answers before the bytes could have crossed the wire (9600 baud)', async () => {
    const f = (fleet = await Fleet.start({ protocol: 'tuya-auc', count: 1, timing: { baudRate: 9600 } }));
    const host = new SerialTransport((await f.ports())[0]!.hostPath, { baudRate: 9600 });
    await host.open();
    const decoder = new AucDecoder({ versions: [0] });
    const started = performance.now();
    await host.write(encodeFrame(AucCommand.ENTER));
    let got = false;
    while (!got) got = decoder.push(await host.read({ timeoutMs: 2000 })).some((e) => e.kind === 'frame');
    // 7 bytes in, 8 bytes out at 9600 8N1: 15 x 1.04 ms.
    expect(performance.now() - started).toBeGreaterThanOrEqual(15 * byteTimeMs(9600) - 0.5);
    await host.close();
  });

  it('keeps its flash in the state file', async () => {
    const f = (fleet = await Fleet.start({ protocol: 'tuya-auc', count: 1 }));
    const [port] = await f.ports();
    await burn(port!.hostPath);
    await new Promise((r) => setTimeout(r, 50));
    const { readFile } = await import('node:fs/promises');
    expect(JSON.parse(await readFile(port!.stateFile, 'utf8'))).toMatchObject({
      protocol: 'tuya-auc',
      flash: { uuid: license.uuid, mac: license.mac },
    });
  });

  it('runs as a separate process driven by JSON lines', async () => {
    const remote = (fleet = await spawnFleet(['--count', '2', '--flash-ms', '1']));
    const ports = await remote.ports();
    expect(ports).toHaveLength(2);
    expect((await burn(ports[1]!.hostPath)).ok).toBe(true);
    expect((await remote.readFlash(1))?.uuid).toBe(license.uuid);
    await remote.setFaults(0, { writeRefused: true });
    expect(await burn(ports[0]!.hostPath)).toMatchObject({ ok: false, error: { code: 'REFUSED' }, exposure: 'sent-outcome-unknown' });
    await remote.swap(1);
    expect((await remote.readFlash(1))?.uuid).toBeNull();
    await expect(remote.swap(7)).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await remote.stop();
    fleet = undefined;
    expect(existsSync(ports[0]!.hostPath)).toBe(false);
  });
});

describe('npm run sim', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'native/sim/cli.ts', ...args], { encoding: 'utf8', timeout: 20_000 });

  it.each([
    [['--count', 'three'], /--count must be a number/],
    [['--protocol', 'zigbee'], /Unknown protocol "zigbee"/],
    [['--fault', 'noAnswer=later'], /takes a stage/],
    [['--fault', 'gremlins'], /Unknown fault "gremlins"/],
    [['--variant', 'v9'], /Unknown tuya-auc firmware variant "v9"/],
    [['--what'], /Unknown option '--what'/],
  ])('refuses %j with a clear message and a non-zero exit', (args, message) => {
    const out = run(...args);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(message);
  });

  it('prints its usage', () => {
    const out = run('--help');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/--fault <name\[=value\]>/);
  });
});
