import { AppError, isAppError, type ErrorInfo } from '../../../common/errors';
import type { Transport } from '../../transport/types';
import { existingLicenseVerdict } from '../burn-rules';
import { driverInternal, isBurnFailureCode, isLostPort } from '../failure';
import type { BurnFailureCode, BurnOptions, BurnOutcome, BurnStep, LicenseToBurn, ModuleDriver, ModuleIdentity } from '../types';
import {
  AUC_MODULE_VERSIONS,
  AucCommand,
  AucDecoder,
  checkAuthInfo,
  commandName,
  encodeAuthInfo,
  encodeHostFrame,
  parseEnterFlags,
  parseQueryInfo,
  parseRetAnswer,
  reverseMacBytes,
  type AucEnterFlags,
  type AucFrame,
  type AucInfo,
} from './codec';

/** How long each command may take to be answered, in ms (the wire time of the answer included). */
export interface AucTimeouts {
  /** One ENTER attempt; a booting module may need several. */
  enter: number;
  query: number;
  /** The write answer comes after the flash write. */
  write: number;
  exit: number;
}

export const defaultAucTimeouts: AucTimeouts = { enter: 250, query: 500, write: 2000, exit: 500 };

export interface AucDriverOptions {
  timeouts?: Partial<AucTimeouts>;
  /** ENTER attempts before giving up (the module may still be booting). */
  enterAttempts?: number;
  /** Monotonic milliseconds, for durations. */
  now?: () => number;
}

/** The tuya-auc burn of the spec: ENTER, QUERY_INFO, WRITE_AUTH_INFO, QUERY_INFO read-back, EXIT. */
export class TuyaAucDriver implements ModuleDriver {
  readonly protocol = 'tuya-auc' as const;
  private readonly timeouts: AucTimeouts;
  private readonly enterAttempts: number;
  private readonly now: () => number;
  private readonly decoder = new AucDecoder({ versions: AUC_MODULE_VERSIONS });
  private readonly frames: AucFrame[] = [];
  /** A damaged answer seen since the last request (the module's receiver would drop it; we report it). */
  private damaged: number[] = [];

  constructor(
    private readonly transport: Transport,
    options: AucDriverOptions = {},
  ) {
    this.timeouts = { ...defaultAucTimeouts, ...options.timeouts };
    this.enterAttempts = options.enterAttempts ?? 8;
    this.now = options.now ?? (() => performance.now());
  }

  async detect(options: { timeoutMs: number; signal?: AbortSignal }): Promise<boolean> {
    try {
      await this.request(AucCommand.ENTER, undefined, options.timeoutMs, options.signal);
      return true;
    } catch (e) {
      if (isAppError(e, 'TIMEOUT') || isAppError(e, 'CHECKSUM')) return false;
      throw e;
    }
  }

  /** ENTER (with retries) and its flags. */
  async enter(signal?: AbortSignal): Promise<AucEnterFlags> {
    let last: unknown;
    for (let attempt = 1; attempt <= this.enterAttempts; attempt++) {
      try {
        const frame = await this.request(AucCommand.ENTER, undefined, this.timeouts.enter, signal);
        const flags = parseEnterFlags(frame.data);
        if (!flags)
          throw new AppError(
            'REFUSED',
            `The module on ${this.transport.path} answered ENTER without flags. Check that it runs authorization firmware.`,
          );
        return flags;
      } catch (e) {
        if (!isAppError(e, 'TIMEOUT') && !isAppError(e, 'CHECKSUM')) throw e;
        last = e;
      }
    }
    if (isAppError(last, 'CHECKSUM')) throw last;
    throw new AppError(
      'TIMEOUT',
      `The module on ${this.transport.path} did not answer ENTER after ${this.enterAttempts} tries. Check that it sits in the jig, is powered and in authorization mode; a module already bound to a user stays silent too (reset it to factory state). Then retry.`,
      { command: 'ENTER', attempts: this.enterAttempts },
    );
  }

  async queryInfo(signal?: AbortSignal): Promise<AucInfo> {
    const frame = await this.request(AucCommand.QUERY_INFO, undefined, this.timeouts.query, signal);
    const info = parseQueryInfo(frame.data);
    if (!info || !info.ret) throw unreadable(this.transport.path, 'QUERY_INFO');
    return info;
  }

  /** The MAC stored by the last write, in the order it was written (the module reports it byte-reversed); null on a fresh module. */
  async readMac(signal?: AbortSignal): Promise<string | null> {
    const frame = await this.request(AucCommand.READ_MAC, undefined, this.timeouts.query, signal);
    const answer = parseRetAnswer(frame.data);
    if (!answer?.ret) throw unreadable(this.transport.path, 'READ_MAC');
    const mac = answer.fields.mac ?? '';
    return mac === '' ? null : reverseMacBytes(mac);
  }

