// When the authkey worker fails, the hub hears of it once (it logs it), and the authkeys of the request it was
// working on open on the main thread instead. The worker is a stand-in here: a real one cannot be made to fail
// from outside.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { keyring, masterKey, sealAuthkey } from '../../../hub/services/authkeys';
import { openAuthkeys, openedCounts, startAuthkeyOpener, stopAuthkeyOpener } from '../../../hub/services/authkey-opener';
import type * as NodeWorker from '../../../node/worker';

class StandInWorker extends EventEmitter {
  posted = 0;
  ref(): void {}
  unref(): void {}
  postMessage(): void {
    this.posted++;
  }
  terminate(): Promise<number> {
    this.emit('exit', 1);
    return Promise.resolve(1);
  }
}
const workers: StandInWorker[] = [];

vi.mock('../../../node/worker', async (actual) => ({
  ...(await actual<typeof NodeWorker>()),
  startWorker: () => {
    const w = new StandInWorker();
    workers.push(w);
    queueMicrotask(() => w.emit('message', { ready: true }));
    return w;
  },
}));

describe('authkey opener, when its worker fails', () => {
  afterAll(() => stopAuthkeyOpener());

  it('reports the failure once, opens the pending request on the main thread, and reports no stop', async () => {
    const ring = keyring(masterKey(randomBytes(32)));
    const plain = Array.from({ length: 300 }, (_, i) => ({ uuid: `u${i}`, authkey: randomBytes(16).toString('hex') }));
    const sealed = plain.map((l) => ({ uuid: l.uuid, authkey: sealAuthkey(ring, l.uuid, l.authkey) }));
    const failures: Error[] = [];
    expect(await startAuthkeyOpener((e) => failures.push(e))).toBe(true);

    const before = { ...openedCounts };
    const opening = openAuthkeys(ring, sealed);
    expect(workers[0]!.posted).toBe(1); // handed to the worker, which dies before it answers
    workers[0]!.emit('error', { code: 'ERR_WORKER_OUT_OF_MEMORY' });
    workers[0]!.emit('exit', 1);
    expect(await opening).toEqual(plain.map((l) => l.authkey));
    expect(openedCounts.main - before.main).toBe(sealed.length);
    expect(failures.map((e) => e.message)).toEqual(['the authkey worker failed (ERR_WORKER_OUT_OF_MEMORY)']);

    // stopping a worker, failed or not, is no failure
    await stopAuthkeyOpener();
    expect(await startAuthkeyOpener()).toBe(true);
    await stopAuthkeyOpener();
    expect(workers).toHaveLength(2);
    expect(failures).toHaveLength(1);
  });
});
