/**
 * The virtual module's contract: a runtime (native/sim/module.ts) owns the
 * pty, the timing model, the flash file and the faults; a personality (one
 * per protocol, in its folder native/protocols/<name>/) owns only what the firmware
 * answers. A personality never touches I/O or wall-clock timers directly:
 * everything goes through its ModuleContext, so the timing model holds.
 */

/** What the module keeps across resets and power cycles (the JSON state file). Empty fields are null. */
export interface Flash {
  uuid: string | null;
  authkey: string | null;
  mac: string | null;
  hid: string | null;
  pid: string | null;
  firmName: string;
  firmVer: string;
  /** Bound to an end user (tuya-auc refuses ENTER by resetting); cleared by a successful write. */
  boundToUser: boolean;
}

export const blankFlash = (firmware: { firmName?: string; firmVer?: string } = {}): Flash => ({
  uuid: null,
  authkey: null,
  mac: null,
  hid: null,
  pid: null,
  firmName: firmware.firmName ?? 'credential-station-sim',
  firmVer: firmware.firmVer ?? '1.0.0',
  boundToUser: false,
});

/**
 * The step of a burn a fault applies to, in protocol-neutral words:
 * `enter` (tuya-auc ENTER, tuyaopen-cli prompt), `check` (the read before the
 * write), `write`, `verify` (the read after the write), `exit`. `any` = every step.
 */
export type SimStage = 'enter' | 'check' | 'write' | 'verify' | 'exit' | 'any';
export const simStages: readonly SimStage[] = ['enter', 'check', 'write', 'verify', 'exit', 'any'];

/** Faults injected into one module. Personalities honour them; the runtime handles slow boot. */
export interface FaultSet {
  /** The module stays silent to the command of this stage. */
  noAnswer?: SimStage | undefined;
  /** The answer to this stage goes out damaged (tuya-auc: wrong checksum; text protocols: a garbled line). */
  corruptChecksum?: SimStage | undefined;
  /** The write is answered with a refusal and nothing is stored. */
  writeRefused?: boolean | undefined;
  /** The write is answered as a success, but the flash keeps a damaged value (it did not take), so the read-back differs. */
  readbackMismatch?: boolean | undefined;
  /** The cable is pulled half way through the answer to this stage (the host sees its port vanish). */
  unplugMidFrame?: SimStage | undefined;
  /** The module comes with a license already in flash (applied when the module is created). */
  alreadyAuthorized?: boolean | undefined;
  /** The module ignores everything for this long after power-on and after each reset. */
  slowBootMs?: number | undefined;
}

export const faultNames = [
  'noAnswer',
  'corruptChecksum',
  'writeRefused',
  'readbackMismatch',
  'unplugMidFrame',
  'alreadyAuthorized',
  'slowBootMs',
] as const;

/** True when a fault scoped to `scope` applies to `stage`. */
export const faultHits = (scope: SimStage | undefined, stage: SimStage): boolean =>
  scope !== undefined && (scope === 'any' || scope === stage);

export interface SimTiming {
  /** Bits per second; every byte costs 10 bits (8N1) in both directions. */
  baudRate: number;
  /** What one flash write (saveFlash) costs. */
  flashWriteMs: number;
  /** Time from power-on / reset until the firmware runs (before slow-boot faults). */
  bootMs: number;
  /** No timing at all: bytes and flash writes are free (host-overhead benchmarks). */
  zero: boolean;
}

export const defaultTiming: SimTiming = { baudRate: 115200, flashWriteMs: 20, bootMs: 0, zero: false };

/** Settings a personality reads (e.g. tuya-auc `watchdogMs`, tuyaopen-cli `logLines`). */
export type PersonalityOptions = Readonly<Record<string, string | number | boolean>>;

export interface TimerHandle {
  readonly id: number;
}

/** What a personality gets from the runtime: the flash, the wire, timers, power. */
export interface ModuleContext {
  /** A name for logs, e.g. `module-3`. */
  readonly id: string;
  /** A registered protocol's name (native/protocols registeredProtocols). */
  readonly protocol: string;
  /** Firmware variant, personality-specific (tuya-auc: `standard` | `pid`; tuyaopen-cli: `current` | `legacy`). */
  readonly variant: string;
  readonly options: PersonalityOptions;
  /** The active faults (a live view: the fleet may change them at any time). */
  readonly faults: Readonly<FaultSet>;
  readonly timing: Readonly<SimTiming>;
  /** The flash as it is now (a copy). */
  flash(): Flash;
  /** Stores a change in flash: persisted to the state file; resolves after the configured flash-write time. */
  saveFlash(patch: Partial<Flash>): Promise<void>;
  /**
   * Queues bytes on the module's TX line, paced at the baud rate after
   * whatever is already queued. Resolves when the last byte has left.
   */
  send(bytes: Uint8Array | string): Promise<void>;
  /** A timer that dies with the firmware (on reboot, unplug, stop). */
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle | null | undefined): void;
  /** Resets the module: pending timers and received bytes are lost, then the personality boots afresh (RAM is gone). */
  reboot(): void;
  /** Pulls the cable: the host's port vanishes; the module is dead until the fleet swaps one in. */
  unplug(): void;
  /** Milliseconds, monotonic. */
  now(): number;
  log(message: string): void;
}

/**
 * One firmware's behaviour. A fresh instance is made at every power-on and
 * reset (RAM does not survive), then `boot()` is called once.
 */
export interface Personality {
  /** Runs when the firmware starts (e.g. prints a banner). */
  boot(): void;
  /** Bytes from the host, delivered no earlier than their last bit could have arrived. */
  receive(chunk: Buffer): void;
}

export type PersonalityFactory = (ctx: ModuleContext) => Personality;

/**
 * What every protocol's personality exports (`export const personality: PersonalityModule`),
 * carried by its descriptor (native/protocols registers it).
 */
export interface PersonalityModule {
  readonly protocol: string;
  /** Firmware variants; the first is the default. */
  readonly variants: readonly string[];
  readonly create: PersonalityFactory;
  /** A license the `alreadyAuthorized` fault puts in flash (valid for this protocol). */
  readonly sampleLicense?: Partial<Flash> | undefined;
}

/** How to build one virtual module. */
export interface ModuleSpec {
  /** A registered protocol's name (native/protocols registeredProtocols). */
  protocol: string;
  variant?: string | undefined;
  options?: PersonalityOptions | undefined;
  faults?: FaultSet | undefined;
  /** Flash to start with (defaults to blank); `alreadyAuthorized` fills uuid/authkey/mac if missing. */
  flash?: Partial<Flash> | undefined;
  timing?: Partial<SimTiming> | undefined;
}