  async queryFingerprint(signal?: AbortSignal): Promise<{ name: string; version: string }> {
    const frame = await this.request(AucCommand.QUERY_FINGERPRINT, undefined, this.timeouts.query, signal);
    const answer = parseRetAnswer(frame.data);
    if (!answer?.ret || answer.fields.firmName === undefined) throw unreadable(this.transport.path, 'QUERY_FINGERPRINT');
    return { name: answer.fields.firmName, version: answer.fields.firmVer ?? '' };
  }

  /** EXIT: the module answers, then resets. */
  async exit(signal?: AbortSignal): Promise<void> {
    await this.request(AucCommand.EXIT, undefined, this.timeouts.exit, signal);
  }

  /** QUERY_INFO in the authorization mode `detect` entered: no EXIT, so the module does not reset (1 s) after the look. */
  async peekIdentity(options: { signal?: AbortSignal } = {}): Promise<ModuleIdentity> {
    return identityOf(await this.queryInfo(options.signal));
  }

  async readIdentity(options: { signal?: AbortSignal } = {}): Promise<ModuleIdentity> {
    await this.transport.flushInput();
    this.reset();
    await this.enter(options.signal);
    const info = await this.queryInfo(options.signal);
    await this.exit(options.signal).catch(() => undefined); // the identity is read; a missed EXIT only delays the module's reset
    return identityOf(info);
  }

  async burn(license: LicenseToBurn, options: BurnOptions = {}): Promise<BurnOutcome> {
    const started = this.now();
    const { signal } = options;
    let step: BurnStep = 'connect';
    let exposure: 'nothing-sent' | 'sent-outcome-unknown' = 'nothing-sent';
    let existing: ModuleIdentity | undefined;
    const fail = (e: unknown): BurnOutcome => {
      const error = burnError(e, step, exposure, this.transport.path);
      return { ok: false, exposure, step, error, module: existing, durationMs: this.now() - started };
    };
    const enterStep = (s: BurnStep) => {
      step = s;
      options.onStep?.(s);
    };
    // The ledger journals `sending` here; if it refuses, the burn stops with nothing sent.
    const journal = async (held: ModuleIdentity): Promise<void> => {
      try {
        await options.beforeWrite?.(held);
      } catch (e) {
        throw new AppError('CANCELED', `The burn was stopped before writing, nothing was sent: ${isAppError(e) ? e.message : String(e)}`);
      }
    };

    // Refuse what this protocol cannot carry before a single byte goes out.
    const invalid = checkAuthInfo(license, { pidRequired: false });
    if (invalid) return fail(invalid);
    try {
      enterStep('connect');
      await this.transport.flushInput();
      this.reset();
      const flags = await this.enter(signal);
      const pidInvalid = flags.wantsPid ? checkAuthInfo(license, { pidRequired: true }) : null;

      enterStep('check');
      const before = await this.queryInfo(signal);
      existing = identityOf(before);
      const verdict = existingLicenseVerdict(existing, license, options.allowReauthorize);
      if (verdict === 'holds-this') {
        enterStep('write');
        await journal(existing);
        enterStep('finish');
        await this.exit(signal).catch(() => undefined);
        return { ok: true, exposure: 'verified', module: existing, durationMs: this.now() - started };
      }
      if (pidInvalid) throw pidInvalid;
      const data = encodeAuthInfo({
        authkey: license.authkey,
        uuid: license.uuid,
        mac: license.mac!,
        pid: flags.wantsPid ? license.pid : undefined,
      });
      const frame = encodeHostFrame(AucCommand.WRITE_AUTH_INFO, data);

      enterStep('write');
      await journal(existing);
      if (signal?.aborted) throw new AppError('CANCELED', 'The burn was cancelled before writing; nothing was sent.');
      exposure = 'sent-outcome-unknown';
      const answer = parseRetAnswer((await this.requestFrame(AucCommand.WRITE_AUTH_INFO, frame, this.timeouts.write, signal)).data);
      if (!answer?.ret) {
        throw new AppError(
          'REFUSED',
          `The module refused the license write (it answered ${answer ? 'ret:false' : 'something unreadable'}).`,
        );
      }

      enterStep('verify');
      const after = await this.queryInfo(signal);
      const mismatch = compareWritten(after, license);
      if (mismatch.length > 0) {
        throw new AppError('VERIFY_MISMATCH', `The module reads back a different ${mismatch.join(', ')} than was written.`, {
          fields: mismatch,
        });
      }

      enterStep('finish');
      // The license is verified: a missed EXIT answer only means the module resets on its 60 s watchdog.
      await this.exit(signal).catch(() => undefined);
      return { ok: true, exposure: 'verified', module: identityOf(after), durationMs: this.now() - started };
    } catch (e) {
      return fail(e);
    }
  }

  private reset(): void {
    this.decoder.reset();
    this.frames.length = 0;
    this.damaged = [];
  }

  private request(command: number, data: Uint8Array | undefined, timeoutMs: number, signal?: AbortSignal): Promise<AucFrame> {
    return this.requestFrame(command, encodeHostFrame(command, data), timeoutMs, signal);
  }

