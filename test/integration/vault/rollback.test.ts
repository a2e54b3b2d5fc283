// A vault rolled back behind the station's back (its WAL deleted after a kill, an older copy
// restored) must offer no license again; a WAL deleted while the station runs loses nothing.
import { closeSync, copyFileSync, existsSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStationCommand } from '../../../main/cli/station-command';
import { Station } from '../../../main/station';
import { AnchorFile, Vault } from '../../../main/vault';
import { burnOne } from '../../support/station';
import { fakeLicenses } from '../../unit/import/license-fixtures';
import { fastScrypt, passphrase, tempDir } from '../../unit/vault/helpers';

let dir: string;
let stateDir: string;
let cleanup: () => void;
let cleanupState: () => void;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  ({ dir: stateDir, cleanup: cleanupState } = tempDir());
});
afterEach(() => {
  cleanup();
  cleanupState();
});

const vaultPath = () => join(dir, 'line1.vault');
const anchorPath = () => join(stateDir, 'line1.anchor');
const open = () => Station.open({ vaultPath: vaultPath(), wrapper: passphrase(), anchorPath: anchorPath() });

/** The vault's files as a SIGKILL leaves them on disk (the station is still open). */
function crashImage(to: string): void {
  for (const suffix of ['', '-wal']) {
    rmSync(`${to}${suffix}`, { force: true });
    if (existsSync(`${vaultPath()}${suffix}`)) copyFileSync(`${vaultPath()}${suffix}`, `${to}${suffix}`);
  }
}

