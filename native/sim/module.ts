import { writeFile, rename } from 'node:fs/promises';
import { SerialTransport } from '../transport/serial';
import type { Transport } from '../transport/types';
import { isAppError } from '../../common/errors';
import { scheduler, type ScheduledTask, type SimClock } from './scheduler';
import {
  blankFlash,
  defaultTiming,
  type FaultSet,
  type Flash,
  type ModuleContext,
  type ModuleSpec,
  type Personality,
  type PersonalityModule,
  type SimTiming,
  type TimerHandle,
} from './types';

/** Bits on the wire per byte: 8N1 = start + 8 data + stop. */
export const BITS_PER_BYTE = 10;
export const byteTimeMs = (baudRate: number): number => (BITS_PER_BYTE * 1000) / baudRate;

interface SimTimer extends TimerHandle {
  readonly task: ScheduledTask;
}

/** Host bytes on their way in: byte k of `chunk` has fully arrived at start + (k + 1) byte times. */
interface RxPiece {
  chunk: Buffer;
  offset: number;
  start: number;
  gen: number;
}

/** Module bytes on their way out: byte k has left at start + (k + 1) byte times; those before `offset` are on the pty. */
interface TxPiece {
  bytes: Buffer;
  offset: number;
  start: number;
}

/**
 * How far the module's event clock may trail the wall clock when the firmware
 * acts: the runtime's own lateness up to this is not charged to the module
 * (a real one reacts in microseconds); beyond it, the wall clock counts.
 */
