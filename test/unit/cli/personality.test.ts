import { afterEach, describe, expect, it } from 'vitest';
import { VirtualModule } from '../../../native/sim/module';
import { MemoryTransport } from '../../../native/transport/memory';
import { personality } from '../../../native/sim/personalities/tuyaopen-cli';
import type { FaultSet, Flash, PersonalityOptions } from '../../../native/sim/types';

// The virtual tuyaopen-cli module, byte for byte, on an in-memory wire with zero timing.

const UUID = 'uuid1234567890abcdef';
const KEY = 'Key0123456789abcdefABCDEF0123456';
let modules: VirtualModule[] = [];
afterEach(async () => {
  await Promise.all(modules.map((m) => m.stop()));
  modules = [];
});

async function start(variant: 'current' | 'legacy', opts: { options?: PersonalityOptions; faults?: FaultSet; flash?: Partial<Flash> } = {}) {
  const [host, wire] = MemoryTransport.pair('host', 'module');
  await host.open();
  const module = await VirtualModule.start({ id: 'm1', path: 'module', protocol: 'tuyaopen-cli', variant, personality, transport: wire, timing: { zero: true }, options: { banner: false, ...opts.options }, faults: opts.faults, flash: opts.flash });
  modules.push(module);
  const prompt = variant === 'legacy' ? 'tuya>' : 'tuya> ';
  let seen = '';
  /** Everything the module prints until the output ends with `until` (the prompt by default). */
  const readUntil = async (until = prompt) => {
    while (!seen.endsWith(until)) {
      const chunk = await host.read({ timeoutMs: 500 }).catch((e: Error) => {
        throw Object.assign(e, { message: `${e.message} Output so far: ${JSON.stringify(seen)} (faults ${JSON.stringify(opts.faults)}, waiting for ${JSON.stringify(until)})` });
      });
      seen += chunk.toString('latin1');
    }
    const out = seen;
    seen = '';
    return out;
  };
  const type = async (text: string, until?: string) => {
    await host.write(Buffer.from(text, 'latin1'));
    return readUntil(until);
  };
  return { host, module, readUntil, type, prompt };
}

