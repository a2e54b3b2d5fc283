import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../common/errors';

/**
 * A pair of linked pseudo-terminals made by socat: the station opens `hostPath`,
 * the virtual module opens `modulePath`. Raw, no echo, like a USB-serial cable.
 */
export interface PtyPair {
  hostPath: string;
  modulePath: string;
  /** The socat process joining the two ends. */
  pid: number | null;
  close(): Promise<void>;
}

export async function openPtyPair(options: { dir?: string; name?: string; timeoutMs?: number } = {}): Promise<PtyPair> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cs-pty-'));
  const name = options.name ?? 'port';
  const hostPath = join(dir, `${name}-host`);
  const modulePath = join(dir, `${name}-module`);
  let child: ChildProcess;
  try {
    child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${hostPath}`, `pty,raw,echo=0,link=${modulePath}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    throw new AppError('SOCAT_MISSING', 'socat is needed for virtual modules: install it (apt-get install socat).', undefined, {
      cause: e,
    });
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  // socat prints "starting data transfer loop" once both ptys exist.
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  while (!(stderr.includes('starting data transfer loop') && existsSync(hostPath) && existsSync(modulePath))) {
    const early = await Promise.race([
      exited.then((c) => `socat exited with ${c}: ${stderr.trim()}`),
      spawnError.then((e) => e.message),
      sleep(10).then(() => null),
    ]);
    if (early !== null) {
      if (ownDir) rmSync(dir, { recursive: true, force: true });
      const missing = /ENOENT/.test(early);
      throw new AppError(
        missing ? 'SOCAT_MISSING' : 'PTY_FAILED',
        missing ? 'socat is needed for virtual modules: install it (apt-get install socat).' : `Could not create a pty pair: ${early}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      if (ownDir) rmSync(dir, { recursive: true, force: true });
      throw new AppError('PTY_FAILED', `socat did not create the pty pair in time: ${stderr.trim()}`);
    }
  }

  let closed = false;
  return {
    hostPath,
    modulePath,
    pid: child.pid ?? null,
    async close() {
      if (closed) return;
      closed = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
