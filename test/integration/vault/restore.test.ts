// `station restore --from FILE` takes a copy back only after checking it: it opens with the
// passphrase, is not damaged, its audit chain verifies, and it holds the newest state the
// station's anchor knew. Anything else is refused with nothing changed.
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStationCommand } from '../../../main/cli/station-command';
import { Station } from '../../../main/station';
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

async function cli(argv: string[], env: Record<string, string> = { CS_PASSPHRASE: 'correct horse battery' }) {
  let stdout = '';
  let stderr = '';
  const code = await runStationCommand([argv[0] as string, '--vault', vaultPath(), ...argv.slice(1)], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env,
    scrypt: fastScrypt,
    stationOptions: { anchorPath: anchorPath() },
  });
  return { code, stdout, stderr };
}

let lastUuid = '';

/** A vault with 30 licenses and `burns` of them burned, then closed. */
async function setUp(burns: number): Promise<{ groupId: string; burned: string[] }> {
  const station = await Station.create({ vaultPath: vaultPath(), wrapper: passphrase(), anchorPath: anchorPath() });
  const licenses = fakeLicenses(30);
  lastUuid = licenses.at(-1)!.uuid;
  const report = await station.vault.importRows(licenses, { groupName: 'Plugs EU' });
  if (!report.ok) throw new Error('refused');
  const burned = [];
  for (let i = 0; i < burns; i++) burned.push((await burnOne(station.ledger, report.groupId)).uuid);
  await station.close();
  return { groupId: report.groupId, burned };
}

/** Damages the row of the last license: its state ("available" just after its uuid) no longer passes the state CHECK. */
function damage(file: string): void {
  const bytes = readFileSync(file);
  const uuid = lastUuid;
  for (let at = bytes.indexOf(uuid); at >= 0; at = bytes.indexOf(uuid, at + 1)) {
    const state = bytes.indexOf('available', at);
    if (state > at && state - at < 200) bytes[state + 8] = 0x58;
  }
  writeFileSync(file, bytes);
}

describe('station restore', () => {
  it('a damaged vault is replaced by its newest backup; the damaged one is kept beside it and the burns are all there', async () => {
    const { groupId, burned } = await setUp(3);
    expect((await cli(['backup', '--out', join(dir, 'newest.backup')])).code).toBe(0);
    damage(vaultPath());
    expect((await cli(['verify'])).stdout).toMatch(/^The vault is DAMAGED/);
    const damagedBytes = readFileSync(vaultPath());

    const restored = await cli(['restore', '--from', join(dir, 'newest.backup'), '--json']);
    expect(restored.stderr).toBe('');
    expect(restored.code).toBe(0);
    const event = JSON.parse(restored.stdout) as { event: string; anchoredSeq: number; seq: number; keptAs: string };
    expect(event).toMatchObject({ event: 'restored' });
    expect(event.seq).toBe(event.anchoredSeq + 1);
    expect(readFileSync(event.keptAs).equals(damagedBytes)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.replaced-'))).toHaveLength(1);

    const station = await open();
    expect(station.vault.damage).toBeNull();
    expect(station.vault.rollback).toBeNull();
    for (const uuid of burned) expect(station.ledger.license(uuid).state).toBe('verified');
    expect(station.counts(groupId)).toMatchObject({ burned: 3, available: 27 });
    expect(station.vault.audit.entries().filter((e) => e.action === 'vault.restored')).toHaveLength(1);
    expect(station.verifyAudit()).toMatchObject({ ok: true });
    // It burns on, and the anchor follows.
    await burnOne(station.ledger, groupId);
    await station.close();
    const reopened = await open();
    expect(reopened.vault.rollback).toBeNull();
    await reopened.close();
  });

  it('a copy older than the last known state is refused (exit 6), the vault left as it was', async () => {
    const { groupId } = await setUp(1);
    expect((await cli(['backup', '--out', join(dir, 'old.backup')])).code).toBe(0);
    const station = await open();
    for (let i = 0; i < 2; i++) await burnOne(station.ledger, groupId);
    const seq = station.vault.audit.head()!.seq;
    await station.close();
    const before = readFileSync(vaultPath());

    const refused = await cli(['restore', '--from', join(dir, 'old.backup')]);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^The copy old\\.backup is older than this vault's last known state \\(entry \\d+ of ${seq}\\): it would offer licenses that are already in modules\\. Nothing was restored: use the newest copy\\.\\n$`,
      ),
    );
    expect(readFileSync(vaultPath()).equals(before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.replaced-') || f.includes('.restoring'))).toEqual([]);
    const after = await open();
    expect(after.counts(groupId)).toMatchObject({ burned: 3 });
    await after.close();
  });

  it('refuses a damaged copy, a copy under another passphrase, a missing file, and while a station has the vault open', async () => {
    await setUp(1);
    expect((await cli(['backup', '--out', join(dir, 'good.backup')])).code).toBe(0);
    writeFileSync(join(dir, 'bad.backup'), readFileSync(join(dir, 'good.backup')));
    damage(join(dir, 'bad.backup'));

    const damaged = await cli(['restore', '--from', join(dir, 'bad.backup')]);
    expect(damaged.code).toBe(6);
    expect(damaged.stderr).toMatch(
      /^The copy bad\.backup is damaged too \(.*\) Nothing was restored: use another copy\.\n$|^bad\.backup is no usable copy of the vault/,
    );

    const wrong = await cli(['restore', '--from', join(dir, 'good.backup')], { CS_PASSPHRASE: 'another passphrase here' });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toBe(
      'good.backup does not open with this passphrase: it is not a copy of this vault, or it was made under another passphrase. Nothing was restored.\n',
    );

    const missing = await cli(['restore', '--from', join(dir, 'nothing.backup')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`No copy at ${join(dir, 'nothing.backup')}: check the path of the backup.\n`);

    const running = await open();
    const busy = await cli(['restore', '--from', join(dir, 'good.backup')]);
    expect(busy.code).toBe(4);
    expect(busy.stderr).toMatch(/^This vault is open in another station process/);
    await running.close();
    // Every refusal left the vault and the backups as they were.
    expect(readdirSync(dir).filter((f) => f.includes('.replaced-') || f.includes('.restoring'))).toEqual([]);
    expect(existsSync(join(dir, 'good.backup'))).toBe(true);
    const last = await open();
    expect(last.vault.damage).toBeNull();
    await last.close();
  });
});
