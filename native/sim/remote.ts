import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError, type ErrorInfo } from '../../common/errors';
import type { FaultSet, Flash, ModuleSpec } from './types';
import type { FleetControl, FleetPortInfo } from './fleet';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/**
 * A fleet in a child process (`native/sim/cli.ts --control`), driven by JSON
 * lines: the station's event loop then does not share time with the modules.
 * `args` are the CLI's options, e.g. ['--count', '8', '--flash-ms', '0'].
 */
export async function spawnFleet(
  args: readonly string[],
  options: { timeoutMs?: number; onLog?: (line: string) => void } = {},
): Promise<RemoteFleet> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'cli.ts'), ...args, '--control'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const fleet = new RemoteFleet(child, options.onLog);
  await fleet.ready(options.timeoutMs ?? 20_000);
  return fleet;
}

export class RemoteFleet implements FleetControl {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readyPorts: FleetPortInfo[] | null = null;
  private readyWaiter: ((ports: FleetPortInfo[]) => void) | null = null;
  private stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(
    private readonly child: ChildProcess,
    onLog?: (line: string) => void,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      this.stderr = (this.stderr + line + '\n').slice(-4000);
      onLog?.(line);
    });
    void this.exited.then(() => {
      for (const p of this.pending.values()) p.reject(new AppError('SIM_STOPPED', 'The virtual module process has stopped.'));
      this.pending.clear();
    });
  }

  /** The ports as printed when the fleet came up. */
  get portList(): FleetPortInfo[] {
    return this.readyPorts ?? [];
  }

  async ready(timeoutMs: number): Promise<void> {
    if (this.readyPorts) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const failed = await Promise.race([
      new Promise<null>((resolve) => (this.readyWaiter = () => resolve(null))),
      this.exited.then((code) => `it exited with ${code}: ${this.stderr.trim()}`),
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`it did not start within ${timeoutMs} ms`), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (failed !== null) {
      this.child.kill('SIGKILL');
      throw new AppError('SIM_FAILED', `Could not start the virtual module process: ${failed}`);
    }
  }

  private onLine(line: string): void {
    let msg: { event?: string; ports?: FleetPortInfo[]; id?: number; ok?: boolean; value?: unknown; error?: ErrorInfo };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    if (msg.event === 'ready' && msg.ports) {
      this.readyPorts = msg.ports;
      this.readyWaiter?.(msg.ports);
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.value);
    else p.reject(new AppError(msg.error?.code ?? 'SIM_FAILED', msg.error?.message ?? 'The virtual module process failed.'));
  }

  private call<T>(op: string, body: object = {}): Promise<T> {
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      return Promise.reject(new AppError('SIM_STOPPED', 'The virtual module process has stopped.'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ id, op, ...body })}\n`);
    });
  }

  ports(): Promise<FleetPortInfo[]> {
    return this.call('ports');
  }

  swap(index: number, spec: Partial<ModuleSpec> = {}): Promise<FleetPortInfo> {
    return this.call('swap', { index, spec });
  }

  setFaults(index: number, faults: FaultSet): Promise<void> {
    return this.call('setFaults', { index, faults });
  }

  readFlash(index: number): Promise<Flash | null> {
    return this.call('readFlash', { index });
  }

  unplug(index: number): Promise<void> {
    return this.call('unplug', { index });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin!.end(); // the child stops when its control input closes
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
