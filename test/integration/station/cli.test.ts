import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStationCommand, type StationCliIo } from '../../../main/cli/station-command';
import { Fleet } from '../../../native/sim/fleet';
import { SerialTransport } from '../../../native/transport/serial';
import { fastScrypt, licensesCsv, sleep, stationLicenses, tempDir, type TestLicense } from './fixtures';

const tmp = tempDir('station-cli-');
const vault = join(tmp.dir, 'line1.vault');
const passphraseFile = join(tmp.dir, 'passphrase.txt');
let fleet: Fleet;
let licenses: TestLicense[];
let swapping = true;
let paused = false;
let swapper: Promise<void>;

beforeAll(async () => {
  writeFileSync(passphraseFile, 'cli test passphrase\n', { mode: 0o600 });
  licenses = stationLicenses(12);
  writeFileSync(join(tmp.dir, 'good.csv'), licensesCsv(licenses));
  writeFileSync(join(tmp.dir, 'bad.csv'), 'uuid,authkey\r\nshort,abc\r\n' + `${licenses[0]!.uuid},${licenses[0]!.authkey}\r\n`);
  fleet = await Fleet.start({ protocol: 'tuya-auc', count: 2, timing: { flashWriteMs: 5 } });
  // The operator: a module seen holding the same license for a while (its burn is over) is taken out and a blank one placed.
  swapper = (async () => {
    const seen = new Map<number, { uuid: string; times: number }>();
    while (swapping) {
      for (const p of fleet.portList) {
        if (paused) break;
        const uuid = (await fleet.readFlash(p.index))?.uuid;
        const last = seen.get(p.index);
        if (!uuid) seen.delete(p.index);
        else if (last?.uuid !== uuid) seen.set(p.index, { uuid, times: 1 });
        else if (++last.times >= 4) {
          seen.delete(p.index);
          await fleet.swap(p.index);
        }
      }
      await sleep(50);
    }
  })();
});

afterAll(async () => {
  swapping = false;
  await swapper;
  await fleet.stop();
  tmp.cleanup();
});

