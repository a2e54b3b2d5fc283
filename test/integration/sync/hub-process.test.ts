// The test harness owns every hub process it starts: nothing is left running after stop / teardown.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runningHubPids, startHubProcess, stopAllHubProcesses } from '../../support/hub-process';

/** Pids of every process on the machine whose command line names this hub file. */
const processesOn = (dbPath: string): number[] =>
  execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(dbPath) && l.includes('cli.ts'))
    .map((l) => Number(l.trim().split(/\s+/)[0]));

describe('hub test processes', () => {
  let dir: string;
  afterEach(async () => {
    await stopAllHubProcesses();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a start while the hub runs (as the outage test does after its last restart) leaves one process, and stop ends it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-proc-'));
    const db = join(dir, 'hub.sqlite');
    const hub = await startHubProcess(db);
    await hub.stop();
    await hub.start();
    await hub.start();
    expect(processesOn(db)).toHaveLength(1);
    await hub.stop();
    await new Promise((r) => setTimeout(r, 300)); // a process that lost the port race would still be exiting
    expect(processesOn(db)).toEqual([]);
    expect(runningHubPids()).toEqual([]);
  }, 60_000);

  it('teardown kills every hub started here, also one whose handle the test lost', async () => {
    dir = mkdtempSync(join(tmpdir(), 'hub-proc-'));
    const db = join(dir, 'hub.sqlite');
    await startHubProcess(db);
    await startHubProcess(join(dir, 'other.sqlite'));
    expect(runningHubPids()).toHaveLength(2);
    await stopAllHubProcesses();
    expect(processesOn(dir)).toEqual([]);
  }, 60_000);
});
