import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Vault } from '../../../main/vault';
import { unlockWaitMs } from '../../../main/vault/unlock-guard';
import { passphrase, tempDir } from './helpers';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

describe('passphrase guessing', () => {
  it('waits after 3 wrong passphrases, 1 s then doubling, across restarts, and audits every failed try with its time', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clock = { now: () => now };
    const path = join(dir, 'station.vault');
    (await Vault.create({ path, wrapper: passphrase(), clock })).close();
    const attempt = (text: string) =>
      Vault.open({ path, wrapper: passphrase(text), clock }).then(
        (v) => {
          v.close();
          return 'opened';
        },
        (e: { code: string; message: string }) => e,
      );
    // Three wrong tries in a row cost nothing more than the key derivation.
    for (let i = 0; i < 3; i++) expect(await attempt('wrong guess 1234')).toMatchObject({ code: 'WRONG_PASSPHRASE' });
    // The fourth, at once: refused before any key derivation, even with the right passphrase.
    const refused = await attempt('correct horse battery');
    expect(refused).toMatchObject({ code: 'UNLOCK_BACKOFF', message: '3 wrong passphrases in a row: wait 1 s, then try again.' });
    now += 1000;
    expect(await attempt('wrong guess 1234')).toMatchObject({ code: 'WRONG_PASSPHRASE' });
    expect(await attempt('wrong guess 1234')).toMatchObject({
      code: 'UNLOCK_BACKOFF',
      message: '4 wrong passphrases in a row: wait 2 s, then try again.',
    });
    now += 2000;
    expect(await attempt('wrong guess 1234')).toMatchObject({ code: 'WRONG_PASSPHRASE' });
    expect(await attempt('correct horse battery')).toMatchObject({
      code: 'UNLOCK_BACKOFF',
      message: '5 wrong passphrases in a row: wait 4 s, then try again.',
    });
    now += 4000;
    const vault = await Vault.open({ path, wrapper: passphrase(), clock });
    const failed = vault.audit.entries().filter((e) => e.action === 'vault.unlock-failed' || e.action === 'vault.unlock-refused');
    expect(failed.map((e) => [e.action, e.detail.failures])).toEqual([
      ['vault.unlock-failed', 1],
      ['vault.unlock-failed', 2],
      ['vault.unlock-failed', 3],
      ['vault.unlock-refused', 3],
      ['vault.unlock-failed', 4],
      ['vault.unlock-refused', 4],
      ['vault.unlock-failed', 5],
      ['vault.unlock-refused', 5],
    ]);
    expect(failed[0]!.at).toBe(Date.UTC(2026, 0, 1));
    expect(vault.audit.verify().ok).toBe(true);
    vault.close();
    // The right passphrase cleared the count: three free tries again.
    for (let i = 0; i < 3; i++) expect(await attempt('wrong guess 1234')).toMatchObject({ code: 'WRONG_PASSPHRASE' });
  });

  it('caps the wait at five minutes', () => {
    expect([0, 2, 3, 4, 5, 12, 40].map(unlockWaitMs)).toEqual([0, 0, 1000, 2000, 4000, 300_000, 300_000]);
  });
});
