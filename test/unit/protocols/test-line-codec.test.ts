import { describe, expect, it } from 'vitest';
import { LineDecoder, encodeAnswer, encodeCommand, parseAnswer, parseCommand } from '../../protocols/test-line';

// The test-only protocol's codec (test/protocols/test-line/README.md), byte for byte.
describe('test-line codec', () => {
  it('writes commands led by a line feed and answers with - for an empty field', () => {
    expect(encodeCommand({ kind: 'ping' }).toString('latin1')).toBe('\nPING\n');
    expect(encodeCommand({ kind: 'write', uuid: 'u1', authkey: 'k1' }).toString('latin1')).toBe('\nWRITE u1 k1\n');
    expect(encodeAnswer({ kind: 'id', uuid: 'u1', authkey: null, mac: null }).toString('latin1')).toBe('ID u1 - -\n');
    expect(parseAnswer('ID u1 - -')).toEqual({ kind: 'id', uuid: 'u1', authkey: null, mac: null });
    expect(parseCommand('WRITE u1 k1')).toEqual({ kind: 'write', uuid: 'u1', authkey: 'k1' });
    expect(parseCommand('WRITE u1')).toBeNull();
    expect(parseAnswer('PONG extra')).toBeNull();
  });

  it('reads lines split at every byte, drops CRs, empty lines and a line with another protocol binary bytes', () => {
    const decoder = new LineDecoder();
    const bytes = Buffer.concat([Buffer.from([0x66, 0xaa, 0x00, 0x01]), Buffer.from('xx\n\r\nPONG\r\nOK\n', 'latin1')]);
    const lines = [...bytes].flatMap((b) => decoder.push(Buffer.from([b])));
    expect(lines).toEqual(['PONG', 'OK']);
  });
});
