import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverPorts, type DiscoveryResult } from '../../../native/transport/discovery';
import { openPtyPair, type PtyPair } from '../../../native/sim/pty-pair';
import { ProgrammerWatcher } from '../../../native/transport/programmer-watcher';
import { parsedOutput, runTsx } from '../../support/run-tsx';

const here = dirname(fileURLToPath(import.meta.url));
const machineHasUsb = existsSync('/sys/bus/usb/devices');

/** Runs discovery in a child process; resolves with its exit and parsed output. */
async function discoverInChild(
  options: object,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; result: DiscoveryResult | null; stderr: string }> {
  const run = await runTsx(join(here, 'discover-child.ts'), [JSON.stringify(options)], { env, until: 'exit' });
  return { code: run.code, signal: run.signal, result: parsedOutput<DiscoveryResult>(run), stderr: run.stderr };
}

describe('discovery on this machine', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function pair(dir?: string): Promise<PtyPair> {
    const p = await openPtyPair(dir === undefined ? {} : { dir, name: `slot${cleanups.length}` });
    cleanups.push(() => p.close());
    return p;
  }

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'cs-disc-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  it('lists the virtual module it is told about, with the pty behind it, and does not throw', async () => {
    const p = await pair();
    const result = await discoverPorts({ extraPaths: [p.hostPath] });
    const port = result.ports.find((x) => x.path === p.hostPath);
    expect(port).toMatchObject({ kind: 'virtual', sources: ['given'] });
    expect(port!.realPath).toBe(realpathSync(p.hostPath));
    expect(port!.realPath).toMatch(/^\/dev\/pts\/\d+$/);
    expect(result.usbBus).toBe(machineHasUsb);
    if (!machineHasUsb) expect(result.warnings.join('\n')).toMatch(/no USB bus/);
    // Every listed port is openable-looking: a real path, no duplicates.
    expect(new Set(result.ports.map((x) => x.path)).size).toBe(result.ports.length);
  });

  it('lists the host ends found in a fleet directory, not the module ends', async () => {
    const dir = tempDir();
    const a = await pair(dir);
    const b = await pair(dir);
    writeFileSync(join(dir, 'module0.state.json'), '{}');
    const result = await discoverPorts({ virtualDirs: [dir] });
    const virtual = result.ports.filter((x) => x.kind === 'virtual').map((x) => x.path);
    expect(virtual.sort()).toEqual([a.hostPath, b.hostPath].sort());
  });

  it('warns about a host end whose module was unplugged (dangling link) and lists the rest', async () => {
    const dir = tempDir();
    const live = await pair(dir);
    mkdirSync(join(dir, 'gone'), { recursive: true });
    symlinkSync('/dev/pts/999999', join(dir, 'port9-host'));
    const result = await discoverPorts({ virtualDirs: [dir] });
    expect(result.ports.filter((x) => x.kind === 'virtual').map((x) => x.path)).toEqual([live.hostPath]);
    expect(result.warnings.join('\n')).toMatch(/port9-host was given as a port but it does not exist/);
  });

  it('survives in a child process with the default settings and prints the pty', async () => {
    const p = await pair();
    const run = await discoverInChild({ extraPaths: [p.hostPath] });
    expect(run.stderr).toBe('');
    expect(run).toMatchObject({ code: 0, signal: null });
    expect(run.result!.ports.some((x) => x.path === p.hostPath && x.kind === 'virtual')).toBe(true);
  });

  it('survives in a child process that forces SerialPort.list() with no udevadm on PATH', async () => {
    // A PATH holding only node: SerialPort.list() cannot spawn udevadm.
    const bin = tempDir();
    symlinkSync(process.execPath, join(bin, 'node'));
    const p = await pair();
    const run = await discoverInChild({ extraPaths: [p.hostPath], udev: 'force', udevTimeoutMs: 5000 }, { ...process.env, PATH: bin });
    expect(run).toMatchObject({ code: 0, signal: null });
    expect(run.result!.udevUsed).toBe(false);
    expect(run.result!.warnings.join('\n')).toMatch(/udev could not list ports \(.*udevadm ENOENT\)/);
    expect(run.result!.ports.some((x) => x.path === p.hostPath)).toBe(true);
  });

  it('survives in a child process whose udevadm hangs, giving up at the deadline', async () => {
    const bin = tempDir();
    symlinkSync(process.execPath, join(bin, 'node'));
    writeFileSync(join(bin, 'udevadm'), '#!/bin/sh\nexec /bin/sleep 30\n', { mode: 0o755 });
    const run = await discoverInChild({ udev: 'force', udevTimeoutMs: 300 }, { ...process.env, PATH: bin });
    expect(run).toMatchObject({ code: 0, signal: null });
    expect(run.result!.warnings.join('\n')).toMatch(/udev could not list ports \(no answer within 300 ms\)/);
  });

  it('merges what SerialPort.list() says, through the helper process, when udevadm runs here', async () => {
    const udevadm = (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, 'udevadm')));
    const result = await discoverPorts({ udev: 'force', udevTimeoutMs: 5000 });
    if (udevadm) {
      expect(result.udevUsed).toBe(true);
      expect(result.ports.filter((x) => x.sources.includes('udev')).length).toBeGreaterThan(0);
    } else {
      console.log('udevadm is not installed on this machine: checking that its absence is reported instead');
      expect(result.udevUsed).toBe(false);
      expect(result.warnings.join('\n')).toMatch(/udev could not list ports/);
    }
  });

  it('a watcher over the real machine tracks a virtual module under a stable key', async () => {
    const p = await pair();
    const watcher = new ProgrammerWatcher({ extraPaths: [p.hostPath] });
    cleanups.push(() => watcher.stop());
    const started = await watcher.start();
    expect(started.usbBus).toBe(machineHasUsb);
    expect(watcher.resolve(`tty:${p.hostPath}`)).toBe(p.hostPath);
  });
});