const MAX_CLOCK_LAG_MS = 2;

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
  /** What times the module's bytes, flash writes and firmware timers; default the process's precise scheduler on wall time (tests pass a ManualClock). */
  clock?: SimClock | undefined;
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
  private readonly clock_: SimClock;
  private personality: Personality | null = null;
  private generation = 0;
  private timers = new Set<ScheduledTask>();
  private rxFreeAt = 0;
  private txFreeAt = 0;
  private rxQueue: RxPiece[] = [];
  private rxTask: ScheduledTask | null = null;
  private txQueue: TxPiece[] = [];
  private txUnwritten = 0;
  private txTask: ScheduledTask | null = null;
  private txImmediate: ReturnType<typeof setImmediate> | null = null;
  /** Model time of the latest event the firmware has seen (a byte's arrival, a timer, a byte leaving). */
  private clock = 0;
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
    this.clock_ = options.clock ?? scheduler;
    this.transport = options.transport ?? new SerialTransport(options.path, { baudRate: this.timing.baudRate, drainWrites: false });
  }

  /** Opens the pty, writes the state file and powers the module on. */
  static async start(options: VirtualModuleOptions): Promise<VirtualModule> {
    const module = new VirtualModule(options);
    await module.transport.open();
    module.persist();
    await module.persisting;
    // A module put in the jig hears nothing sent before it was there: bytes still on their way to the module it
    // replaced (a look at the empty jig) die, as on a real jig, rather than reach this one late.
    await module.transport.flushInput();
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

  /**
   * Bytes from the host: each costs its wire time after whatever is still
   * arriving, and each is handed to the firmware on its own when its last bit
   * has arrived, as a UART delivers them (so an echo overlaps the typing).
   */
  private onWire(chunk: Buffer): void {
    if (this.byteMs === 0) {
      if (this.personality) this.personality.receive(chunk);
      return;
    }
    const start = Math.max(this.clock_.now(), this.rxFreeAt);
    this.rxFreeAt = start + chunk.length * this.byteMs;
    this.rxQueue.push({ chunk, offset: 0, start, gen: this.generation });
    if (!this.rxTask) this.armRx();
  }

  /** One scheduled task per module for the next byte due, not one per byte. */
  private armRx(): void {
    const head = this.rxQueue[0];
    if (!head) return;
    const at = head.start + (head.offset + 1) * this.byteMs;
    this.rxTask = this.clock_.at(at, () => this.deliverRx());
  }

  private deliverRx(): void {
    this.rxTask = null;
    const now = this.clock_.now();
    // A late wake delivers every byte already due, each stamped with its own arrival time.
    while (this.rxQueue.length > 0) {
      const head = this.rxQueue[0]!;
      const at = head.start + (head.offset + 1) * this.byteMs;
      if (at > now) break;
      const byte = head.chunk.subarray(head.offset, head.offset + 1);
      if (++head.offset >= head.chunk.length) this.rxQueue.shift();
      if (head.gen !== this.generation || !this.personality) continue;
      this.advance(at);
      this.personality.receive(byte);
    }
    this.armRx();
  }

  /** The module's event clock: the model time of the latest event the firmware has seen (never ahead of the wall clock). */
  private advance(at: number): void {
    if (at > this.clock) this.clock = at;
  }

  private powerOn(): void {
    const gen = ++this.generation;
    this.personality = null;
    this.advance(this.clock_.now());
    const bootMs = (this.timing.zero ? 0 : this.timing.bootMs) + (this.faults.slowBootMs ?? 0);
    const boot = () => {
      if (gen !== this.generation) return;
      this.advance(this.clock_.now());
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
    for (const t of this.timers) this.clock_.cancel(t);
    this.timers.clear();
    // Bytes that already left the TX line are on the wire: they still reach the host.
    if (this.txQueue.length > 0) this.flushTx(true);
    // Bytes still arriving or still queued on TX die with the firmware.
    this.rxQueue = [];
    if (this.rxTask) this.clock_.cancel(this.rxTask);
    this.rxTask = null;
    this.txQueue = [];
    this.txUnwritten = 0;
    if (this.txTask) this.clock_.cancel(this.txTask);
    this.txTask = null;
    if (this.txImmediate) clearImmediate(this.txImmediate);
    this.txImmediate = null;
    this.txFreeAt = 0;
  }

  private timer(gen: number, ms: number, fn: () => void): ScheduledTask {
    // A timer set while handling a byte runs from that byte's time, not from whenever this code got to run.
    const at = Math.max(this.clock, this.clock_.now() - MAX_CLOCK_LAG_MS) + ms;
    const task = this.clock_.at(at, () => {
      this.timers.delete(task);
      if (gen !== this.generation) return;
      this.advance(at);
      fn();
    });
    this.timers.add(task);
    return task;
  }

  /**
   * Queues bytes on TX at the baud rate after whatever is queued, starting no
   * earlier than the event that made the firmware send them. Resolves when the
   * last byte has left. Bytes reach the pty only once they have left (see flushTx).
   */
  private send(gen: number, bytes: Buffer): Promise<void> {
    if (gen !== this.generation || bytes.length === 0) return Promise.resolve();
    if (this.byteMs === 0) {
      void this.write(bytes);
      return Promise.resolve();
    }
    const start = Math.max(this.clock, this.clock_.now() - MAX_CLOCK_LAG_MS, this.txFreeAt);
    const end = start + bytes.length * this.byteMs;
    this.txFreeAt = end;
    this.txQueue.push({ bytes, offset: 0, start });
    this.txUnwritten += bytes.length;
    this.armTx();
    return new Promise<void>((resolve) => {
      const task = this.clock_.at(end, () => {
        this.timers.delete(task);
        if (gen === this.generation) this.advance(end);
        resolve();
      });
      this.timers.add(task);
    });
  }

  /**
   * Bytes are handed to the pty in pieces: a piece goes when its last byte has
   * left and either TX runs dry or TX_CHUNK bytes have left (a USB-serial
   * bridge delivers in bursts too), so a typed echo is not one write per byte.
   */
  private armTx(): void {
    if (this.txTask) this.clock_.cancel(this.txTask);
    this.txTask = null;
    if (this.txUnwritten === 0) return;
    const last = this.txQueue.at(-1)!;
    let at = last.start + last.bytes.length * this.byteMs;
    if (this.txUnwritten > TX_CHUNK) {
      // When the TX_CHUNK-th unwritten byte has left.
      let need = TX_CHUNK;
      for (const piece of this.txQueue) {
        const left = piece.bytes.length - piece.offset;
        if (need <= left) {
          at = Math.min(at, piece.start + (piece.offset + need) * this.byteMs);
          break;
        }
        need -= left;
      }
    }
    this.txTask = this.clock_.at(at, () => {
      this.txTask = null;
      // Let the firmware react to this same instant first (an echo continues the typing), then decide.
      if (!this.txImmediate) this.txImmediate = setImmediate(() => this.flushTx());
    });
  }

  private flushTx(final = false): void {
    this.txImmediate = null;
    const now = this.clock_.now();
    const last = this.txQueue.at(-1);
    if (!last) return;
    const dry = final || last.start + last.bytes.length * this.byteMs <= now;
    // Only bytes whose last bit has left: never a byte before its time.
    const dueIn = (piece: TxPiece) => Math.min(piece.bytes.length, Math.floor((now - piece.start) / this.byteMs + 1e-9));
    let count = 0;
    for (const piece of this.txQueue) {
      const due = dueIn(piece);
      if (due <= piece.offset) break;
      count += due - piece.offset;
      if (due < piece.bytes.length) break;
    }
    if (count > 0 && (dry || count >= TX_CHUNK)) {
      const out: Buffer[] = [];
      while (this.txQueue.length > 0) {
        const piece = this.txQueue[0]!;
        const due = dueIn(piece);
        if (due <= piece.offset) break;
        out.push(piece.bytes.subarray(piece.offset, due));
        piece.offset = due;
        if (due < piece.bytes.length) break;
        this.txQueue.shift();
      }
      this.txUnwritten -= count;
      // Merged into one write, not awaited: the next piece is paced by its own deadline, not by this one's drain.
      void this.write(out.length === 1 ? out[0]! : Buffer.concat(out, count));
    }
    if (!final) this.armTx();
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
    this.persisting = this.persisting
      .then(async () => {
        await writeFile(`${file}.tmp`, text);
        await rename(`${file}.tmp`, file);
      })
      .catch((e) => this.log(`could not save state file: ${e instanceof Error ? e.message : String(e)}`));
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
        this.clock_.cancel(task);
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
        else
          void Promise.all(this.inflight)
            .then(() => this.transport.close())
            .catch(() => undefined);
      },
      now: () => this.clock_.now(),
      log: (message) => this.log(message),
    };
  }
}
