// A damaged vault file is found on open and said plainly: nothing is offered, `verify` reports
// damage as damage (exit 1, naming the page or row), never "unexpected".
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStationCommand } from '../../../main/cli/station-command';
import { Station } from '../../../main/station';
import { fakeLicenses } from '../../unit/import/license-fixtures';
import { fastScrypt, passphrase, tempDir } from '../../unit/vault/helpers';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

const vaultPath = () => join(dir, 'line1.vault');
const PAGE = 4096;

async function setUp(): Promise<{ groupId: string; uuids: string[] }> {
  const station = await Station.create({ vaultPath: vaultPath(), wrapper: passphrase() });
  const licenses = fakeLicenses(40);
  const report = await station.vault.importRows(licenses, { groupName: 'Plugs EU' });
  if (!report.ok) throw new Error('refused');
  await station.close(); // checkpoints: every row is in the vault file itself
  return { groupId: report.groupId, uuids: licenses.map((l) => l.uuid) };
}

/**
 * Where license `uuid`'s row keeps its state: each "available" just after its uuid in the table (not
 * in the uuid index). Every copy: a freed page may still hold an older one.
 */
function stateOffsets(file: Buffer, uuid: string): number[] {
  const found: number[] = [];
  for (let at = file.indexOf(uuid); at >= 0; at = file.indexOf(uuid, at + 1)) {
    const state = file.indexOf('available', at);
    if (state > at && state - at < 200) found.push(state);
  }
  if (found.length === 0) throw new Error(`no row for ${uuid}`);
  return found;
}

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runStationCommand([argv[0] as string, '--vault', vaultPath(), ...argv.slice(1)], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { CS_PASSPHRASE: 'correct horse battery', CS_STATE_DIR: process.env.CS_STATE_DIR },
    scrypt: fastScrypt,
  });
  return { code, stdout, stderr };
}

describe('damage detection', () => {
  it('a license state flipped in the file: found on open, nothing offered, verify names the row', async () => {
    const { groupId, uuids } = await setUp();
    const file = readFileSync(vaultPath());
    for (const at of stateOffsets(file, uuids[7] as string)) file[at] = 0xff; // "available" now reads back as "\ufffdvailable"
    writeFileSync(vaultPath(), file);

    const station = await Station.open({ vaultPath: vaultPath(), wrapper: passphrase() });
    expect(station.vault.damage).toMatch(
      /^The vault file is damaged \(.*CHECK constraint failed.*\): put the newest backup of the vault \(made with station backup\) in its place; nothing is offered meanwhile\.$/,
    );
    expect(() => station.ledger.reserve(groupId, { slot: 'slot-1' })).toThrow(expect.objectContaining({ code: 'VAULT_DAMAGED' }) as Error);
    expect(() => station.start()).toThrow(expect.objectContaining({ code: 'VAULT_DAMAGED' }) as Error);
    // The row itself, read: the state CHECK on read names it.
    expect(() => station.ledger.license(uuids[7] as string)).toThrow(
      new RegExp(`license ${uuids[7]} reads back with the state "\\ufffdvailable"`),
    );
    await station.close();

    const verify = await cli(['verify']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(
      new RegExp(
        `^The vault is DAMAGED: the vault file is damaged: .*CHECK constraint failed in licenses; license ${uuids[7]} \\(row 8\\) has the state "\ufffdvailable"`,
      ),
    );
    expect(verify.stdout + verify.stderr).not.toMatch(/nexpected/);
    const groups = await cli(['groups']);
    expect(groups.stdout.split('\n')[0]).toMatch(/^The vault file is damaged/);
    const run = await cli(['run', '--slot', 'port=/dev/null,protocol=tuyaopen-cli,group=Plugs EU']);
    expect(run.code).toBe(6);
    expect(run.stderr).toMatch(/^The vault file is damaged/);
  });

  it('40 bytes of a license page overwritten: verify reports damage with the page, exit 1, never unexpected', async () => {
    const { uuids } = await setUp();
    const file = readFileSync(vaultPath());
    const page = Math.floor((stateOffsets(file, uuids[20] as string).at(-1) as number) / PAGE);
    for (let i = 0; i < 40; i++) file[page * PAGE + i] = (file[page * PAGE + i] as number) ^ 0x5a;
    writeFileSync(vaultPath(), file);

    const verify = await cli(['verify']);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(
      /^The vault is DAMAGED: the vault file is damaged: (.*[Pp]age \d+|table licenses: database disk image is malformed)/,
    );
    expect(verify.stdout + verify.stderr).not.toMatch(/nexpected/);
    const run = await cli(['run', '--slot', 'port=/dev/null,protocol=tuyaopen-cli,group=Plugs EU']);
    expect(run.code).toBe(6);
    expect(run.stderr).not.toMatch(/nexpected/);
  });
});
