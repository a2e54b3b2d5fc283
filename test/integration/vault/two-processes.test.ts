import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../../main/ledger';
import { Vault } from '../../../main/vault';
import { fakeLicenses } from '../../unit/import/license-fixtures';
import { passphrase, tempDir } from '../../unit/vault/helpers';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

function reserveInChild(path: string, groupId: string, slot: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'reserve-child.ts'), path, groupId, slot, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as string[]) : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

describe('two station processes on one vault', () => {
  it('never hand out the same license twice, and keep one unbroken audit chain', async () => {
    const path = join(dir, 'shared.vault');
    const vault = await Vault.create({ path, wrapper: passphrase() });
    const report = await vault.importRows(fakeLicenses(400), { groupName: 'shared' });
    if (!report.ok) throw new Error('refused');
    vault.close();

    const [a, b] = await Promise.all([reserveInChild(path, report.groupId, 'A', 150), reserveInChild(path, report.groupId, 'B', 150)]);
    expect(a).toHaveLength(150);
    expect(b).toHaveLength(150);
    expect(new Set([...a, ...b]).size).toBe(300);

    const reopened = await Vault.open({ path, wrapper: passphrase() });
    const ledger = new Ledger(reopened);
    expect(ledger.counts(report.groupId)).toMatchObject({ total: 400, available: 100, burning: 300 });
    expect(ledger.license(a[0] as string).slot).toBe('A');
    expect(ledger.license(b[0] as string).slot).toBe('B');
    expect(ledger.verifyAudit()).toMatchObject({ ok: true, entries: 2 + 600 });
    reopened.close();
  });
});
