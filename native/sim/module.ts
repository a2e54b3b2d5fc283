import { writeFile, rename } from 'node:fs/promises';
import { SerialTransport } from '../transport/serial';
import type { Transport } from '../transport/types';
import { isAppError } from '../../common/errors';
import { scheduler, type ScheduledTask } from './scheduler';
import { blankFlash, defaultTiming, type FaultSet, type Flash, type ModuleContext, type ModuleSpec, type Personality, type PersonalityModule, type SimTiming, type TimerHandle } from './types';

/** Bits on the wire per byte: 8N1 = start + 8 data + stop. */
export const BITS_PER_BYTE = 10;
export const byteTimeMs = (baudRate: number): number => (BITS_PER_BYTE * 1000) / baudRate;

interface SimTimer extends TimerHandle {
  readonly task: ScheduledTask;
}

/** Longest piece of an answer handed to the pty at once: a USB-serial bridge delivers in small bursts too. */
const TX_CHUNK = 64;

export interface VirtualModuleOptions extends ModuleSpec {
  id: string;
  /** The module end of a pty pair. */
  path: string;
  personality: PersonalityModule;
  /** JSON file holding the flash; none = memory only. */
  stateFile?: string | undefined;
  /** Called when the module pulls its own cable (fault), so the fleet can make the host's port vanish. */
  onUnplug?: (() => void) | undefined;
  log?: ((message: string) => void) | undefined;
  /** For tests: a transport to use instead of opening `path` with serialport. */
  transport?: Transport | undefined;
}

/**
 * One virtual module on the module end of a pty: the timing model, the
 * flash, the faults, power. What it answers is the personality's business.
 */
export class VirtualModule {
  readonly id: string;
  readonly timing: SimTiming;
  faults: FaultSet;
  private flash_: Flash;
  private readonly transport: Transport;
  private personality: Personality | null = null;
  private generation = 0;
  private timers = new Set<ScheduledTask>();
  private rxFreeAt = 0;
  private txFreeAt = 0;
  private alive = false;
  private persisting: Promise<void> = Promise.resolve();
  private readonly byteMs: number;
  private readLoop: Promise<void> | null = null;
  /** Writes handed to the port and not yet drained: closing under them would leave the port locked. */
  private readonly inflight = new Set<Promise<void>>();
  private timerIds = 0;

  private constructor(private readonly options: VirtualModuleOptions) {
    this.id = options.id;
    this.timing = { ...defaultTiming, ...options.timing };
    this.byteMs = this.timing.zero ? 0 : byteTimeMs(this.timing.baudRate);
    this.faults = { ...options.faults };
    const start: Flash = { ...blankFlash(), ...options.flash };
    if (this.faults.alreadyAuthorized && start.uuid === null) Object.assign(start, options.personality.sampleLicense ?? {});
    this.flash_ = start;
    this.transport = options.transport ?? new SerialTransport(options.path, { baudRate: this.timing.baudRate });
  }

  /** Opens the pty, writes the state file and powers the module on. */
  static async start(options: VirtualModuleOptions): Promise<VirtualModule> {
    const module = new VirtualModule(options);
    await module.transport.open();
    module.persist();
    await module.persisting;
    module.alive = true;
    module.readLoop = module.pump();
    module.powerOn();
    return module;
  }

  get protocol() {
    return this.options.personality.protocol;
  }

  get variant(): string {
    return this.options.variant ?? this.options.personality.variants[0] ?? 'standard';
  }

  get isAlive(): boolean {
    return this.alive;
  }

  flash(): Flash {
    return { ...this.flash_ };
  }

  setFaults(faults: FaultSet): void {
    this.faults = { ...faults };
  }

  /** Powers off and closes the pty end. */
  async stop(): Promise<void> {
    this.powerOff();
    this.alive = false;
    await Promise.all(this.inflight);
    await this.transport.close().catch(() => undefined);
    await this.readLoop;
    await this.persisting;
  }

  private log(message: string): void {
    this.options.log?.(`${this.id}: ${message}`);
  }

  private async pump(): Promise<void> {
    while (this.alive) {
      let chunk: Buffer;
      try {
        chunk = await this.transport.read({ timeoutMs: 3_600_000 });
      } catch (e) {
        if (isAppError(e, 'TIMEOUT')) continue;
        return; // closed or gone: the module is unplugged or stopped
      }
      this.onWire(chunk);
    }
  }

