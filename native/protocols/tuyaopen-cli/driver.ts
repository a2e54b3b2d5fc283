import { AppError, isAppError } from '../../../common/errors';
import { systemClock, type Clock } from '../../../common/clock';
import { silentLogger, type Logger } from '../../../common/log';
import type { Transport } from '../../transport/types';
import { BurnProgress } from '../burn-progress';
import { existingLicenseVerdict } from '../burn-rules';
import { driverInternal, isLostPort } from '../failure';
import type { BurnOptions, BurnOutcome, BurnStep, LicenseRejection, LicenseToBurn, ModuleDriver, ModuleIdentity } from '../types';
import { messages } from './messages';
import {
  ConsoleDecoder,
  encodeCommand,
  isCleanLine,
  parseAuthRead,
  parseAuthWrite,
  parseReadMac,
  cliMessages,
  type AuthReadAnswer,
  type ConsoleEvent,
} from './codec';

const LF = Buffer.from('\n');

/** The two console generations the spec describes. */
export type CliFirmware = 'current' | 'legacy';

/** What each generation accepts, as data (STYLE.md: device differences are data). */
export const cliFirmwares: Readonly<Record<CliFirmware, { uuidLengths: readonly number[]; storageForm: boolean; prompt: string }>> = {
  current: { uuidLengths: [16, 20], storageForm: true, prompt: 'tuya> ' },
  legacy: { uuidLengths: [20], storageForm: false, prompt: 'tuya>' },
};

export interface CliTimeouts {
  /** Until a prompt answers (the module may still be booting and printing its banner). */
  connectMs: number;
  /** How often to press Enter again while no prompt has come. */
  pokeMs: number;
  /** Until `auth-read` has answered with its prompt. */
  readMs: number;
  /** Until `auth` has answered with its prompt (covers the module's flash write). */
  writeMs: number;
}

export const defaultCliTimeouts: CliTimeouts = { connectMs: 3000, pokeMs: 100, readMs: 1000, writeMs: 3000 };

export interface TuyaopenCliDriverOptions {
  timeouts?: Partial<CliTimeouts> | undefined;
  /**
   * Use `auth <uuid> <authkey> <storage> [mac]` (current firmware): 0 = key-value
   * store, 1 = one-time-programmable memory. The license's mac is added when it has one.
   * Unset: the two-argument form.
   */
  storage?: 0 | 1 | undefined;
  /** The firmware generation when the slot knows it; otherwise learned from the prompt. */
  firmware?: CliFirmware | undefined;
  /** How often a garbled `auth-read` answer is read again (reads change nothing). */
  readRetries?: number | undefined;
  clock?: Clock | undefined;
  logger?: Logger | undefined;
}

/** Counts of what crossed the wire, for the wire-floor benchmark. */
export interface CliWireStats {
  bytesSent: number;
  bytesReceived: number;
  /** Enter presses: the one byte of each command the module does not echo as itself. */
  enters: number;
}

interface Answer {
  lines: string[];
  garbled: boolean;
}

/**
 * Burns a license over a TuyaOpen console (shared/protocols/tuyaopen-cli.md).
 * The transport is opened here when needed and closed by whoever made it.
 */
