import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../../common/errors';
import { runStationCommand } from '../../../main/cli/station-command';
import { Ledger } from '../../../main/ledger';
import { Station } from '../../../main/station';
import { Vault } from '../../../main/vault';
import { fakeLicenses } from '../../unit/import/license-fixtures';
import { fastScrypt, passphrase, tempDir } from '../../unit/vault/helpers';

let dir: string;
let cleanup: () => void;
let child: ChildProcess | undefined;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => {
  child?.kill('SIGKILL');
  cleanup();
});

/** A station process that holds `count` licenses in `sending` and keeps the vault open. */
function holdInChild(path: string, groupId: string, slot: string, count: number): Promise<{ child: ChildProcess; uuids: string[] }> {
  return new Promise((resolve, reject) => {
    const c = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'reserve-child.ts'), path, groupId, slot, String(count)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = c;
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.endsWith('\n')) resolve({ child: c, uuids: JSON.parse(out) as string[] });
    });
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', reject);
    c.on('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
}

const exited = (c: ChildProcess) =>
  new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));

describe('one writer per vault', () => {
  it("refuses a second process at once, naming the holder, and its recovery never touches the holder's licenses", async () => {
    const path = join(dir, 'shared.vault');
    const vault = await Vault.create({ path, wrapper: passphrase() });
    const report = await vault.importRows(fakeLicenses(40), { groupName: 'shared' });
    if (!report.ok) throw new Error('refused');
    vault.close();

    const holder = await holdInChild(path, report.groupId, 'A', 3);
    const pid = holder.child.pid as number;

    // The library: refused with the holder's pid, before anything is read or recovered.
    const started = Date.now();
    const refused = await Vault.open({ path, wrapper: passphrase() }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(isAppError(refused, 'VAULT_IN_USE')).toBe(true);
    expect((refused as Error).message).toMatch(
      new RegExp(`^This vault is open in another station process \\(pid ${pid}, started \\d\\d:\\d\\d\\): close it first\\.$`),
    );
    await expect(Station.open({ vaultPath: path, wrapper: passphrase() })).rejects.toMatchObject({ code: 'VAULT_IN_USE' });

    // The headless command: every command refuses the same way (exit 4), the read-only ones too.
    for (const argv of [
      ['run', '--slot', 'port=/dev/null,protocol=tuya-auc,group=shared'],
      ['groups'],
      ['verify'],
      ['report'],
      ['suspects'],
    ]) {
      let stderr = '';
      const code = await runStationCommand([argv[0] as string, '--vault', path, ...argv.slice(1)], {
        stdout: () => undefined,
        stderr: (t) => (stderr += t),
        env: { CS_PASSPHRASE: 'correct horse battery', CS_STATE_DIR: process.env.CS_STATE_DIR },
        scrypt: fastScrypt,
      });
      expect(code, argv[0]).toBe(4);
      expect(stderr).toContain(`pid ${pid}`);
    }

    // The holder dies: the OS drops its lock, and the next open's recovery makes its live licenses suspect.
    holder.child.kill('SIGKILL');
    await exited(holder.child);
    const reopened = await Vault.open({ path, wrapper: passphrase() });
    const ledger = new Ledger(reopened);
    for (const uuid of holder.uuids) expect(ledger.license(uuid).state).toBe('sending');
    expect(ledger.recover().suspected.sort()).toEqual([...holder.uuids].sort());
    expect(ledger.verifyAudit()).toMatchObject({ ok: true });
    reopened.close();
  });

  it('refuses a second open in the same process and takes the vault again once it is closed', async () => {
    const path = join(dir, 'one.vault');
    const first = await Vault.create({ path, wrapper: passphrase() });
    await expect(Vault.open({ path, wrapper: passphrase() })).rejects.toMatchObject({
      code: 'VAULT_IN_USE',
      details: { pid: process.pid },
    });
    // The refused attempt left the first holder's lock in place.
    await expect(Vault.open({ path, wrapper: passphrase() })).rejects.toMatchObject({ code: 'VAULT_IN_USE' });
    first.close();
    const second = await Vault.open({ path, wrapper: passphrase() });
    second.close();
  });
});
