import { AppError, isAppError, toErrorInfo, type ErrorInfo } from '../../common/errors';
import { systemClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/log';
import type { LicenseState } from '../../common/license';
import { createDriver } from '../../native/protocols';
import {
  rejectionOf,
  type BurnOutcome,
  type BurnStep,
  type ModuleDriver,
  type ModuleIdentity,
  type ProtocolId,
} from '../../native/protocols/types';
import { playResetSequence, type ResetSequence } from '../../native/transport/programmers';
import { SerialTransport } from '../../native/transport/serial';
import type { Transport } from '../../native/transport/types';
import type { Ledger, Reservation } from '../ledger';
import { isDamageError, isDiskFullError } from '../vault';
import {
  failureMessage,
  programmerMissingMessage,
  rejectionKey,
  rejectionStop,
  type SlotFailureCode,
  type StationFailureCode,
} from './messages';
import { cannotTell, freshGuard, holdsGuard, needsIdentity, nextGuard, removalGuard, type JigProbe, type SwapGuard } from './swap-guard';

export type SlotPhase = 'idle' | 'waiting-for-module' | 'burning' | 'done' | 'failed' | 'stopped';

/** `P`: the protocol's name; the station's slots speak the built-in protocols, a slot of its own any registered one. */
export interface SlotConfig<P extends string = ProtocolId> {
  /** Stable id, e.g. `slot-1`. */
  id: string;
  /** The number printed on the jig (1-based): what messages name. */
  number: number;
  /** The tty the slot opens; for a slot bound to a programmer, where that programmer was last found. */
  port: string;
  /**
   * The stable key of the slot's programmer (ProgrammerWatcher: vid:pid:serial, usb-port:<socket>, tty:<path>).
   * With a locator, the slot opens whatever tty the programmer has at every open, and nothing while it is missing.
   */
  programmer?: string;
  /** Played on the modem lines each time the port is opened (jigs that wire the module's EN pin to DTR/RTS); default none. */
  resetSequence?: ResetSequence;
  protocol: P;
  groupId: string;
  baudRate?: number;
}

/** Where a programmer is now: its tty, or undefined while it is unplugged (ProgrammerWatcher.resolve). */
export interface ProgrammerLocator {
  resolve(key: string): string | undefined;
}

export type SlotResult =
  | { ok: true; uuid: string; moduleMac: string | null; moduleSerial: string | null; at: number; durationMs: number }
  | {
      ok: false;
      code: SlotFailureCode;
      message: string;
      step: BurnStep | null;
      uuid: string | null;
      license: 'released' | 'suspect' | 'none';
      at: number;
    };

/** What a slot shows, as one event. Never holds an authkey. */
export interface SlotSnapshot<P extends string = ProtocolId> {
  slotId: string;
  number: number;
  port: string;
  /** The programmer's stable key, or null for a slot bound to a tty path. */
  programmer: string | null;
  /** The slot's programmer is not plugged in: it opens nothing and burns nothing until it is back. */
  programmerMissing: boolean;
  protocol: P;
  groupId: string;
  connected: boolean;
  running: boolean;
  phase: SlotPhase;
  step: BurnStep | null;
  progress: number;
  /** The last burn's outcome: a port problem or a stop never replaces it, so a suspect stays in view. */
  lastResult: SlotResult | null;
  /** Why the port cannot be opened right now (the slot keeps trying), in plain words; cleared when it opens or the slot stops. */
  portProblem: string | null;
  /** Why the slot stopped by itself (blocked group, no license left, damaged license), in plain words; cleared on the next start. */
  stopReason: { code: StationFailureCode; message: string } | null;
  pendingSerial: string | null;
  burned: number;
  /**
   * After a burn, the module in the jig keeps answering but cannot be read, and the jig was not seen empty: the slot
   * cannot tell it from the module it just burned, so it burns nothing until Retry (or a removal). The tile says so.
   */
  cannotTell: boolean;
}

export interface SlotTiming {
  /** How long one presence check waits for an answer. */
  detectTimeoutMs: number;
  /** Pause between two looks at a jig whose module may not be burned. */
  pollMs: number;
  /** How long the jig must stay silent to count as "the module was taken out" (after a failure). */
  removalMs: number;
  /** Pause between attempts to reopen a port that is gone. */
  reconnectMs: number;
  /** Licenses refused in a row for the same cause (rejected) before the slot stops with the group-level reason. */
  rejectLimit: number;
  /** How long a module that answers but cannot be read may sit in the jig after a burn before the tile says the slot cannot tell. */
  unsureMs: number;
}

export const defaultSlotTiming: SlotTiming = {
  detectTimeoutMs: 250,
  pollMs: 50,
  removalMs: 200,
  reconnectMs: 500,
  rejectLimit: 3,
  unsureMs: 1000,
};

export interface SlotDeps<P extends string = ProtocolId> {
  ledger: Ledger;
  openTransport?: (path: string, baudRate: number) => Transport;
  makeDriver?: (protocol: P, transport: Transport) => ModuleDriver;
  /** Finds the slot's programmer by its key (config.programmer); without it the slot opens config.port. */
  programmers?: ProgrammerLocator;
  timing?: Partial<SlotTiming>;
  clock?: Clock;
  logger?: Logger;
  /** Called after every ledger change the slot makes (the station republishes the group's counts). */
  onLedgerChange?: (groupId: string) => void;
}

const stepProgress: Record<BurnStep, number> = { connect: 0.1, check: 0.25, write: 0.5, verify: 0.8, finish: 0.95 };

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

/**
 * One jig: a port, a protocol and a credential group, burning module after
 * module in its own async loop. Slots of a station run side by side; the
 * ledger is synchronous (better-sqlite3), so their transitions never interleave.
 */
export class Slot<P extends string = ProtocolId> {
  readonly config: Readonly<SlotConfig<P>>;
  readonly #ledger: Ledger;
  readonly #openTransport: (path: string, baudRate: number) => Transport;
  readonly #makeDriver: (protocol: P, transport: Transport) => ModuleDriver;
  readonly #programmers: ProgrammerLocator | null;
  /** The port as opened now; replaced (while closed) when the programmer comes back as another tty. */
  #transport: Transport;
  #driver: ModuleDriver;
  /** The programmer was unplugged or moved since the port was opened: close it and find the programmer again before the next burn. */
  #moved = false;
  readonly #timing: SlotTiming;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #onLedgerChange: (groupId: string) => void;
  readonly #listeners = new Set<(s: SlotSnapshot<P>) => void>();
  #state: SlotSnapshot<P>;
  #guard: SwapGuard = freshGuard();
  #loop: Promise<void> | null = null;
  /** Ends waiting at once; a burn under way is finished (graceful stop). */
  #stop: AbortController | null = null;
  /** Aborts the burn itself (stop with abandon): the driver stops before the write if it can. */
  #abandon: AbortController | null = null;
  /** Wakes the wait loop when the operator presses Retry. */
  #wake: AbortController = new AbortController();
  /** Licenses rejected in a row, all for the cause `key`. */
  #rejections: { key: string; count: number } | null = null;

  constructor(config: SlotConfig<P>, deps: SlotDeps<P>) {
    this.config = { ...config };
    this.#ledger = deps.ledger;
    this.#timing = { ...defaultSlotTiming, ...deps.timing };
    this.#clock = deps.clock ?? systemClock;
    this.#log = (deps.logger ?? silentLogger).child({ slot: config.id });
    this.#onLedgerChange = deps.onLedgerChange ?? (() => undefined);
    this.#openTransport = deps.openTransport ?? ((path, baudRate) => new SerialTransport(path, { baudRate }));
    this.#makeDriver = deps.makeDriver ?? ((protocol, transport) => createDriver(protocol, transport));
    this.#programmers = deps.programmers ?? null;
    this.#transport = this.#openTransport(config.port, config.baudRate ?? 115200);
    this.#driver = this.#makeDriver(config.protocol, this.#transport);
    this.#state = {
      slotId: config.id,
      number: config.number,
      port: config.port,
      programmer: config.programmer ?? null,
      programmerMissing: this.#locate() === null,
      protocol: config.protocol,
      groupId: config.groupId,
      connected: false,
      running: false,
      phase: 'idle',
      step: null,
      progress: 0,
      lastResult: null,
      portProblem: null,
      stopReason: null,
      pendingSerial: null,
      burned: 0,
      cannotTell: false,
    };
  }

  get id(): string {
    return this.config.id;
  }

  get snapshot(): SlotSnapshot<P> {
    return structuredClone(this.#state);
  }

  get running(): boolean {
    return this.#loop !== null;
  }

  subscribe(listener: (s: SlotSnapshot<P>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Binds another group; only while stopped. */
  setGroup(groupId: string): void {
    if (this.running) throw new AppError('SLOT_RUNNING', `Slot ${this.config.number} is running: stop it before you change its group.`);
    this.#ledger.vault.getGroup(groupId);
    (this.config as SlotConfig<P>).groupId = groupId;
    this.#set({ groupId, stopReason: null });
  }

  /** A serial number from the barcode scanner, recorded with the next burn on this slot. */
  setNextModuleSerial(serial: string | null): void {
    const value = serial?.trim() ?? '';
    if (value.length > 64 || !/^[\x20-\x7e]*$/.test(value))
      throw new AppError('BAD_SERIAL', 'A module serial number is at most 64 printable characters; scan it again.');
    this.#set({ pendingSerial: value === '' ? null : value });
  }

  /**
   * Starts the loop. Refused with GROUP_BLOCKED (and its reason) when the group
   * is blocked, so an operator sees why before anything happens.
   */
  start(): void {
    // A slot that stopped by itself may still be closing its port: the new run begins once that is done.
    if (this.#loop && this.#state.running) return;
    const group = this.#ledger.vault.getGroup(this.config.groupId);
    if (group.state === 'blocked') {
      const message = failureMessage('GROUP_BLOCKED', this.config.number, {
        group: group.name,
        detail: group.blockedReason ?? 'no reason given',
      });
      this.#set({ stopReason: { code: 'GROUP_BLOCKED', message } });
      throw new AppError('GROUP_BLOCKED', message, { groupId: group.id, reason: group.blockedReason });
    }
    this.#stop = new AbortController();
    this.#abandon = new AbortController();
    this.#guard = freshGuard();
    this.#rejections = null;
    const running = { running: true, phase: 'waiting-for-module', step: null, progress: 0, stopReason: null, cannotTell: false } as const;
    this.#set(running);
    const stop = this.#stop.signal;
    const loop: Promise<void> = (this.#loop ?? Promise.resolve())
      .then(() => {
        this.#set(running);
        return this.#run(stop);
      })
      .finally(() => {
        if (this.#loop === loop) this.#loop = null;
      });
    this.#loop = loop;
  }

  /**
   * Stops the loop. A burn under way is finished and recorded first; with
   * `abandon` it is cancelled (released if nothing was sent yet, else suspect).
   */
  async stop(options: { abandon?: boolean } = {}): Promise<void> {
    this.#stop?.abort();
    if (options.abandon) this.#abandon?.abort();
    await this.#loop;
  }

  /** The operator pressed Retry: the module in the jig may be burned (again, if nothing was written). */
  retry(): void {
    this.#guard = freshGuard();
    if (!this.#loop) {
      this.start();
      return;
    }
    this.#wake.abort();
    this.#set({ phase: 'waiting-for-module', step: null, progress: 0, cannotTell: false });
  }

  /** Reads what the module in this slot's jig holds (supervisor read-back). Only while the slot is stopped. */
  async readModule(signal?: AbortSignal): Promise<ModuleIdentity> {
    if (this.running) throw new AppError('SLOT_RUNNING', `Slot ${this.config.number} is burning: stop it before reading a module back.`);
    const path = this.#locate();
    if (path === null)
      throw new AppError('PROGRAMMER_MISSING', programmerMissingMessage(this.config.number, this.config.programmer ?? ''), {
        programmer: this.config.programmer,
      });
    this.#retarget(path);
    await this.#transport.open().catch((e: unknown) => {
      throw new AppError('PORT_ERROR', failureMessage('PORT_ERROR', this.config.number, { detail: toErrorInfo(e).message }));
    });
    try {
      return await this.#driver.readIdentity(signal ? { signal } : {});
    } finally {
      await this.#transport.close().catch(() => undefined);
    }
  }

  async #run(stop: AbortSignal): Promise<void> {
    let crashed = false;
    try {
      while (!stop.aborted) {
        if (!(await this.#ensureOpen(stop))) break;
        const go = await this.#waitForModule(stop);
        if (go === 'stop' || stop.aborted) break;
        if (go === 'reopen') continue;
        const verdict = await this.#burnOne();
        if (verdict === 'stop') break;
      }
    } catch (e) {
      crashed = true;
      this.#log.error({ err: toErrorInfo(e) }, 'slot loop failed');
      this.#fail('INTERNAL', null, null, 'none', { detail: toErrorInfo(e).message });
    } finally {
      await this.#transport.close().catch(() => undefined);
      this.#set({
        running: false,
        connected: false,
        portProblem: null,
        phase: crashed ? 'failed' : 'stopped',
        step: null,
        cannotTell: false,
      });
    }
  }

  /**
   * The programmer was unplugged, or came back as another tty (the station hears it from its
   * ProgrammerWatcher): the slot closes its port and finds its programmer again before it burns
   * anything more. A burn under way is not cut: the open port is still that programmer, and a
   * real unplug ends the burn by itself (DISCONNECTED).
   */
  programmerMoved(): void {
    if (this.config.programmer === undefined) return;
    this.#moved = true;
    this.#wake.abort();
    if (!this.running) this.#set({ programmerMissing: this.#locate() === null });
  }

  /** The tty the slot's programmer has now (config.port for a slot bound to a path); null while it is missing. */
  #locate(): string | null {
    const key = this.config.programmer;
    if (key === undefined || this.#programmers === null) return this.config.port;
    return this.#programmers.resolve(key) ?? null;
  }

  /** Points the slot at the tty its programmer has now; only while the port is closed. */
  #retarget(path: string): void {
    if (path === this.config.port || this.#transport.isOpen) return;
    (this.config as SlotConfig<P>).port = path;
    this.#transport = this.#openTransport(path, this.config.baudRate ?? 115200);
    this.#driver = this.#makeDriver(this.config.protocol, this.#transport);
    this.#log.info({ programmer: this.config.programmer, port: path }, 'programmer found on another port');
    this.#set({ port: path });
  }

  /** Opens the port of the slot's programmer (and plays the jig's reset), retrying while it is gone; false when stopped meanwhile. */
  async #ensureOpen(stop: AbortSignal): Promise<boolean> {
    let reported: 'missing' | 'port' | null = null;
    while (!stop.aborted) {
      if (this.#moved) {
        this.#moved = false;
        await this.#transport.close().catch(() => undefined);
        this.#set({ connected: false });
      }
      if (this.#transport.isOpen) return true;
      const path = this.#locate();
      if (path === null) {
        // Never a stale Done: the tile says the programmer is missing until it is back.
        if (reported !== 'missing') {
          reported = 'missing';
          this.#set({
            connected: false,
            programmerMissing: true,
            portProblem: programmerMissingMessage(this.config.number, this.config.programmer ?? ''),
            ...(this.#state.phase === 'done' ? { phase: 'waiting-for-module' as const, step: null, progress: 0 } : {}),
          });
        }
        this.#guard = nextGuard(this.#guard, { present: false }, performance.now(), this.#timing.removalMs).guard;
        if (this.#wake.signal.aborted) this.#wake = new AbortController();
        await sleep(this.#timing.reconnectMs, AbortSignal.any([stop, this.#wake.signal]));
        continue;
      }
      this.#retarget(path);
      try {
        await this.#transport.open();
        // Moved while the port was opening: this tty may be another programmer's now.
        if (this.#locate() !== path) {
          this.#moved = true;
          continue;
        }
        if (this.config.resetSequence) await playResetSequence(this.#transport, this.config.resetSequence, { signal: stop });
        this.#set({ connected: true, portProblem: null, programmerMissing: false });
        return true;
      } catch (e) {
        // A reset that could not be played leaves the port open.
        await this.#transport.close().catch(() => undefined);
        if (stop.aborted) return false;
        // Beside lastResult, never in it: the burn before the unplug (a suspect above all) stays in view.
        if (reported !== 'port') {
          reported = 'port';
          this.#set({
            connected: false,
            programmerMissing: false,
            portProblem: failureMessage('PORT_ERROR', this.config.number, { detail: toErrorInfo(e).message }),
          });
        }
        // A vanished port also means the module left the jig.
        this.#guard = nextGuard(this.#guard, { present: false }, performance.now(), this.#timing.removalMs).guard;
        await sleep(this.#timing.reconnectMs, stop);
      }
    }
    return false;
  }

  /** Polls the jig until the guard allows a burn; 'reopen' when the programmer moved meanwhile. */
  async #waitForModule(stop: AbortSignal): Promise<'burn' | 'stop' | 'reopen'> {
    while (!stop.aborted) {
      if (this.#moved) return 'reopen';
      if (this.#wake.signal.aborted) this.#wake = new AbortController();
      const guardBefore = this.#guard;
      let probe: JigProbe;
      const began = performance.now();
      try {
        probe = await this.#probe(needsIdentity(this.#guard), stop);
        // The jig stayed silent for the whole unanswered look.
        if (!probe.present) probe = { present: false, silentMs: performance.now() - began };
      } catch (e) {
        if (stop.aborted) return 'stop';
        if (isAppError(e, 'DISCONNECTED') || !this.#transport.isOpen) {
          await this.#transport.close().catch(() => undefined);
          this.#set({ connected: false });
          this.#guard = nextGuard(this.#guard, { present: false }, performance.now(), this.#timing.removalMs).guard;
          return 'reopen';
        }
        this.#log.warn({ err: toErrorInfo(e) }, 'probe failed');
        probe = { present: true, identity: null };
      }
      if (stop.aborted) return 'stop';
      if (this.#moved) return 'reopen';
      // Retry pressed while probing: the old guard's verdict no longer counts.
      if (this.#guard !== guardBefore) continue;
      const now = performance.now();
      const next = nextGuard(this.#guard, probe, now, this.#timing.removalMs);
      this.#guard = next.guard;
      const unsure = !next.burn && cannotTell(next.guard, now, this.#timing.unsureMs);
      if (unsure !== this.#state.cannotTell) this.#set({ cannotTell: unsure });
      if (next.burn) return 'burn';
      if (probe.present) await sleep(this.#timing.pollMs, AbortSignal.any([stop, this.#wake.signal]));
    }
    return 'stop';
  }

  async #probe(withIdentity: boolean, signal: AbortSignal): Promise<JigProbe> {
    const present = await this.#driver.detect({ timeoutMs: this.#timing.detectTimeoutMs, signal });
    if (!present) return { present: false };
    if (!withIdentity) return { present: true, identity: null };
    const began = performance.now();
    try {
      const identity = this.#driver.peekIdentity
        ? await this.#driver.peekIdentity({ signal })
        : await this.#driver.readIdentity({ signal });
      return { present: true, identity };
    } catch (e) {
      if (isAppError(e, 'DISCONNECTED')) throw e;
      // Unanswered: the jig was silent through the read (the module may have left the jig after the presence check).
      if (isAppError(e, 'TIMEOUT')) return { present: true, identity: null, silentMs: performance.now() - began };
      return { present: true, identity: null };
    }
  }

  /** Why a refused reserve stops the slot, in plain words; null for an error that is not a reason to stop. */
  #stopReasonFor(e: unknown): SlotSnapshot['stopReason'] {
    const { groupId, number } = this.config;
    if (isAppError(e, 'GROUP_BLOCKED')) {
      const reason = (e.details?.reason as string | undefined) ?? 'no reason given';
      return {
        code: 'GROUP_BLOCKED',
        message: failureMessage('GROUP_BLOCKED', number, { group: this.#ledger.vault.getGroup(groupId).name, detail: reason }),
      };
    }
    if (isAppError(e, 'VAULT_TAMPERED')) {
      // The ledger released the license (nothing was sent); it stays first in line, so burning on would fail again.
      const uuid = (e.details?.uuid as string | undefined) ?? null;
      this.#log.error({ err: toErrorInfo(e), uuid }, 'license fails its integrity check');
      return {
        code: 'LICENSE_DAMAGED',
        message: failureMessage('LICENSE_DAMAGED', number, { uuid, group: this.#ledger.vault.getGroup(groupId).name }),
      };
    }
    if (isAppError(e, 'NO_LICENSE_AVAILABLE')) return { code: 'NO_LICENSE_LEFT', message: failureMessage('NO_LICENSE_LEFT', number) };
    if (isDiskFullError(e)) return { code: 'DISK_FULL', message: failureMessage('DISK_FULL', number) };
    if (isDamageError(e))
      return {
        code: 'VAULT_DAMAGED',
        message: failureMessage('VAULT_DAMAGED', number, {
          detail: this.#ledger.vault.markDamaged(e instanceof Error ? e.message : String(e)).message,
        }),
      };
    if (isAppError(e, 'VAULT_DAMAGED'))
      return { code: 'VAULT_DAMAGED', message: failureMessage('VAULT_DAMAGED', number, { detail: e.message }) };
    if (isAppError(e, 'VAULT_ROLLED_BACK'))
      return { code: 'VAULT_BEHIND', message: failureMessage('VAULT_BEHIND', number, { detail: e.message }) };
    return null;
  }

  /** One burn: reserve, burn with the ledger's hooks, record. 'stop' when the slot must stop by itself. */
  async #burnOne(): Promise<'next' | 'stop'> {
    const { groupId } = this.config;
    // The programmer moved since the jig was looked at: nothing is reserved until the slot has found it again.
    if (this.#moved) return 'next';
    let reservation: Reservation;
    try {
      reservation = this.#ledger.reserve(groupId, { slot: this.config.id });
    } catch (e) {
      // Nothing was reserved, so nothing was burned: lastResult keeps the last burn and stopReason says why the slot stopped.
      // A stopped phase is never shown as running, even while the loop is still closing the port.
      const stopReason = this.#stopReasonFor(e);
      if (stopReason === null) throw e;
      this.#set({ stopReason, phase: 'stopped', running: false });
      return 'stop';
    }
    this.#onLedgerChange(groupId);
    this.#set({ phase: 'burning', step: 'connect', progress: 0.05, cannotTell: false });
    // A transition that cannot be written (disk full) ends the burn as a suspect and stops the slot.
    let diskFull: unknown = null;
    const noteDiskFull = (e: unknown): void => {
      if (isDiskFullError(e)) diskFull ??= e;
    };
    const journalSending = this.#ledger.beforeWrite(reservation, { moduleSerial: this.#state.pendingSerial });
    const beforeWrite = async (existing: ModuleIdentity): Promise<void> => {
      try {
        await journalSending(existing);
      } catch (e) {
        noteDiskFull(e);
        throw e;
      }
    };
    const journalStep = this.#ledger.onStep(reservation);
    const ledgerStep = (step: BurnStep): void => {
      try {
        journalStep(step);
      } catch (e) {
        noteDiskFull(e);
        if (diskFull === null) throw e;
      }
    };
    let outcome: BurnOutcome;
    try {
      outcome = await this.#driver.burn(
        { uuid: reservation.uuid, authkey: reservation.authkey, mac: reservation.mac, pid: reservation.pid },
        {
          beforeWrite,
          onStep: (step) => {
            ledgerStep(step);
            this.#set({ step, progress: stepProgress[step] });
          },
          signal: this.#abandon!.signal,
        },
      );
    } finally {
      reservation.authkey = '';
    }
    const serial = this.#state.pendingSerial;
    let state: LicenseState;
    try {
      if (diskFull !== null) throw diskFull;
      state = this.#ledger.finishBurn(reservation, outcome, { moduleSerial: serial });
    } catch (e) {
      noteDiskFull(e);
      if (diskFull === null) throw e;
      return this.#stopOnDiskFull(reservation.uuid, outcome);
    }
    this.#onLedgerChange(groupId);
    if (state === 'rejected' && !outcome.ok) return this.#rejected(reservation.uuid, outcome.error);
    this.#rejections = null;

    if (outcome.ok) {
      this.#guard = holdsGuard(reservation.uuid);
      const result: SlotResult = {
        ok: true,
        uuid: reservation.uuid,
        moduleMac: outcome.module.mac,
        moduleSerial: serial,
        at: this.#clock.now(),
        durationMs: Math.round(outcome.durationMs),
      };
      this.#set({ phase: 'done', step: null, progress: 1, lastResult: result, pendingSerial: null, burned: this.#state.burned + 1 });
      return 'next';
    }
    const license = state === 'suspect' ? 'suspect' : 'released';
    const held = outcome.error.code === 'ALREADY_AUTHORIZED' ? (outcome.module?.uuid ?? null) : null;
    // A module that holds a license is recognised by it; any other must be seen leaving the jig.
    this.#guard = held !== null ? holdsGuard(held) : removalGuard();
    if (outcome.error.code === 'ALREADY_AUTHORIZED') this.#set({ pendingSerial: null });
    this.#fail(outcome.error.code, outcome.step, reservation.uuid, license, { heldUuid: held, detail: outcome.error.message });
    if (outcome.error.code === 'CANCELED' && this.#stop?.signal.aborted) return 'stop';
    return 'next';
  }

  /**
   * The license was set aside (these modules cannot take it) and nothing reached the module, so the
   * module in the jig is burned with the next license at once; after `rejectLimit` in a row for the
   * same cause the slot stops with that cause for the whole group.
   */
  #rejected(uuid: string, error: ErrorInfo): 'next' | 'stop' {
    const rejection = rejectionOf(error);
    const key = rejectionKey(rejection, uuid, error.message);
    const count = this.#rejections?.key === key ? this.#rejections.count + 1 : 1;
    this.#rejections = { key, count };
    this.#log.warn({ uuid, rejection, reason: error.message }, 'license rejected: set aside');
    this.#guard = freshGuard();
    if (count < this.#timing.rejectLimit) {
      this.#set({ phase: 'waiting-for-module', step: null, progress: 0 });
      return 'next';
    }
    const group = this.#ledger.vault.getGroup(this.config.groupId).name;
    const stopReason = {
      code: 'LICENSES_REJECTED' as const,
      message: rejectionStop(rejection, { slot: this.config.number, group, count, uuidLength: uuid.length, detail: error.message }),
    };
    this.#set({ stopReason, phase: 'stopped', running: false, step: null, progress: 0 });
    return 'stop';
  }

  /** The disk is full mid-burn: the license is suspect (in memory, and after recovery on disk), the module set aside, the slot stopped. */
  #stopOnDiskFull(uuid: string, outcome: BurnOutcome): 'stop' {
    const state = this.#ledger.holdSuspect(uuid);
    this.#log.error({ uuid, state, step: outcome.ok ? null : outcome.step }, 'disk full: a ledger transition could not be written');
    this.#onLedgerChange(this.config.groupId);
    this.#guard = removalGuard();
    const message = failureMessage('DISK_FULL', this.config.number);
    this.#set({
      phase: 'stopped',
      running: false,
      step: null,
      progress: 0,
      stopReason: { code: 'DISK_FULL', message },
      lastResult: {
        ok: false,
        code: 'DISK_FULL',
        message,
        step: outcome.ok ? 'finish' : outcome.step,
        uuid,
        license: state === 'suspect' ? 'suspect' : 'none',
        at: this.#clock.now(),
      },
    });
    return 'stop';
  }

  #fail(
    code: SlotFailureCode,
    step: BurnStep | null,
    uuid: string | null,
    license: 'released' | 'suspect' | 'none',
    context: { heldUuid?: string | null; detail?: string } = {},
  ): void {
    const message = failureMessage(code, this.config.number, { license, uuid, ...context });
    this.#set({
      phase: 'failed',
      step: null,
      progress: 0,
      lastResult: { ok: false, code, message, step, uuid, license, at: this.#clock.now() },
    });
  }

  #set(patch: Partial<SlotSnapshot<P>>): void {
    this.#state = { ...this.#state, ...patch };
    const snapshot = this.snapshot;
    for (const listener of this.#listeners) {
      try {
        listener(snapshot);
      } catch (e) {
        this.#log.warn({ err: toErrorInfo(e) }, 'slot listener failed');
      }
    }
  }
}
