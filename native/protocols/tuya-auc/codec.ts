import { AppError } from '../../../common/errors';
import type { LicenseRejection } from '../types';

/**
 * The tuya-auc frame codec (../shared/protocols/tuya-auc.md): pure functions
 * over Buffers, no timers, no I/O. Used by the driver (host side) and by the
 * virtual module (module side).
 */

export const AucCommand = {
  ENTER: 0x00,
  QUERY_HID: 0x01,
  GPIO_TEST: 0x02,
  WRITE_AUTH_INFO: 0x03,
  QUERY_INFO: 0x04,
  RESET: 0x05,
  QUERY_FINGERPRINT: 0x06,
  WRITE_HID: 0x07,
  RSSI_TEST: 0x08,
  WRITE_OEM_INFO: 0x09,
  READ_MAC: 0x13,
  EXIT: 0x14,
} as const;
export type AucCommandCode = (typeof AucCommand)[keyof typeof AucCommand];

export const commandName = (code: number): string =>
  Object.entries(AucCommand).find(([, v]) => v === code)?.[0] ?? `0x${code.toString(16).padStart(2, '0')}`;

export const AUC_HEAD = 0x66;
/** MCU-protocol frames start 0x55 0xAA: not ours, but their header still restarts the module's receiver. */
export const MCU_HEAD = 0x55;
export const AUC_SYNC = 0xaa;
export const AUC_OVERHEAD = 7;
/** Host data longer than this is dropped silently by the module. */
export const AUC_MAX_HOST_DATA = 249;
/** The module's answers carry at most this much data (one length byte in practice). */
export const AUC_MAX_MODULE_DATA = 248;
/** Versions a host may send; the module always answers with 0x00. */
export const AUC_HOST_VERSIONS: readonly number[] = [0x00, 0x01];
export const AUC_MODULE_VERSIONS: readonly number[] = [0x00];

export interface AucFrame {
  version: number;
  command: number;
  data: Buffer;
}

/** Sum of the bytes modulo 256. */
export function checksum(bytes: Uint8Array, end = bytes.length): number {
  let sum = 0;
  for (let i = 0; i < end; i++) sum = (sum + bytes[i]!) & 0xff;
  return sum;
}

/** One frame: 66 AA version command lenHi lenLo data checksum. */
export function encodeFrame(command: number, data: Uint8Array = Buffer.alloc(0), version = 0x00): Buffer {
  if (!Number.isInteger(command) || command < 0 || command > 0xff) throw new AppError('FRAME_INVALID', `Command ${command} is not a byte.`);
  if (version !== 0x00 && version !== 0x01)
    throw new AppError('FRAME_INVALID', `Version ${version} is not 0x00 or 0x01; the module would drop the frame.`);
  if (data.length > 0xffff) throw new AppError('FRAME_INVALID', `Frame data of ${data.length} bytes does not fit the 2-byte length.`);
  const out = Buffer.allocUnsafe(AUC_OVERHEAD + data.length);
  out[0] = AUC_HEAD;
  out[1] = AUC_SYNC;
  out[2] = version;
  out[3] = command;
  out.writeUInt16BE(data.length, 4);
  out.set(data, 6);
  out[6 + data.length] = checksum(out, 6 + data.length);
  return out;
}

/** A host frame, refused before anything is sent when the module would drop it for its length. */
export function encodeHostFrame(command: number, data: Uint8Array = Buffer.alloc(0), version = 0x00): Buffer {
  if (data.length > AUC_MAX_HOST_DATA) {
    throw new AppError(
      'FRAME_TOO_LONG',
      `${commandName(command)} data is ${data.length} bytes; the module silently drops more than ${AUC_MAX_HOST_DATA}.`,
      { length: data.length },
    );
  }
  return encodeFrame(command, data, version);
}

