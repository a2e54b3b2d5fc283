import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../../main/ledger';
import { Vault } from '../../../main/vault';
import { fakeLicenses, licensesCsv } from '../../unit/import/license-fixtures';
import { passphrase, tempDir } from '../../unit/vault/helpers';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

/**
 * Every file in the vault's folder (the vault, -wal, -shm, any temp or journal
 * file) and the secrets found in it. Authkeys are found by sliding a 32-byte
 * window over each run of letters and digits; other secrets by plain search.
 */
function plaintextFound(secrets: string[]): { files: string[]; hits: string[] } {
  const files = readdirSync(dir);
  const authkeys = new Set(secrets.filter((s) => /^[0-9A-Za-z]{32}$/.test(s)));
  const others = secrets.filter((s) => !authkeys.has(s));
  const hits: string[] = [];
  const isAlnum = (b: number): boolean => (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122);
  for (const name of files) {
    const bytes = readFileSync(join(dir, name));
    for (const s of others) if (bytes.includes(Buffer.from(s, 'utf8'))) hits.push(`${name}: ${s.slice(0, 6)}...`);
    let run = 0;
    for (let i = 0; i < bytes.length; i++) {
      run = isAlnum(bytes[i] as number) ? run + 1 : 0;
      if (run >= 32) {
        const window = bytes.toString('latin1', i - 31, i + 1);
        if (authkeys.has(window)) hits.push(`${name}: ${window.slice(0, 6)}...`);
      }
    }
  }
  return { files, hits };
}

describe('the vault on disk', () => {
  it('holds no authkey, passphrase or token in plain text: not in the file, its WAL, its shm, nor any temp file', async () => {
    const path = join(dir, 'station.vault');
    const licenses = fakeLicenses(21_000, { withMac: true }); // above 20k rows the import seals on a worker thread
    const secrets = [
      ...licenses.map((l) => l.authkey),
      'first station passphrase',
      'second station passphrase',
      'hub-token-0123456789abcdef',
    ];

    const vault = await Vault.create({ path, wrapper: passphrase('first station passphrase') });
    vault.db.pragma('wal_autocheckpoint = 0'); // keep everything in the WAL for the first look
    const report = await vault.importLicenseList(licensesCsv(licenses, { withMac: true }), 'list.csv');
    expect(report.ok).toBe(true);
    if (!report.ok) return;
    const ledger = new Ledger(vault);
    // Burns decrypt authkeys in memory; none may travel to disk.
    for (let i = 0; i < 50; i++) {
      const r = ledger.reserve(report.groupId, { slot: `s${i % 4}` });
      expect(r.authkey).toBe(licenses[i]?.authkey);
      ledger.markSending(r.uuid, r.attempt);
      if (i % 10 === 0) ledger.markSuspect(r.uuid, r.attempt, 'timeout');
      else ledger.markWritten(r.uuid, r.attempt);
      if (i % 10 !== 0) ledger.markVerified(r.uuid, r.attempt, { moduleMac: r.mac ?? null });
    }
    for (const s of ledger.listSuspects())
      ledger.resolveSuspect(s.uuid, { uuid: s.uuid, authkey: licenses[s.id - 1]?.authkey ?? null, mac: null });
    vault.putSecret('hub.token', 'hub-token-0123456789abcdef');
    await vault.rewrap(passphrase('second station passphrase'), passphrase('first station passphrase'));
    ledger.exportBurnReportCsv();

    const inFlight = plaintextFound(secrets);
    expect(inFlight.files).toEqual(expect.arrayContaining(['station.vault', 'station.vault-wal', 'station.vault-shm']));
    expect(statSync(join(dir, 'station.vault-wal')).size).toBeGreaterThan(100_000);
    expect(inFlight.hits).toEqual([]);

    vault.checkpoint();
    expect(plaintextFound(secrets).hits).toEqual([]);
    vault.close();
    const closed = plaintextFound(secrets);
    expect(closed.files).toContain('station.vault');
    expect(closed.hits).toEqual([]);

    // The secrets are there all the same, for the one who holds the passphrase.
    const reopened = await Vault.open({ path, wrapper: passphrase('second station passphrase') });
    expect(reopened.getSecret('hub.token')).toBe('hub-token-0123456789abcdef');
    const last = licenses[20_999];
    const row = reopened.db
      .prepare<[string], { sealed_authkey: Buffer }>('SELECT sealed_authkey FROM licenses WHERE uuid = ?')
      .get(last?.uuid as string);
    expect(reopened.openAuthkey(last?.uuid as string, row?.sealed_authkey as Buffer)).toBe(last?.authkey);
    reopened.close();
  });

  it('the check itself can fail: a plain-text authkey in the folder is found', async () => {
    const vault = await Vault.create({ path: join(dir, 'v.vault'), wrapper: passphrase() });
    const [l] = fakeLicenses(1);
    vault.putValue('oops', l?.authkey as string); // a plain value, deliberately
    vault.close();
    expect(plaintextFound([l?.authkey as string]).hits).toEqual([`v.vault: ${l?.authkey.slice(0, 6)}...`]);
  });
});
