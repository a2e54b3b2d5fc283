import { AppError, isAppError } from '../../../common/errors';
import { BurnProgress } from '../../../native/protocols/burn-progress';
import { existingLicenseVerdict } from '../../../native/protocols/burn-rules';
import { driverInternal, isLostPort, isOutcomeCode } from '../../../native/protocols/failure';
import type { BurnOptions, BurnOutcome, LicenseToBurn, ModuleDriver, ModuleIdentity } from '../../../native/protocols/types';
import type { Transport } from '../../../native/transport/types';
import { FLASH_LOCKED, LineDecoder, encodeCommand, parseAnswer, type LineAnswer, type LineCommand } from './codec';
import { messages } from './messages';

export interface TestLineDriverOptions {
  /** How long a module gets to answer one command (default 500 ms). */
  answerMs?: number;
}

/** The uuid length test-line modules take. */
export const TEST_LINE_UUID_LENGTH = 16;

/** A burn over test-line: PING, READ (check), WRITE, READ (verify), with the station's one burn rule. */
export class TestLineDriver implements ModuleDriver {
  readonly protocol = 'test-line';
  private readonly decoder = new LineDecoder();
  private readonly answerMs: number;

  constructor(
    private readonly transport: Transport,
    options: TestLineDriverOptions = {},
  ) {
    this.answerMs = options.answerMs ?? 500;
  }

  async detect(options: { timeoutMs: number; signal?: AbortSignal }): Promise<boolean> {
    try {
      await this.ask({ kind: 'ping' }, 'pong', options.timeoutMs, options.signal);
      return true;
    } catch (e) {
      if (isAppError(e, 'TIMEOUT')) return false;
      throw e;
    }
  }

  async readIdentity(options: { signal?: AbortSignal } = {}): Promise<ModuleIdentity> {
    const id = await this.ask({ kind: 'read' }, 'id', this.answerMs, options.signal);
    return { uuid: id.uuid, authkey: id.authkey, mac: id.mac };
  }

  async burn(license: LicenseToBurn, options: BurnOptions = {}): Promise<BurnOutcome> {
    const { signal } = options;
    const progress = new BurnProgress(options, () => performance.now());
    try {
      this.checkLicense(license);
      progress.enter('connect');
      await this.ask({ kind: 'ping' }, 'pong', this.answerMs, signal);
      progress.enter('check');
      const existing = await this.readIdentity(signal ? { signal } : {});
      progress.existing = existing;
      const verdict = existingLicenseVerdict(existing, license, options.allowReauthorize);
      progress.enter('write');
      if (signal?.aborted) throw new AppError('CANCELED', 'The burn was stopped before writing; nothing was written.');
      await this.beforeWrite(options, existing);
      if (verdict === 'write') {
        if (signal?.aborted) throw new AppError('CANCELED', 'The burn was stopped before writing; nothing was written.');
        progress.sent = true;
        await this.ask({ kind: 'write', uuid: license.uuid, authkey: license.authkey }, 'ok', this.answerMs, signal);
      }
      progress.enter('verify');
      const after = await this.readIdentity(signal ? { signal } : {});
      if (after.uuid !== license.uuid || after.authkey !== license.authkey) {
        progress.existing = after;
        throw new AppError(
          'VERIFY_MISMATCH',
          `The module reads back another license (uuid ${after.uuid ?? 'empty'}). Keep the module aside for a supervisor.`,
        );
      }
      progress.enter('finish');
      return progress.verified(after);
    } catch (e) {
      return progress.failed(this.classify(e).toJSON());
    }
  }

  /** Sends one command and waits for its answer; an ERR answer is REFUSED, another answer than `expect` is CHECKSUM. */
  private async ask<K extends LineAnswer['kind']>(
    command: LineCommand,
    expect: K,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Extract<LineAnswer, { kind: K }>> {
    if (!this.transport.isOpen) await this.transport.open();
    await this.transport.flushInput();
    this.decoder.reset();
    await this.transport.write(encodeCommand(command));
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const left = Math.max(1, Math.ceil(deadline - performance.now()));
      const chunk = await this.transport.read(signal ? { timeoutMs: left, signal } : { timeoutMs: left });
      for (const line of this.decoder.push(chunk)) {
        const answer = parseAnswer(line);
        if (answer === null) continue;
        if (answer.kind === expect) return answer as Extract<LineAnswer, { kind: K }>;
        if (answer.kind === 'err' && answer.reason === FLASH_LOCKED)
          throw new AppError('FLASH_LOCKED', `The module's flash is locked (${command.kind.toUpperCase()} refused): it took nothing.`);
        if (answer.kind === 'err')
          throw new AppError(
            'REFUSED',
            `The module refused ${command.kind.toUpperCase()} (${answer.reason}). Keep it aside for a supervisor.`,
          );
        throw new AppError(
          'CHECKSUM',
          `The module answered ${command.kind.toUpperCase()} with ${answer.kind.toUpperCase()}. Re-seat it and retry.`,
        );
      }
    }
  }

  private checkLicense(license: LicenseToBurn): void {
    const visible = /^[\x21-\x7e]+$/;
    if (license.uuid.length !== TEST_LINE_UUID_LENGTH || !visible.test(license.uuid))
      throw new AppError('INVALID_LICENSE', `test-line modules take ${TEST_LINE_UUID_LENGTH}-character uuids: set this license aside.`, {
        rejection: 'uuid',
      });
    if (license.authkey.length !== 32 || !visible.test(license.authkey))
      throw new AppError('INVALID_LICENSE', 'test-line modules take 32-character authkeys: set this license aside.', {
        rejection: 'authkey',
      });
  }

  /** The ledger journals `sending` here; if it cannot, nothing is written. */
  private async beforeWrite(options: BurnOptions, existing: ModuleIdentity): Promise<void> {
    try {
      await options.beforeWrite?.(existing);
    } catch (e) {
      throw new AppError(
        'CANCELED',
        `The station could not record the burn (${e instanceof Error ? e.message : String(e)}); nothing was written.`,
      );
    }
  }

  /** What the driver recognises keeps its code (its own FLASH_LOCKED too, messages.ts); a lost port is DISCONNECTED; anything else is DRIVER_INTERNAL. */
  private classify(e: unknown): AppError {
    if (isLostPort(e)) return new AppError('DISCONNECTED', `Lost the connection to ${this.transport.path}: check the cable.`);
    if (isAppError(e, 'TIMEOUT'))
      return new AppError('TIMEOUT', `No answer from the module on ${this.transport.path}: check that it sits in the jig.`);
    if (isAppError(e) && isOutcomeCode(e.code, messages)) return e;
    return driverInternal(e, this.transport.path);
  }
}
