import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Vault, ImportProgress, ImportReport } from '../../../main/vault';
import { fakeLicenses, licensesCsv, licensesXlsx } from '../import/license-fixtures';
import { newVault, tempDir } from './helpers';

let dir: string;
let cleanup: () => void;
let vault: Vault;
beforeEach(async () => {
  ({ dir, cleanup } = tempDir());
  vault = await newVault(dir);
});
afterEach(() => {
  vault.close();
  cleanup();
});

const licenseCount = (): number => (vault.db.prepare('SELECT count(*) AS n FROM licenses').get() as { n: number }).n;
const groupCount = (): number => vault.listGroups().length;
function refused(report: ImportReport): { line: number; code: string }[] {
  if (report.ok) throw new Error('expected the import to be refused');
  return report.errors.map(({ line, code }) => ({ line, code }));
}

describe('importing license lists into the vault', () => {
  it('imports a good CSV into a new credential group, all available, sealed, in one audited transaction', async () => {
    const licenses = fakeLicenses(300, { withMac: true });
    const report = await vault.importLicenseList(licensesCsv(licenses, { withMac: true, eol: '\r\n', bom: true }), 'list-A.csv');
    if (!report.ok) throw new Error('refused');
    expect(report.imported).toBe(300);
    const group = vault.getGroup(report.groupId);
    expect(group).toMatchObject({ name: 'list-A.csv', source: 'list-A.csv', licenseCount: 300, state: 'active' });
    const rows = vault.db
      .prepare<[string], { uuid: string; sealed_authkey: Buffer; mac: string; state: string }>(
        'SELECT uuid, sealed_authkey, mac, state FROM licenses WHERE group_key = (SELECT key FROM credential_groups WHERE id = ?) ORDER BY id',
      )
      .all(report.groupId);
    expect(rows.map((r) => r.uuid)).toEqual(licenses.map((l) => l.uuid));
    expect(rows.every((r) => r.state === 'available')).toBe(true);
    expect(rows[5]?.mac).toBe(licenses[5]?.mac);
    expect(vault.openAuthkey(rows[7]?.uuid as string, rows[7]?.sealed_authkey as Buffer)).toBe(licenses[7]?.authkey);
    expect(rows[7]?.sealed_authkey.includes(Buffer.from(licenses[7]?.authkey as string))).toBe(false);
    const audit = vault.audit.entries().at(-1);
    expect(audit).toMatchObject({ action: 'group.imported', groupId: report.groupId, detail: { count: 300, source: 'list-A.csv' } });
    expect(JSON.stringify(vault.audit.entries())).not.toContain(licenses[0]?.authkey);
  });

  it('imports a good XLSX and takes the group pid from the rows', async () => {
    const licenses = fakeLicenses(40);
    const bytes = await licensesXlsx([['uuid', 'AuthKey', 'PID'], ...licenses.map((l) => [l.uuid, l.authkey, 'kbq5xb2u'])]);
    const report = await vault.importLicenseList(bytes, 'List.xlsx', { groupName: 'Line 3 lamps' });
    if (!report.ok) throw new Error('refused');
    expect(vault.getGroup(report.groupId)).toMatchObject({ name: 'Line 3 lamps', pid: 'kbq5xb2u', licenseCount: 40 });
  });

  it('refuses a file with any bad row, names every bad row, and imports nothing', async () => {
    const licenses = fakeLicenses(10);
    const text = licensesCsv(licenses);
    const lines = new TextDecoder().decode(text).split('\n');
    lines[3] = `TOO-SHORT,${licenses[2]?.authkey}`; // line 4
    lines[8] = `${licenses[7]?.uuid},${licenses[7]?.authkey.slice(2)}`; // line 9
    lines[10] = `${licenses[0]?.uuid},${licenses[0]?.authkey}`; // line 11: repeats line 2
    const report = await vault.importLicenseList(new TextEncoder().encode(lines.join('\n')), 'bad.csv');
    expect(refused(report)).toEqual([
      { line: 4, code: 'BAD_UUID' },
      { line: 9, code: 'BAD_AUTHKEY' },
      { line: 11, code: 'DUPLICATE_UUID' },
    ]);
    expect(licenseCount()).toBe(0);
    expect(groupCount()).toBe(0);
  });

  it('refuses a second file that repeats uuids already in the vault, naming those rows, and imports nothing of it', async () => {
    const first = fakeLicenses(50, { prefix: 'aaaa' });
    expect((await vault.importLicenseList(licensesCsv(first), 'first.csv')).ok).toBe(true);
    const second = [...fakeLicenses(20, { prefix: 'bbbb' }), first[3], first[10]].filter((l) => l !== undefined);
    const report = await vault.importLicenseList(licensesCsv(second), 'second.csv');
    expect(refused(report)).toEqual([
      { line: 22, code: 'KNOWN_UUID' },
      { line: 23, code: 'KNOWN_UUID' },
    ]);
    expect(licenseCount()).toBe(50);
    expect(groupCount()).toBe(1);
  });

  it('reports repeats against the vault together with the other bad rows', async () => {
    const first = fakeLicenses(5, { prefix: 'cccc' });
    expect((await vault.importLicenseList(licensesCsv(first), 'first.csv')).ok).toBe(true);
    const text = `uuid,authkey\n${first[1]?.uuid},${first[1]?.authkey}\nbad,${first[2]?.authkey}\n`;
    expect(refused(await vault.importLicenseList(new TextEncoder().encode(text), 'mixed.csv'))).toEqual([
      { line: 2, code: 'KNOWN_UUID' },
      { line: 3, code: 'BAD_UUID' },
    ]);
    expect(licenseCount()).toBe(5);
  });

  it('refuses empty files, files without rows and files with missing columns, importing nothing', async () => {
    expect(refused(await vault.importLicenseList(new Uint8Array(), 'empty.csv'))).toEqual([{ line: 1, code: 'EMPTY_FILE' }]);
    expect(refused(await vault.importLicenseList(new TextEncoder().encode('uuid,authkey\n'), 'header.csv'))).toEqual([
      { line: 1, code: 'NO_ROWS' },
    ]);
    expect(refused(await vault.importLicenseList(new TextEncoder().encode('uuid\nabcdefghij0123456789\n'), 'cols.csv'))).toEqual([
      { line: 1, code: 'MISSING_COLUMN' },
    ]);
    expect(licenseCount() + groupCount()).toBe(0);
  });

  it('seals a small file before writing, reporting progress per phase', async () => {
    const seen: ImportProgress[] = [];
    const report = await vault.importLicenseList(licensesCsv(fakeLicenses(12_000)), 'small.csv', { onProgress: (p) => seen.push(p) });
    expect(report.ok).toBe(true);
    expect(seen.map((p) => `${p.phase}:${p.done}`)).toEqual([
      'parse:0',
      'seal:5000',
      'seal:10000',
      'seal:12000',
      'write:10000',
      'done:12000',
    ]);
  });

  it('seals a big file on two threads while writing, and every sealed authkey (whichever thread sealed it) opens with the vault key', async () => {
    const licenses = fakeLicenses(30_000, { withMac: true });
    const seen: ImportProgress[] = [];
    const report = await vault.importLicenseList(licensesCsv(licenses, { withMac: true }), 'big.csv', { onProgress: (p) => seen.push(p) });
    if (!report.ok) throw new Error('refused');
    expect(seen.map((p) => `${p.phase}:${p.done}`)).toEqual(['parse:0', 'write:10000', 'write:20000', 'write:30000', 'done:30000']);
    const rows = vault.db
      .prepare<[], { uuid: string; sealed_authkey: Buffer }>('SELECT uuid, sealed_authkey FROM licenses ORDER BY id')
      .all();
    expect(rows).toHaveLength(30_000);
    const nonces = new Set<string>();
    const wrong: number[] = [];
    rows.forEach((row, i) => {
      if (row.uuid !== licenses[i]?.uuid || row.sealed_authkey.length !== 60) wrong.push(i);
      nonces.add(row.sealed_authkey.subarray(0, 12).toString('hex'));
      if (vault.openAuthkey(row.uuid, row.sealed_authkey) !== licenses[i]?.authkey) wrong.push(i);
    });
    expect(wrong).toEqual([]);
    expect(nonces.size).toBe(30_000);
    // Bound to its uuid like any sealed authkey.
    expect(() => vault.openAuthkey(rows[1]?.uuid as string, rows[0]?.sealed_authkey as Buffer)).toThrow(
      expect.objectContaining({ code: 'VAULT_TAMPERED' }),
    );
  });

  it('seals 16- and 20-character uuids of one big list with the right associated data', async () => {
    const short = fakeLicenses(12_000, { prefix: 'aa', uuidLength: 16 });
    const long = fakeLicenses(12_000, { prefix: 'bb' });
    const licenses = short.flatMap((l, i) => (i % 3 === 0 ? [l, long[i] as typeof l] : [l])).concat(long.filter((_, i) => i % 3 !== 0));
    const report = await vault.importRows(licenses);
    if (!report.ok) throw new Error('refused');
    const rows = vault.db
      .prepare<[], { uuid: string; sealed_authkey: Buffer }>('SELECT uuid, sealed_authkey FROM licenses ORDER BY id')
      .all();
    const wrong = rows.filter(
      (row, i) => row.uuid !== licenses[i]?.uuid || vault.openAuthkey(row.uuid, row.sealed_authkey) !== licenses[i]?.authkey,
    );
    expect(wrong).toEqual([]);
    expect(new Set(rows.map((r) => r.uuid.length))).toEqual(new Set([16, 20]));
  });

  it('refuses a big list with characters outside the alphabets (also beyond Latin-1), naming every bad row and importing nothing', async () => {
    const licenses = fakeLicenses(25_000, { withMac: true });
    const bad = (i: number, change: Partial<{ uuid: string; authkey: string; mac: string }>): void => {
      licenses[i] = { ...(licenses[i] as { uuid: string; authkey: string }), ...change };
    };
    bad(3, { authkey: `${'a'.repeat(31)}中` });
    bad(10, { uuid: `${'b'.repeat(19)}é` });
    bad(11, { uuid: 'c'.repeat(21) });
    bad(24_999, { mac: 'a0b0c0d0e0f0' });
    // not even strings (rows from outside the parser): refused like the others, never thrown
    bad(20_000, { uuid: undefined as unknown as string, authkey: 12345 as unknown as string });
    expect(refused(await vault.importRows(licenses))).toEqual([
      { line: 4, code: 'BAD_AUTHKEY' },
      { line: 11, code: 'BAD_UUID' },
      { line: 12, code: 'BAD_UUID' },
      { line: 20_001, code: 'BAD_UUID' },
      { line: 20_001, code: 'BAD_AUTHKEY' },
      { line: 25_000, code: 'BAD_MAC' },
    ]);
    expect(licenseCount()).toBe(0);
    expect(groupCount()).toBe(0);
  });

  it('imports nothing from a big file that repeats a uuid already in the vault', async () => {
    const first = fakeLicenses(10, { prefix: 'dddd' });
    expect((await vault.importRows(first)).ok).toBe(true);
    const big = [...fakeLicenses(25_000, { prefix: 'eeee' }), first[4]].filter((l) => l !== undefined);
    expect(refused(await vault.importLicenseList(licensesCsv(big), 'big.csv'))).toEqual([{ line: 25_002, code: 'KNOWN_UUID' }]);
    expect(licenseCount()).toBe(10);
    expect(groupCount()).toBe(1);
  });

  it('adds rows to an existing group (sync) and refuses bad rows and unknown groups', async () => {
    const report = await vault.importRows(fakeLicenses(3), { groupName: 'from hub', hubCredentialId: 'cred-1' });
    if (!report.ok) throw new Error('refused');
    expect((await vault.importRows(fakeLicenses(2), { groupId: report.groupId })).ok).toBe(true);
    expect(vault.getGroup(report.groupId).licenseCount).toBe(5);
    expect(refused(await vault.importRows([{ uuid: 'x', authkey: 'y' }]))).toEqual([
      { line: 1, code: 'BAD_UUID' },
      { line: 1, code: 'BAD_AUTHKEY' },
    ]);
    await expect(vault.importRows(fakeLicenses(1), { groupId: 'nope' })).rejects.toMatchObject({ code: 'GROUP_NOT_FOUND' });
    await expect(vault.importRows(fakeLicenses(1), { hubCredentialId: 'cred-1' })).rejects.toMatchObject({ code: 'GROUP_EXISTS' });
  });
});
