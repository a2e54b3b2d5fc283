import { describe, expect, it } from 'vitest';
import {
  AUC_MODULE_VERSIONS,
  AucCommand,
  AucDecoder,
  checkAuthInfo,
  encodeAuthInfo,
  encodeFrame,
  encodeHostFrame,
  encodeQueryInfo,
  parseEnterFlags,
  parseQueryInfo,
  parseRetAnswer,
  reverseMacBytes,
  type AucDecodeEvent,
} from '../../../native/protocols/tuya-auc/codec';
import { rejectionOf } from '../../../native/protocols/types';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const license = { authkey: '0123456789abcdefABCDEF0123456789', uuid: 'tuya1234abcd5678', mac: 'DC2345678901' };
const frames = (events: AucDecodeEvent[]) => events.flatMap((e) => (e.kind === 'frame' ? [e.frame] : []));

describe('tuya-auc frame encoding', () => {
  it('encodes empty host commands byte for byte', () => {
    expect(hex(encodeFrame(AucCommand.ENTER))).toBe('66aa0000000010');
    expect(hex(encodeFrame(AucCommand.ENTER, undefined, 0x01))).toBe('66aa0100000011');
    expect(hex(encodeFrame(AucCommand.QUERY_INFO))).toBe('66aa0004000014');
    expect(hex(encodeFrame(AucCommand.READ_MAC))).toBe('66aa0013000023');
    expect(hex(encodeFrame(AucCommand.EXIT))).toBe('66aa0014000024');
  });

  it('encodes the module ENTER answers of both firmware variants', () => {
    expect(hex(encodeFrame(AucCommand.ENTER, Buffer.from([0x01])))).toBe('66aa000000010112');
    expect(hex(encodeFrame(AucCommand.ENTER, Buffer.from([0x03])))).toBe('66aa000000010314');
  });

  it('refuses versions other than 0x00 and 0x01', () => {
    expect(() => encodeFrame(AucCommand.ENTER, undefined, 0x02)).toThrow(expect.objectContaining({ code: 'FRAME_INVALID' }));
  });

  it('refuses host data over 249 bytes, which the module would drop silently', () => {
    expect(encodeHostFrame(AucCommand.WRITE_OEM_INFO, Buffer.alloc(249, 0x20))).toHaveLength(256);
    expect(() => encodeHostFrame(AucCommand.WRITE_OEM_INFO, Buffer.alloc(250, 0x20))).toThrow(
      expect.objectContaining({ code: 'FRAME_TOO_LONG' }),
    );
  });
});

