import { AppError } from '../../../common/errors';

/**
 * The tuyaopen-cli console codec (shared/protocols/tuyaopen-cli.md): pure, no
 * timers, no I/O. `ConsoleDecoder` turns the module's console output, split at
 * any byte, into lines, log lines and prompts; `encodeCommand` builds what the
 * station types.
 */

export const PROMPT = 'tuya>';

export type ConsoleEvent =
  /** A line of output (CR LF stripped, backspaces applied, colour codes and log fragments removed). */
  | { type: 'line'; text: string }
  /**
   * A log line, printed by the firmware at any time: a line that starts with
   * `[`, or a log that landed inside another line (that line goes on after it).
   */
  | { type: 'log'; text: string }
  /** `tuya>` at the start of a line (the optional space after it is consumed). */
  | { type: 'prompt' };

/** Whether the last prompt was followed by a space (current firmware) or not (older firmware). */
export type PromptStyle = 'spaced' | 'bare';

/** A line longer than this without a newline is noise: it is cut so memory stays bounded. */
export const MAX_LINE = 1024;

/** The head of a firmware log line, `[MM-DD hh:mm:ss ty L]`, wherever it landed. */
const LOG_HEAD = /\[\d\d-\d\d \d\d:\d\d:\d\d ty [A-Za-z0-9]\]/;

/**
 * Console output as events. Colour codes (`ESC [ ... letter`) are dropped
 * wherever they are. Another firmware task can print a whole log line (ending
 * in CR LF) at any byte of the console's own output, inside the echo or an
 * answer line: the log comes out as a `log` event and the line it
 * interrupted goes on as if the log had not been there (a prompt split by a
 * log is still a prompt).
 */
export class ConsoleDecoder {
  private line = '';
  private afterPrompt = false;
  /** A line started with `[` right after a prompt: if it is a log, the byte after it decides the prompt style. */
  private logAfterPrompt = false;
  /** 0 outside an escape sequence, 1 after ESC, 2 inside `ESC [`. */
  private escape = 0;
  private style: PromptStyle | null = null;
  private noise = false;

  /** Known once the byte after a prompt has arrived; null before. */
  get promptStyle(): PromptStyle | null {
    return this.style;
  }

  /** True once any byte outside printable ASCII (and CR, LF, BS, colour codes) arrived: a wrong baud rate or a bad cable. */
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
    this.logAfterPrompt = false;
    this.escape = 0;
    this.style = null;
    this.noise = false;
  }

  push(chunk: Uint8Array): ConsoleEvent[] {
    const events: ConsoleEvent[] = [];
    for (const byte of chunk) {
      if (this.escape === 2) {
        // Parameters and intermediates until the final letter.
        if (byte >= 0x40 && byte <= 0x7e) this.escape = 0;
        continue;
      }
      if (this.escape === 1) {
        this.escape = 0;
        if (byte === 0x5b) {
          this.escape = 2;
          continue;
        }
      }
      if (byte === 0x1b) {
        this.escape = 1;
        continue;
      }
      if (this.afterPrompt) {
        this.afterPrompt = false;
        if (byte === 0x5b && this.line === '') {
          // Perhaps a log right after the prompt: the byte after the log tells the style.
          this.logAfterPrompt = true;
        } else {
          this.style = byte === 0x20 ? 'spaced' : 'bare';
          if (byte === 0x20) continue;
        }
      }
      if (byte === 0x0a) {
        this.endLine(events);
      } else if (byte === 0x0d) {
        // Lines end in CR LF: the LF ends them.
      } else if (byte === 0x08 || byte === 0x7f) {
        // The echo of a backspace is `\b \b`: each \b takes back one character.
        this.line = this.line.slice(0, -1);
      } else {
        this.line += String.fromCharCode(byte);
        if (byte >= 0x80 || (byte < 0x20 && byte !== 0x09)) this.noise = true;
        if (this.line === PROMPT) {
          events.push({ type: 'prompt' });
          this.line = '';
          this.afterPrompt = true;
          this.logAfterPrompt = false;
        } else if (this.line.length >= MAX_LINE) {
          events.push({ type: 'line', text: this.line });
          this.line = '';
        }
      }
    }
    return events;
  }

  private endLine(events: ConsoleEvent[]): void {
    const text = this.line;
    this.line = '';
    const at = text.startsWith('[') ? 0 : text.search(LOG_HEAD);
    if (at < 0) {
      if (this.logAfterPrompt) this.style = 'bare';
      this.logAfterPrompt = false;
      events.push({ type: 'line', text });
      return;
    }
    events.push({ type: 'log', text: text.slice(at) });
    // The interrupted line goes on after the log.
    this.line = text.slice(0, at);
    if (this.logAfterPrompt && at === 0) this.afterPrompt = true;
    this.logAfterPrompt = false;
  }
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
      throw new AppError(
        'INVALID_COMMAND',
        'A console command word must be visible ASCII without spaces: the console splits arguments on spaces.',
      );
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
  /** A generation that needs the Wi-Fi MAC even for the key-value store, when it cannot read it (sic). Nothing stored. */
  macWriteFailed: 'Authorization write flailure: tal_wifi_get_mac failed',
  /** Storage 1 asked on a chip other than T5. Nothing stored. */
  otpUnsupported: 'OTP storage is only supported on T5 platform.',
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

