import { describe, expect, it } from 'vitest';
import { TuyaopenCliDriver, type TuyaopenCliDriverOptions } from '../../../native/protocols/tuyaopen-cli/driver';
import { rejectionOf, type BurnOutcome } from '../../../native/protocols/types';
import { flashConsole, scriptedConsole, type ScriptOptions } from './scripted-console';

const UUID = 'uuid1234567890abcdef';
const UUID16 = 'uuid1234567890ab';
const KEY = 'Key0123456789abcdefABCDEF0123456';
const license = { uuid: UUID, authkey: KEY };
const fast = { connectMs: 300, pokeMs: 20, readMs: 200, writeMs: 200 };

async function setup(script: ScriptOptions, options: TuyaopenCliDriverOptions = {}) {
  const con = scriptedConsole(script);
  await con.open();
  const driver = new TuyaopenCliDriver(con.host, { timeouts: fast, ...options });
  const written = () => con.host.writes.map((w) => w.toString('latin1'));
  return { ...con, driver, written };
}

const failure = (o: BurnOutcome) => (o.ok ? { ok: true } : { code: o.error.code, exposure: o.exposure, step: o.step });

describe('TuyaopenCliDriver burn', () => {
  it('burns and verifies on current firmware, journaling right before the auth command leaves', async () => {
    const s = await setup({ answer: flashConsole('current') });
    let writesAtJournal = -1;
    const steps: string[] = [];
    const outcome = await s.driver.burn(license, {
      beforeWrite: async () => void (writesAtJournal = s.host.writes.length),
      onStep: (st) => steps.push(st),
    });
    expect(outcome).toMatchObject({
      ok: true,
      exposure: 'verified',
      module: { uuid: UUID, authkey: KEY, mac: '105A17AABBCC', firmware: { version: 'current' } },
    });
    expect(s.written()).toEqual(['\n', 'read_mac\n', 'auth-read\n', `auth ${UUID} ${KEY}\n`, 'auth-read\n']);
    expect(writesAtJournal).toBe(3);
    expect(steps).toEqual(['connect', 'check', 'write', 'verify', 'finish']);
  });

  it('burns older firmware (prompt without space, one success line)', async () => {
    const s = await setup({ prompt: 'tuya>', answer: flashConsole('legacy') });
    const outcome = await s.driver.burn(license);
    expect(outcome).toMatchObject({ ok: true, module: { mac: null, firmware: { version: 'legacy' } } });
    expect(s.driver.firmware).toBe('legacy');
    // It has no read_mac: asked once (the prompt alone does not tell the generation), answered "No command".
    expect(s.commands.filter((c) => c === 'read_mac')).toHaveLength(1);
  });

  it('ignores log lines anywhere, and does not take the logged "write succeeds" for the answer', async () => {
    const log = (m: string) => `[01-01 00:00:01 ty I][tuya_authorize.c:76] ${m}\r\n`;
    const good = await setup({
      answer: flashConsole('current'),
      between: (c) => log(`cli ${c.split(' ')[0]}`) + (c.startsWith('auth ') ? log('Authorization write succeeds.') : ''),
    });
    expect((await good.driver.burn(license)).ok).toBe(true);

    // The log line says success, the answer line says failure: failure it is.
    const bad = await setup({
      answer: (c, w) => (w[0] === 'auth' ? ['Authorization write failure.'] : flashConsole('current')(c, w)),
      between: (c) => (c.startsWith('auth ') ? log('Authorization write succeeds.') : ''),
    });
    expect(failure(await bad.driver.burn(license))).toEqual({ code: 'REFUSED', exposure: 'sent-outcome-unknown', step: 'write' });
  });

  it('copes with the extra empty prompt that CR LF produces', async () => {
    const s = await setup({ answer: flashConsole('current'), extraPrompt: true });
    expect((await s.driver.burn(license)).ok).toBe(true);
  });

  it('keeps pressing Enter while the module boots and prints its banner', async () => {
    const s = await setup({
      answer: flashConsole('current'),
      bootPokes: 3,
      banner: '[01-01 00:00:00 ty I][main.c:1] boot\r\n  __ logo __\r\n',
    });
    expect((await s.driver.burn(license)).ok).toBe(true);
    expect(s.written().slice(0, 4)).toEqual(['\n', '\n', '\n', '\n']);
  });

  it('refuses a license no module can take, sending nothing', async () => {
    for (const [bad, rejection] of [
      [{ uuid: UUID, authkey: KEY.slice(1) }, 'authkey'],
      [{ uuid: 'short', authkey: KEY }, 'uuid'],
      [{ uuid: `${UUID.slice(1)} `, authkey: KEY }, 'uuid'],
    ] as const) {
      const s = await setup({ answer: flashConsole('current') });
      const outcome = await s.driver.burn(bad);
      expect(failure(outcome)).toEqual({ code: 'INVALID_LICENSE', exposure: 'nothing-sent', step: 'connect' });
      expect(outcome.ok ? null : rejectionOf(outcome.error)).toBe(rejection);
      expect(s.host.writes).toHaveLength(0);
    }
  });

  it('refuses a 16-character uuid once it sees older firmware, before the auth command', async () => {
    const s = await setup({ prompt: 'tuya>', answer: flashConsole('legacy') });
    const outcome = await s.driver.burn({ uuid: UUID16, authkey: KEY });
    expect(failure(outcome)).toEqual({ code: 'INVALID_LICENSE', exposure: 'nothing-sent', step: 'check' });
    expect(outcome.ok ? '' : outcome.error.message).toMatch(/20-character uuids/);
    expect(outcome.ok ? null : outcome.error.details).toMatchObject({ rejection: 'uuid', uuidLength: 16 });
    expect(s.written()).toEqual(['\n', 'read_mac\n', 'auth-read\n']);
    // Current firmware takes it.
    const c = await setup({ answer: flashConsole('current') });
    expect((await c.driver.burn({ uuid: UUID16, authkey: KEY })).ok).toBe(true);
  });

  it('uses the storage/mac form when configured and checks the mac is hex', async () => {
    const s = await setup({ answer: flashConsole('current') }, { storage: 1 });
    expect((await s.driver.burn({ ...license, mac: 'a0b1c2d3e4f5' })).ok).toBe(true);
    expect(s.written()[3]).toBe(`auth ${UUID} ${KEY} 1 a0b1c2d3e4f5\n`);

    const bad = await setup({ answer: flashConsole('current') }, { storage: 1 });
    const badMac = await bad.driver.burn({ ...license, mac: 'a0:b1:c2:d3' });
    expect(failure(badMac)).toEqual({ code: 'INVALID_LICENSE', exposure: 'nothing-sent', step: 'connect' });
    expect(badMac.ok ? null : rejectionOf(badMac.error)).toBe('mac');
    expect(bad.host.writes).toHaveLength(0);

    const legacy = await setup({ prompt: 'tuya>', answer: flashConsole('legacy') }, { storage: 0 });
    expect(failure(await legacy.driver.burn(license))).toEqual({ code: 'REFUSED', exposure: 'nothing-sent', step: 'check' });
  });

  it('does not overwrite an authorized module unless allowed', async () => {
    const other = { uuid: 'uuidaaaaaaaaaaaaaaaa', authkey: 'K'.repeat(32) };
    const s = await setup({ answer: flashConsole('current', { ...other }) });
    const outcome = await s.driver.burn(license);
    expect(failure(outcome)).toEqual({ code: 'ALREADY_AUTHORIZED', exposure: 'nothing-sent', step: 'check' });
    expect(outcome.module).toMatchObject({ uuid: other.uuid, mac: '105A17AABBCC' });
    expect(s.written()).toEqual(['\n', 'read_mac\n', 'auth-read\n']);

    const allowed = await setup({ answer: flashConsole('current', { ...other }) });
    expect(await allowed.driver.burn(license, { allowReauthorize: true })).toMatchObject({ ok: true, module: { uuid: UUID } });
  });

  it('verifies without writing when the module already holds this very license', async () => {
    const s = await setup({ answer: flashConsole('current', { ...license }) });
    let journaled: unknown = null;
    const outcome = await s.driver.burn(license, { beforeWrite: async (existing) => void (journaled = existing) });
    expect(outcome).toMatchObject({ ok: true, exposure: 'verified', module: { mac: '105A17AABBCC' } });
    expect(journaled).toMatchObject({ uuid: UUID, mac: '105A17AABBCC' });
    expect(s.written()).toEqual(['\n', 'read_mac\n', 'auth-read\n']);
  });

  it('turns every module error message into a typed failure', async () => {
    const cases: [string, string, string][] = [
      ['Use like: auth uuidxxxxxxxxxxxxxxxx keyxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'REFUSED', 'write'],
      ['uuid length must be 20/16, authkey length must be 32', 'REFUSED', 'write'],
      ['uuid len not equal 20 or authkey len not equal 32.', 'REFUSED', 'write'],
      ['storage must be 0 or 1', 'REFUSED', 'write'],
      ['mac length must be 12', 'REFUSED', 'write'],
      ['Authorization write failure.', 'REFUSED', 'write'],
      ['No command or file name', 'REFUSED', 'write'],
    ];
    for (const [message, code, step] of cases) {
      const s = await setup({ answer: (c, w) => (w[0] === 'auth' ? [message] : flashConsole('current')(c, w)) });
      const outcome = await s.driver.burn(license);
      expect(failure(outcome), message).toEqual({ code, exposure: 'sent-outcome-unknown', step });
      expect(outcome.ok ? '' : outcome.error.message).toContain(message);
    }
    // Argument errors mean the module wrote nothing: said so for the supervisor.
    const s = await setup({
      answer: (c, w) => (w[0] === 'auth' ? ['uuid len not equal 20 or authkey len not equal 32.'] : flashConsole('current')(c, w)),
    });
    const outcome = await s.driver.burn(license);
    expect(outcome.ok ? null : outcome.error.details).toMatchObject({ moduleWroteNothing: true });
    expect(s.driver.firmware).toBe('legacy');
  });

  it('reports a read-back failure or a different read-back as VERIFY_MISMATCH', async () => {
    let writes = 0;
    const empty = await setup({
      answer: (c, w) => (w[0] === 'auth' ? (writes++, ['Authorization write succeeds.']) : ['Authorization read failure.']),
    });
    expect(failure(await empty.driver.burn(license))).toEqual({
      code: 'VERIFY_MISMATCH',
      exposure: 'sent-outcome-unknown',
      step: 'verify',
    });
    expect(writes).toBe(1);

    const flash = { uuid: null as string | null, authkey: null as string | null };
    const base = flashConsole('current', flash);
    const differs = await setup({
      answer: (c, w) => (w[0] === 'auth-read' && flash.uuid ? [flash.uuid, `${KEY.slice(0, 31)}x`] : base(c, w)),
    });
    const outcome = await differs.driver.burn(license);
    expect(failure(outcome)).toEqual({ code: 'VERIFY_MISMATCH', exposure: 'sent-outcome-unknown', step: 'verify' });
    expect(outcome.ok ? null : outcome.error.details).toMatchObject({ uuidMatches: true, authkeyMatches: false });
    expect(JSON.stringify(outcome.ok ? null : outcome.error)).not.toContain(KEY);
  });

  it('a firmware without auth commands is refused before writing', async () => {
    const s = await setup({ answer: () => ['No command or file name'] });
    expect(failure(await s.driver.burn(license))).toEqual({ code: 'REFUSED', exposure: 'nothing-sent', step: 'check' });
  });

  it('classifies silence by step: before the write nothing was sent, after it the outcome is unknown', async () => {
    const atCheck = await setup({ answer: (c, w) => (w[0] === 'auth-read' ? null : flashConsole('current')(c, w)) });
    expect(failure(await atCheck.driver.burn(license))).toEqual({ code: 'TIMEOUT', exposure: 'nothing-sent', step: 'check' });

    const atWrite = await setup({ answer: (c, w) => (w[0] === 'auth' ? null : flashConsole('current')(c, w)) });
    const outcome = await atWrite.driver.burn(license);
    expect(failure(outcome)).toEqual({ code: 'TIMEOUT', exposure: 'sent-outcome-unknown', step: 'write' });
    expect(outcome.ok ? '' : outcome.error.message).toMatch(/supervisor/);

    const silent = await setup({ answer: () => null, bootPokes: 1_000 });
    expect(failure(await silent.driver.burn(license))).toEqual({ code: 'TIMEOUT', exposure: 'nothing-sent', step: 'connect' });
  });

  it('classifies an unplug by step', async () => {
    const atCheck = await setup({ answer: flashConsole('current'), unplugOn: (c) => c === 'auth-read' });
    expect(failure(await atCheck.driver.burn(license))).toEqual({ code: 'DISCONNECTED', exposure: 'nothing-sent', step: 'check' });
    const atWrite = await setup({ answer: flashConsole('current'), unplugOn: (c) => c.startsWith('auth ') });
    expect(failure(await atWrite.driver.burn(license))).toEqual({ code: 'DISCONNECTED', exposure: 'sent-outcome-unknown', step: 'write' });
  });

  it('reads a garbled check answer again, and gives up with CHECKSUM having sent nothing', async () => {
    let reads = 0;
    const noisy = (c: string, w: string[]) =>
      w[0] === 'auth-read' ? (reads++, ['\xd5u\xe9d\xb1\xb2\xb3', 'Aut\xe8orization read failure.']) : flashConsole('current')(c, w);
    const s = await setup({ answer: noisy });
    expect(failure(await s.driver.burn(license))).toEqual({ code: 'CHECKSUM', exposure: 'nothing-sent', step: 'check' });
    expect(reads).toBe(3);

    // One garbled read, then a clean one: the burn goes on.
    let n = 0;
    const base = flashConsole('current');
    const once = await setup({ answer: (c, w) => (w[0] === 'auth-read' && n++ === 0 ? ['\xd5\xd5\xd5'] : base(c, w)) });
    expect(await once.driver.burn(license)).toMatchObject({ ok: true });
  });

  it('stops with nothing sent when the ledger cannot journal', async () => {
    const s = await setup({ answer: flashConsole('current') });
    const outcome = await s.driver.burn(license, { beforeWrite: async () => Promise.reject(new Error('disk full')) });
    expect(failure(outcome)).toEqual({ code: 'CANCELED', exposure: 'nothing-sent', step: 'write' });
    expect(outcome.ok ? '' : outcome.error.message).toContain('disk full');
    expect(s.written()).toEqual(['\n', 'read_mac\n', 'auth-read\n']);
  });

  it('stops when cancelled', async () => {
    const s = await setup(
      { answer: (c, w) => (w[0] === 'auth' ? null : flashConsole('current')(c, w)) },
      { timeouts: { ...fast, writeMs: 5000 } },
    );
    const abort = new AbortController();
    const pending = s.driver.burn(license, { signal: abort.signal, beforeWrite: async () => void setTimeout(() => abort.abort(), 5) });
    expect(failure(await pending)).toEqual({ code: 'CANCELED', exposure: 'sent-outcome-unknown', step: 'write' });
  });
});

describe('TuyaopenCliDriver and the firmware variety of the field', () => {
  const coloured = (level: string, text: string) => `\x1b[0;36;49m[01-01 00:00:02 ty ${level}][tal_heap.c:314] ${text}\x1b[0m\r\n`;

  it('settles a reset inside auth by reading back: boot output instead of the answer is a verified burn', async () => {
    const flash = { uuid: null as string | null, authkey: null as string | null };
    const base = flashConsole('current', flash);
    // The firmware stores, then resets: boot logs, the logo and a fresh prompt come instead of the answer.
    const s = await setup({
      answer: (c, w) =>
        w[0] === 'auth' ? (base(c, w), ['[01-01 00:00:00 ty I][tuya_main.c:101] tuya open start', '  _____  ', ' |_   _| ']) : base(c, w),
    });
    const outcome = await s.driver.burn(license);
    expect(outcome).toMatchObject({ ok: true, exposure: 'verified', module: { uuid: UUID, mac: '105A17AABBCC' } });
    expect(s.commands.filter((c) => c === 'auth-read')).toHaveLength(2);

    // Older firmware resets with no banner: just a fresh prompt.
    const legacyFlash = { uuid: null as string | null, authkey: null as string | null };
    const legacy = flashConsole('legacy', legacyFlash);
    const old = await setup({ prompt: 'tuya>', answer: (c, w) => (w[0] === 'auth' ? (legacy(c, w), []) : legacy(c, w)) });
    expect(await old.driver.burn(license)).toMatchObject({ ok: true, exposure: 'verified' });
  });

  it('reads back after a missing answer to the write, and stays suspect when the module holds nothing', async () => {
    const s = await setup({ answer: flashConsole('current'), silentOn: (c) => c.startsWith('auth ') });
    expect(await s.driver.burn(license)).toMatchObject({ ok: true, exposure: 'verified' });

    const lost = await setup({
      answer: (c, w) => (w[0] === 'auth' ? [] : flashConsole('current')(c, w)),
      silentOn: (c) => c.startsWith('auth '),
    });
    const outcome = await lost.driver.burn(license);
    expect(failure(outcome)).toEqual({ code: 'TIMEOUT', exposure: 'sent-outcome-unknown', step: 'write' });
    expect(outcome.ok ? null : outcome.error.details).toMatchObject({ readBack: 'empty' });
  });

  it('reads back after a garbled or unexpected write answer before any verdict', async () => {
    const flash = { uuid: null as string | null, authkey: null as string | null };
    const base = flashConsole('current', flash);
    const garbled = await setup({
      answer: (c, w) => (w[0] === 'auth' ? (base(c, w), ['Aut\xe8ori\xfaation write succeeds.']) : base(c, w)),
    });
    expect(await garbled.driver.burn(license)).toMatchObject({ ok: true, exposure: 'verified' });

    // Unexpected words and nothing stored: suspect (bytes left), with what the read-back showed.
    const odd = await setup({ answer: (c, w) => (w[0] === 'auth' ? ['Authorization write ok?'] : flashConsole('current')(c, w)) });
    const outcome = await odd.driver.burn(license);
    expect(failure(outcome)).toEqual({ code: 'REFUSED', exposure: 'sent-outcome-unknown', step: 'write' });
    expect(outcome.ok ? null : outcome.error.details).toMatchObject({ readBack: 'empty' });

    // Another license reads back: a mismatch, not a success.
    const other = { uuid: 'uuidaaaaaaaaaaaaaaaa', authkey: 'K'.repeat(32) };
    const mixed = await setup({ answer: (c, w) => (w[0] === 'auth' ? ['???'] : flashConsole('current', { ...other })(c, w)) });
    expect(failure(await mixed.driver.burn(license, { allowReauthorize: true }))).toEqual({
      code: 'VERIFY_MISMATCH',
      exposure: 'sent-outcome-unknown',
      step: 'verify',
    });
  });

  it('reads again an auth-read answer split into unexpected lines', async () => {
    const flash = { uuid: null as string | null, authkey: null as string | null };
    const base = flashConsole('current', flash);
    let reads = 0;
    const s = await setup({
      answer: (c, w) => (w[0] === 'auth-read' && flash.uuid && reads++ === 0 ? [UUID.slice(0, 7), UUID.slice(7), KEY] : base(c, w)),
    });
    expect(await s.driver.burn(license)).toMatchObject({ ok: true, exposure: 'verified' });
    expect(reads).toBe(2);
  });

  it('strips log lines, coloured or not, that land anywhere inside the echo and the answers', async () => {
    let seed = 11;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const levels = ['D', 'I', 'N', 'W', 'E'];
    // Up to two whole log lines at random points of each piece of output (a log line itself is printed whole).
    const mangle = (text: string) => {
      const points = Array.from({ length: rand(3) }, () => rand(text.length + 1)).sort((x, y) => y - x);
      let out = text;
      for (const at of points) {
        const log = rand(2)
          ? coloured(levels[rand(5)]!, `heap free ${rand(200000)}`)
          : `[01-01 00:00:03 ty ${levels[rand(5)]}][wifi.c:12] scan done\r\n`;
        out = out.slice(0, at) + log + out.slice(at);
      }
      return out;
    };
    for (let i = 0; i < 60; i++) {
      const s = await setup({ answer: flashConsole(i % 2 ? 'current' : 'legacy'), prompt: i % 2 ? 'tuya> ' : 'tuya>', mangle });
      const outcome = await s.driver.burn(license);
      expect(outcome, JSON.stringify(outcome)).toMatchObject({
        ok: true,
        exposure: 'verified',
        module: { firmware: { version: i % 2 ? 'current' : 'legacy' } },
      });
    }
  });

  it('types the refusals of firmware that needs the Wi-Fi MAC or has no OTP', async () => {
    const cases: [string, string, 0 | 1 | undefined][] = [
      ['Authorization write flailure: tal_wifi_get_mac failed', 'MAC_UNREADABLE', undefined],
      ['OTP storage is only supported on T5 platform.', 'OTP_UNSUPPORTED', 1],
    ];
    for (const [text, code, storage] of cases) {
      const s = await setup({ answer: (c, w) => (w[0] === 'auth' ? [text] : flashConsole('current')(c, w)) }, { storage });
      const outcome = await s.driver.burn({ ...license, mac: 'A0B1C2D3E4F5' });
      expect(failure(outcome)).toEqual({ code, exposure: 'sent-outcome-unknown', step: 'write' });
      expect(outcome.ok ? null : outcome.error).toMatchObject({ details: { moduleWroteNothing: true } });
      expect(outcome.ok ? '' : outcome.error.message).toContain(text);
      // A clear refusal needs no read-back.
      expect(s.commands.filter((c) => c === 'auth-read')).toHaveLength(1);
    }
  });

  it('calls an exception it does not recognise an internal error, never an unplug', async () => {
    for (const when of ['auth-read', 'auth ']) {
      const s = await setup({ answer: flashConsole('current') });
      const write = s.host.write.bind(s.host);
      s.host.write = async (data: Uint8Array) => {
        if (Buffer.from(data).toString('latin1').startsWith(when)) throw new TypeError('cannot read properties of undefined');
        return write(data);
      };
      const outcome = await s.driver.burn(license);
      expect(failure(outcome)).toEqual({
        code: 'DRIVER_INTERNAL',
        exposure: when === 'auth ' ? 'sent-outcome-unknown' : 'nothing-sent',
        step: when === 'auth ' ? 'write' : 'check',
      });
      expect(outcome.ok ? '' : outcome.error.message).toMatch(/internal error.*supervisor/);
    }
  });
});

describe('TuyaopenCliDriver detect and readIdentity', () => {
  it('detects a module at its prompt and not a silent port', async () => {
    const s = await setup({ answer: flashConsole('current') });
    expect(await s.driver.detect({ timeoutMs: 200 })).toBe(true);
    const silent = await setup({ answer: () => null, bootPokes: 1_000 });
    expect(await silent.driver.detect({ timeoutMs: 80 })).toBe(false);
  });

  it('reads what a module holds', async () => {
    const s = await setup({ answer: flashConsole('current', { ...license }) });
    expect(await s.driver.readIdentity()).toMatchObject({ uuid: UUID, authkey: KEY, mac: '105A17AABBCC' });
    const blank = await setup({ answer: flashConsole('current') });
    expect(await blank.driver.readIdentity()).toMatchObject({ uuid: null, authkey: null, mac: '105A17AABBCC' });
  });

  it('reads the MAC in either case, and none where the firmware cannot tell it', async () => {
    const upper = await setup({ answer: flashConsole('current', undefined, '0A1B2C3D4E5F') });
    expect(await upper.driver.readIdentity()).toMatchObject({ mac: '0A1B2C3D4E5F' });
    const failed = await setup({ answer: flashConsole('current', undefined, null) });
    const outcome = await failed.driver.burn(license, { beforeWrite: async (existing) => expect(existing.mac).toBeNull() });
    expect(outcome).toMatchObject({ ok: true, module: { mac: null } });
    const legacy = await setup({ prompt: 'tuya>', answer: flashConsole('legacy') });
    expect(await legacy.driver.readIdentity()).toMatchObject({ mac: null });
  });
});

describe('TuyaopenCliDriver resetAuthorization', () => {
  it('erases a license with auth-reset and says when there was none', async () => {
    const flash = { ...license } as { uuid: string | null; authkey: string | null };
    const base = flashConsole('current', flash);
    const answer = (c: string, w: string[]) => {
      if (w[0] !== 'auth-reset') return base(c, w);
      if (!flash.uuid) return ['Authorization reset failure.'];
      flash.uuid = flash.authkey = null;
      return ['Authorization reset succeeds.'];
    };
    const s = await setup({ answer });
    expect(await s.driver.resetAuthorization()).toBe(true);
    expect(await s.driver.resetAuthorization()).toBe(false);
    expect(await s.driver.readIdentity()).toMatchObject({ uuid: null });
  });
});