export type AucDecodeEvent =
  | { kind: 'frame'; frame: AucFrame }
  /** A whole frame arrived but its checksum is wrong: the module would drop it silently. */
  | { kind: 'bad-checksum'; command: number; length: number; expected: number; actual: number }
  /** A header announced more data than allowed; the decoder hunts for the next header. */
  | { kind: 'oversize'; command: number; length: number }
  /** A frame was cut short by a new header inside it (the receiver restarts on any header). */
  | { kind: 'truncated'; command: number; received: number }
  /** Bytes outside any frame were skipped. */
  | { kind: 'noise'; count: number };

export interface AucDecoderOptions {
  /** Version bytes that start a frame (default: 0x00 and 0x01). */
  versions?: readonly number[];
  /** Longest data accepted (default 0xffff: a host reads the 2-byte length whatever it says). */
  maxData?: number;
}

/**
 * A streaming decoder that behaves like the module's byte-wise receiver:
 * frames may arrive split at any point; noise is skipped; a bad checksum is
 * reported and the hunt resumes after it; any header pattern (66|55 AA 00|01)
 * restarts the frame, even inside data.
 */
export class AucDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private readonly versions: readonly number[];
  private readonly maxData: number;
  /** Where the restart scan of the current frame candidate got to (avoids rescanning on every chunk). */
  private scanned = 0;

  constructor(options: AucDecoderOptions = {}) {
    this.versions = options.versions ?? AUC_HOST_VERSIONS;
    this.maxData = options.maxData ?? 0xffff;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.buf.length;
  }

  reset(): void {
    this.buf = Buffer.alloc(0);
    this.scanned = 0;
  }

  push(chunk: Uint8Array): AucDecodeEvent[] {
    const events: AucDecodeEvent[] = [];
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    let buf = this.buf;
    let noise = 0;
    for (;;) {
      const start = this.findHeader(buf, 0, false);
      if (start < 0) {
        // No header, not even a cut one at the end: all of it is noise.
        noise += buf.length;
        buf = buf.subarray(buf.length);
        this.scanned = 0;
        break;
      }
      noise += start;
      if (start > 0) this.scanned = 0;
      buf = buf.subarray(start);
      if (buf[0] === MCU_HEAD) {
        // Not ours: the header is consumed and the hunt goes on.
        noise += 3;
        buf = buf.subarray(3);
        this.scanned = 0;
        continue;
      }
      const command = buf.length > 3 ? buf[3]! : -1;
      // A header inside the candidate restarts the frame.
      const end = buf.length >= 6 ? 6 + buf.readUInt16BE(4) : Infinity;
      const restartLimit = Math.min(buf.length, end); // pattern must complete before the checksum byte
      const restart = this.findHeader(buf, Math.max(1, this.scanned), true, restartLimit);
      if (restart > 0) {
        events.push({ kind: 'truncated', command, received: restart });
        buf = buf.subarray(restart);
        this.scanned = 0;
        continue;
      }
      this.scanned = Math.max(1, restartLimit - 2);
      if (buf.length < 6) break;
      const length = end - 6;
      if (length > this.maxData) {
        events.push({ kind: 'oversize', command, length });
        buf = buf.subarray(3);
        this.scanned = 0;
        continue;
      }
      if (buf.length < end + 1) break;
      const expected = checksum(buf, end);
      const actual = buf[end]!;
      if (expected !== actual) {
        events.push({ kind: 'bad-checksum', command, length, expected, actual });
      } else {
        events.push({ kind: 'frame', frame: { version: buf[2]!, command: buf[3]!, data: Buffer.from(buf.subarray(6, end)) } });
      }
      buf = buf.subarray(end + 1);
      this.scanned = 0;
    }
    if (noise > 0) events.unshift({ kind: 'noise', count: noise });
    this.buf = buf;
    return events;
  }

  /**
   * Index of the first header pattern (head AA version) at or after `from`
   * whose third byte lies before `limit`; -1 if none. A header cut at the end
   * of the buffer counts when hunting (not when looking for a restart).
   */
  private findHeader(buf: Buffer, from: number, restart: boolean, limit = buf.length): number {
    for (let i = from; i < buf.length; i++) {
      const b = buf[i]!;
      if (!isHead(b)) continue;
      if (i + 1 >= buf.length) return restart ? -1 : i;
      if (buf[i + 1] !== AUC_SYNC) continue;
      if (i + 2 >= buf.length) return restart ? -1 : i;
      if (restart && i + 2 >= limit) return -1;
      if (this.versions.includes(buf[i + 2]!)) return i;
    }
    return -1;
  }
}