function putBack(image: string, options: { wal: boolean }): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${vaultPath()}${suffix}`, { force: true });
  copyFileSync(image, vaultPath());
  if (options.wal && existsSync(`${image}-wal`)) copyFileSync(`${image}-wal`, `${vaultPath()}-wal`);
}

async function setUp(): Promise<string> {
  const station = await Station.create({ vaultPath: vaultPath(), wrapper: passphrase(), anchorPath: anchorPath() });
  const report = await station.vault.importRows(fakeLicenses(30), { groupName: 'Plugs EU' });
  if (!report.ok) throw new Error('refused');
  await station.close();
  return report.groupId;
}

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runStationCommand([argv[0] as string, '--vault', vaultPath(), ...argv.slice(1)], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { CS_PASSPHRASE: 'correct horse battery' },
    scrypt: fastScrypt,
    stationOptions: { anchorPath: anchorPath() },
  });
  return { code, stdout, stderr };
}

/** The rolled-back vault offers nothing: no reserve, no run, and every command says why first. */
async function expectRefused(groupId: string, vaultSeq: number, anchoredSeq: number): Promise<void> {
  const message = `This vault is older than its last known state (entry ${vaultSeq.toLocaleString('en-US')} of ${anchoredSeq.toLocaleString('en-US')}): restore the newest copy, or reconcile with the hub.`;
  const station = await open();
  expect(station.vault.rollback).toMatchObject({ vaultSeq, anchoredSeq, diverged: false, message });
  expect(() => station.ledger.reserve(groupId, { slot: 'slot-1' })).toThrow(
    expect.objectContaining({ code: 'VAULT_ROLLED_BACK', message }) as Error,
  );
  expect(() => station.start()).toThrow(message);
  await station.close();
  const groups = await cli(['groups']);
  expect(groups.code).toBe(0);
  expect(groups.stdout.split('\n')[0]).toBe(message);
  const run = await cli(['run', '--slot', 'port=/dev/null,protocol=tuyaopen-cli,group=Plugs EU']);
  expect(run.code).toBe(6);
  expect(run.stderr).toBe(`${message}\n`);
  expect(run.stdout).toBe('');
}

describe('rollback detection', () => {
  it('a WAL deleted after a kill: the burns it held are not offered again', async () => {
    const groupId = await setUp();
    const station = await open();
    const burned = [];
    for (let i = 0; i < 4; i++) burned.push((await burnOne(station.ledger, groupId)).uuid);
    const head = station.vault.audit.head()!;
    crashImage(join(dir, 'crash.vault'));
    await station.close();
    expect(existsSync(join(dir, 'crash.vault-wal'))).toBe(true);
    putBack(join(dir, 'crash.vault'), { wal: false });

    const before = await Vault.open({ path: vaultPath(), wrapper: passphrase() });
    const seq = before.audit.head()!.seq;
    before.close();
    expect(seq).toBeLessThan(head.seq);
    await expectRefused(groupId, seq, head.seq);
    // With the WAL put back, the vault is current again and the burns are there.
    putBack(join(dir, 'crash.vault'), { wal: true });
    const again = await open();
    expect(again.vault.rollback).toBeNull();
    for (const uuid of burned) expect(again.ledger.license(uuid).state).toBe('verified');
    await again.close();
  });

  it('an older copy restored over the vault is refused; the newest copy is taken again', async () => {
    const groupId = await setUp();
    const station = await open();
    await burnOne(station.ledger, groupId);
    station.vault.checkpoint();
    copyFileSync(vaultPath(), join(dir, 'yesterday.vault'));
    const seqThen = station.vault.audit.head()!.seq;
    for (let i = 0; i < 3; i++) await burnOne(station.ledger, groupId);
    const seqNow = station.vault.audit.head()!.seq;
    await station.close();
    copyFileSync(vaultPath(), join(dir, 'newest.vault'));

    putBack(join(dir, 'yesterday.vault'), { wal: false });
    await expectRefused(groupId, seqThen, seqNow);
    // The refused opens wrote nothing over the anchor: the newest copy opens and burns on.
    putBack(join(dir, 'newest.vault'), { wal: false });
    const newest = await open();
    expect(newest.vault.rollback).toBeNull();
    expect(newest.counts(groupId)).toMatchObject({ burned: 4, available: 26 });
    await burnOne(newest.ledger, groupId);
    await newest.close();
  });

  it("an older copy restored, then reconciled with the hub's word: what the hub holds is never offered again, and the vault burns on", async () => {
    const groupId = await setUp();
    const station = await open();
    await burnOne(station.ledger, groupId);
    station.vault.checkpoint();
    copyFileSync(vaultPath(), join(dir, 'yesterday.vault'));
    const later = [];
    for (let i = 0; i < 3; i++) later.push((await burnOne(station.ledger, groupId)).uuid);
    const anchored = station.vault.audit.head()!.seq;
    await station.close();
    putBack(join(dir, 'yesterday.vault'), { wal: false });

    const behind = await open();
    expect(behind.vault.rollback).toMatchObject({ anchoredSeq: anchored });
    // The hub heard of the three later burns, and of one license spoiled and one rejected since.
    const all = behind.vault.db.prepare<[], { uuid: string; state: string }>('SELECT uuid, state FROM licenses ORDER BY id').all();
    const available = all.filter((l) => l.state === 'available').map((l) => l.uuid);
    for (const uuid of later) expect(available).toContain(uuid);
    const spoiled = available.at(-1)!;
    const rejected = available.at(-2)!;
    const burnedBefore = all.find((l) => l.state === 'verified')!.uuid;
    const result = behind.ledger.reconcileWithHub([
      ...later.map((uuid) => ({ uuid, state: 'burned' as const })),
      { uuid: spoiled, state: 'spoiled' },
      { uuid: rejected, state: 'rejected' },
      { uuid: burnedBefore, state: 'burned' },
      { uuid: 'notinthisvault000000', state: 'burned' },
    ]);
    expect(result).toEqual({ burned: 3, spoiled: 1, rejected: 1, unchanged: 2 });
    expect(behind.vault.rollback).toBeNull();
    for (const uuid of later) expect(behind.ledger.license(uuid).state).toBe('reported');
    expect(behind.ledger.license(spoiled).state).toBe('void');
    expect(behind.ledger.license(rejected).state).toBe('rejected');
    expect(behind.ledger.license(burnedBefore).state).toBe('verified');
    expect(behind.vault.audit.entries().filter((e) => e.action === 'vault.reconciled')).toEqual([
      expect.objectContaining({ detail: expect.objectContaining({ burned: 3, anchoredSeq: anchored }) }),
    ]);
    // It burns on; none of the licenses the hub holds comes out.
    const next = [];
    for (let i = 0; i < 20; i++) next.push((await burnOne(behind.ledger, groupId)).uuid);
    for (const uuid of [...later, spoiled, rejected, burnedBefore]) expect(next).not.toContain(uuid);
    expect(behind.verifyAudit()).toMatchObject({ ok: true });
    await behind.close();
    // The anchor restarted at the reconciled history: the vault opens as current.
    const reopened = await open();
    expect(reopened.vault.rollback).toBeNull();
    expect(() => reopened.ledger.reconcileWithHub([])).toThrow(expect.objectContaining({ code: 'NOT_ROLLED_BACK' }) as Error);
    await reopened.close();
  });

  it('an older copy burned on (another history) is refused too', async () => {
    const groupId = await setUp();
    const station = await open();
    station.vault.checkpoint();
    copyFileSync(vaultPath(), join(dir, 'old.vault'));
    for (let i = 0; i < 2; i++) await burnOne(station.ledger, groupId);
    const anchored = station.vault.audit.head()!.seq;
    await station.close();
    // The old copy burns on without the station's anchor (on another PC), past the anchored entry.
    putBack(join(dir, 'old.vault'), { wal: false });
    const elsewhere = await Station.open({ vaultPath: vaultPath(), wrapper: passphrase() });
    for (let i = 0; i < 4; i++) await burnOne(elsewhere.ledger, groupId);
    await elsewhere.close();
    const back = await open();
    expect(back.vault.rollback).toMatchObject({ diverged: true, anchoredSeq: anchored });
    expect(back.vault.rollback!.message).toBe(
      `This vault is not the copy of its last known state (its entry ${anchored} differs): restore the newest copy, or reconcile with the hub.`,
    );
    expect(() => back.ledger.reserve(groupId, { slot: 'slot-1' })).toThrow(expect.objectContaining({ code: 'VAULT_ROLLED_BACK' }) as Error);
    await back.close();
  });

  it('a WAL deleted while the station runs: the next durable commit writes it into the vault file, nothing is lost', async () => {
    const groupId = await setUp();
    const station = await open();
    const burned = [];
    for (let i = 0; i < 3; i++) burned.push((await burnOne(station.ledger, groupId)).uuid);
    unlinkSync(`${vaultPath()}-wal`);
    for (let i = 0; i < 3; i++) burned.push((await burnOne(station.ledger, groupId)).uuid);
    expect(existsSync(`${vaultPath()}-wal`)).toBe(true);
    crashImage(join(dir, 'crash.vault'));
    await station.close();
    putBack(join(dir, 'crash.vault'), { wal: true });

    const after = await open();
    expect(after.vault.rollback).toBeNull();
    for (const uuid of burned) expect(after.ledger.license(uuid).state).toBe('verified');
    expect(after.counts(groupId)).toMatchObject({ burned: 6, available: 24 });
    expect(after.vault.audit.entries().filter((e) => e.action === 'vault.wal-restored')).toHaveLength(1);
    expect(after.verifyAudit()).toMatchObject({ ok: true });
    await after.close();
  });

  it('keeps its anchor in two slots: a torn write leaves the other one', () => {
    const anchor = AnchorFile.open(join(stateDir, 'torn.anchor'));
    anchor.write({ seq: 7, hash: 'a'.repeat(64), at: 1 });
    anchor.write({ seq: 8, hash: 'b'.repeat(64), at: 2 });
    expect(anchor.read()).toEqual({ seq: 8, hash: 'b'.repeat(64), at: 2 });
    anchor.close();
    // Slot 0 (seq 8) cut short:
    const fd = openSync(join(stateDir, 'torn.anchor'), 'r+');
    writeSync(fd, Buffer.from('{"seq":10,"ha'), 0, 13, 0);
    closeSync(fd);
    const reread = AnchorFile.open(join(stateDir, 'torn.anchor'));
    expect(reread.read()).toEqual({ seq: 7, hash: 'a'.repeat(64), at: 1 });
    reread.close();
  });
});
