import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../common/errors';
import { protocolPersonality } from '../protocols';
import { VirtualModule } from './module';
import { openPtyPair, type PtyPair } from './pty-pair';
import type { FaultSet, Flash, ModuleSpec, PersonalityModule } from './types';

/** One jig position: a pty pair whose host end the station opens, and the module placed on it (if any). */
export interface FleetPortInfo {
  index: number;
  /** What the station opens. Stays the same across swaps and unplugs. */
  hostPath: string;
  modulePath: string;
  stateFile: string;
  protocol: string;
  variant: string;
  /** False after the module pulled its cable (unplug fault) until the next swap. */
  connected: boolean;
  /** The socat process behind the pty pair (null while the cable is pulled). */
  socatPid: number | null;
}

/** What tests, benchmarks and the CLI do with a fleet, in-process or in a child process. */
export interface FleetControl {
  ports(): Promise<FleetPortInfo[]>;
  /** Replaces the module on a port, as an operator places the next one: blank by default, or with the given flash/faults. */
  swap(index: number, spec?: Partial<ModuleSpec>): Promise<FleetPortInfo>;
  setFaults(index: number, faults: FaultSet): Promise<void>;
  /** The flash of the module on a port (null when the port is empty). */
  readFlash(index: number): Promise<Flash | null>;
  /** Pulls the cable of a port: the host's port vanishes until the next swap. */
  unplug(index: number): Promise<void>;
  stop(): Promise<void>;
}

export interface FleetOptions extends ModuleSpec {
  /** How many modules to start (each on its own pty pair). */
  count: number;
  /** Per-module overrides, by index. */
  modules?: (Partial<ModuleSpec> | undefined)[] | undefined;
  /** Where the pty links and state files go (default: a fresh temp dir, removed on stop). */
  dir?: string | undefined;
  log?: ((message: string) => void) | undefined;
}

interface Slot {
  index: number;
  pair: PtyPair | null;
  module: VirtualModule | null;
  spec: ModuleSpec;
  stateFile: string;
  /** Serialises operations on one port (a swap while an unplug is closing the pair). */
  busy: Promise<unknown>;
}

/** N virtual modules, each on its own socat pty pair. */
export class Fleet implements FleetControl {
  private readonly slots: Slot[] = [];
  private stopped = false;

  private constructor(
    private readonly dir: string,
    private readonly ownDir: boolean,
    private readonly base: ModuleSpec,
    private readonly personality: PersonalityModule,
    private readonly log: ((message: string) => void) | undefined,
  ) {}

