import { Worker } from 'node:worker_threads';
import { AppError } from '../../common/errors';

/**
 * Seals a big import on a worker thread while the main thread inserts rows in
 * its (synchronous) write transaction: row i's sealed authkey is waited for
 * with Atomics.wait, so the transaction never yields to the event loop and no
 * other ledger write can slip into it. Same layout as DataKey (nonce | tag |
 * ciphertext, AAD "license:<uuid>"); a test opens worker-sealed values with DataKey.
 */
const IN = 64; // [uuid length][uuid, 20 bytes max][authkey, 32 bytes]
const OUT = 60; // nonce 12 | tag 16 | ciphertext 32

const workerSource = `
const { workerData } = require('node:worker_threads');
const { createCipheriv, createSecretKey, randomFillSync } = require('node:crypto');
const { key, input, output, progress, count } = workerData;
const done = new Int32Array(progress);
try {
  const keyObject = createSecretKey(Buffer.from(key));
  key.fill(0);
  const inBuf = Buffer.from(input);
  const outBuf = Buffer.from(output);
  const nonces = Buffer.alloc(12 * 4096);
  for (let i = 0; i < count; i++) {
    if (i % 4096 === 0) randomFillSync(nonces);
    const at = i * ${IN};
    const uuid = inBuf.toString('latin1', at + 1, at + 1 + inBuf[at]);
    const nonce = nonces.subarray((i % 4096) * 12, (i % 4096) * 12 + 12);
    const cipher = createCipheriv('aes-256-gcm', keyObject, nonce);
    cipher.setAAD(Buffer.from('license:' + uuid, 'utf8'));
    const body = cipher.update(inBuf.subarray(at + 21, at + 53));
    cipher.final();
    const o = i * ${OUT};
    nonce.copy(outBuf, o);
    cipher.getAuthTag().copy(outBuf, o + 12);
    body.copy(outBuf, o + 28);
    if ((i & 255) === 255 || i === count - 1) { Atomics.store(done, 0, i + 1); Atomics.notify(done, 0); }
  }
} catch (e) {
  Atomics.store(done, 1, 1);
  Atomics.notify(done, 0);
}
`;

/** Time without progress after which the import gives up (the worker died or never started). */
const STALL_MS = 15_000;

export class SealPipeline {
  readonly #worker: Worker;
  readonly #input: Buffer;
  readonly #output: Buffer;
  readonly #done: Int32Array;
  readonly #count: number;

  private constructor(rawKey: Buffer, rows: readonly { uuid: string; authkey: string }[]) {
    this.#count = rows.length;
    const input = new SharedArrayBuffer(IN * rows.length);
    const output = new SharedArrayBuffer(OUT * rows.length);
    const progress = new SharedArrayBuffer(8);
    this.#input = Buffer.from(input);
    this.#output = Buffer.from(output);
    this.#done = new Int32Array(progress);
    rows.forEach((row, i) => {
      const at = i * IN;
      this.#input[at] = this.#input.write(row.uuid, at + 1, 20, 'latin1');
      this.#input.write(row.authkey, at + 21, 32, 'latin1');
    });
    this.#worker = new Worker(workerSource, { eval: true, workerData: { key: new Uint8Array(rawKey), input, output, progress, count: rows.length } });
    // Errors surface through the shared flag; keep an unhandled 'error' event from crashing the process.
    this.#worker.on('error', () => Atomics.store(this.#done, 1, 1));
  }

  /** Starts sealing `rows` (uuid and authkey already validated) with the vault's raw data key. */
  static start(rawKey: Buffer, rows: readonly { uuid: string; authkey: string }[]): SealPipeline {
    return new SealPipeline(rawKey, rows);
  }

  /** The sealed authkey of row `i`, waiting (blocking) until the worker has sealed it. */
  sealed(i: number): Buffer {
    let last = Atomics.load(this.#done, 0);
    let waitedSince = Date.now();
    while (last <= i) {
      if (Atomics.load(this.#done, 1) !== 0) throw new AppError('IMPORT_FAILED', 'Sealing the licenses failed on the worker thread; nothing was imported. Try the import again.');
      Atomics.wait(this.#done, 0, last, 200);
      const now = Atomics.load(this.#done, 0);
      if (now !== last) waitedSince = Date.now();
      else if (Date.now() - waitedSince > STALL_MS) throw new AppError('IMPORT_FAILED', 'Sealing the licenses stalled; nothing was imported. Try the import again.');
      last = now;
    }
    return this.#output.subarray(i * OUT, i * OUT + OUT);
  }

  get count(): number {
    return this.#count;
  }

  /** Wipes the plain authkeys from shared memory and stops the worker. */
  close(): void {
    this.#input.fill(0);
    void this.#worker.terminate();
  }
}