async function cli(argv: string[], extra: Partial<StationCliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runStationCommand([...argv.slice(0, 1), '--vault', vault, ...argv.slice(1)], {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    env: { CS_PASSPHRASE: 'cli test passphrase', CS_STATE_DIR: process.env.CS_STATE_DIR },
    scrypt: fastScrypt,
    ...extra,
  });
  return {
    code,
    stdout,
    stderr,
    json: () =>
      stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('npm run station', () => {
  let groupId = '';

  it('creates a vault from a passphrase file and refuses to create it twice', async () => {
    expect((await cli(['create', '--passphrase-file', passphraseFile])).code).toBe(0);
    const again = await cli(['create']);
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/already exists/);
  });

  it('imports a good list and refuses a bad one naming every bad row, importing nothing', async () => {
    const bad = await cli(['import', '--file', join(tmp.dir, 'bad.csv')]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/Nothing was imported/);
    expect(bad.stdout).toMatch(/line 2:/);
    const good = await cli(['import', '--file', join(tmp.dir, 'good.csv'), '--name', 'Plugs EU', '--json']);
    expect(good.code).toBe(0);
    const imported = good.json()[0]!;
    expect(imported).toMatchObject({ event: 'imported', licenses: 12, name: 'Plugs EU' });
    groupId = imported.groupId as string;
    const groups = (await cli(['groups', '--json'])).json()[0]!.groups as { id: string; counts: { available: number } }[];
    expect(groups).toHaveLength(1);
    expect(groups[0]!.counts.available).toBe(12);
  });

  it('sets the PID of a group already here: import --group --pid, or the same list imported again with --pid', async () => {
    const set = await cli(['import', '--group', 'Plugs EU', '--pid', 'plug0001']);
    expect(set.code).toBe(0);
    expect(set.stdout).toBe('Group "Plugs EU" now has PID plug0001; slots burn it into modules that ask for one.\n');
    const again = await cli(['import', '--file', join(tmp.dir, 'good.csv'), '--pid', 'plug0002', '--json']);
    expect(again.code).toBe(0);
    expect(again.json()[0]).toMatchObject({ event: 'pid-set', groupId, pid: 'plug0002' });
    const groups = (await cli(['groups'])).stdout;
    expect(groups).toContain('12 licenses: 12 left, 0 burned, 0 suspect, 0 rejected, 0 void; 0 failed attempts this shift');
    expect((await cli(['import', '--group', 'Plugs EU', '--pid', 'two words'])).stderr).toMatch(/1 to 32 visible characters/);
    expect((await cli(['rejected'])).stdout).toBe('No rejected licenses.\n');
  });

  it('gives clear messages and exit codes on bad input', async () => {
    expect(await runStationCommand(['groups'], { stdout: () => undefined, stderr: () => undefined, env: {} })).toBe(2);
    const wrong = await cli(['groups'], { env: { CS_PASSPHRASE: 'not the passphrase' } });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/passphrase/i);
    const none = await cli(['groups'], { env: {} });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--passphrase-file <file> or the CS_PASSPHRASE/);
    const unknownGroup = await cli(['run', '--slot', `port=${fleet.portList[0]!.hostPath},protocol=tuya-auc,group=Nope`]);
    expect(unknownGroup.code).toBe(2);
    expect(unknownGroup.stderr).toMatch(/no group "Nope"/);
  });

  it('refuses to run on a blocked group with the reason', async () => {
    expect((await cli(['block', '--group', 'Plugs EU', '--reason', 'update request under review'])).code).toBe(0);
    const run = await cli(['run', '--slot', `port=${fleet.portList[0]!.hostPath},protocol=tuya-auc,group=Plugs EU`, '--count', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/blocked: update request under review/);
    expect((await cli(['unblock', '--group', groupId])).code).toBe(0);
  });

  it('runs two slots until the count is reached, printing progress', async () => {
    const slots = fleet.portList.flatMap((p) => ['--slot', `port=${p.hostPath},protocol=tuya-auc,group=${groupId}`]);
    const run = await cli(['run', ...slots, '--count', '4']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/slot [12]: burned [0-9a-z]{16} into module [0-9A-F]{12} in \d+ ms/);
    expect(run.stdout).toMatch(/Stopped \(count reached\)/);
    const burned = (await cli(['groups', '--json'])).json()[0]!.groups as { counts: { burned: number } }[];
    expect(burned[0]!.counts.burned).toBeGreaterThanOrEqual(4);
  });

  it('stops cleanly when asked (SIGINT), finishing the burn under way', async () => {
    const stop = new AbortController();
    let seen = 0;
    const run = await cli(['run', '--slot', `port=${fleet.portList[0]!.hostPath},protocol=tuya-auc,group=${groupId}`, '--json'], {
      stop: stop.signal,
      stdout: (t) => {
        for (const line of t.trim().split('\n'))
          if ((JSON.parse(line) as { phase?: string }).phase === 'done' && ++seen === 1) stop.abort();
      },
    });
    expect(run.code).toBe(0);
    const before = (await cli(['suspects', '--json'])).json()[0]!;
    expect(before.suspects).toEqual([]);
  });

  it('lists and voids a suspect, verifies the audit chain, exports a report without authkeys', async () => {
    // A burn whose write is never answered leaves a suspect; the operator puts the module aside (here: leaves it for the read-back).
    paused = true;
    await sleep(300);
    await fleet.swap(0, { faults: { noAnswer: 'write' } });
    const stop = new AbortController();
    await cli(['run', '--slot', `port=${fleet.portList[0]!.hostPath},protocol=tuya-auc,group=${groupId}`, '--json', '--operator', '17'], {
      stop: stop.signal,
      stdout: (t) => {
        if (t.includes('"phase":"failed"')) stop.abort();
      },
    });
    await fleet.setFaults(0, {});
    const suspects = (await cli(['suspects', '--json'])).json()[0]!.suspects as { uuid: string; slot: string }[];
    expect(suspects).toHaveLength(1);
    expect(suspects[0]!.slot).toBe('slot-1');
    const uuid = suspects[0]!.uuid;
    // Another program holds the port: the command speaks of that port (never of a slot), says one thing to do, exits 1.
    const port = fleet.portList[0]!.hostPath;
    const holder = new SerialTransport(port, { baudRate: 115200 });
    await holder.open();
    try {
      const busy = await cli(['resolve', '--uuid', uuid, '--port', port, '--protocol', 'tuya-auc']);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toBe(`Port ${port} is in use by another program. Close it there, then retry.\n`);
    } finally {
      await holder.close();
    }
    expect((await cli(['suspects', '--json'])).json()[0]!.suspects).toHaveLength(1);
    // Read back through the jig: the module stored the license before its answer was lost, so it is verified.
    expect((await fleet.readFlash(0))?.uuid).toBe(uuid);
    const resolved = await cli(['resolve', '--uuid', uuid, '--port', fleet.portList[0]!.hostPath, '--protocol', 'tuya-auc']);
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toMatch(new RegExp(`holds license ${uuid}: it is verified`));
    const again = await cli(['resolve', '--uuid', uuid, '--void', '--reason', 'scrapped']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/only a suspect license can be voided/);

    const verify = await cli(['verify']);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/The audit chain verifies: \d+ entries, head [0-9a-f]{16}…; all 12 licenses agree with it\./);

    // A backup is a consistent copy that opens with the same passphrase and holds the same chain; an existing file is never overwritten.
    const copy = join(tmp.dir, 'line1-backup.vault');
    const backup = await cli(['backup', '--out', copy]);
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/Copied the vault to .*line1-backup\.vault \(\d+ pages\)/);
    const twice = await cli(['backup', '--out', copy]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/already exists/);
    let copyOut = '';
    const copyCode = await runStationCommand(['verify', '--vault', copy], {
      stdout: (t) => (copyOut += t),
      stderr: () => undefined,
      env: { CS_PASSPHRASE: 'cli test passphrase', CS_STATE_DIR: process.env.CS_STATE_DIR },
      scrypt: fastScrypt,
    });
    expect(copyCode).toBe(0);
    expect(copyOut).toBe(verify.stdout);

    const out = join(tmp.dir, 'report.csv');
    expect((await cli(['report', '--group', 'Plugs EU', '--out', out])).code).toBe(0);
    const csv = readFileSync(out, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('uuid,module_mac,module_serial,slot,time,result,reason,group,operator');
    expect(csv).toMatch(/,slot-1,.*,verified,/);
    // the operator of the run that left the suspect is on its records
    expect(csv).toMatch(new RegExp(`${uuid},.*,suspect,.*,17\r\n`));
    expect(csv).toMatch(new RegExp(`${uuid},.*,verified,resolved by read-back`));
    for (const l of licenses) expect(csv).not.toContain(l.authkey);

    // The burned license set back to available behind the ledger's back: verify names it and fails.
    const db = new Database(vault);
    db.prepare("UPDATE licenses SET state = 'available' WHERE uuid = ?").run(uuid);
    db.close();
    const tampered = await cli(['verify']);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain(
      `A license DISAGREES with the audit chain: license ${uuid} is available in the vault but was left verified by audit entry`,
    );
  });
});
