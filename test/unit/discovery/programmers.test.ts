import { describe, expect, it } from 'vitest';
import { MemoryTransport } from '../../../native/transport/memory';
import {
  findProgrammer,
  normaliseUsbId,
  parseResetSequence,
  playResetSequence,
  programmerTable,
  type ResetSequence,
} from '../../../native/transport/programmers';

/** Records, in order, every line change and every hold the sequence asks for. */
function recorder(transport: MemoryTransport) {
  const events: string[] = [];
  const set = transport.set.bind(transport);
  transport.set = async (signals) => {
    await set(signals);
    events.push(`set ${JSON.stringify(signals)}`);
  };
  const sleep = async (ms: number) => {
    events.push(`hold ${ms}`);
  };
  return { events, sleep };
}

describe('programmer descriptor table', () => {
  it('recognises every bridge of the issue by VID/PID', () => {
    const ids = (vid: string, pid: string) => findProgrammer(vid, pid)?.model;
    expect(ids('1a86', '7523')).toBe('ch340');
    expect(ids('1A86', '55D4')).toBe('ch9102');
    expect(ids('0x10c4', '0xea60')).toBe('cp210x');
    expect(['6001', '6010', '6014', '6015'].map((pid) => ids('0403', pid))).toEqual(['ft232r', 'ft2232', 'ft232h', 'ft-x']);
    expect(findProgrammer(0x1a86, 0x7523)?.name).toBe('WCH CH340');
    expect(ids('2e8a', '000a')).toBeUndefined();
    expect(findProgrammer(undefined, '7523')).toBeUndefined();
  });

  it('has one row per model with a valid reset sequence', () => {
    expect(new Set(programmerTable.map((p) => p.model)).size).toBe(programmerTable.length);
    for (const p of programmerTable) expect(() => parseResetSequence(p.resetToAuthorization)).not.toThrow();
  });

  it('normalises USB ids', () => {
    expect(normaliseUsbId('0x403')).toBe('0403');
    expect(normaliseUsbId(0x403)).toBe('0403');
    expect(normaliseUsbId('12345')).toBeUndefined();
    expect(normaliseUsbId('zz')).toBeUndefined();
  });
});

describe('reset sequences as data', () => {
  it('refuses a malformed sequence with a message that says where and how to fix it', () => {
    const bad = [
      { dtr: false, rts: true, holdMs: 100 },
      { dtr: 'low', holdMs: 10 },
    ];
    expect(() => parseResetSequence(bad)).toThrow(
      expect.objectContaining({ code: 'INVALID_RESET_SEQUENCE', message: expect.stringMatching(/at 1\.dtr.*"holdMs": 100/) }),
    );
    expect(() => parseResetSequence([])).toThrow(expect.objectContaining({ code: 'INVALID_RESET_SEQUENCE' }));
    expect(() => parseResetSequence([{ holdMs: 0 }])).toThrow(/must set DTR or RTS, or wait/);
    expect(() => parseResetSequence([{ rts: true, holdMs: 60_000 }])).toThrow(expect.objectContaining({ code: 'INVALID_RESET_SEQUENCE' }));
    expect(() => parseResetSequence([{ rts: true, holdMs: 10, boot: true }])).toThrow(
      expect.objectContaining({ code: 'INVALID_RESET_SEQUENCE' }),
    );
  });

  it('plays the CH340 sequence on a transport: lines in order, each held for its time', async () => {
    const [host] = MemoryTransport.pair();
    await host.open();
    const { events, sleep } = recorder(host);
    await playResetSequence(host, findProgrammer('1a86', '7523')!.resetToAuthorization, { sleep });
    expect(events).toEqual(['set {"dtr":false,"rts":true}', 'hold 100', 'set {"dtr":false,"rts":false}', 'hold 50']);
    expect(host.signals).toEqual([
      { dtr: false, rts: true },
      { dtr: false, rts: false },
    ]);
  });

  it('sets only the lines a step names and skips zero holds', async () => {
    const [host] = MemoryTransport.pair();
    await host.open();
    const { events, sleep } = recorder(host);
    await playResetSequence(host, findProgrammer('0403', '6001')!.resetToAuthorization, { sleep });
    expect(events).toEqual(['set {"dtr":false}', 'set {"rts":true}', 'hold 120', 'set {"rts":false}', 'hold 50']);
  });

  it('waits for real when no sleep is given', async () => {
    const [host] = MemoryTransport.pair();
    await host.open();
    const sequence: ResetSequence = [
      { rts: true, holdMs: 30 },
      { rts: false, holdMs: 0 },
    ];
    const started = performance.now();
    await playResetSequence(host, sequence);
    // Only a lower bound: timers never fire early, and an upper bound would be flaky on a busy machine.
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    expect(host.signals).toEqual([{ rts: true }, { rts: false }]);
  });

  it('stops when cancelled, leaving later lines untouched', async () => {
    const [host] = MemoryTransport.pair();
    await host.open();
    const controller = new AbortController();
    const playing = playResetSequence(
      host,
      [
        { rts: true, holdMs: 1000 },
        { rts: false, holdMs: 0 },
      ],
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 5);
    await expect(playing).rejects.toMatchObject({ code: 'CANCELED' });
    expect(host.signals).toEqual([{ rts: true }]);
  });

  it('fails with DISCONNECTED when the port is closed', async () => {
    const [host] = MemoryTransport.pair();
    await expect(playResetSequence(host, [{ rts: true, holdMs: 0 }])).rejects.toMatchObject({ code: 'DISCONNECTED' });
  });
});
