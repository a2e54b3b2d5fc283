import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBurnCommand } from '../../../native/cli/burn-command';
import { Fleet } from '../../../native/sim/fleet';
import { repoRoot as repo, runTsx, type ChildRun } from '../../support/run-tsx';

const uuid = 'uuid0123456789ab';
const authkey = 'AuthKey0123456789abcdefghijKLMNO';
const mac = 'A1B2C3D4E5F6';

type Run = Pick<ChildRun, 'code' | 'stdout' | 'stderr'>;

/** Runs `npm run burn -- ...` as the operator would (tsx, its own process). */
function burnCli(args: string[]): Promise<Run> {
  return runTsx(join(repo, 'native', 'cli', 'burn.ts'), args, { timeoutMs: 25_000 });
}

/** The same command in this process (faster; same code path but the entry file). */
async function burnInProcess(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runBurnCommand(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const json = (run: Run) => JSON.parse(run.stdout.trim()) as Record<string, unknown> & { module: Record<string, unknown> | null };

describe('npm run burn against virtual tuya-auc modules', () => {
  let fleet: Fleet;
  let ports: string[];
  beforeAll(async () => {
    fleet = await Fleet.start({ protocol: 'tuya-auc', count: 2 });
    ports = (await fleet.ports()).map((p) => p.hostPath);
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('burns a good license, prints the verified outcome and the module holds it', async () => {
    const run = await burnCli(['--port', ports[0]!, '--protocol', 'tuya-auc', '--uuid', uuid, '--authkey', authkey, '--mac', mac]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OK License uuid0123456789ab is burned into the module on .* and verified\./);
    expect(run.stdout).toContain('(verified)');
    expect(run.stdout).toContain(
      'Module holds: uuid uuid0123456789ab, authkey Auth… (the one sent), mac A1B2C3D4E5F6, firmware credential-station-sim 1.0.0.',
    );
    // The secret is never printed whole.
    expect(run.stdout + run.stderr).not.toContain(authkey);
    const flash = await fleet.readFlash(0);
    expect(flash).toMatchObject({ uuid, authkey, mac });
  });

  it('refuses a module that already holds a license (exit 1, nothing sent), and burns it with --allow-reauthorize', async () => {
    await fleet.swap(1, { flash: { uuid: 'olduuid000000000', authkey: 'OldKey0123456789abcdefghijKLMNOP', mac: '001122334455' } });
    const refused = await burnInProcess([
      '--port',
      ports[1]!,
      '--protocol',
      'tuya-auc',
      '--uuid',
      uuid,
      '--authkey',
      authkey,
      '--mac',
      mac,
      '--json',
    ]);
    expect(refused.code).toBe(1);
    expect(json(refused)).toMatchObject({
      ok: false,
      code: 'ALREADY_AUTHORIZED',
      exposure: 'nothing-sent',
      step: 'check',
      module: { uuid: 'olduuid000000000', authkeyMatchesSent: false },
    });
    expect((await fleet.readFlash(1))?.uuid).toBe('olduuid000000000');

    const forced = await burnInProcess([
      '--port',
      ports[1]!,
      '--protocol',
      'tuya-auc',
      '--uuid',
      uuid,
      '--authkey',
      authkey,
      '--mac',
      mac,
      '--json',
      '--allow-reauthorize',
    ]);
    expect(forced.code).toBe(0);
    expect(json(forced)).toMatchObject({ ok: true, code: 'BURNED', exposure: 'verified', module: { uuid, authkeyMatchesSent: true } });
    expect((await fleet.readFlash(1))?.uuid).toBe(uuid);
  });

  it('reports a write the module refused as a burn failure whose license was sent (suspect)', async () => {
    await fleet.swap(0, { faults: { writeRefused: true } });
    const run = await burnInProcess([
      '--port',
      ports[0]!,
      '--protocol',
      'tuya-auc',
      '--uuid',
      uuid,
      '--authkey',
      authkey,
      '--mac',
      mac,
      '--json',
    ]);
    expect(run.code).toBe(1);
    expect(json(run)).toMatchObject({ ok: false, code: 'REFUSED', exposure: 'sent-outcome-unknown', step: 'write' });
  });

  it('reports a silent module as TIMEOUT with nothing sent', async () => {
    await fleet.swap(0, { faults: { noAnswer: 'enter' } });
    const run = await burnInProcess(['--port', ports[0]!, '--protocol', 'tuya-auc', '--uuid', uuid, '--authkey', authkey, '--mac', mac]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FAILED \[TIMEOUT\] at step "connect"/);
    expect(run.stdout).toContain('(nothing-sent)');
  });

  it('refuses a license tuya-auc cannot carry (no MAC) before sending anything', async () => {
    await fleet.swap(0);
    const run = await burnInProcess(['--port', ports[0]!, '--protocol', 'tuya-auc', '--uuid', uuid, '--authkey', authkey, '--json']);
    expect(run.code).toBe(1);
    expect(json(run)).toMatchObject({ ok: false, code: 'INVALID_LICENSE', exposure: 'nothing-sent' });
    expect((await fleet.readFlash(0))?.uuid).toBeNull();
  });

  it('exits 3 when --reset asks for modem lines a pty does not have, with nothing sent', async () => {
    await fleet.swap(0);
    const named = await burnInProcess([
      '--port',
      ports[0]!,
      '--protocol',
      'tuya-auc',
      '--uuid',
      uuid,
      '--authkey',
      authkey,
      '--mac',
      mac,
      '--reset',
      'ch340',
    ]);
    expect(named.code).toBe(3);
    expect(named.stderr).toMatch(/Could not set DTR\/RTS on .*port0-host[\s\S]*Nothing was sent/);
    const auto = await burnInProcess([
      '--port',
      ports[0]!,
      '--protocol',
      'tuya-auc',
      '--uuid',
      uuid,
      '--authkey',
      authkey,
      '--mac',
      mac,
      '--reset',
      'auto',
    ]);
    expect(auto.code).toBe(3);
    expect(auto.stderr).toMatch(/No known USB programmer sits behind .*port0-host/);
    const unknown = await burnInProcess([
      '--port',
      ports[0]!,
      '--protocol',
      'tuya-auc',
      '--uuid',
      uuid,
      '--authkey',
      authkey,
      '--mac',
      mac,
      '--reset',
      'pl2303',
    ]);
    expect(unknown.code).toBe(2);
    expect((await fleet.readFlash(0))?.uuid).toBeNull();
  });

  it('lists the fleet host ports with --list-ports', async () => {
    const dir = dirname(ports[0]!);
    const run = await burnCli(['--list-ports', '--virtual-dir', dir, '--json']);
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout) as { ports: { path: string; kind: string; key: string }[]; warnings: string[] };
    const virtual = listed.ports.filter((p) => p.kind === 'virtual');
    expect(virtual.map((p) => p.path).sort()).toEqual([...ports].sort());
    expect(virtual.map((p) => p.key).sort()).toEqual(ports.map((p) => `tty:${p}`).sort());
  });
});

describe('npm run burn against a virtual tuyaopen-cli module', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await Fleet.start({ protocol: 'tuyaopen-cli', count: 1 });
  });
  afterAll(async () => {
    await fleet?.stop();
  });

  it('burns a good license and prints the verified outcome', async () => {
    const [port] = await fleet.ports();
    const run = await burnCli(['--port', port!.hostPath, '--protocol', 'tuyaopen-cli', '--uuid', uuid, '--authkey', authkey, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(json(run)).toMatchObject({
      ok: true,
      code: 'BURNED',
      exposure: 'verified',
      protocol: 'tuyaopen-cli',
      module: { uuid, authkeyMatchesSent: true },
    });
    expect(await fleet.readFlash(0)).toMatchObject({ uuid, authkey });
  });
});

describe('npm run burn with bad arguments', () => {
  it.each([
    ['a missing --authkey', ['--port', '/dev/ttyUSB0', '--protocol', 'tuya-auc', '--uuid', uuid], /Missing --authkey/],
    [
      'an unknown protocol',
      ['--port', '/dev/ttyUSB0', '--protocol', 'zigbee', '--uuid', uuid, '--authkey', authkey],
      /Unknown protocol "zigbee": use one of tuya-auc, tuyaopen-cli/,
    ],
    [
      'a short uuid',
      ['--port', '/dev/ttyUSB0', '--protocol', 'tuya-auc', '--uuid', 'abc', '--authkey', authkey],
      /--uuid is not valid: uuid must be 16 or 20 characters/,
    ],
    ['an unknown option', ['--port', '/dev/ttyUSB0', '--colour', 'red'], /Unknown option '--colour'/],
    [
      'an odd baud rate',
      ['--port', '/dev/ttyUSB0', '--protocol', 'tuya-auc', '--uuid', uuid, '--authkey', authkey, '--baud', '12345'],
      /--baud 12345 is not a baud rate/,
    ],
  ])('exits 2 with a clear message for %s', async (_what, args, message) => {
    const run = await burnInProcess(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toMatch(/Run with --help/);
    expect(run.stdout).toBe('');
  });

  it('exits 2 from the real command line, before touching the port', async () => {
    const run = await burnCli(['--port', '/dev/cs-no-such-port', '--protocol', 'tuya-auc', '--uuid', uuid]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('Missing --authkey. Run with --help to see how to use it.\n');
    expect(run.stdout).toBe('');
  });

  it('never echoes a malformed authkey', async () => {
    const secretish = 'NotQuiteAKey-but-still-secret!';
    const run = await burnInProcess(['--port', '/dev/ttyUSB0', '--protocol', 'tuya-auc', '--uuid', uuid, '--authkey', secretish]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--authkey is not valid/);
    expect(run.stderr).not.toContain(secretish);
  });

  it('exits 3 when the port does not exist, saying nothing was sent', async () => {
    const run = await burnCli([
      '--port',
      '/dev/cs-no-such-port',
      '--protocol',
      'tuya-auc',
      '--uuid',
      uuid,
      '--authkey',
      authkey,
      '--mac',
      mac,
    ]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Port \/dev\/cs-no-such-port does not exist\. Check that the programmer is plugged in\./);
    expect(run.stderr).toMatch(/Nothing was sent/);
  });

  it('prints the usage with --help and exits 0', async () => {
    const run = await burnInProcess(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Exit codes: 0 burned and verified, 1 the burn failed/);
  });
});
