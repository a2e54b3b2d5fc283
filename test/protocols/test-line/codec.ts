/**
 * test-line's codec (README.md): pure, no timers, no I/O. One command per
 * line, one answer line each, printable ASCII, fields split by one space,
 * `-` for an empty field.
 */

export type LineCommand = { kind: 'ping' } | { kind: 'read' } | { kind: 'write'; uuid: string; authkey: string };

export type LineAnswer =
  | { kind: 'pong' }
  | { kind: 'id'; uuid: string | null; authkey: string | null; mac: string | null }
  | { kind: 'ok' }
  | { kind: 'err'; reason: string };

/** The reason of `ERR` when the module's flash takes no write (test-line's own outcome FLASH_LOCKED). */
export const FLASH_LOCKED = 'flash locked';

/** A field: visible ASCII without spaces (`-` is empty). */
const FIELD = /^[\x21-\x7e]+$/;

/** A line longer than this without a line feed is noise: it is dropped so memory stays bounded. */
export const MAX_LINE = 256;

const field = (value: string | null): string => value ?? '-';
const unfield = (value: string): string | null => (value === '-' ? null : value);

/** A command as it goes on the wire: led by a line feed, so whatever noise came before is a line of its own. */
export function encodeCommand(command: LineCommand): Buffer {
  const text = command.kind === 'write' ? `WRITE ${command.uuid} ${command.authkey}` : command.kind.toUpperCase();
  return Buffer.from(`\n${text}\n`, 'latin1');
}

/** The command a line holds, or null (not a test-line command: the module ignores it). */
export function parseCommand(line: string): LineCommand | null {
  const [word, ...rest] = line.split(' ');
  if (word === 'PING' && rest.length === 0) return { kind: 'ping' };
  if (word === 'READ' && rest.length === 0) return { kind: 'read' };
  if (word === 'WRITE' && rest.length === 2 && rest.every((f) => FIELD.test(f)))
    return { kind: 'write', uuid: rest[0]!, authkey: rest[1]! };
  return null;
}

export function encodeAnswer(answer: LineAnswer): Buffer {
  const text =
    answer.kind === 'id'
      ? `ID ${field(answer.uuid)} ${field(answer.authkey)} ${field(answer.mac)}`
      : answer.kind === 'err'
        ? `ERR ${answer.reason}`
        : answer.kind.toUpperCase();
  return Buffer.from(`${text}\n`, 'latin1');
}

/** The answer a line holds, or null (noise). */
export function parseAnswer(line: string): LineAnswer | null {
  const [word, ...rest] = line.split(' ');
  if (word === 'PONG' && rest.length === 0) return { kind: 'pong' };
  if (word === 'OK' && rest.length === 0) return { kind: 'ok' };
  if (word === 'ERR') return { kind: 'err', reason: rest.join(' ') };
  if (word === 'ID' && rest.length === 3 && rest.every((f) => FIELD.test(f)))
    return { kind: 'id', uuid: unfield(rest[0]!), authkey: unfield(rest[1]!), mac: unfield(rest[2]!) };
  return null;
}

/**
 * Bytes, split anywhere, as lines: a line feed ends a line (a CR before it is
 * dropped), any other byte outside printable ASCII ends it as noise (another
 * protocol's binary frame), and empty lines are skipped.
 */
export class LineDecoder {
  private line = '';
  private noisy = false;

  push(chunk: Uint8Array): string[] {
    const lines: string[] = [];
    for (const byte of chunk) {
      if (byte === 0x0a) {
        if (!this.noisy && this.line !== '') lines.push(this.line);
        this.reset();
      } else if (byte === 0x0d) {
        continue;
      } else if (byte < 0x20 || byte > 0x7e || this.line.length >= MAX_LINE) {
        this.noisy = true;
      } else {
        this.line += String.fromCharCode(byte);
      }
    }
    return lines;
  }

  reset(): void {
    this.line = '';
    this.noisy = false;
  }
}
