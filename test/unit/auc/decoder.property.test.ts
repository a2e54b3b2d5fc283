import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AucDecoder, encodeFrame, type AucFrame } from '../../../native/protocols/tuya-auc/codec';

// Noise never holds a header start byte, so any frame found must be one we sent.
const noise = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b.filter((x) => x !== 0x66 && x !== 0x55)));
// Data like the real payloads: JSON text (never 0xAA) or flag bytes.
const data = fc.oneof(
  fc.string({ maxLength: 248 }).map((s) => Buffer.from(s.replace(/[^\x20-\x7e]/g, '.').slice(0, 248), 'latin1')),
  fc.uint8Array({ maxLength: 4 }).map((b) => Buffer.from(b.filter((x) => x !== 0x66 && x !== 0x55 && x !== 0xaa))),
);
const frame = fc.record({ command: fc.integer({ min: 0, max: 0x14 }), version: fc.constantFrom(0, 1), data });

/** Cuts a buffer at the given points (any order, duplicates allowed). */
function split(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(buf.subarray(at, p));
    at = p;
  }
  out.push(buf.subarray(at));
  return out;
}

describe('tuya-auc decoder properties', () => {
  it('finds exactly the frames sent, whatever noise surrounds them and wherever the stream is cut', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(noise, frame), { maxLength: 6 }), noise, fc.array(fc.nat(), { maxLength: 30 }), (parts, tail, cuts) => {
        const stream = Buffer.concat([...parts.flatMap(([n, f]) => [n, encodeFrame(f.command, f.data, f.version)]), tail]);
        const decoder = new AucDecoder();
        const found: AucFrame[] = [];
        let noiseCount = 0;
        for (const chunk of split(stream, cuts)) {
          for (const e of decoder.push(chunk)) {
            if (e.kind === 'frame') found.push(e.frame);
            else if (e.kind === 'noise') noiseCount += e.count;
            else throw new Error(`unexpected ${e.kind}`);
          }
        }
        expect(found).toEqual(parts.map(([, f]) => ({ version: f.version, command: f.command, data: f.data })));
        expect(noiseCount).toBe(parts.reduce((n, [b]) => n + b.length, 0) + tail.length);
      }),
      { numRuns: 400 },
    );
  });

  it('reports every frame with a damaged checksum and still finds the good ones after it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(frame, fc.boolean()), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (items, cuts) => {
          const stream = Buffer.concat(
            items.map(([f, damaged]) => {
              const bytes = encodeFrame(f.command, f.data, f.version);
              if (damaged) bytes[bytes.length - 1] = (bytes[bytes.length - 1]! + 1) & 0xff;
              return bytes;
            }),
          );
          const decoder = new AucDecoder();
          const seen: string[] = [];
          for (const chunk of split(stream, cuts)) {
            for (const e of decoder.push(chunk)) {
              if (e.kind === 'frame') seen.push(`ok:${e.frame.command}`);
              else if (e.kind === 'bad-checksum') seen.push(`bad:${e.command}`);
            }
          }
          expect(seen).toEqual(items.map(([f, damaged]) => `${damaged ? 'bad' : 'ok'}:${f.command}`));
        },
      ),
      { numRuns: 300 },
    );
  });
});