  static async start(options: FleetOptions): Promise<Fleet> {
    if (!Number.isInteger(options.count) || options.count < 1)
      throw new AppError('BAD_ARGUMENT', `A fleet needs at least one module (got ${options.count}).`);
    const personality = protocolPersonality(options.protocol);
    const variant = options.variant ?? personality.variants[0];
    if (variant !== undefined && !personality.variants.includes(variant)) {
      throw new AppError(
        'BAD_ARGUMENT',
        `Unknown ${options.protocol} firmware variant "${variant}": use one of ${personality.variants.join(', ')}.`,
      );
    }
    const ownDir = options.dir === undefined;
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'cs-sim-'));
    const base: ModuleSpec = {
      protocol: options.protocol,
      variant,
      options: options.options,
      faults: options.faults,
      flash: options.flash,
      timing: options.timing,
    };
    const fleet = new Fleet(dir, ownDir, base, personality, options.log);
    try {
      await Promise.all(
        Array.from({ length: options.count }, async (_, index) => {
          const slot: Slot = {
            index,
            pair: null,
            module: null,
            spec: { ...base, ...options.modules?.[index] },
            stateFile: join(dir, `module${index}.json`),
            busy: Promise.resolve(),
          };
          fleet.slots[index] = slot;
          await fleet.place(slot, slot.spec);
        }),
      );
    } catch (e) {
      await fleet.stop();
      throw e;
    }
    return fleet;
  }

  async ports(): Promise<FleetPortInfo[]> {
    return this.slots.map((s) => this.info(s));
  }

  /** The ports right now, without a promise (in-process use). */
  get portList(): FleetPortInfo[] {
    return this.slots.map((s) => this.info(s));
  }

  /** The live module on a port, for in-process tests. */
  module(index: number): VirtualModule | null {
    return this.slot(index).module;
  }

  swap(index: number, spec: Partial<ModuleSpec> = {}): Promise<FleetPortInfo> {
    const slot = this.slot(index);
    return this.serial(slot, async () => {
      await slot.module?.stop();
      slot.module = null;
      // A swapped-in module is blank unless told otherwise; it keeps the port's protocol and timing.
      slot.spec = { ...this.base, ...spec, protocol: this.base.protocol };
      await this.place(slot, slot.spec);
      return this.info(slot);
    });
  }

  async setFaults(index: number, faults: FaultSet): Promise<void> {
    const slot = this.slot(index);
    slot.spec = { ...slot.spec, faults };
    slot.module?.setFaults(faults);
  }

  async readFlash(index: number): Promise<Flash | null> {
    const slot = this.slot(index);
    if (slot.module) return slot.module.flash();
    // An unplugged module still has its flash: read its state file.
    try {
      return (JSON.parse(await readFile(slot.stateFile, 'utf8')) as { flash: Flash }).flash;
    } catch {
      return null;
    }
  }

  unplug(index: number): Promise<void> {
    const slot = this.slot(index);
    return this.serial(slot, async () => {
      await slot.module?.stop();
      await slot.pair?.close();
      slot.pair = null;
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(
      this.slots.map(async (slot) => {
        await slot.busy.catch(() => undefined);
        await slot.module?.stop().catch(() => undefined);
        slot.module = null;
        await slot.pair?.close().catch(() => undefined);
        slot.pair = null;
      }),
    );
    if (this.ownDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private slot(index: number): Slot {
    const slot = this.slots[index];
    if (!slot)
      throw new AppError(
        'BAD_ARGUMENT',
        `There is no port ${index} in this fleet (it has ${this.slots.length}: 0 to ${this.slots.length - 1}).`,
      );
    if (this.stopped) throw new AppError('SIM_STOPPED', 'The fleet was stopped.');
    return slot;
  }

  private serial<T>(slot: Slot, fn: () => Promise<T>): Promise<T> {
    const run = slot.busy.catch(() => undefined).then(fn);
    slot.busy = run;
    return run;
  }

  private info(slot: Slot): FleetPortInfo {
    return {
      index: slot.index,
      hostPath: join(this.dir, `port${slot.index}-host`),
      modulePath: join(this.dir, `port${slot.index}-module`),
      stateFile: slot.stateFile,
      protocol: slot.spec.protocol,
      variant: slot.spec.variant ?? this.personality.variants[0] ?? '',
      connected: slot.pair !== null && slot.module?.isAlive === true,
      socatPid: slot.pair?.pid ?? null,
    };
  }

  /** Puts a module on the port (re-creating the pty pair if its cable was pulled). */
  private async place(slot: Slot, spec: ModuleSpec): Promise<void> {
    if (!slot.pair) {
      const name = `port${slot.index}`;
      // socat may leave the old links behind.
      rmSync(join(this.dir, `${name}-host`), { force: true });
      rmSync(join(this.dir, `${name}-module`), { force: true });
      slot.pair = await openPtyPair({ dir: this.dir, name });
    }
    const pair = slot.pair;
    slot.module = await VirtualModule.start({
      ...spec,
      id: `module${slot.index}`,
      path: pair.modulePath,
      personality: this.personality,
      stateFile: slot.stateFile,
      log: this.log,
      onUnplug: () => {
        // The host sees its port vanish, as when a USB programmer is pulled.
        if (slot.pair !== pair) return;
        slot.pair = null;
        const module = slot.module;
        void this.serial(slot, async () => {
          await pair.close();
          await module?.stop();
        });
      },
    });
  }
}