  /** Sends one frame and reads exactly until the answer with the same command byte completes. */
  private async requestFrame(command: number, frame: Buffer, timeoutMs: number, signal?: AbortSignal): Promise<AucFrame> {
    // Answers to earlier commands (a late ENTER, say) are stale by now.
    this.frames.length = 0;
    this.damaged = [];
    const deadline = this.now() + timeoutMs;
    // Read at once, while the frame is still on its way. Nor is the drain waited for (a thread-pool round trip per
    // exchange): the answer cannot come before the frame left, and a port lost meanwhile fails the read.
    let writeError: unknown = null;
    const written = this.transport.write(frame, { drain: false }).catch((e: unknown) => {
      writeError = e;
    });
    for (;;) {
      if (writeError !== null) throw writeError;
      const i = this.frames.findIndex((f) => f.command === command);
      if (i >= 0) {
        await written;
        if (writeError !== null) throw writeError;
        return this.frames.splice(0, i + 1).at(-1)!;
      }
      if (this.damaged.includes(command)) {
        throw new AppError('CHECKSUM', `The module's answer to ${commandName(command)} arrived damaged (bad checksum).`, {
          command: commandName(command),
        });
      }
      const left = deadline - this.now();
      if (left <= 0) throw timeout(this.transport.path, command, timeoutMs);
      let chunk: Buffer;
      try {
        chunk = await this.transport.read({ timeoutMs: Math.max(1, Math.ceil(left)), ...(signal ? { signal } : {}) });
      } catch (e) {
        // A failed write explains a missing answer better than the silence does.
        if (writeError !== null) throw writeError;
        if (isAppError(e, 'TIMEOUT')) throw timeout(this.transport.path, command, timeoutMs);
        throw e;
      }
      for (const event of this.decoder.push(chunk)) {
        if (event.kind === 'frame') this.frames.push(event.frame);
        else if (event.kind === 'bad-checksum') this.damaged.push(event.command);
      }
    }
  }
}

const timeout = (path: string, command: number, timeoutMs: number) =>
  new AppError('TIMEOUT', `The module on ${path} did not answer ${commandName(command)} within ${timeoutMs} ms.`, {
    command: commandName(command),
    timeoutMs,
  });

const unreadable = (path: string, command: string) =>
  new AppError(
    'REFUSED',
    `The module on ${path} answered ${command} with something this station cannot read. Check that it runs authorization firmware.`,
    { command },
  );

function identityOf(info: AucInfo): ModuleIdentity {
  return { uuid: info.uuid, authkey: info.authkey, mac: info.mac, firmware: { name: info.firmName, version: info.firmVer } };
}

/** Byte-for-byte comparison of what was written with what the module reads back. */
function compareWritten(info: AucInfo, license: LicenseToBurn): string[] {
  const differs: string[] = [];
  if (!info.raw.uuid.equals(Buffer.from(license.uuid, 'latin1'))) differs.push('uuid');
  if (!info.raw.authkey.equals(Buffer.from(license.authkey, 'latin1'))) differs.push('authkey');
  if (!info.raw.mac.equals(Buffer.from(license.mac ?? '', 'latin1'))) differs.push('mac');
  return differs;
}

/**
 * Turns a failure into a typed outcome error whose message tells the operator
 * what to do: the driver's own codes, a lost port as DISCONNECTED, anything
 * else as DRIVER_INTERNAL.
 */
function burnError(
  thrown: unknown,
  step: BurnStep,
  exposure: 'nothing-sent' | 'sent-outcome-unknown',
  path: string,
): ErrorInfo & { code: BurnFailureCode } {
  const e =
    isAppError(thrown) && isBurnFailureCode(thrown.code)
      ? thrown
      : isLostPort(thrown)
        ? new AppError('DISCONNECTED', thrown.message, thrown.details)
        : driverInternal(thrown, path);
  const code = e.code as BurnFailureCode;
  const base = e.message;
  const advice: Record<BurnFailureCode, string> = {
    TIMEOUT: 'Reseat the module and retry; if it keeps happening, check the programmer and the baud rate.',
    CHECKSUM: 'Check the cable and the programmer, then retry.',
    REFUSED: 'Put this module aside and try the next one; if every module refuses, check the firmware.',
    ALREADY_AUTHORIZED: '',
    VERIFY_MISMATCH: 'Put this module aside for a supervisor.',
    DISCONNECTED: "Check the programmer's cable and that the module is seated, then retry.",
    INVALID_LICENSE: '',
    CANCELED: '',
    DRIVER_INTERNAL: '',
  };
  const exposureNote =
    exposure === 'sent-outcome-unknown'
      ? ' The license may be in the module: it is held as suspect until a supervisor reads this module back.'
      : step === 'connect' || step === 'check'
        ? ' Nothing was written; the license stays available.'
        : '';
  const message =
    [base, code === 'DISCONNECTED' && base.includes('Check') ? '' : advice[code]].filter((s) => s !== '').join(' ') + exposureNote;
  const details = e.details;
  return details === undefined ? { code, message } : { code, message, details };
}