/** What a `read_mac` answer says. */
export type ReadMacAnswer = { kind: 'mac'; mac: string } | { kind: 'none' } | { kind: 'unexpected' };

/**
 * Reads the answer of `read_mac` (current firmware only): the module's Wi-Fi
 * MAC as 12 upper-case hex digits without separators (firmware answers in
 * either case, `mac: 10:5a:17:...`); `none` when the firmware has no
 * `read_mac` or cannot read its MAC.
 */
export function parseReadMac(lines: readonly string[]): ReadMacAnswer {
  if (lines.length === 1 && (lines[0] === cliMessages.macFailed || lines[0] === cliMessages.unknownCommand)) return { kind: 'none' };
  const m = lines.length === 1 ? /^mac:\s*((?:[0-9A-Fa-f]{2}[:-]?){5}[0-9A-Fa-f]{2})\s*$/.exec(lines[0]!) : null;
  return m ? { kind: 'mac', mac: m[1]!.replace(/[:-]/g, '').toUpperCase() } : { kind: 'unexpected' };
}

/** What an `auth` answer says. `refusedBeforeWrite` = the module checked its arguments and wrote nothing. */
export type AuthWriteAnswer =
  | { kind: 'written' }
  | { kind: 'failed' }
  | { kind: 'refused-arguments'; message: string; firmware: 'current' | 'legacy' | 'unknown' }
  | { kind: 'unsupported' }
  /** Firmware refusals that stored nothing: it cannot read its Wi-Fi MAC, or it has no OTP (not a T5). */
  | { kind: 'mac-unreadable' }
  | { kind: 'otp-unsupported' }
  | { kind: 'unexpected'; lines: readonly string[] };

const argumentErrors = new Set<string>([
  cliMessages.usage,
  cliMessages.lengthCurrent,
  cliMessages.lengthLegacy,
  cliMessages.badStorage,
  cliMessages.badMac,
]);

/** Reads the answer lines of `auth` (echo, blank lines and log lines already removed). */
export function parseAuthWrite(lines: readonly string[], storage: 0 | 1 | undefined): AuthWriteAnswer {
  const [first, ...rest] = lines;
  if (first === undefined) return { kind: 'unexpected', lines };
  if (lines.length === 1 && first === cliMessages.unknownCommand) return { kind: 'unsupported' };
  if (lines.length === 1 && first === cliMessages.macWriteFailed) return { kind: 'mac-unreadable' };
  if (lines.length === 1 && first === cliMessages.otpUnsupported) return { kind: 'otp-unsupported' };
  if (lines.length === 1 && argumentErrors.has(first)) {
    const firmware =
      first === cliMessages.lengthLegacy
        ? 'legacy'
        : first === cliMessages.lengthCurrent || first === cliMessages.badStorage || first === cliMessages.badMac
          ? 'current'
          : 'unknown';
    return { kind: 'refused-arguments', message: first, firmware };
  }
  const okLine = storage === 1 ? cliMessages.otpWriteOk : cliMessages.writeOk;
  const failLine = storage === 1 ? cliMessages.otpWriteFailed : cliMessages.writeFailed;
  // Current firmware adds a second line asking for a reset; older firmware prints only the first.
  if (first === okLine && (rest.length === 0 || (rest.length === 1 && rest[0] === cliMessages.resetHint))) return { kind: 'written' };
  if (lines.length === 1 && first === failLine) return { kind: 'failed' };
  return { kind: 'unexpected', lines };
}
