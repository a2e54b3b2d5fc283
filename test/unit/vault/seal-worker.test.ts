import { describe, expect, it } from 'vitest';
import { DataKey } from '../../../main/vault/crypto';
import { CHUNK, FAILED, IN, OUT, READY, SEALED, copyRows, startSealWorker } from '../../../main/vault/seal-pipeline';
import { fakeLicenses } from '../import/license-fixtures';

// The import's seal worker on its own (no inserting thread to take chunks from it): it loads the vault's sealer
// module under the test runner's TypeScript, and what it seals opens with DataKey, bound to each uuid.
describe('seal worker', () => {
  it('seals every row of a list (16- and 20-character uuids, a partial last chunk) so that DataKey opens each with its uuid', async () => {
    const rows = [...fakeLicenses(2 * CHUNK, { prefix: 'aa', uuidLength: 16 }), ...fakeLicenses(CHUNK / 2, { prefix: 'bb' })];
    const { key, raw } = DataKey.generate();
    const input = new SharedArrayBuffer(IN * rows.length);
    const output = new SharedArrayBuffer(OUT * rows.length);
    const chunks = Math.ceil(rows.length / CHUNK);
    const progress = new SharedArrayBuffer(4 * (SEALED + chunks));
    const state = new Int32Array(progress);
    copyRows(rows, Buffer.from(input));
    const worker = startSealWorker({ key: new Uint8Array(raw), input, output, progress, count: rows.length });
    const exited = new Promise<number>((resolve, reject) => {
      worker.once('exit', resolve);
      worker.once('error', reject);
    });
    Atomics.store(state, READY, 1);
    Atomics.notify(state, READY);
    expect(await exited).toBe(0);
    expect(Atomics.load(state, FAILED)).toBe(0);
    expect(Array.from({ length: chunks }, (_, c) => Atomics.load(state, SEALED + c))).toEqual(Array(chunks).fill(1));
    const sealed = Buffer.from(output);
    const opened = rows.map((row, i) => key.openAuthkey(row.uuid, sealed.subarray(i * OUT, (i + 1) * OUT)));
    expect(opened).toEqual(rows.map((row) => row.authkey));
    expect(() => key.openAuthkey(rows[1]!.uuid, sealed.subarray(0, OUT))).toThrow(expect.objectContaining({ code: 'VAULT_TAMPERED' }));
  });
});
