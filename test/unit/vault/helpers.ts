import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassphraseWrapper, Vault } from '../../../main/vault';
import type { Clock } from '../../../common/clock';

/** scrypt made cheap for tests; the real default is 2^15. */
export const fastScrypt = { N: 2 ** 10, r: 8, p: 1 };
export const passphrase = (text = 'correct horse battery') => new PassphraseWrapper(text, fastScrypt);

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vault-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A stepping clock: every call is one millisecond later, so audit times are deterministic. */
export function fakeClock(start = Date.UTC(2026, 0, 1)): Clock {
  let t = start;
  return { now: () => t++ };
}

export async function newVault(dir: string, name = 'station.vault'): Promise<Vault> {
  return Vault.create({ path: join(dir, name), wrapper: passphrase(), clock: fakeClock() });
}