describe('WRITE_AUTH_INFO layout', () => {
  it('is exactly the fixed-offset text without pid (110 bytes, a 117-byte frame)', () => {
    const data = encodeAuthInfo(license);
    expect(data.toString('latin1')).toBe(
      '{"auzkey":"0123456789abcdefABCDEF0123456789","uuid":"tuya1234abcd5678","mac":"DC2345678901","prod_test":false}',
    );
    expect(data).toHaveLength(110);
    expect(data.toString('latin1', 2, 8)).toBe('auzkey');
    expect(data.toString('latin1', 11, 43)).toBe(license.authkey);
    expect(data.toString('latin1', 46, 50)).toBe('uuid');
    expect(data.toString('latin1', 53, 69)).toBe(license.uuid);
    expect(data.toString('latin1', 72, 75)).toBe('mac');
    expect(data.toString('latin1', 78, 90)).toBe(license.mac);
    const frame = encodeHostFrame(AucCommand.WRITE_AUTH_INFO, data);
    expect(frame).toHaveLength(117);
    expect(hex(frame.subarray(0, 6))).toBe('66aa0003006e');
    expect(hex(frame.subarray(-3))).toBe('657daa');
  });

  it('puts the pid before the closing brace when the module asks for one', () => {
    const data = encodeAuthInfo({ ...license, pid: 'keyabcd1234' });
    expect(data.toString('latin1')).toBe(
      '{"auzkey":"0123456789abcdefABCDEF0123456789","uuid":"tuya1234abcd5678","mac":"DC2345678901","prod_test":false,"pid":"keyabcd1234"}',
    );
    const frame = encodeHostFrame(AucCommand.WRITE_AUTH_INFO, data);
    expect(hex(frame.subarray(0, 6))).toBe('66aa00030082');
    expect(hex(frame.subarray(-3))).toBe('227d86');
  });

  it.each([
    ['a 20-character uuid', { ...license, uuid: 'tuya1234abcd5678efgh' }, false, /uuid must be exactly 16/, 'uuid'],
    ['a short authkey', { ...license, authkey: 'x'.repeat(31) }, false, /authkey must be exactly 32/, 'authkey'],
    ['no MAC', { ...license, mac: undefined }, false, /no MAC/, 'mac-missing'],
    ['a MAC that is not hex', { ...license, mac: 'DC23456789XY' }, false, /12 hexadecimal/, 'mac'],
    ['a quote inside the uuid (it would move the offsets)', { ...license, uuid: 'tuya1234abcd567"' }, false, /uuid/, 'uuid'],
    ['no pid when the module wants one', license, true, /asks for the product PID/, 'pid-missing'],
    ['a pid longer than 16 when the module wants one', { ...license, pid: 'p'.repeat(17) }, true, /PID must be 1 to 16/, 'pid'],
  ])('refuses %s as INVALID_LICENSE, with its typed cause', (_name, info, pidRequired, message, rejection) => {
    const error = checkAuthInfo(info, { pidRequired });
    expect(error).toMatchObject({ code: 'INVALID_LICENSE', details: { rejection, uuidLength: info.uuid.length } });
    expect(rejectionOf(error!.toJSON())).toBe(rejection);
    expect(error?.message).toMatch(message);
    expect(error?.message).toMatch(/Nothing was sent/);
  });

  it('accepts a license that fits, and ignores the pid when none is needed', () => {
    expect(checkAuthInfo(license, { pidRequired: false })).toBeNull();
    expect(checkAuthInfo({ ...license, pid: 'p'.repeat(40) }, { pidRequired: false })).toBeNull();
    expect(checkAuthInfo({ ...license, pid: 'p'.repeat(16) }, { pidRequired: true })).toBeNull();
  });
});

describe('module answers', () => {
  it('reads ENTER flags', () => {
    expect(parseEnterFlags(Buffer.from([0x01]))).toMatchObject({ fingerprint: true, wantsPid: false });
    expect(parseEnterFlags(Buffer.from([0x03]))).toMatchObject({ fingerprint: true, wantsPid: true });
    expect(parseEnterFlags(Buffer.from([0x21]))).toMatchObject({ takesCertificate: true });
    expect(parseEnterFlags(Buffer.alloc(0))).toBeNull();
  });

  it('builds QUERY_INFO of a fresh module with NUL-filled fields, in the fixed key order', () => {
    const data = encodeQueryInfo({ authkey: null, hid: null, uuid: null, mac: null, firmName: 'fw', firmVer: '1.0' });
    const nul = (n: number) => '\0'.repeat(n);
    expect(data.toString('latin1')).toBe(
      `{"ret":true,"auzKey":"${nul(32)}","hid":"${nul(19)}","uuid":"${nul(16)}","mac":"${nul(12)}","firmName":"fw","firmVer":"1.0","prod_test":false}`,
    );
    const info = parseQueryInfo(data);
    expect(info).toMatchObject({
      ret: true,
      authkey: null,
      hid: null,
      uuid: null,
      mac: null,
      firmName: 'fw',
      firmVer: '1.0',
      prodTest: false,
    });
    expect(info?.raw.uuid).toEqual(Buffer.alloc(16));
  });

  it('parses QUERY_INFO of a burned module, keeping the raw bytes for the byte-for-byte check', () => {
    const data = encodeQueryInfo({ ...license, hid: null, firmName: 'tuya_ble_sdk_app', firmVer: '2.1' });
    const info = parseQueryInfo(data);
    expect(info).toMatchObject({ authkey: license.authkey, uuid: license.uuid, mac: license.mac, hid: null });
    expect(info?.raw.mac.toString('latin1')).toBe('DC2345678901');
  });

  it('does not take a garbled QUERY_INFO for an answer', () => {
    expect(parseQueryInfo(Buffer.from('{"ret":true,"auzKey":"abc'))).toBeNull();
    expect(parseQueryInfo(Buffer.from('hello'))).toBeNull();
  });

  it('reads ret answers with their string fields', () => {
    expect(parseRetAnswer(Buffer.from('{"ret":false}'))).toEqual({ ret: false, fields: {} });
    expect(parseRetAnswer(Buffer.from('{"ret":true,"mac":"0189674523DC"}'))?.fields.mac).toBe('0189674523DC');
  });

  it("reverses a MAC's byte order as READ_MAC reports it", () => {
    expect(reverseMacBytes('DC2345678901')).toBe('0189674523DC');
    expect(reverseMacBytes(reverseMacBytes('A1B2C3D4E5F6'))).toBe('A1B2C3D4E5F6');
  });
});

