import { AppError } from '../../../common/errors';

/**
 * The tuyaopen-cli console codec (shared/protocols/tuyaopen-cli.md): pure, no
 * timers, no I/O. `ConsoleDecoder` turns the module's console output, split at
 * any byte, into lines, log lines and prompts; `encodeCommand` builds what the
 * station types.
 */

export const PROMPT = 'tuya>';

export type ConsoleEvent =
  /** A line of output (CR LF stripped, backspaces applied). */
  | { type: 'line'; text: string }
  /** A line that starts with `[`: a log line, printed by the firmware at any time. */
  | { type: 'log'; text: string }
  /** `tuya>` at the start of a line (the optional space after it is consumed). */
  | { type: 'prompt' };

/** Whether the last prompt was followed by a space (current firmware) or not (older firmware). */
export type PromptStyle = 'spaced' | 'bare';

/** A line longer than this without a newline is noise: it is cut so memory stays bounded. */
export const MAX_LINE = 1024;

// Colour codes some firmware wraps around its log lines (ESC is the point here).
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export class ConsoleDecoder {
  private line = '';
  private afterPrompt = false;
  private style: PromptStyle | null = null;
  private noise = false;

  /** Known once the byte after a prompt has arrived; null before. */
  get promptStyle(): PromptStyle | null {
    return this.style;
  }

  /** True once any byte outside printable ASCII (and CR, LF, BS, ESC sequences) arrived: a wrong baud rate or a bad cable. */
  get sawNoise(): boolean {
    return this.noise;
  }

  /** What arrived after the last newline or prompt (for messages). */
  get pending(): string {
    return this.line;
  }

  /** Forgets everything, the prompt style included (the next module may run other firmware). */
  reset(): void {
    this.line = '';
    this.afterPrompt = false;
    this.style = null;
    this.noise = false;
  }

  push(chunk: Uint8Array): ConsoleEvent[] {
    const events: ConsoleEvent[] = [];
    for (const byte of chunk) {
      if (this.afterPrompt) {
        this.afterPrompt = false;
        this.style = byte === 0x20 ? 'spaced' : 'bare';
        if (byte === 0x20) continue;
      }
      if (byte === 0x0a) {
        events.push(lineEvent(this.line));
        this.line = '';
      } else if (byte === 0x0d) {
        // Lines end in CR LF: the LF ends them.
      } else if (byte === 0x08 || byte === 0x7f) {
        // The echo of a backspace is `\b \b`: each \b takes back one character.
        this.line = this.line.slice(0, -1);
      } else {
        this.line += String.fromCharCode(byte);
        if (byte >= 0x80 || (byte < 0x20 && byte !== 0x09 && byte !== 0x1b)) this.noise = true;
        if (this.line === PROMPT) {
          events.push({ type: 'prompt' });
          this.line = '';
          this.afterPrompt = true;
        } else if (this.line.length >= MAX_LINE) {
          events.push(lineEvent(this.line));
          this.line = '';
        }
      }
    }
    return events;
  }
}

function lineEvent(raw: string): ConsoleEvent {
  const text = raw.includes('\x1b') ? raw.replace(ANSI, '') : raw;
  return text.startsWith('[') ? { type: 'log', text } : { type: 'line', text };
}

/** True when a line holds only printable ASCII: anything else is line noise. */
export const isCleanLine = (text: string): boolean => /^[\x20-\x7e\t]*$/.test(text);

/** The console keeps at most 8 arguments, the command included; the rest are silently dropped. */
export const MAX_ARGS = 8;

/**
 * One command line as typed: words joined by single spaces and ended by a
 * single LF (CR LF would run a second, empty command).
 */
export function encodeCommand(words: readonly string[]): Buffer {
  if (words.length === 0 || words.length > MAX_ARGS) {
    throw new AppError('INVALID_COMMAND', `A console command has 1 to ${MAX_ARGS} words; got ${words.length}.`);
  }
  for (const word of words) {
    if (!/^[\x21-\x7e]+$/.test(word)) {
      throw new AppError('INVALID_COMMAND', 'A console command word must be visible ASCII without spaces: the console splits arguments on spaces.');
    }
  }
  return Buffer.from(`${words.join(' ')}\n`, 'latin1');
}

