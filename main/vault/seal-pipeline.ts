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

/** Rows per chunk; workers take chunks in turn (w, w + W, ...) and publish how many of theirs are done. */
const CHUNK = 256;

const workerSource = `
const { workerData } = require('node:worker_threads');
const { createCipheriv, createSecretKey, randomFillSync } = require('node:crypto');
const { key, input, output, progress, count, index, workers } = workerData;
const done = new Int32Array(progress);
try {
  const keyObject = createSecretKey(Buffer.from(key));
  key.fill(0);
  const inBuf = Buffer.from(input);
  const outBuf = Buffer.from(output);
  const nonces = Buffer.alloc(12 * ${CHUNK});
  // Associated data "license:<uuid>" built in one reused buffer: no string per row.
  const aad = Buffer.alloc(28);
  aad.write('license:', 0, 'latin1');
  let mine = 0;
  for (let c = index; c * ${CHUNK} < count; c += workers) {
    randomFillSync(nonces);
    const end = Math.min(count, (c + 1) * ${CHUNK});
    for (let i = c * ${CHUNK}, n = 0; i < end; i++, n += 12) {
      const at = i * ${IN};
      const nonce = nonces.subarray(n, n + 12);
      const cipher = createCipheriv('aes-256-gcm', keyObject, nonce);
      inBuf.copy(aad, 8, at + 1, at + 1 + inBuf[at]);
      cipher.setAAD(aad.subarray(0, 8 + inBuf[at]));
      const body = cipher.update(inBuf.subarray(at + 21, at + 53));
      cipher.final();
      const o = i * ${OUT};
      nonce.copy(outBuf, o);
      cipher.getAuthTag().copy(outBuf, o + 12);
      body.copy(outBuf, o + 28);
    }
    mine++;
    Atomics.store(done, index, mine);
    Atomics.notify(done, index);
  }
} catch (e) {
  Atomics.store(done, workers, 1);
  for (let w = 0; w < workers; w++) Atomics.notify(done, w);
}
`;

/** Time without progress after which the import gives up (the worker died or never started). */
const STALL_MS = 15_000;

export class SealPipeline {
  readonly #workers: Worker[] = [];
  readonly #input: Buffer;
  readonly #output: Buffer;
  /** [chunks done by worker 0 .. W-1, failure flag] */
  readonly #done: Int32Array;
  readonly #count: number;
  readonly #width: number;

  private constructor(rawKey: Buffer, rows: readonly { uuid: string; authkey: string }[], workers: number) {
    this.#count = rows.length;
    this.#width = workers;
    const input = new SharedArrayBuffer(IN * rows.length);
    const output = new SharedArrayBuffer(OUT * rows.length);
    const progress = new SharedArrayBuffer(4 * (workers + 1));
    this.#input = Buffer.from(input);
    this.#output = Buffer.from(output);
    this.#done = new Int32Array(progress);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as { uuid: string; authkey: string };
      const at = i * IN;
      this.#input[at] = this.#input.write(row.uuid, at + 1, 20, 'latin1');
      this.#input.write(row.authkey, at + 21, 32, 'latin1');
    }
    for (let index = 0; index < workers; index++) {
      const worker = new Worker(workerSource, { eval: true, workerData: { key: new Uint8Array(rawKey), input, output, progress, count: rows.length, index, workers } });
      // Errors surface through the shared flag; keep an unhandled 'error' event from crashing the process.
      worker.on('error', () => Atomics.store(this.#done, workers, 1));
      this.#workers.push(worker);
    }
  }

  /** Starts sealing `rows` (uuid and authkey already validated) with the vault's raw data key on `workers` threads. */
  static start(rawKey: Buffer, rows: readonly { uuid: string; authkey: string }[], workers = 1): SealPipeline {
    return new SealPipeline(rawKey, rows, Math.max(1, Math.floor(workers)));
  }

  /** The sealed authkey of row `i`, waiting (blocking) until a worker has sealed it. */
  sealed(i: number): Buffer {
    const chunk = Math.floor(i / CHUNK);
    const w = chunk % this.#width;
    const needed = Math.floor(chunk / this.#width) + 1;
    const last = Atomics.load(this.#done, w);
    if (last < needed) this.#wait(w, needed, last);
    return this.#output.subarray(i * OUT, i * OUT + OUT);
  }

  #wait(w: number, needed: number, last: number): void {
    let waitedSince = Date.now();
    while (last < needed) {
      if (Atomics.load(this.#done, this.#width) !== 0) throw new AppError('IMPORT_FAILED', 'Sealing the licenses failed on the worker thread; nothing was imported. Try the import again.');
      Atomics.wait(this.#done, w, last, 200);
      const now = Atomics.load(this.#done, w);
      if (now !== last) waitedSince = Date.now();
      else if (Date.now() - waitedSince > STALL_MS) throw new AppError('IMPORT_FAILED', 'Sealing the licenses stalled; nothing was imported. Try the import again.');
      last = now;
    }
  }

  get count(): number {
    return this.#count;
  }

  /** Wipes the plain authkeys from shared memory and stops the workers. */
  close(): void {
    this.#input.fill(0);
    for (const worker of this.#workers) void worker.terminate();
  }
}
