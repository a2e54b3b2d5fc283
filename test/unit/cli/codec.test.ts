import { describe, expect, it } from 'vitest';
import {
  ConsoleDecoder,
  MAX_LINE,
  cliMessages,
  encodeCommand,
  isCleanLine,
  parseAuthRead,
  parseAuthWrite,
  parseReadMac,
  type ConsoleEvent,
} from '../../../native/protocols/tuyaopen-cli/codec';

const UUID = 'uuid1234567890abcdef';
const KEY = 'Key0123456789abcdefABCDEF0123456';

// A whole burn as current firmware prints it: boot banner and logs, logs inside answers, CR LF endings.
const transcript = [
  '[01-01 00:00:00 ty I][tuya_main.c:101] tuya open start\r\n',
  '  _____  \r\n',
  ' |_   _| \r\n',
  '[01-01 00:00:00 ty D][tal_kv.c:88] kv init ok\r\n',
  'tuya> ',
  '\r\ntuya> ',
  'auth-read\r\n[01-01 00:00:01 ty D][tal_cli.c:120] cli cmd: auth-read\r\n\r\n',
  'Authorization read failure.\r\ntuya> ',
  `auth ${UUID} ${KEY}\r\n\r\n`,
  '[01-01 00:00:01 ty I][tuya_authorize.c:76] Authorization write succeeds.\r\n',
  'Authorization write succeeds.\r\nPlease reset the system to ensure the new credentials are used.\r\ntuya> ',
  'auth-read\r\n\r\n',
  `${UUID}\r\n${KEY}\r\ntuya> `,
].join('');

const expected: ConsoleEvent[] = [
  { type: 'log', text: '[01-01 00:00:00 ty I][tuya_main.c:101] tuya open start' },
  { type: 'line', text: '  _____  ' },
  { type: 'line', text: ' |_   _| ' },
  { type: 'log', text: '[01-01 00:00:00 ty D][tal_kv.c:88] kv init ok' },
  { type: 'prompt' },
  { type: 'line', text: '' },
  { type: 'prompt' },
  { type: 'line', text: 'auth-read' },
  { type: 'log', text: '[01-01 00:00:01 ty D][tal_cli.c:120] cli cmd: auth-read' },
  { type: 'line', text: '' },
  { type: 'line', text: 'Authorization read failure.' },
  { type: 'prompt' },
  { type: 'line', text: `auth ${UUID} ${KEY}` },
  { type: 'line', text: '' },
  { type: 'log', text: '[01-01 00:00:01 ty I][tuya_authorize.c:76] Authorization write succeeds.' },
  { type: 'line', text: 'Authorization write succeeds.' },
  { type: 'line', text: 'Please reset the system to ensure the new credentials are used.' },
  { type: 'prompt' },
  { type: 'line', text: 'auth-read' },
  { type: 'line', text: '' },
  { type: 'line', text: UUID },
  { type: 'line', text: KEY },
  { type: 'prompt' },
];

const decodeChunks = (chunks: Buffer[]) => {
  const d = new ConsoleDecoder();
  return { events: chunks.flatMap((c) => d.push(c)), decoder: d };
};

