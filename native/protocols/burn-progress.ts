import type { ErrorInfo } from '../../common/errors';
import type { BurnOptions, BurnOutcome, BurnStep, ModuleIdentity } from './types';

/**
 * What a driver's burn keeps track of, the same for every protocol: the step it
 * is at (each one reported through `onStep`), whether a byte of the write left
 * (a failure's exposure), what the module held, and how long it took.
 */
export class BurnProgress {
  step: BurnStep = 'connect';
  /** Set just before the first byte of the write leaves: a failure after it is `sent-outcome-unknown`. */
  sent = false;
  /** What the module held (read at check, or read back at a mismatch): the failed outcome's `module`. */
  existing: ModuleIdentity | undefined;
  readonly #started: number;

  constructor(
    private readonly options: BurnOptions,
    private readonly now: () => number,
  ) {
    this.#started = now();
  }

  enter(next: BurnStep): void {
    this.step = next;
    this.options.onStep?.(next);
  }

  verified(module: ModuleIdentity): BurnOutcome {
    return { ok: true, exposure: 'verified', module, durationMs: this.now() - this.#started };
  }

  failed(error: ErrorInfo): BurnOutcome {
    return {
      ok: false,
      exposure: this.sent ? 'sent-outcome-unknown' : 'nothing-sent',
      step: this.step,
      error,
      module: this.existing,
      durationMs: this.now() - this.#started,
    };
  }
}
