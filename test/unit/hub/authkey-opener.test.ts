// The authkey opener: big lists open on a worker thread, with the same results and the same refusals as
// opening on the main thread; without its worker, opening goes on here.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { keyring, masterKey, sealAuthkey } from '../../../hub/services/authkeys';
import { openAuthkeys, openedCounts, startAuthkeyOpener, stopAuthkeyOpener, WORKER_MIN } from '../../../hub/services/authkey-opener';

const codeOf = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'no error',
    (e: { code?: unknown }) => e.code,
  );

describe('authkey opener', () => {
  const old = masterKey(randomBytes(32));
  const current = masterKey(randomBytes(32));
  const ring = keyring(current, [old]);
  const plain = Array.from({ length: 1200 }, (_, i) => ({
    uuid: `u${i.toString().padStart(6, '0')}`,
    authkey: randomBytes(16).toString('hex'),
  }));
  // every third under the previous key (a rotation under way), one not sealed yet (an older store)
  const sealed = plain.map((l, i) => ({
    uuid: l.uuid,
    authkey: i === 7 ? l.authkey : sealAuthkey(i % 3 === 0 ? keyring(old) : ring, l.uuid, l.authkey),
  }));
  afterAll(() => stopAuthkeyOpener());

  it('opens a big list on the worker, in order, as the main thread does', async () => {
    expect(await startAuthkeyOpener()).toBe(true);
    const before = { ...openedCounts };
    expect(await openAuthkeys(ring, sealed)).toEqual(plain.map((l) => l.authkey));
    expect(openedCounts.worker - before.worker).toBe(sealed.length);
    expect(openedCounts.main - before.main).toBe(0);
    // a short list is opened here: posting it to the worker and back would cost more
    expect(await openAuthkeys(ring, sealed.slice(0, WORKER_MIN - 1))).toEqual(plain.slice(0, WORKER_MIN - 1).map((l) => l.authkey));
    expect(openedCounts.main - before.main).toBe(WORKER_MIN - 1);
  });

  it('refuses a list with an authkey copied from another license, or under a key the hub was not given', async () => {
    expect(await startAuthkeyOpener()).toBe(true);
    const copied = sealed.map((l, i) => (i === 900 ? { ...l, authkey: sealed[901]!.authkey } : l));
    expect(await codeOf(openAuthkeys(ring, copied))).toBe('AUTHKEY_TAMPERED');
    const cut = sealed.map((l, i) => (i === 5 ? { ...l, authkey: l.authkey.slice(0, 20) } : l));
    expect(await codeOf(openAuthkeys(ring, cut))).toBe('AUTHKEY_TAMPERED');
    expect(await codeOf(openAuthkeys(keyring(current), sealed))).toBe('MASTER_KEY_UNKNOWN');
  });

  it('opens on the main thread while the worker is stopped or booting, then on a new worker', async () => {
    await stopAuthkeyOpener();
    const before = { ...openedCounts };
    expect(await openAuthkeys(ring, sealed)).toEqual(plain.map((l) => l.authkey)); // starts a worker, opens here meanwhile
    expect(openedCounts.main - before.main).toBe(sealed.length);
    expect(await startAuthkeyOpener()).toBe(true);
    expect(await openAuthkeys(ring, sealed)).toEqual(plain.map((l) => l.authkey));
    expect(openedCounts.worker - before.worker).toBe(sealed.length);
  });
});