describe('ConsoleDecoder', () => {
  const bytes = Buffer.from(transcript, 'latin1');

  it('splits a whole burn transcript into lines, log lines and prompts', () => {
    expect(decodeChunks([bytes]).events).toEqual(expected);
  });

  it('gives the same events when the output is split at every single point', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { events } = decodeChunks([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(events, `split at byte ${cut}`).toEqual(expected);
    }
  });

  it('gives the same events when the output arrives one byte at a time or in three random pieces', () => {
    expect(decodeChunks([...bytes].map((b) => Buffer.from([b]))).events).toEqual(expected);
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 300; i++) {
      const [a, b] = [rand(bytes.length + 1), rand(bytes.length + 1)].sort((x, y) => x - y) as [number, number];
      expect(decodeChunks([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]).events).toEqual(expected);
    }
  });

  it('reports a prompt that is not followed by a newline, at once', () => {
    const d = new ConsoleDecoder();
    expect(d.push(Buffer.from('\r\ntuya'))).toEqual([{ type: 'line', text: '' }]);
    expect(d.push(Buffer.from('>'))).toEqual([{ type: 'prompt' }]);
    expect(d.promptStyle).toBeNull();
    expect(d.push(Buffer.from(' '))).toEqual([]);
    expect(d.promptStyle).toBe('spaced');
  });

  it('tells the older prompt without a space by the byte that follows it', () => {
    const d = new ConsoleDecoder();
    expect(d.push(Buffer.from('tuya>'))).toEqual([{ type: 'prompt' }]);
    expect(d.promptStyle).toBeNull();
    expect(d.push(Buffer.from('auth-read\r\n'))).toEqual([{ type: 'line', text: 'auth-read' }]);
    expect(d.promptStyle).toBe('bare');
  });

  it('keeps the text typed after a prompt as the echo line', () => {
    const { events } = decodeChunks([Buffer.from('tuya> auth-read\r\n')]);
    expect(events).toEqual([{ type: 'prompt' }, { type: 'line', text: 'auth-read' }]);
  });

  it('marks a log line that comes right after a prompt as a log line', () => {
    const { events } = decodeChunks([Buffer.from('tuya> [01-01 00:00:09 ty W][wifi.c:12] scan done\r\n')]);
    expect(events).toEqual([{ type: 'prompt' }, { type: 'log', text: '[01-01 00:00:09 ty W][wifi.c:12] scan done' }]);
  });

  it('does not take tuya> inside a line for a prompt', () => {
    expect(decodeChunks([Buffer.from('say tuya> hi\r\n')]).events).toEqual([{ type: 'line', text: 'say tuya> hi' }]);
  });

  it('applies the echoed backspace (\\b \\b)', () => {
    expect(decodeChunks([Buffer.from('auth-reax\b \bd\r\n')]).events).toEqual([{ type: 'line', text: 'auth-read' }]);
  });

  it('strips colour codes before deciding a line is a log line', () => {
    expect(decodeChunks([Buffer.from('\x1b[32m[01-01 00:00:01 ty I][a.c:1] hi\x1b[0m\r\n')]).events).toEqual([
      { type: 'log', text: '[01-01 00:00:01 ty I][a.c:1] hi' },
    ]);
  });

  it('strips a whole log line, coloured or not, wherever it lands inside the output, and the lines it split join again', () => {
    // The console's own output only (no logs), current and older firmware.
    for (const prompt of ['tuya> ', 'tuya>']) {
      const own = [
        '\r\n',
        prompt,
        'read_mac\r\n\r\nmac: 10:5a:17:aa:bb:cc\r\n',
        prompt,
        `auth ${UUID} ${KEY}\r\n\r\n`,
        `${cliMessages.writeOk}\r\n${cliMessages.resetHint}\r\n`,
        prompt,
      ].join('');
      const clean = new ConsoleDecoder();
      const want = clean.push(Buffer.from(own, 'latin1'));
      for (const log of [
        '\x1b[0;36;49m[01-01 00:00:02 ty I][tal_heap.c:314] heap free 123394\x1b[0m\r\n',
        '[01-01 00:00:02 ty E][x.c:1] oops\r\n',
        '\x1b[0;31;49m[01-01 00:00:02 ty D][a.c:9] d\r\n\x1b[0m',
      ]) {
        for (let at = 0; at <= own.length; at++) {
          const d = new ConsoleDecoder();
          const events = d.push(Buffer.from(own.slice(0, at) + log + own.slice(at), 'latin1'));
          expect(
            events.filter((e) => e.type !== 'log'),
            `log at ${at}`,
          ).toEqual(want);
          expect(events.filter((e) => e.type === 'log')).toHaveLength(1);
          expect(d.promptStyle, `log at ${at}`).toBe(clean.promptStyle);
        }
      }
    }
  });

  it('notices line noise and cuts an endless line', () => {
    const d = new ConsoleDecoder();
    const events = d.push(Buffer.concat([Buffer.from([0xf4, 0x75, 0xf9]), Buffer.alloc(MAX_LINE, 0x41)]));
    expect(d.sawNoise).toBe(true);
    expect(events).toHaveLength(1);
    expect(isCleanLine((events[0] as { text: string }).text)).toBe(false);
    d.reset();
    expect(d.sawNoise).toBe(false);
    expect(d.promptStyle).toBeNull();
  });
});

