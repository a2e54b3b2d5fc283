import type { Worker } from 'node:worker_threads';
import { AppError } from '../../common/errors';
import { startWorker } from '../../node/worker';
import { NONCE_BYTES, TAG_BYTES } from './crypto';

/**
 * Seals a big import on a worker thread while the main thread inserts rows in
 * its (synchronous) write transaction: row i's sealed authkey is waited for
 * with Atomics.wait, so the transaction never yields to the event loop and no
 * other ledger write can slip into it. The worker (seal-worker.ts) seals with
 * the vault's own sealer (crypto.ts), the one DataKey uses.
 */

/** One input row: [uuid length][uuid, 20 bytes max][authkey, 32 bytes]. */
export const IN = 64;
export const UUID_AT = 1;
export const UUID_MAX = 20;
export const AUTHKEY_AT = UUID_AT + UUID_MAX;
export const AUTHKEY_BYTES = 32;
/** One sealed authkey: nonce | tag | ciphertext. */
export const OUT = NONCE_BYTES + TAG_BYTES + AUTHKEY_BYTES;

/** Rows per chunk: the worker and the inserting thread claim chunks from a shared counter. */
export const CHUNK = 128;

// Shared state, Int32: [NEXT] next chunk to claim, [FAILED] failure flag, [READY] rows copied in, [SEALED + c] chunk c sealed (1).
export const NEXT = 0;
export const FAILED = 1;
export const READY = 2;
export const SEALED = 3;

/** What the seal worker is started with: the raw data key (it wipes its copy) and the shared buffers. */
export interface SealWorkerData {
  key: Uint8Array;
  input: SharedArrayBuffer;
  output: SharedArrayBuffer;
  progress: SharedArrayBuffer;
  count: number;
}

/** The seal worker (seal-worker.ts; built, seal-worker.mjs next to the bundle). */
export const startSealWorker = (workerData: SealWorkerData): Worker =>
  startWorker(new URL('./seal-worker.ts', import.meta.url), workerData);

/**
 * Copies the rows into the worker's input, by character code: twice as fast as
 * Buffer.write per field. The rows are not validated yet; a bad row's bytes do
 * not matter, because a list with one is refused and nothing is written. Nor
 * may a bad row throw here (a field that is not a string): the worker would
 * wait for READY forever.
 */
export function copyRows(rows: readonly { uuid: string; authkey: string }[], input: Buffer): void {
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as { uuid: unknown; authkey: unknown } | undefined;
    const at = i * IN;
    const uuid = typeof row?.uuid === 'string' ? row.uuid : '';
    const uuidLength = Math.min(uuid.length, UUID_MAX);
    input[at] = uuidLength;
    for (let j = 0; j < uuidLength; j++) input[at + UUID_AT + j] = uuid.charCodeAt(j);
    const authkey = typeof row?.authkey === 'string' ? row.authkey : '';
    for (let j = 0; j < AUTHKEY_BYTES && j < authkey.length; j++) input[at + AUTHKEY_AT + j] = authkey.charCodeAt(j);
  }
}

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
    this.#worker = startSealWorker({ key: new Uint8Array(rawKey), input, output, progress, count: rows.length });
    // Errors surface through the shared flag; keep an unhandled 'error' event from crashing the process.
    this.#worker.on('error', () => Atomics.store(this.#state, FAILED, 1));
    copyRows(rows, this.#input);
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
      if (Atomics.load(this.#state, FAILED) !== 0)
        throw new AppError(
          'IMPORT_FAILED',
          'Sealing the licenses failed on the worker thread; nothing was imported. Try the import again.',
        );
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
      else if (Date.now() - waitedSince > STALL_MS)
        throw new AppError('IMPORT_FAILED', 'Sealing the licenses stalled; nothing was imported. Try the import again.');
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
