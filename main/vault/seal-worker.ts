import { createSecretKey, randomFillSync } from 'node:crypto';
import { workerData } from 'node:worker_threads';
import { LICENSE_AAD_PREFIX, NONCE_BYTES, sealInto } from './crypto';
import {
  AUTHKEY_AT,
  AUTHKEY_BYTES,
  CHUNK,
  FAILED,
  IN,
  NEXT,
  OUT,
  READY,
  SEALED,
  UUID_AT,
  UUID_MAX,
  type SealWorkerData,
} from './seal-pipeline';

/**
 * The import's seal worker (started by SealPipeline): claims chunks of rows
 * from the shared counter and seals each authkey into shared memory with the
 * vault's sealer, as DataKey.sealAuthkey would.
 */
function sealRows({ key, input, output, progress, count }: SealWorkerData): void {
  const state = new Int32Array(progress);
  try {
    const keyObject = createSecretKey(Buffer.from(key));
    key.fill(0);
    const inBuf = Buffer.from(input);
    const outBuf = Buffer.from(output);
    const nonces = Buffer.alloc(NONCE_BYTES * CHUNK);
    // Associated data (prefix and uuid) built in one reused buffer: no string per row.
    const prefix = Buffer.from(LICENSE_AAD_PREFIX, 'latin1');
    const aad = Buffer.alloc(prefix.length + UUID_MAX);
    prefix.copy(aad);
    while (Atomics.load(state, READY) === 0) Atomics.wait(state, READY, 0);
    for (;;) {
      const c = Atomics.add(state, NEXT, 1);
      if (c * CHUNK >= count) break;
      randomFillSync(nonces);
      const end = Math.min(count, (c + 1) * CHUNK);
      for (let i = c * CHUNK, n = 0; i < end; i++, n += NONCE_BYTES) {
        const at = i * IN;
        const uuidLength = inBuf[at]!;
        inBuf.copy(aad, prefix.length, at + UUID_AT, at + UUID_AT + uuidLength);
        sealInto(
          keyObject,
          nonces.subarray(n, n + NONCE_BYTES),
          aad.subarray(0, prefix.length + uuidLength),
          inBuf.subarray(at + AUTHKEY_AT, at + AUTHKEY_AT + AUTHKEY_BYTES),
          outBuf,
          i * OUT,
        );
      }
      Atomics.store(state, SEALED + c, 1);
      Atomics.notify(state, SEALED + c);
    }
  } catch {
    // The inserting thread sees the flag and refuses the import; wake it wherever it waits.
    Atomics.store(state, FAILED, 1);
    const chunks = Math.ceil(count / CHUNK);
    for (let c = 0; c < chunks; c++) Atomics.notify(state, SEALED + c);
  }
}

sealRows(workerData as SealWorkerData);