describe('encodeCommand', () => {
  it('ends a command with a single LF, so no second empty command runs', () => {
    expect(encodeCommand(['auth', UUID, KEY]).toString('latin1')).toBe(`auth ${UUID} ${KEY}\n`);
    expect(encodeCommand(['auth-read'])).toEqual(Buffer.from('auth-read\n'));
  });

  it('refuses words the console would split or drop', () => {
    expect(() => encodeCommand(['auth', 'a b', KEY])).toThrow(expect.objectContaining({ code: 'INVALID_COMMAND' }));
    expect(() => encodeCommand(['auth', 'tab\there'])).toThrow(expect.objectContaining({ code: 'INVALID_COMMAND' }));
    expect(() => encodeCommand(Array.from({ length: 9 }, () => 'x'))).toThrow(expect.objectContaining({ code: 'INVALID_COMMAND' }));
    expect(() => encodeCommand([])).toThrow(expect.objectContaining({ code: 'INVALID_COMMAND' }));
  });
});

describe('answer parsers', () => {
  it('reads auth-read answers', () => {
    expect(parseAuthRead([UUID, KEY])).toEqual({ kind: 'license', uuid: UUID, authkey: KEY });
    expect(parseAuthRead(['Authorization read failure.'])).toEqual({ kind: 'empty' });
    expect(parseAuthRead(['No command or file name'])).toEqual({ kind: 'unsupported' });
    expect(parseAuthRead([UUID])).toEqual({ kind: 'unexpected', lines: [UUID] });
  });

  it("reads both firmware generations' write confirmations, and only the answer lines", () => {
    expect(parseAuthWrite(['Authorization write succeeds.'], undefined)).toEqual({ kind: 'written' });
    expect(
      parseAuthWrite(['Authorization write succeeds.', 'Please reset the system to ensure the new credentials are used.'], undefined),
    ).toEqual({ kind: 'written' });
    expect(parseAuthWrite(['Authorization write to OTP Succeeds.'], 1)).toEqual({ kind: 'written' });
    expect(parseAuthWrite(['Authorization write succeeds.'], 1).kind).toBe('unexpected');
    expect(parseAuthWrite([], undefined).kind).toBe('unexpected');
  });

  it('reads read_mac in either case, and none where the firmware cannot tell', () => {
    expect(parseReadMac(['mac: 10:5a:17:aa:bb:cc'])).toEqual({ kind: 'mac', mac: '105A17AABBCC' });
    expect(parseReadMac(['mac: 00:11:22:33:44:55'])).toEqual({ kind: 'mac', mac: '001122334455' });
    expect(parseReadMac([cliMessages.macFailed])).toEqual({ kind: 'none' });
    expect(parseReadMac([cliMessages.unknownCommand])).toEqual({ kind: 'none' });
    expect(parseReadMac(['mac: 10:5a:17'])).toEqual({ kind: 'unexpected' });
    expect(parseReadMac(['mac: 10:5a', ':17:aa:bb:cc'])).toEqual({ kind: 'unexpected' });
  });

  it('types the refusals of firmware that needs its Wi-Fi MAC or has no OTP', () => {
    expect(parseAuthWrite(['Authorization write flailure: tal_wifi_get_mac failed'], undefined)).toEqual({ kind: 'mac-unreadable' });
    expect(parseAuthWrite(['OTP storage is only supported on T5 platform.'], 1)).toEqual({ kind: 'otp-unsupported' });
  });

  it("turns each of the module's error messages into its kind", () => {
    expect(parseAuthWrite(['Authorization write failure.'], undefined)).toEqual({ kind: 'failed' });
    expect(parseAuthWrite(['Authorization write to OTP failure.'], 1)).toEqual({ kind: 'failed' });
    expect(parseAuthWrite(['No command or file name'], undefined)).toEqual({ kind: 'unsupported' });
    const cases: [string, string][] = [
      ['Use like: auth uuidxxxxxxxxxxxxxxxx keyxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'unknown'],
      ['uuid length must be 20/16, authkey length must be 32', 'current'],
      ['uuid len not equal 20 or authkey len not equal 32.', 'legacy'],
      ['storage must be 0 or 1', 'current'],
      ['mac length must be 12', 'current'],
    ];
    for (const [message, firmware] of cases) expect(parseAuthWrite([message], 0)).toEqual({ kind: 'refused-arguments', message, firmware });
    expect(Object.values(cliMessages)).toContain('Authorization reset succeeds.');
  });
});