/** Every message the module answers with, word for word (the spec's tables). */
export const cliMessages = {
  writeOk: 'Authorization write succeeds.',
  resetHint: 'Please reset the system to ensure the new credentials are used.',
  writeFailed: 'Authorization write failure.',
  otpWriteOk: 'Authorization write to OTP Succeeds.',
  otpWriteFailed: 'Authorization write to OTP failure.',
  readFailed: 'Authorization read failure.',
  resetOk: 'Authorization reset succeeds.',
  resetFailed: 'Authorization reset failure.',
  usage: 'Use like: auth uuidxxxxxxxxxxxxxxxx keyxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  lengthCurrent: 'uuid length must be 20/16, authkey length must be 32',
  lengthLegacy: 'uuid len not equal 20 or authkey len not equal 32.',
  badStorage: 'storage must be 0 or 1',
  badMac: 'mac length must be 12',
  unknownCommand: 'No command or file name',
  macFailed: 'Failed to get MAC address.',
} as const;

/** What an `auth-read` answer says. */
export type AuthReadAnswer =
  | { kind: 'license'; uuid: string; authkey: string }
  | { kind: 'empty' }
  | { kind: 'unsupported' }
  | { kind: 'unexpected'; lines: readonly string[] };

/** Reads the answer lines of `auth-read` (echo, blank lines and log lines already removed). */
export function parseAuthRead(lines: readonly string[]): AuthReadAnswer {
  if (lines.length === 1 && lines[0] === cliMessages.readFailed) return { kind: 'empty' };
  if (lines.length === 1 && lines[0] === cliMessages.unknownCommand) return { kind: 'unsupported' };
  if (lines.length === 2 && lines.every((l) => /^[\x21-\x7e]+$/.test(l))) return { kind: 'license', uuid: lines[0]!, authkey: lines[1]! };
  return { kind: 'unexpected', lines };
}

/**
 * Reads the answer of `read_mac` (current firmware only): the module's Wi-Fi
 * MAC as 12 upper-case hex digits without separators (firmware answers in
 * either case, `mac: 10:5a:17:...`); null when the firmware has no `read_mac`,
 * cannot read its MAC, or answers something else.
 */
export function parseReadMac(lines: readonly string[]): string | null {
  if (lines.length !== 1) return null;
  const m = /^mac:\s*((?:[0-9A-Fa-f]{2}[:-]?){5}[0-9A-Fa-f]{2})\s*$/.exec(lines[0]!);
  return m ? m[1]!.replace(/[:-]/g, '').toUpperCase() : null;
}

/** What an `auth` answer says. `refusedBeforeWrite` = the module checked its arguments and wrote nothing. */
export type AuthWriteAnswer =
  | { kind: 'written' }
  | { kind: 'failed' }
  | { kind: 'refused-arguments'; message: string; firmware: 'current' | 'legacy' | 'unknown' }
  | { kind: 'unsupported' }
  | { kind: 'unexpected'; lines: readonly string[] };

const argumentErrors = new Set<string>([cliMessages.usage, cliMessages.lengthCurrent, cliMessages.lengthLegacy, cliMessages.badStorage, cliMessages.badMac]);

/** Reads the answer lines of `auth` (echo, blank lines and log lines already removed). */
export function parseAuthWrite(lines: readonly string[], storage: 0 | 1 | undefined): AuthWriteAnswer {
  const [first, ...rest] = lines;
  if (first === undefined) return { kind: 'unexpected', lines };
  if (lines.length === 1 && first === cliMessages.unknownCommand) return { kind: 'unsupported' };
  if (lines.length === 1 && argumentErrors.has(first)) {
    const firmware = first === cliMessages.lengthLegacy ? 'legacy' : first === cliMessages.lengthCurrent || first === cliMessages.badStorage || first === cliMessages.badMac ? 'current' : 'unknown';
    return { kind: 'refused-arguments', message: first, firmware };
  }
  const okLine = storage === 1 ? cliMessages.otpWriteOk : cliMessages.writeOk;
  const failLine = storage === 1 ? cliMessages.otpWriteFailed : cliMessages.writeFailed;
  // Current firmware adds a second line asking for a reset; older firmware prints only the first.
  if (first === okLine && (rest.length === 0 || (rest.length === 1 && rest[0] === cliMessages.resetHint))) return { kind: 'written' };
  if (lines.length === 1 && first === failLine) return { kind: 'failed' };
  return { kind: 'unexpected', lines };
}
