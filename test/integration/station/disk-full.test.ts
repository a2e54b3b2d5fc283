// Disk full is a known condition: a run or an import is refused below the free space it needs;
// a transition that cannot be written mid-burn makes the license suspect and stops the slot;
// counts add up; the next open ends in the same state. The vault sits on a small tmpfs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runStationCommand } from '../../../main/cli/station-command';
import { PassphraseWrapper } from '../../../main/vault';
import { Station, type SlotSnapshot } from '../../../main/station';
import type { GroupCounts } from '../../../main/ledger';
import { Fleet } from '../../../native/sim/fleet';
import { fastScrypt, licensesCsv, stationLicenses, tempDir, testPassphrase, waitFor } from './fixtures';

let tmp: { dir: string; cleanup: () => void };
let disk: string;
let mounted = false;
let fleet: Fleet | undefined;

beforeEach(() => {
  tmp = tempDir('disk-full-');
  disk = join(tmp.dir, 'disk');
  mkdirSync(disk);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk], { stdio: 'ignore' });
    mounted = true;
  } catch {
    mounted = false;
  }
});

afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  if (mounted) execFileSync('umount', ['-l', disk]);
  tmp.cleanup();
});

const wrapper = () => new PassphraseWrapper(testPassphrase, fastScrypt);
const addsUp = (c: GroupCounts) => c.available + c.reserved + c.burning + c.burned + c.suspect + c.rejected + c.void === c.total;

/** Fills the tmpfs to the last byte. */
function fillDisk(): void {
  const chunk = Buffer.alloc(64 * 1024, 1);
  for (let i = 0; ; i++) {
    try {
      writeFileSync(join(disk, `filler-${i}`), chunk);
    } catch {
      // The last file may hold part of a chunk; fill what is left byte by byte.
      for (let j = 0; j < 16; j++) {
        try {
          writeFileSync(join(disk, `filler-small-${j}`), Buffer.alloc(4096 >> j, 1));
        } catch {
          /* full */
        }
      }
      return;
    }
  }
}

const freeDisk = () => {
  for (let i = 0; i < 1000; i++) rmSync(join(disk, `filler-${i}`), { force: true });
  for (let j = 0; j < 16; j++) rmSync(join(disk, `filler-small-${j}`), { force: true });
};

describe('a full disk', () => {
  it(
    'refuses a run and an import below the free space they need, then stops a slot mid-burn with its license suspect',
    { timeout: 60_000 },
    async (ctx) => {
      if (!mounted) {
        console.log('skipped: mounting a tmpfs is not allowed here (needs root)');
        ctx.skip();
      }
      const vaultPath = join(disk, 'station.vault');
      const licenses = stationLicenses(20);
      const created = await Station.create({ vaultPath, wrapper: wrapper() });
      // 2 MiB of disk is below the default 64 MiB: an import and a run are refused in plain words.
      await expect(created.importLicenseList(licensesCsv(licenses), 'l.csv', { groupName: 'Plugs' })).rejects.toMatchObject({
        code: 'DISK_FULL',
        message: expect.stringMatching(
          /^Only \d MiB are free on the vault's disk \(import needs at least 64 MiB\): free space on it, then try again\.$/,
        ) as string,
      });
      await created.close();

      const station = await Station.open({ vaultPath, wrapper: wrapper(), minFreeBytes: 64 * 1024 });
      const report = await station.importLicenseList(licensesCsv(licenses), 'l.csv', { groupName: 'Plugs' });
      if (!report.ok) throw new Error('refused');
      const groupId = report.groupId;
      fleet = await Fleet.start({ protocol: 'tuya-auc', count: 1, timing: { baudRate: 115200, flashWriteMs: 5 } });
      const slot = station.addSlot({ port: fleet.portList[0]!.hostPath, protocol: 'tuya-auc', groupId });
      // The second burn: the disk fills up just as the module is being verified, so `verified` cannot be written.
      let burns = 0;
      let filled: string | null = null;
      station.subscribe((e) => {
        if (e.type !== 'slot') return;
        const s: SlotSnapshot = e.slot;
        if (s.phase === 'done' && s.lastResult?.ok && burns === 0) {
          burns++;
          void fleet!.swap(0);
        }
        if (burns === 1 && filled === null && s.phase === 'burning' && s.step === 'verify') {
          fillDisk();
          filled = 'yes';
        }
      });
      slot.start();
      const stopped = await waitFor(() => slot.snapshot.phase === 'stopped' && slot.snapshot, 'the slot stops on the full disk', 30_000);
      expect(stopped.stopReason).toEqual({
        code: 'DISK_FULL',
        message: 'The disk is full: set module 1 aside for a supervisor; burning stops until space is freed.',
      });
      expect(stopped.lastResult).toMatchObject({ ok: false, code: 'DISK_FULL', license: 'suspect' });
      const uuid = (stopped.lastResult as { uuid: string }).uuid;
      // The module holds the license, the vault could not say so: suspect, in memory.
      expect((await fleet.readFlash(0))?.uuid).toBe(uuid);
      expect(station.ledger.license(uuid).state).toBe('suspect');
      const atStop = station.counts(groupId);
      expect(atStop).toMatchObject({ total: 20, burned: 1, suspect: 1, burning: 0 });
      expect(addsUp(atStop)).toBe(true);
      // Starting again is refused while the disk is full.
      expect(() => station.start()).toThrow(expect.objectContaining({ code: 'DISK_FULL' }) as Error);
      freeDisk();
      await station.close();

      // The next open: recovery makes the license suspect on disk too; the same counts.
      const reopened = await Station.open({ vaultPath, wrapper: wrapper(), minFreeBytes: 0 });
      expect(reopened.recovery.suspected).toEqual([uuid]);
      expect(reopened.counts(groupId)).toEqual(atStop);
      expect(reopened.verifyAudit()).toMatchObject({ ok: true });
      await reopened.close();
    },
  );

  it('an import that fills the disk is refused with DISK_FULL (exit 7), nothing imported', { timeout: 60_000 }, async (ctx) => {
    if (!mounted) {
      console.log('skipped: mounting a tmpfs is not allowed here (needs root)');
      ctx.skip();
    }
    const vaultPath = join(disk, 'station.vault');
    writeFileSync(join(tmp.dir, 'big.csv'), licensesCsv(stationLicenses(15_000)));
    const cli = async (argv: string[]) => {
      let out = '';
      const code = await runStationCommand([argv[0] as string, '--vault', vaultPath, ...argv.slice(1)], {
        stdout: (t) => (out += t),
        stderr: (t) => (out += t),
        env: { CS_PASSPHRASE: testPassphrase, CS_STATE_DIR: process.env.CS_STATE_DIR, CS_MIN_FREE_MB: '0' },
        scrypt: fastScrypt,
      });
      return { code, out };
    };
    expect((await cli(['create'])).code).toBe(0);
    const imported = await cli(['import', '--file', join(tmp.dir, 'big.csv'), '--name', 'Big']);
    expect(imported.out).toBe('The disk of the vault is full: nothing more can be recorded. Free space on it, then start again.\n');
    expect(imported.code).toBe(7);
    const groups = await cli(['groups']);
    expect(groups.out).toBe('No groups yet: import a license list first.\n');
  });
});