describe('tuyaopen-cli virtual module', () => {
  it('prints a banner and boot logs before its first prompt', async () => {
    const m = await start('current', { options: { banner: true } });
    const boot = await m.readUntil();
    const lines = boot.split('\r\n');
    expect(lines[0]).toMatch(/^\[\d\d-\d\d \d\d:\d\d:\d\d ty I\]\[tuya_main\.c:\d+\] tuya open start$/);
    expect(lines.length).toBeGreaterThan(5);
    expect(boot.endsWith('\r\ntuya> ')).toBe(true);
  });

  it('answers in the spec\'s shape: echo, CR LF, CR LF, answer lines, prompt', async () => {
    const m = await start('current');
    await m.readUntil();
    expect(await m.type('auth-read\n')).toBe('auth-read\r\n\r\nAuthorization read failure.\r\ntuya> ');
    expect(await m.type(`auth ${UUID} ${KEY}\n`)).toBe(`auth ${UUID} ${KEY}\r\n\r\nAuthorization write succeeds.\r\nPlease reset the system to ensure the new credentials are used.\r\ntuya> `);
    expect(await m.type('auth-read\n')).toBe(`auth-read\r\n\r\n${UUID}\r\n${KEY}\r\ntuya> `);
    expect(m.module.flash()).toMatchObject({ uuid: UUID, authkey: KEY });
  });

  it('takes CR and LF each as Enter: CR LF runs a second, empty command', async () => {
    const m = await start('current');
    await m.readUntil();
    expect(await m.type('auth-read\r\n', 'failure.\r\ntuya> \r\ntuya> ')).toBe('auth-read\r\n\r\nAuthorization read failure.\r\ntuya> \r\ntuya> ');
    expect(await m.type('\r')).toBe('\r\ntuya> ');
  });

  it('echoes a backspace as \\b \\b and runs the corrected command', async () => {
    const m = await start('current');
    await m.readUntil();
    expect(await m.type('auth-reax\x7fd\n')).toBe('auth-reax\b \bd\r\n\r\nAuthorization read failure.\r\ntuya> ');
  });

  it('answers unknown commands and bad arguments with the firmware\'s own words', async () => {
    const m = await start('current');
    await m.readUntil();
    const answer = async (cmd: string) => (await m.type(`${cmd}\n`)).split('\r\n').slice(2, -1);
    expect(await answer('hello')).toEqual(['No command or file name']);
    expect(await answer('auth onlyone')).toEqual(['Use like: auth uuidxxxxxxxxxxxxxxxx keyxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']);
    expect(await answer(`auth ${UUID}x ${KEY}`)).toEqual(['uuid length must be 20/16, authkey length must be 32']);
    expect(await answer(`auth ${UUID} ${KEY} 2`)).toEqual(['storage must be 0 or 1']);
    expect(await answer(`auth ${UUID} ${KEY} 1 a0b1c2`)).toEqual(['mac length must be 12']);
    expect(await answer('auth-reset')).toEqual(['Authorization reset failure.']);
    expect(m.module.flash().uuid).toBeNull();
  });

  it('keeps at most 8 arguments', async () => {
    const m = await start('current');
    await m.readUntil();
    // Words past the ones auth reads (and past the 8th) are dropped, not refused.
    const out = await m.type(`auth ${UUID} ${KEY} 0 a0b1c2d3e4f5 x y z w\n`);
    expect(out).toContain('Authorization write succeeds.');
  });

  it('writes to OTP with the storage form, with the given MAC or its own', async () => {
    const m = await start('current', { options: { wifiMac: '0a1b2c3d4e5f' } });
    await m.readUntil();
    expect(await m.type(`auth ${UUID} ${KEY} 1 A0B1C2D3E4F5\n`)).toContain('\r\nAuthorization write to OTP Succeeds.\r\ntuya> ');
    expect(m.module.flash().mac).toBe('a0b1c2d3e4f5');
    expect(await m.type('read_mac\n')).toContain('\r\nmac: 0a:1b:2c:3d:4e:5f\r\n');
    expect(await m.type('auth-reset\n')).toContain('\r\nAuthorization reset succeeds.\r\n');
    expect(m.module.flash().uuid).toBeNull();
  });

  it('plays older firmware: bare prompt, one success line, 20-char uuids only, no read_mac', async () => {
    const m = await start('legacy');
    expect(await m.readUntil()).toBe('tuya>');
    expect(await m.type(`auth uuid1234567890ab ${KEY}\n`)).toBe(`auth uuid1234567890ab ${KEY}\r\n\r\nuuid len not equal 20 or authkey len not equal 32.\r\ntuya>`);
    expect(await m.type(`auth ${UUID} ${KEY}\n`)).toBe(`auth ${UUID} ${KEY}\r\n\r\nAuthorization write succeeds.\r\ntuya>`);
    expect(await m.type('read_mac\n')).toBe('read_mac\r\n\r\nNo command or file name\r\ntuya>');
  });

  it('prints log lines inside answers when asked, the write success twice', async () => {
    const m = await start('current', { options: { logLines: true } });
    await m.readUntil();
    const out = await m.type(`auth ${UUID} ${KEY}\n`);
    const lines = out.split('\r\n');
    expect(lines[0]).toBe(`auth ${UUID} ${KEY}`);
    expect(lines.filter((l) => l.startsWith('[')).length).toBeGreaterThanOrEqual(2);
    expect(lines.filter((l) => l.endsWith('Authorization write succeeds.'))).toHaveLength(2);
    expect(out).not.toContain(KEY.slice(4) + ']');
  });

  it('honours the faults: refused write, read-back mismatch, garbled answer, hang, unplug', async () => {
    const refused = await start('current', { faults: { writeRefused: true } });
    await refused.readUntil();
    expect(await refused.type(`auth ${UUID} ${KEY}\n`)).toContain('\r\nAuthorization write failure.\r\n');
    expect(refused.module.flash().uuid).toBeNull();

    const mismatch = await start('current', { faults: { readbackMismatch: true } });
    await mismatch.readUntil();
    await mismatch.type(`auth ${UUID} ${KEY}\n`);
    const back = (await mismatch.type('auth-read\n')).split('\r\n');
    expect(back[2]).toBe(UUID);
    expect(back[3]).not.toBe(KEY);
    expect(mismatch.module.flash().authkey).toBe(KEY);

    const garbled = await start('current', { faults: { corruptChecksum: 'check' } });
    await garbled.readUntil();
    const noisy = await garbled.type('auth-read\n');
    expect(noisy.startsWith('auth-read\r\n\r\n')).toBe(true);
    expect(noisy).toMatch(/[\x80-\xff]/);

    const hung = await start('current', { faults: { noAnswer: 'write' } });
    await hung.readUntil();
    await hung.host.write(Buffer.from(`auth ${UUID} ${KEY}\n`));
    // The echo goes out; then the firmware hangs inside the command.
    expect(await hung.readUntil(KEY)).toBe(`auth ${UUID} ${KEY}`);
    await expect(hung.host.read({ timeoutMs: 50 })).rejects.toMatchObject({ code: 'TIMEOUT' });

    const pulled = await start('current', { faults: { unplugMidFrame: 'check' } });
    await pulled.readUntil();
    await pulled.host.write(Buffer.from('auth-read\n'));
    await expect(pulled.readUntil()).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(pulled.module.isAlive).toBe(false);
  });

  it('comes already authorized with a license both generations take', async () => {
    const m = await start('legacy', { faults: { alreadyAuthorized: true } });
    await m.readUntil();
    const lines = (await m.type('auth-read\n')).split('\r\n');
    expect(lines[2]).toHaveLength(20);
    expect(lines[3]).toHaveLength(32);
  });
});