  /** Bytes from the host: each costs its wire time after whatever is still arriving. */
  private onWire(chunk: Buffer): void {
    const gen = this.generation;
    if (this.byteMs === 0) {
      if (this.personality) this.personality.receive(chunk);
      return;
    }
    const start = Math.max(scheduler.now(), this.rxFreeAt);
    this.rxFreeAt = start + chunk.length * this.byteMs;
    scheduler.at(this.rxFreeAt, () => {
      if (gen === this.generation && this.personality) this.personality.receive(chunk);
    });
  }

  private powerOn(): void {
    const gen = ++this.generation;
    this.personality = null;
    this.txFreeAt = 0;
    const bootMs = (this.timing.zero ? 0 : this.timing.bootMs) + (this.faults.slowBootMs ?? 0);
    const boot = () => {
      if (gen !== this.generation) return;
      const personality = this.options.personality.create(this.context(gen));
      this.personality = personality;
      personality.boot();
    };
    if (bootMs > 0) this.timer(gen, bootMs, boot);
    else boot();
  }

  private powerOff(): void {
    this.generation++;
    this.personality = null;
    for (const t of this.timers) scheduler.cancel(t);
    this.timers.clear();
  }

  private timer(gen: number, ms: number, fn: () => void): ScheduledTask {
    const task = scheduler.after(ms, () => {
      this.timers.delete(task);
      if (gen === this.generation) fn();
    });
    this.timers.add(task);
    return task;
  }

  /** Queues bytes on TX at the baud rate, each chunk handed over when its last byte has left. */
  private send(gen: number, bytes: Buffer): Promise<void> {
    if (gen !== this.generation || bytes.length === 0) return Promise.resolve();
    if (this.byteMs === 0) return this.write(bytes);
    const start = Math.max(scheduler.now(), this.txFreeAt);
    this.txFreeAt = start + bytes.length * this.byteMs;
    return new Promise<void>((resolve) => {
      for (let offset = 0; offset < bytes.length; offset += TX_CHUNK) {
        const piece = bytes.subarray(offset, Math.min(bytes.length, offset + TX_CHUNK));
        const last = offset + piece.length >= bytes.length;
        const task = scheduler.at(start + (offset + piece.length) * this.byteMs, () => {
          this.timers.delete(task);
          if (gen !== this.generation) return resolve();
          void this.write(piece);
          if (last) resolve();
        });
        this.timers.add(task);
      }
    });
  }

  private write(bytes: Buffer): Promise<void> {
    const done = this.transport.write(bytes).catch(() => undefined);
    this.inflight.add(done);
    void done.then(() => this.inflight.delete(done));
    return done;
  }

  private persist(): void {
    const file = this.options.stateFile;
    if (!file) return;
    const text = JSON.stringify({ id: this.id, protocol: this.protocol, variant: this.variant, flash: this.flash_ }, null, 2);
    // Writes are chained and atomic (temp + rename): a reader never sees half a flash.
    this.persisting = this.persisting.then(async () => {
      await writeFile(`${file}.tmp`, text);
      await rename(`${file}.tmp`, file);
    }).catch((e) => this.log(`could not save state file: ${e instanceof Error ? e.message : String(e)}`));
  }

  private context(gen: number): ModuleContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const module = this;
    return {
      id: this.id,
      protocol: this.protocol,
      variant: this.variant,
      options: this.options.options ?? {},
      get faults() {
        return module.faults;
      },
      timing: this.timing,
      flash: () => this.flash(),
      saveFlash: async (patch: Partial<Flash>) => {
        if (gen !== this.generation) return;
        this.flash_ = { ...this.flash_, ...patch };
        this.persist();
        const ms = this.timing.zero ? 0 : this.timing.flashWriteMs;
        if (ms > 0) await new Promise<void>((resolve) => this.timer(gen, ms, resolve));
      },
      send: (bytes) => this.send(gen, Buffer.from(bytes)),
      setTimer: (ms, fn): TimerHandle => {
        const handle: SimTimer = { id: ++this.timerIds, task: this.timer(gen, ms, fn) };
        return handle;
      },
      clearTimer: (handle) => {
        const task = (handle as SimTimer | null | undefined)?.task;
        if (!task) return;
        scheduler.cancel(task);
        this.timers.delete(task);
      },
      reboot: () => {
        if (gen !== this.generation) return;
        this.log('reset');
        this.powerOff();
        this.powerOn();
      },
      unplug: () => {
        if (gen !== this.generation) return;
        this.log('cable pulled');
        this.powerOff();
        this.alive = false;
        // The fleet makes the host's port vanish (it ends the pty pair); alone, the module just lets go of its end.
        if (this.options.onUnplug) this.options.onUnplug();
        else void Promise.all(this.inflight).then(() => this.transport.close()).catch(() => undefined);
      },
      now: () => scheduler.now(),
      log: (message) => this.log(message),
    };
  }
}