const isHead = (b: number) => b === AUC_HEAD || b === MCU_HEAD;

// ---------------------------------------------------------------------------
// Payloads

export interface AucAuthInfo {
  authkey: string;
  uuid: string;
  mac: string;
  /** Sent only when the module asked for a PID (ENTER flag bit1). */
  pid?: string | undefined;
}

/** ENTER answer flags. */
export interface AucEnterFlags {
  raw: number;
  fingerprint: boolean;
  wantsPid: boolean;
  takesCertificate: boolean;
}

export const parseEnterFlags = (data: Buffer): AucEnterFlags | null => {
  if (data.length < 1) return null;
  const raw = data[0]!;
  return { raw, fingerprint: (raw & 0x01) !== 0, wantsPid: (raw & 0x02) !== 0, takesCertificate: (raw & 0x20) !== 0 };
};

/** The longest PID PID-storing firmware keeps (longer ones overflow its field). */
export const AUC_MAX_PID = 16;
const SAFE_TEXT = /^[\x21\x23-\x5b\x5d-\x7e]+$/; // printable ASCII without quote or backslash: the layout stays fixed

/**
 * Checks that a license fits this protocol's fixed byte layout. Returns the
 * INVALID_LICENSE error to show the operator, or null when it fits.
 */
export function checkAuthInfo(
  info: { uuid: string; authkey: string; mac?: string | undefined; pid?: string | undefined },
  options: { pidRequired: boolean },
): AppError | null {
  const bad = (rejection: LicenseRejection, why: string) =>
    new AppError(
      'INVALID_LICENSE',
      `This license cannot be burned over tuya-auc: ${why}. Nothing was sent; set this license aside and pick one made for this module.`,
      { rejection, uuidLength: info.uuid.length },
    );
  if (info.uuid.length !== 16 || !SAFE_TEXT.test(info.uuid))
    return bad('uuid', `the uuid must be exactly 16 plain characters (it has ${info.uuid.length})`);
  if (info.authkey.length !== 32 || !SAFE_TEXT.test(info.authkey))
    return bad('authkey', `the authkey must be exactly 32 plain characters (it has ${info.authkey.length})`);
  if (info.mac === undefined || info.mac === '')
    return bad('mac-missing', 'it carries no MAC address, and this protocol needs one from the license list');
  if (!/^[0-9A-Fa-f]{12}$/.test(info.mac)) return bad('mac', 'the MAC must be 12 hexadecimal digits');
  if (options.pidRequired) {
    if (info.pid === undefined || info.pid === '') return bad('pid-missing', 'this module asks for the product PID and none was given');
    if (info.pid.length > AUC_MAX_PID || !SAFE_TEXT.test(info.pid))
      return bad('pid', `the product PID must be 1 to ${AUC_MAX_PID} plain characters (it has ${info.pid.length})`);
  }
  return null;
}

/**
 * WRITE_AUTH_INFO data, byte for byte as the module's fixed offsets expect:
 * {"auzkey":"<32>","uuid":"<16>","mac":"<12>","prod_test":false} with
 * ,"pid":"<pid>" before the closing brace when a pid is given.
 */
export function encodeAuthInfo(info: AucAuthInfo): Buffer {
  const error = checkAuthInfo(info, { pidRequired: info.pid !== undefined });
  if (error) throw error;
  const pid = info.pid === undefined ? '' : `,"pid":"${info.pid}"`;
  return Buffer.from(`{"auzkey":"${info.authkey}","uuid":"${info.uuid}","mac":"${info.mac}","prod_test":false${pid}}`, 'latin1');
}

/** Offsets the module checks in WRITE_AUTH_INFO data. */
export const AuthInfoLayout = {
  minLength: 100,
  authkeyKey: 2,
  authkey: 11,
  uuidKey: 46,
  uuid: 53,
  macKey: 72,
  mac: 78,
} as const;

