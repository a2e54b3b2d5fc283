import { afterEach, describe, expect, it } from 'vitest';
import { VirtualModule } from '../../../native/sim/module';
import { MemoryTransport } from '../../../native/transport/memory';
import { personality } from '../../../native/protocols/tuyaopen-cli/personality';
import type { FaultSet, Flash, PersonalityOptions, SimTiming } from '../../../native/sim/types';

// The virtual tuyaopen-cli module, byte for byte, on an in-memory wire with zero timing.

const UUID = 'uuid1234567890abcdef';
const KEY = 'Key0123456789abcdefABCDEF0123456';
let modules: VirtualModule[] = [];
afterEach(async () => {
  await Promise.all(modules.map((m) => m.stop()));
  modules = [];
});

/** Colour codes removed, as the station's decoder does. */
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

async function start(
  variant: 'current' | 'legacy',
  opts: { options?: PersonalityOptions; faults?: FaultSet; flash?: Partial<Flash>; timing?: Partial<SimTiming> } = {},
) {
  const [host, wire] = MemoryTransport.pair('host', 'module');
  await host.open();
  const module = await VirtualModule.start({
    id: 'm1',
    path: 'module',
    protocol: 'tuyaopen-cli',
    variant,
    personality,
    transport: wire,
    timing: opts.timing ?? { zero: true },
    options: { banner: false, ...opts.options },
    faults: opts.faults,
    flash: opts.flash,
  });
  modules.push(module);
  const prompt = variant === 'legacy' ? 'tuya>' : 'tuya> ';
  let seen = '';
  /** Everything the module prints until the output ends with `until` (the prompt by default). */
  const readUntil = async (until = prompt) => {
    while (!seen.endsWith(until)) {
      const chunk = await host.read({ timeoutMs: 500 }).catch((e: Error) => {
        throw Object.assign(e, {
          message: `${e.message} Output so far: ${JSON.stringify(seen)} (faults ${JSON.stringify(opts.faults)}, waiting for ${JSON.stringify(until)})`,
        });
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
    const lines = plain(boot).split('\r\n');
    expect(lines[0]).toMatch(/^\[\d\d-\d\d \d\d:\d\d:\d\d ty I\]\[tuya_main\.c:\d+\] tuya open start$/);
    // Log lines are colour-wrapped, as in the field.
    expect(boot.startsWith('\x1b[0;36;49m[')).toBe(true);
    expect(lines.length).toBeGreaterThan(5);
    expect(boot.endsWith('\r\ntuya> ')).toBe(true);
  });

  it("answers in the spec's shape: echo, CR LF, CR LF, answer lines, prompt", async () => {
    const m = await start('current');
    await m.readUntil();
    expect(await m.type('auth-read\n')).toBe('auth-read\r\n\r\nAuthorization read failure.\r\ntuya> ');
    expect(await m.type(`auth ${UUID} ${KEY}\n`)).toBe(
      `auth ${UUID} ${KEY}\r\n\r\nAuthorization write succeeds.\r\nPlease reset the system to ensure the new credentials are used.\r\ntuya> `,
    );
    expect(await m.type('auth-read\n')).toBe(`auth-read\r\n\r\n${UUID}\r\n${KEY}\r\ntuya> `);
    expect(m.module.flash()).toMatchObject({ uuid: UUID, authkey: KEY });
  });

  it('takes CR and LF each as Enter: CR LF runs a second, empty command', async () => {
    const m = await start('current');
    await m.readUntil();
    expect(await m.type('auth-read\r\n', 'failure.\r\ntuya> \r\ntuya> ')).toBe(
      'auth-read\r\n\r\nAuthorization read failure.\r\ntuya> \r\ntuya> ',
    );
    expect(await m.type('\r')).toBe('\r\ntuya> ');
  });

  it('echoes a backspace as \\b \\b and runs the corrected command', async () => {
    const m = await start('current');
    await m.readUntil();
    expect(await m.type('auth-reax\x7fd\n')).toBe('auth-reax\b \bd\r\n\r\nAuthorization read failure.\r\ntuya> ');
  });

  it("answers unknown commands and bad arguments with the firmware's own words", async () => {
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
    // No banner on older firmware: a new line, then the prompt.
    const m = await start('legacy');
    expect(await m.readUntil()).toBe('\r\ntuya>');
    expect(await m.type(`auth uuid1234567890ab ${KEY}\n`)).toBe(
      `auth uuid1234567890ab ${KEY}\r\n\r\nuuid len not equal 20 or authkey len not equal 32.\r\ntuya>`,
    );
    expect(await m.type(`auth ${UUID} ${KEY}\n`)).toBe(`auth ${UUID} ${KEY}\r\n\r\nAuthorization write succeeds.\r\ntuya>`);
    expect(await m.type('read_mac\n')).toBe('read_mac\r\n\r\nNo command or file name\r\ntuya>');
  });

  it('prints log lines inside answers when asked, the write success twice', async () => {
    const m = await start('current', { options: { logLines: true } });
    await m.readUntil();
    const out = await m.type(`auth ${UUID} ${KEY}\n`);
    const lines = plain(out).split('\r\n');
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

  it('logs every millisecond from another task, whole log lines landing inside the echo and the answer lines', async () => {
    const m = await start('current', { options: { logEveryMs: 1 }, timing: { baudRate: 115200, flashWriteMs: 0 } });
    // One whole coloured log line: colour, head, message, colour off, CR LF.
    // eslint-disable-next-line no-control-regex
    const log = /\x1b\[0;3\d;49m\[\d\d-\d\d \d\d:\d\d:\d\d ty ([DINWE])\]\[[a-z_]+\.c:\d+\] [^\r\n\x1b]*\x1b\[0m\r\n/g;
    const levels = new Set<string>();
    let inside = 0;
    // The log task goes on after the prompt: read until the output without its logs ends with the prompt.
    const command = async (text: string) => {
      if (text !== '') await m.host.write(Buffer.from(text, 'latin1'));
      let out = '';
      while (!out.replace(log, '').endsWith('tuya> ')) out += (await m.host.read({ timeoutMs: 1000 })).toString('latin1');
      return out;
    };
    await command('');
    for (let i = 0; i < 12; i++) {
      const out = await command('auth-read\n');
      for (const [, level] of out.matchAll(log)) levels.add(level!);
      const withoutLogs = out.replace(log, '');
      expect(withoutLogs.endsWith('auth-read\r\n\r\nAuthorization read failure.\r\ntuya> ')).toBe(true);
      // A log inside a line: something other than a line start right before it.
      inside += [...out.matchAll(log)].filter((x) => x.index > 0 && out[x.index - 1] !== '\n').length;
    }
    expect(inside).toBeGreaterThan(0);
    expect(levels.size).toBeGreaterThan(1);
  });

  it('resets inside auth on the mid-2025 generation: the license is stored, boot output and a fresh prompt come instead of the answer', async () => {
    const m = await start('current', { options: { resetInAuth: true, banner: true } });
    await m.readUntil();
    const out = await m.type(`auth ${UUID} ${KEY}\n`);
    expect(out.startsWith(`auth ${UUID} ${KEY}\r\n`)).toBe(true);
    expect(plain(out)).toContain('tuya open start');
    expect(out).not.toContain('Authorization write succeeds.');
    expect(m.module.flash()).toMatchObject({ uuid: UUID, authkey: KEY });
    expect(await m.type('auth-read\n')).toContain(`\r\n${UUID}\r\n${KEY}\r\n`);
  });

  it('refuses as the generation that needs the Wi-Fi MAC, and as a chip without OTP', async () => {
    const noMac = await start('current', { options: { needsMac: true, wifiMac: 'none' } });
    await noMac.readUntil();
    expect(await noMac.type('read_mac\n')).toBe('read_mac\r\n\r\nFailed to get MAC address.\r\ntuya> ');
    expect(await noMac.type(`auth ${UUID} ${KEY}\n`)).toContain('\r\nAuthorization write flailure: tal_wifi_get_mac failed\r\n');
    expect(noMac.module.flash().uuid).toBeNull();

    const noOtp = await start('current', { options: { otp: false } });
    await noOtp.readUntil();
    expect(await noOtp.type(`auth ${UUID} ${KEY} 1 A0B1C2D3E4F5\n`)).toContain('\r\nOTP storage is only supported on T5 platform.\r\n');
    expect(noOtp.module.flash().uuid).toBeNull();
    expect(await noOtp.type(`auth ${UUID} ${KEY} 0\n`)).toContain('\r\nAuthorization write succeeds.\r\n');
  });

  it('logs the uuid and the whole authkey at debug level when asked', async () => {
    const m = await start('current', { options: { debugLogs: true } });
    await m.readUntil();
    expect(plain(await m.type(`auth ${UUID} ${KEY}\n`))).toMatch(
      new RegExp(`ty D\\]\\[tuya_authorize\\.c:\\d+\\] uuid: ${UUID}, authkey: ${KEY}\r\n`),
    );
  });
});
