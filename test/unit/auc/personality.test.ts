import { afterEach, describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../../native/transport/memory';
import { VirtualModule } from '../../../native/sim/module';
import { personality } from '../../../native/protocols/tuya-auc/personality';
import {
  AucCommand,
  AucDecoder,
  encodeAuthInfo,
  encodeFrame,
  parseQueryInfo,
  type AucFrame,
} from '../../../native/protocols/tuya-auc/codec';
import type { ModuleSpec } from '../../../native/sim/types';

// The tuya-auc personality in zero timing over an in-memory link: what the module answers, and when it stays silent.
const license = { authkey: 'k'.repeat(32), uuid: 'tuya1234abcd5678', mac: 'DC2345678901' };
let modules: VirtualModule[] = [];
afterEach(async () => {
  await Promise.all(modules.map((m) => m.stop()));
  modules = [];
});

async function start(spec: Partial<ModuleSpec> = {}) {
  const [host, moduleEnd] = MemoryTransport.pair('host', 'module');
  await host.open();
  const module = await VirtualModule.start({
    protocol: 'tuya-auc',
    timing: { zero: true },
    ...spec,
    id: 'm',
    path: 'module',
    personality,
    transport: moduleEnd,
  });
  modules.push(module);
  const decoder = new AucDecoder({ versions: [0] });
  /** Sends raw bytes and returns the answer frames that arrive within `ms`. */
  const exchange = async (bytes: Buffer, ms = 30): Promise<AucFrame[]> => {
    await host.write(bytes);
    const got: AucFrame[] = [];
    const until = Date.now() + ms;
    while (Date.now() < until) {
      try {
        for (const e of decoder.push(await host.read({ timeoutMs: Math.max(1, until - Date.now()) })))
          if (e.kind === 'frame') got.push(e.frame);
      } catch {
        break;
      }
    }
    return got;
  };
  const ask = (command: number, data?: Buffer) => exchange(encodeFrame(command, data));
  return { module, host, exchange, ask };
}

describe('virtual tuya-auc module', () => {
  it('ignores every command before ENTER, then answers', async () => {
    const { ask } = await start();
    expect(await ask(AucCommand.QUERY_INFO)).toEqual([]);
    expect((await ask(AucCommand.ENTER))[0]?.data).toEqual(Buffer.from([0x01]));
    expect(parseQueryInfo((await ask(AucCommand.QUERY_INFO))[0]!.data)).toMatchObject({ uuid: null, authkey: null, mac: null });
  });

  it('answers ENTER with 0x03 on PID-storing firmware and refuses a write without a pid', async () => {
    const { ask, module } = await start({ variant: 'pid' });
    expect((await ask(AucCommand.ENTER))[0]?.data).toEqual(Buffer.from([0x03]));
    expect((await ask(AucCommand.WRITE_AUTH_INFO, encodeAuthInfo(license)))[0]?.data.toString()).toBe('{"ret":false}');
    expect((await ask(AucCommand.WRITE_AUTH_INFO, encodeAuthInfo({ ...license, pid: 'productpid000001' })))[0]?.data.toString()).toBe(
      '{"ret":true}',
    );
    expect(module.flash()).toMatchObject({ uuid: license.uuid, pid: 'productpid000001' });
  });

  it('stays silent on a bad checksum, an unknown version and data over 249 bytes', async () => {
    const { exchange, ask } = await start();
    const bad = encodeFrame(AucCommand.ENTER);
    bad[6] = bad[6]! ^ 1;
    expect(await exchange(bad)).toEqual([]);
    const v2 = Buffer.from([0x66, 0xaa, 0x02, 0x00, 0x00, 0x00, 0x12]);
    expect(await exchange(v2)).toEqual([]);
    await ask(AucCommand.ENTER);
    const oem = (length: number) => Buffer.from(`{"a":"${'x'.repeat(length - 8)}"}`);
    expect(oem(250)).toHaveLength(250);
    expect(await ask(AucCommand.WRITE_OEM_INFO, oem(250))).toEqual([]);
    expect((await ask(AucCommand.WRITE_OEM_INFO, oem(249)))[0]?.data.toString()).toBe('{"ret":true}');
  });

  it('refuses a misplaced layout with ret:false and stores nothing', async () => {
    const { ask, module } = await start();
    await ask(AucCommand.ENTER);
    const spaced = Buffer.from(encodeAuthInfo(license).toString().replace('"uuid":"', '"uuid": "'));
    expect((await ask(AucCommand.WRITE_AUTH_INFO, spaced))[0]?.data.toString()).toBe('{"ret":false}');
    const uuid20 = Buffer.from(`{"auzkey":"${license.authkey}","uuid":"tuya1234abcd5678efgh","mac":"${license.mac}","prod_test":false}`);
    expect((await ask(AucCommand.WRITE_AUTH_INFO, uuid20))[0]?.data.toString()).toBe('{"ret":false}');
    expect((await ask(AucCommand.WRITE_AUTH_INFO, Buffer.from('{"auzkey":"short"}')))[0]?.data.toString()).toBe('{"ret":false}');
    expect(module.flash().uuid).toBeNull();
  });

  it('reports the stored MAC byte-reversed on READ_MAC, and an empty one when fresh', async () => {
    const { ask } = await start();
    await ask(AucCommand.ENTER);
    expect((await ask(AucCommand.READ_MAC))[0]?.data.toString()).toBe('{"ret":true,"mac":""}');
    await ask(AucCommand.WRITE_AUTH_INFO, encodeAuthInfo(license));
    expect((await ask(AucCommand.READ_MAC))[0]?.data.toString()).toBe('{"ret":true,"mac":"0189674523DC"}');
  });

  it('resets after EXIT and ignores commands until the next ENTER', async () => {
    const { ask } = await start({ options: { resetDelayMs: 20 } });
    await ask(AucCommand.ENTER);
    expect((await ask(AucCommand.EXIT))[0]?.data.toString()).toBe('{"ret":true}');
    await new Promise((r) => setTimeout(r, 40));
    expect(await ask(AucCommand.QUERY_INFO)).toEqual([]);
    expect(await ask(AucCommand.ENTER)).toHaveLength(1);
  });

  it('answers RESET with one 0x00 byte, then resets', async () => {
    const { ask } = await start({ options: { resetDelayMs: 20 } });
    await ask(AucCommand.ENTER);
    expect((await ask(AucCommand.RESET))[0]?.data).toEqual(Buffer.from([0x00]));
    await new Promise((r) => setTimeout(r, 40));
    expect(await ask(AucCommand.QUERY_INFO)).toEqual([]);
  });

  it('resets when its watchdog runs out after the first ENTER', async () => {
    const { ask } = await start({ options: { watchdogMs: 60 } });
    await ask(AucCommand.ENTER);
    expect(await ask(AucCommand.QUERY_INFO)).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(await ask(AucCommand.QUERY_INFO)).toEqual([]);
  });

  it('refuses ENTER by resetting (no answer) when bound to a user', async () => {
    const { ask } = await start({ flash: { boundToUser: true }, options: { boundResetMs: 10 } });
    expect(await ask(AucCommand.ENTER, undefined)).toEqual([]);
    await new Promise((r) => setTimeout(r, 20));
    expect(await ask(AucCommand.ENTER)).toEqual([]);
  });

  it('keeps a damaged value when the read-back-mismatch fault is on', async () => {
    const { ask, module } = await start({ faults: { readbackMismatch: true } });
    await ask(AucCommand.ENTER);
    expect((await ask(AucCommand.WRITE_AUTH_INFO, encodeAuthInfo(license)))[0]?.data.toString()).toBe('{"ret":true}');
    expect(module.flash().uuid).not.toBe(license.uuid);
  });
});
