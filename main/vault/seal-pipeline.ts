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

/** Rows per chunk: the worker and the inserting thread claim chunks from a shared counter. */
const CHUNK = 128;

// Shared state, Int32: [0] next chunk to claim, [1] failure flag, [2] rows copied in, [3 + c] chunk c sealed (1).
const NEXT = 0;
const FAILED = 1;
const READY = 2;
const SEALED = 3;

const workerSource = `
const { workerData } = require('node:worker_threads');
const { createCipheriv, createSecretKey, randomFillSync } = require('node:crypto');
const { key, input, output, progress, count } = workerData;
const state = new Int32Array(progress);
try {
  const keyObject = createSecretKey(Buffer.from(key));
  key.fill(0);
  const inBuf = Buffer.from(input);
  const outBuf = Buffer.from(output);
  const nonces = Buffer.alloc(12 * ${CHUNK});
  // Associated data "license:<uuid>" built in one reused buffer: no string per row.
  const aad = Buffer.alloc(28);
  aad.write('license:', 0, 'latin1');
  while (Atomics.load(state, ${READY}) === 0) Atomics.wait(state, ${READY}, 0);
  for (;;) {
    const c = Atomics.add(state, ${NEXT}, 1);
    if (c * ${CHUNK} >= count) break;
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
    Atomics.store(state, ${SEALED} + c, 1);
    Atomics.notify(state, ${SEALED} + c);
  }
} catch (e) {
  Atomics.store(state, ${FAILED}, 1);
  const chunks = Math.ceil(count / ${CHUNK});
  for (let c = 0; c < chunks; c++) Atomics.notify(state, ${SEALED} + c);
}
`;

/** Time without progress after which the import gives up (the worker died or never started). */
const STALL_MS = 15_000;

export class SealPipeline {
  readonly #worker: Worker;
  readonly #input: Buffer;
  readonly #output: Buffer;
  readonly #state: Int32Array;
  readonly #count: number;
  readonly #chunks: number;
  readonly #sealHere: (i: number) => Buffer;

  private constructor(rawKey: Buffer, rows: readonly { uuid: string; authkey: string }[], sealHere: (i: number) => Buffer) {
    this.#count = rows.length;
    this.#chunks = Math.ceil(rows.length / CHUNK);
    this.#sealHere = sealHere;
    const input = new SharedArrayBuffer(IN * rows.length);
    const output = new SharedArrayBuffer(OUT * rows.length);
    const progress = new SharedArrayBuffer(4 * (SEALED + Math.ceil(rows.length / CHUNK)));
    this.#input = Buffer.from(input);
    this.#output = Buffer.from(output);
    this.#state = new Int32Array(progress);
    // The worker boots while the rows are copied in, and starts on READY.
    this.#worker = new Worker(workerSource, { eval: true, workerData: { key: new Uint8Array(rawKey), input, output, progress, count: rows.length } });
    // Errors surface through the shared flag; keep an unhandled 'error' event from crashing the process.
    this.#worker.on('error', () => Atomics.store(this.#state, FAILED, 1));
    // By character code: twice as fast as Buffer.write per field. The rows are not validated yet;
    // a bad row's bytes do not matter, because a list with one is refused and nothing is written.
    // Nor may a bad row throw here (a field that is not a string): the worker would wait for READY forever.
    const input8 = this.#input;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as { uuid: unknown; authkey: unknown } | undefined;
      const at = i * IN;
      const uuid = typeof row?.uuid === 'string' ? row.uuid : '';
      const uuidLength = Math.min(uuid.length, 20);
      input8[at] = uuidLength;
      for (let j = 0; j < uuidLength; j++) input8[at + 1 + j] = uuid.charCodeAt(j);
      const authkey = typeof row?.authkey === 'string' ? row.authkey : '';
      for (let j = 0; j < 32 && j < authkey.length; j++) input8[at + 21 + j] = authkey.charCodeAt(j);
    }
    Atomics.store(this.#state, READY, 1);
    Atomics.notify(this.#state, READY);
  }

  /**
   * Starts sealing `rows` (uuid and authkey already validated) with the vault's raw data key.
   * `sealHere(i)` seals row i on this thread: used for chunks the worker has not claimed yet
   * when the inserts catch up with it (while it boots, and whenever it falls behind).
   */
  static start(rawKey: Buffer, rows: readonly { uuid: string; authkey: string }[], sealHere: (i: number) => Buffer): SealPipeline {
    return new SealPipeline(rawKey, rows, sealHere);
  }

  /** The sealed authkey of row `i`: sealed here if nobody has claimed its chunk, else waited for (blocking). */
  sealed(i: number): Buffer {
    const chunk = Math.floor(i / CHUNK);
    if (Atomics.load(this.#state, SEALED + chunk) === 0) this.#await(chunk);
    return this.#output.subarray(i * OUT, i * OUT + OUT);
  }

  #await(chunk: number): void {
    // Never idle while rows remain unclaimed: seal the next free chunk (perhaps past the one needed)
    // and look again; wait only when every chunk is taken and the one needed is still on the worker.
    let waitedSince = Date.now();
    while (Atomics.load(this.#state, SEALED + chunk) === 0) {
      if (Atomics.load(this.#state, FAILED) !== 0) throw new AppError('IMPORT_FAILED', 'Sealing the licenses failed on the worker thread; nothing was imported. Try the import again.');
      if (Atomics.load(this.#state, NEXT) < this.#chunks) {
        const claimed = Atomics.add(this.#state, NEXT, 1);
        if (claimed < this.#chunks) {
          const end = Math.min(this.#count, (claimed + 1) * CHUNK);
          for (let i = claimed * CHUNK; i < end; i++) this.#sealHere(i).copy(this.#output, i * OUT);
          Atomics.store(this.#state, SEALED + claimed, 1);
        }
        continue;
      }
      const result = Atomics.wait(this.#state, SEALED + chunk, 0, 200);
      if (result !== 'timed-out') waitedSince = Date.now();
      else if (Date.now() - waitedSince > STALL_MS) throw new AppError('IMPORT_FAILED', 'Sealing the licenses stalled; nothing was imported. Try the import again.');
    }
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