/** What QUERY_INFO answers. NUL-filled fields read as null. */
export interface AucInfo {
  ret: boolean;
  authkey: string | null;
  hid: string | null;
  uuid: string | null;
  mac: string | null;
  firmName: string;
  firmVer: string;
  prodTest: boolean;
  /** The raw bytes of each field, for byte-for-byte comparison. */
  raw: { authkey: Buffer; uuid: Buffer; mac: Buffer };
}

const INFO_FIELDS = ['auzKey', 'hid', 'uuid', 'mac', 'firmName', 'firmVer'] as const;

/**
 * Parses QUERY_INFO's fixed layout. The module does not write real JSON (empty
 * fields are NUL bytes), so this walks the keys in order instead of JSON.parse.
 */
export function parseQueryInfo(data: Buffer): AucInfo | null {
  const text = data.toString('latin1');
  const ret = /^\{"ret":(true|false)/.exec(text);
  if (!ret) return null;
  let at = ret[0].length;
  const raw: Record<string, Buffer> = {};
  for (const key of INFO_FIELDS) {
    const open = `"${key}":"`;
    const k = text.indexOf(open, at);
    if (k < 0) return null;
    const start = k + open.length;
    const end = text.indexOf('"', start);
    if (end < 0) return null;
    raw[key] = data.subarray(start, end);
    at = end + 1;
  }
  const prod = /"prod_test":(true|false)/.exec(text.slice(at));
  const value = (b: Buffer): string | null => (isEmptyField(b) ? null : b.toString('latin1'));
  return {
    ret: ret[1] === 'true',
    authkey: value(raw.auzKey!),
    hid: value(raw.hid!),
    uuid: value(raw.uuid!),
    mac: value(raw.mac!),
    firmName: raw.firmName!.toString('latin1'),
    firmVer: raw.firmVer!.toString('latin1'),
    prodTest: prod?.[1] === 'true',
    raw: { authkey: Buffer.from(raw.auzKey!), uuid: Buffer.from(raw.uuid!), mac: Buffer.from(raw.mac!) },
  };
}

/** Empty flash fields come back as NUL bytes (erased flash may read 0xFF). */
export const isEmptyField = (b: Uint8Array): boolean => b.length === 0 || b.every((x) => x === 0x00) || b.every((x) => x === 0xff);

/** Builds QUERY_INFO's answer (module side): fixed widths, NUL-filled when empty. */
export function encodeQueryInfo(info: {
  authkey: string | null;
  hid: string | null;
  uuid: string | null;
  mac: string | null;
  firmName: string;
  firmVer: string;
  prodTest?: boolean;
}): Buffer {
  const field = (v: string | null, width: number) => (v === null ? '\0'.repeat(width) : v.padEnd(width, '\0').slice(0, width));
  return Buffer.from(
    `{"ret":true,"auzKey":"${field(info.authkey, 32)}","hid":"${field(info.hid, 19)}","uuid":"${field(info.uuid, 16)}","mac":"${field(info.mac, 12)}","firmName":"${info.firmName}","firmVer":"${info.firmVer}","prod_test":${info.prodTest ? 'true' : 'false'}}`,
    'latin1',
  );
}

/** `{"ret":true,...}` answers: the ret flag and the other string fields (tolerant of NULs). */
export function parseRetAnswer(data: Buffer): { ret: boolean; fields: Record<string, string> } | null {
  const text = data.toString('latin1');
  const ret = /^\{"ret":(true|false)/.exec(text);
  if (!ret) return null;
  const fields: Record<string, string> = {};
  for (const m of text.matchAll(/"([A-Za-z_]+)":"([^"]*)"/g)) fields[m[1]!] = m[2]!.replace(/\0+$/, '');
  return { ret: ret[1] === 'true', fields };
}

export const RET_TRUE = Buffer.from('{"ret":true}');
export const RET_FALSE = Buffer.from('{"ret":false}');

/** READ_MAC reports the stored MAC with its byte order reversed. */
export const reverseMacBytes = (mac: string): string => (mac.match(/../g) ?? []).reverse().join('');