describe('streaming decoder', () => {
  const answer = encodeFrame(AucCommand.ENTER, Buffer.from([0x01]));

  it('finds a frame fed one byte at a time', () => {
    const d = new AucDecoder();
    const events = [...answer].flatMap((b) => d.push(Buffer.from([b])));
    expect(frames(events)).toEqual([{ version: 0, command: 0, data: Buffer.from([0x01]) }]);
    expect(d.pending).toBe(0);
  });

  it('skips noise before a frame and counts it', () => {
    const events = new AucDecoder().push(Buffer.concat([Buffer.from('garbage\r\n'), answer]));
    expect(events[0]).toEqual({ kind: 'noise', count: 9 });
    expect(frames(events)).toHaveLength(1);
  });

  it('reports a bad checksum and resynchronises on the next header', () => {
    const bad = Buffer.from(answer);
    bad[bad.length - 1]! ^= 0xff;
    const good = encodeFrame(AucCommand.QUERY_INFO, Buffer.from('{"ret":true}'));
    const events = new AucDecoder().push(Buffer.concat([bad, good]));
    expect(events).toContainEqual({ kind: 'bad-checksum', command: 0, length: 1, expected: 0x12, actual: 0x12 ^ 0xff });
    expect(frames(events).map((f) => f.command)).toEqual([AucCommand.QUERY_INFO]);
  });

  it('drops frames with an unknown version byte', () => {
    const v2 = Buffer.from(answer);
    v2[2] = 0x02;
    expect(frames(new AucDecoder().push(v2))).toEqual([]);
    // The module answers with 0x00 only; a host decoder set to that ignores 0x01.
    expect(frames(new AucDecoder({ versions: AUC_MODULE_VERSIONS }).push(encodeFrame(0, Buffer.from([1]), 1)))).toEqual([]);
  });

  it('reports data over the limit and hunts on', () => {
    const d = new AucDecoder({ maxData: 249 });
    const events = d.push(Buffer.concat([encodeFrame(AucCommand.WRITE_OEM_INFO, Buffer.alloc(250, 0x20)), answer]));
    expect(events).toContainEqual({ kind: 'oversize', command: AucCommand.WRITE_OEM_INFO, length: 250 });
    expect(frames(events)).toHaveLength(1);
  });

  it('restarts on a header inside a frame cut short', () => {
    const cut = encodeFrame(AucCommand.QUERY_INFO, Buffer.from('{"ret":true,"auzKey":"')).subarray(0, 15);
    const events = new AucDecoder().push(Buffer.concat([cut, answer]));
    expect(events).toContainEqual({ kind: 'truncated', command: AucCommand.QUERY_INFO, received: 15 });
    expect(frames(events)).toEqual([{ version: 0, command: 0, data: Buffer.from([0x01]) }]);
  });

  it('keeps a split header across chunks', () => {
    const d = new AucDecoder();
    expect(d.push(Buffer.from([0x41, 0x66]))).toEqual([{ kind: 'noise', count: 1 }]);
    expect(frames(d.push(answer.subarray(1)))).toHaveLength(1);
  });
});