export class TuyaopenCliDriver implements ModuleDriver {
  readonly protocol = 'tuyaopen-cli' as const;
  readonly stats: CliWireStats = { bytesSent: 0, bytesReceived: 0, enters: 0 };
  private readonly decoder = new ConsoleDecoder();
  private events: ConsoleEvent[] = [];
  private readonly timeouts: CliTimeouts;
  private readonly clock: Clock;
  private readonly log: Logger;
  private learnedFirmware: CliFirmware | null = null;
  /** The module's MAC from `read_mac`, read once per connect; null where the firmware has none. */
  private moduleMac: string | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly options: TuyaopenCliDriverOptions = {},
  ) {
    this.timeouts = { ...defaultCliTimeouts, ...options.timeouts };
    this.clock = options.clock ?? systemClock;
    this.log = (options.logger ?? silentLogger).child({ port: transport.path, protocol: 'tuyaopen-cli' });
  }

  /** The firmware generation: configured, or learned from the prompt (`tuya> ` current, `tuya>` older); null while unknown. */
  get firmware(): CliFirmware | null {
    if (this.options.firmware) return this.options.firmware;
    if (this.learnedFirmware) return this.learnedFirmware;
    const style = this.decoder.promptStyle;
    return style === 'spaced' ? 'current' : style === 'bare' ? 'legacy' : null;
  }

  async detect(options: { timeoutMs: number; signal?: AbortSignal }): Promise<boolean> {
    try {
      await this.connect(options.timeoutMs, options.signal);
      return true;
    } catch (e) {
      if (isAppError(e, 'TIMEOUT')) return false;
      throw e;
    }
  }

  async readIdentity(options: { signal?: AbortSignal } = {}): Promise<ModuleIdentity> {
    await this.connect(this.timeouts.connectMs, options.signal);
    this.moduleMac = await this.readMac(options.signal);
    const answer = await this.authRead(options.signal);
    if (answer.kind === 'license') return this.identity(answer.uuid, answer.authkey);
    if (answer.kind === 'empty') return this.identity(null, null);
    throw readAnswerError(answer, this.transport.path, false);
  }

  /**
   * `auth-reset`: erases the module's license (a supervisor's action, e.g. to
   * re-use a module). True when something was erased, false when it held none.
   */
  async resetAuthorization(options: { signal?: AbortSignal } = {}): Promise<boolean> {
    await this.connect(this.timeouts.connectMs, options.signal);
    const answer = await this.exchange(encodeCommand(['auth-reset']), this.timeouts.writeMs, options.signal);
    if (!answer.garbled && answer.lines.length === 1 && answer.lines[0] === cliMessages.resetOk) return true;
    if (!answer.garbled && answer.lines.length === 1 && answer.lines[0] === cliMessages.resetFailed) return false;
    throw new AppError(
      'REFUSED',
      `The module did not confirm "auth-reset" (it answered "${answer.lines.join(' / ').slice(0, 80)}"). Read it back before using it again.`,
    );
  }

  async burn(license: LicenseToBurn, options: BurnOptions = {}): Promise<BurnOutcome> {
    const { signal } = options;
    const progress = new BurnProgress(options, () => this.clock.now());

    try {
      // The host refuses what no module can take before a single byte leaves.
      this.checkLicense(license, this.options.firmware ?? null);
      progress.enter('connect');
      await this.connect(this.timeouts.connectMs, signal);

      progress.enter('check');
      // The module's identity, recorded with the burn and used to recognise it when a suspect is settled.
      this.moduleMac = null;
      this.moduleMac = await this.readMac(signal);
      const before = await this.authRead(signal);
      if (before.kind !== 'license' && before.kind !== 'empty') throw readAnswerError(before, this.transport.path, false);
      progress.existing = before.kind === 'license' ? this.identity(before.uuid, before.authkey) : this.identity(null, null);
      // The prompt style is known now (the echo followed it): refuse what this generation cannot take.
      this.checkLicense(license, this.firmware);
      if (existingLicenseVerdict(progress.existing, license, options.allowReauthorize) === 'holds-this') {
        progress.enter('write');
        await this.beforeWrite(options, progress.existing);
        progress.enter('finish');
        return progress.verified(progress.existing);
      }

      progress.enter('write');
      if (signal?.aborted) throw canceled();
      const command = this.authCommand(license);
      await this.beforeWrite(options, progress.existing);
      if (signal?.aborted) throw canceled();
      progress.sent = true;
      const unclear = await this.write(command, signal);
      let after: AuthReadAnswer | { kind: 'garbled' };
      if (unclear === null) {
        progress.enter('verify');
        after = await this.readBack(signal, false);
      } else {
        // A reset inside `auth`, an answer split by logs, garbled or missing: the module's flash tells, not its answer.
        this.log.warn({ code: unclear.code }, 'no clear answer to the write: reading the module back');
        const read = await this.readBack(signal, true).catch((e: unknown) => {
          if (isAppError(e, 'TIMEOUT')) return null;
          throw e;
        });
        if (read?.kind !== 'license')
          throw new AppError(unclear.code, unclear.message, { ...unclear.details, readBack: read?.kind ?? 'no answer' });
        progress.enter('verify');
        after = read;
      }
      if (after.kind === 'license') {
        const module = this.identity(after.uuid, after.authkey);
        if (after.uuid !== license.uuid || after.authkey !== license.authkey) {
          progress.existing = module;
          throw new AppError(
            'VERIFY_MISMATCH',
            `The module ${unclear === null ? 'confirmed the write but' : 'gave no clear answer to the write and'} reads back a different license (uuid ${after.uuid}). Keep the module aside for a supervisor: the license is marked suspect.`,
            { readUuid: after.uuid, uuidMatches: after.uuid === license.uuid, authkeyMatches: after.authkey === license.authkey },
          );
        }
        progress.enter('finish');
        return progress.verified(module);
      }
      if (after.kind === 'empty') {
        throw new AppError(
          'VERIFY_MISMATCH',
          `The module confirmed the write but reads back no license ("${cliMessages.readFailed}"). Keep the module aside for a supervisor: the license is marked suspect.`,
        );
      }
      throw readAnswerError(after, this.transport.path, true);
    } catch (e) {
      return progress.failed(this.burnError(e, progress.step, progress.sent).toJSON());
    }
  }

  /** Finds the prompt: presses Enter now and every `pokeMs` until one comes (the module may be booting). */
  private async connect(timeoutMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (!this.transport.isOpen) await this.transport.open();
    await this.transport.flushInput();
    this.decoder.reset();
    this.learnedFirmware = null;
    this.events = [];
    const deadline = this.clock.now() + timeoutMs;
    for (;;) {
      const written = this.send(LF, 1);
      const pokeAt = Math.min(deadline, this.clock.now() + this.timeouts.pokeMs);
      try {
        for (;;) {
          const event = await this.nextEvent(pokeAt, signal);
          if (event.type === 'prompt') return await written;
        }
      } catch (e) {
        // A failed write explains a failed read better than the read does.
        await written;
        if (!isAppError(e, 'TIMEOUT') || this.clock.now() >= deadline) throw e;
      }
    }
  }

  /** `auth-read`, read again while its answer comes garbled or unexpected. */
  private authRead(signal: AbortSignal | undefined): Promise<AuthReadAnswer | { kind: 'garbled' }> {
    return this.read('auth-read', parseAuthRead, signal);
  }

  /**
   * The read-back after a write. A missing, garbled or unexpected answer is
   * not a verdict: the prompt is found again (the module may have reset) and
   * the module read once more. `reconnect`: find the prompt first.
   */
  private async readBack(signal: AbortSignal | undefined, reconnect: boolean): Promise<AuthReadAnswer | { kind: 'garbled' }> {
    if (!reconnect) {
      try {
        const answer = await this.authRead(signal);
        if (answer.kind !== 'garbled' && answer.kind !== 'unexpected') return answer;
      } catch (e) {
        if (!isAppError(e, 'TIMEOUT')) throw e;
      }
      this.log.warn({}, 'no clear read-back: finding the prompt again');
    }
    await this.connect(this.timeouts.connectMs, signal);
    return this.authRead(signal);
  }

  /**
   * `read_mac` where the firmware has it (older firmware answers "No command",
   * and is not asked once it is known); null when the module cannot tell its
   * MAC. The MAC identifies the module; a burn does not depend on it.
   */
  private async readMac(signal: AbortSignal | undefined): Promise<string | null> {
    if (this.firmware === 'legacy') return null;
    const answer = await this.read('read_mac', parseReadMac, signal);
    return answer.kind === 'mac' ? answer.mac : null;
  }

  /**
   * A command that only reads, typed again while its answer comes garbled or
   * unexpected (reads change nothing); the last reading when it stays so.
   */
  private async read<T extends { kind: string }>(
    command: string,
    parse: (lines: readonly string[]) => T,
    signal: AbortSignal | undefined,
  ): Promise<T | { kind: 'garbled' }> {
    const retries = this.options.readRetries ?? 2;
    for (let attempt = 0; ; attempt++) {
      const answer = await this.exchange(encodeCommand([command]), this.timeouts.readMs, signal);
      const parsed = answer.garbled ? null : parse(answer.lines);
      if (parsed !== null && parsed.kind !== 'unexpected') return parsed;
      this.log.warn({ attempt, command, garbled: answer.garbled }, 'unreadable answer to a read');
      if (attempt >= retries) return parsed ?? { kind: 'garbled' };
    }
  }

  /**
   * Types one command and collects its answer: lines after the echo, up to the
   * next prompt, without blank and log lines. Prompts before the echo belong to
   * earlier Enter presses and are skipped.
   */
  private async exchange(command: Buffer, timeoutMs: number, signal: AbortSignal | undefined): Promise<Answer> {
    const echo = command.toString('latin1', 0, command.length - 1);
    const deadline = this.clock.now() + timeoutMs;
    const written = this.send(command, 1);
    try {
      const answer = await this.collect(echo, deadline, signal);
      await written;
      return answer;
    } catch (e) {
      // A failed write explains a failed read better than the read does.
      await written;
      throw e;
    }
  }

  private async collect(echo: string, deadline: number, signal: AbortSignal | undefined): Promise<Answer> {
    let echoed = false;
    let garbled = false;
    const lines: string[] = [];
    for (;;) {
      const event = await this.nextEvent(deadline, signal);
      if (event.type === 'log') continue;
      if (!echoed) {
        if (event.type === 'line' && (event.text === echo || !isCleanLine(event.text))) {
          echoed = true;
          garbled = event.text !== echo;
        }
        continue;
      }
      if (event.type === 'prompt') return { lines, garbled };
      if (event.text === '') continue;
      if (!isCleanLine(event.text)) garbled = true;
      lines.push(event.text);
    }
  }

  /**
   * Starts a write and returns it without waiting: the echo and the answer may
   * come while the port still drains, so reading starts at once. Whoever gets
   * the promise awaits it.
   */
  private send(bytes: Buffer, enters: number): Promise<void> {
    this.stats.bytesSent += bytes.length;
    this.stats.enters += enters;
    const written = this.transport.write(bytes);
    // Awaited by the caller; this only keeps an early rejection from counting as unhandled.
    written.catch(() => undefined);
    return written;
  }

  private async nextEvent(deadline: number, signal: AbortSignal | undefined): Promise<ConsoleEvent> {
    while (this.events.length === 0) {
      const timeoutMs = deadline - this.clock.now();
      if (timeoutMs <= 0) throw new AppError('TIMEOUT', `No answer on ${this.transport.path} in time.`);
      const chunk = await this.transport.read(signal ? { timeoutMs, signal } : { timeoutMs });
      this.stats.bytesReceived += chunk.length;
      this.events = this.decoder.push(chunk);
    }
    return this.events.shift()!;
  }

  private authCommand(license: LicenseToBurn): Buffer {
    const words = ['auth', license.uuid, license.authkey];
    if (this.options.storage !== undefined) {
      words.push(String(this.options.storage));
      if (license.mac) words.push(license.mac);
    }
    return encodeCommand(words);
  }

  /**
   * Types `auth` and reads its answer: null when the module confirmed; the
   * error when its answer does not tell (garbled, unexpected such as boot
   * output after a reset inside `auth`, or none in time), for a read-back to
   * settle. A clear refusal is thrown.
   */
  private async write(command: Buffer, signal: AbortSignal | undefined): Promise<AppError | null> {
    try {
      return this.checkWriteAnswer(await this.exchange(command, this.timeouts.writeMs, signal));
    } catch (e) {
      if (isAppError(e, 'TIMEOUT')) return e;
      throw e;
    }
  }

  private checkWriteAnswer(answer: Answer): AppError | null {
    if (answer.garbled) {
      return new AppError(
        'CHECKSUM',
        'The module answered the write with garbled characters, so the station cannot tell whether it took the license. Keep the module aside for a supervisor: the license is marked suspect.',
      );
    }
    const parsed = parseAuthWrite(answer.lines, this.options.storage);
    switch (parsed.kind) {
      case 'written':
        return null;
      case 'failed':
        throw new AppError(
          'REFUSED',
          `The module could not store the license ("${answer.lines[0]}"); part of it may be stored. Keep the module aside for a supervisor: the license is marked suspect.`,
        );
      case 'refused-arguments':
        if (parsed.firmware !== 'unknown') this.learnedFirmware = parsed.firmware;
        throw new AppError(
          'REFUSED',
          `The module refused the license ("${parsed.message}") and wrote nothing. ${parsed.message === cliMessages.lengthLegacy ? 'Its older firmware takes only 20-character uuids: use a group with 20-character uuids or update the firmware.' : 'Check the license and the slot settings.'} A supervisor can release the license after reading the module back.`,
          { moduleWroteNothing: true, moduleMessage: parsed.message },
        );
      case 'unsupported':
        throw new AppError(
          'REFUSED',
          `The module's firmware has no "auth" command ("${cliMessages.unknownCommand}"). Flash firmware with the TuyaOpen authorization console; a supervisor can release the license after reading the module back.`,
          { moduleWroteNothing: true },
        );
      case 'mac-unreadable':
        throw new AppError(
          'MAC_UNREADABLE',
          `The module's firmware cannot read the module's Wi-Fi MAC address and refused the license ("${cliMessages.macWriteFailed}"); it stored nothing. Put the module aside: the license is marked suspect until a supervisor reads the module back.`,
          { moduleWroteNothing: true },
        );
      case 'otp-unsupported':
        throw new AppError(
          'OTP_UNSUPPORTED',
          `The module cannot store a license in one-time memory ("${cliMessages.otpUnsupported}"); it stored nothing. Turn off OTP storage for this slot; the license is marked suspect until a supervisor reads the module back.`,
          { moduleWroteNothing: true },
        );
      case 'unexpected':
        // Not a word of the answer goes into the message: it may hold log text (debug logs carry the authkey).
        return new AppError(
          'REFUSED',
          `The module answered the write with ${answer.lines.length} line(s) that are not a confirmation, and reading it back did not show the license. Keep the module aside for a supervisor: the license is marked suspect.`,
          { answerLines: answer.lines.length },
        );
    }
  }

  /** The ledger journals `sending` here; if it cannot, the burn stops with nothing sent. */
  private async beforeWrite(options: BurnOptions, existing: ModuleIdentity): Promise<void> {
    try {
      await options.beforeWrite?.(existing);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      throw new AppError(
        'CANCELED',
        `The burn was stopped before writing because the station could not record it (${message}). Nothing was written, so the license stays free; fix the cause and retry.`,
        { step: 'write' },
      );
    }
  }

  private checkLicense(license: LicenseToBurn, firmware: CliFirmware | null): void {
    const invalid = (rejection: LicenseRejection, message: string) =>
      new AppError('INVALID_LICENSE', `${message} Nothing was sent to the module; set this license aside and report it.`, {
        rejection,
        uuidLength: license.uuid.length,
      });
    const visible = /^[\x21-\x7e]+$/;
    if (license.authkey.length !== 32 || !visible.test(license.authkey))
      throw invalid(
        'authkey',
        `The license's authkey has ${license.authkey.length} characters (or spaces); modules take exactly 32 visible characters.`,
      );
    if (![16, 20].includes(license.uuid.length) || !visible.test(license.uuid))
      throw invalid(
        'uuid',
        `The license's uuid "${license.uuid}" has ${license.uuid.length} characters; modules take 16 or 20 without spaces.`,
      );
    if (this.options.storage !== undefined && license.mac !== undefined && !/^[0-9A-Fa-f]{12}$/.test(license.mac)) {
      throw invalid('mac', `The license's MAC "${license.mac}" is not 12 hexadecimal digits.`);
    }
    if (firmware === null) return;
    if (!cliFirmwares[firmware].uuidLengths.includes(license.uuid.length)) {
      throw new AppError(
        'INVALID_LICENSE',
        `This module runs older console firmware (prompt "tuya>" without a space) that takes only 20-character uuids; this license's uuid has ${license.uuid.length}. Nothing was sent: use a group with 20-character uuids or update the module's firmware.`,
        { firmware, rejection: 'uuid' satisfies LicenseRejection, uuidLength: license.uuid.length },
      );
    }
    if (this.options.storage !== undefined && !cliFirmwares[firmware].storageForm) {
      throw new AppError(
        'REFUSED',
        'This module runs older console firmware that ignores the storage/MAC form of "auth". Nothing was sent: turn off the storage setting for this slot or update the module\'s firmware.',
        { firmware },
      );
    }
  }

  private identity(uuid: string | null, authkey: string | null): ModuleIdentity {
    const firmware = this.firmware;
    return { uuid, authkey, mac: this.moduleMac, ...(firmware ? { firmware: { name: 'tuyaopen-cli', version: firmware } } : {}) };
  }

  /** Any failure as the AppError of the outcome, with a message that says what to do now. */
  private burnError(e: unknown, step: BurnStep, sent: boolean): AppError {
    const path = this.transport.path;
    if (
      isAppError(e) &&
      (['INVALID_LICENSE', 'ALREADY_AUTHORIZED', 'VERIFY_MISMATCH', 'REFUSED', 'CHECKSUM'].includes(e.code) ||
        Object.hasOwn(messages, e.code))
    )
      return e;
    if (isAppError(e, 'CANCELED') && e.details?.['step'] === 'write' && !sent) return e;
    const suspect =
      'The license may be on the module: keep the module aside for a supervisor to read it back (the license is marked suspect).';
    const free = 'Nothing was written, so the license stays free.';
    if (isAppError(e, 'TIMEOUT')) {
      if (step === 'connect' && this.decoder.sawNoise) {
        return new AppError(
          'CHECKSUM',
          `The module on ${path} prints garbled characters instead of a prompt: check that the port runs at 115200 baud and the cable is sound, then retry. ${free}`,
        );
      }
      const what =
        step === 'connect'
          ? `No console prompt ("tuya>") on ${path} within ${this.timeouts.connectMs} ms. Check that a module sits in the jig, is powered and runs the TuyaOpen console, then retry.`
          : step === 'check'
            ? `The module on ${path} stopped answering while the station read it. Re-seat it and retry.`
            : step === 'write'
              ? `The module on ${path} did not confirm the write within ${this.timeouts.writeMs} ms.`
              : `The module on ${path} did not answer the read-back after the write.`;
      return new AppError('TIMEOUT', `${what} ${sent ? suspect : free}`, { ...e.details, step });
    }
    if (isAppError(e, 'CANCELED')) return new AppError('CANCELED', `The burn was stopped. ${sent ? suspect : free}`, { step });
    if (isLostPort(e)) {
      return new AppError(
        'DISCONNECTED',
        `Lost the connection to ${path} (${e.message}). Check the module and the programmer's cable. ${sent ? suspect : free}`,
        { step, cause: e.code },
      );
    }
    // Not recognised: the station's own fault, not the module's or the cable's.
    const internal = driverInternal(e, path);
    this.log.error({ err: e instanceof Error ? e.stack : String(e), step }, 'internal error in a burn');
    return new AppError('DRIVER_INTERNAL', `${internal.message} ${sent ? suspect : free}`, { ...internal.details, step });
  }
}

function canceled(): AppError {
  return new AppError('CANCELED', 'The burn was stopped.');
}

function readAnswerError(
  answer: Exclude<AuthReadAnswer, { kind: 'license' | 'empty' }> | { kind: 'garbled' },
  path: string,
  afterWrite: boolean,
): AppError {
  const then = afterWrite
    ? 'Keep the module aside for a supervisor: the license is marked suspect.'
    : 'Nothing was written; re-seat the module and retry.';
  switch (answer.kind) {
    case 'garbled':
      return new AppError(
        'CHECKSUM',
        `The module on ${path} keeps answering "auth-read" with garbled characters (line noise). Check the cable and the baud rate. ${then}`,
      );
    case 'unsupported':
      return new AppError(
        'REFUSED',
        `The module's firmware has no "auth-read" command ("${cliMessages.unknownCommand}"): flash firmware with the TuyaOpen authorization console. ${then}`,
      );
    case 'unexpected':
      return new AppError(
        'CHECKSUM',
        `The module answered "auth-read" with ${answer.lines.length} unexpected line(s) instead of a uuid and an authkey. ${then}`,
      );
  }
}
