/**
 * Runs callbacks at absolute monotonic times with sub-millisecond precision.
 * setTimeout alone fires up to a millisecond or more late, and a burn has ten
 * timed events: that lateness would swamp the wire time we model. So: a
 * setTimeout that aims early by the overshoot it has been measured to have,
 * then short sleeps between event-loop turns for what is left (usually a
 * fraction of a millisecond). Deadlines are
 * absolute, so lateness never accumulates from one byte or frame to the next.
 */
export interface ScheduledTask {
  readonly at: number;
}

interface Task extends ScheduledTask {
  at: number;
  seq: number;
  fn: () => void;
  canceled: boolean;
}

/** Bounds of the measured setTimeout overshoot we aim early by. */
const MIN_LEAD_MS = 0.2;
const MAX_LEAD_MS = 2;
/**
 * Inside the last stretch before a deadline the scheduler sleeps in slices of
 * at most this long between event-loop turns (which poll I/O), instead of
 * spinning setImmediate: per-byte deadlines 87 µs apart would otherwise keep
 * a core busy for as long as bytes flow.
 */
const SLEEP_SLICE_MS = 0.1;
/** Closer than this, sleeping would overshoot (the kernel's timer slack): run a loop turn instead. */
const MIN_SLEEP_MS = 0.03;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export class PreciseScheduler {
  private tasks: Task[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private immediate: ReturnType<typeof setImmediate> | null = null;
  private running = false;
  /** How late setTimeout has been firing lately (moving average). */
  private lead = 1;
  private timerAimedAt = 0;

  now(): number {
    return performance.now();
  }

  /** Runs `fn` at monotonic time `at` (ms, performance.now() scale); tasks due at the same time run in order. */
  at(at: number, fn: () => void): ScheduledTask {
    const task: Task = { at, seq: this.seq++, fn, canceled: false };
    // Tasks are few (a handful per module): a sorted insert is cheaper than a heap.
    let i = this.tasks.length;
    while (i > 0 && this.tasks[i - 1]!.at > at) i--;
    this.tasks.splice(i, 0, task);
    if (i === 0 && !this.running) this.arm();
    return task;
  }

  after(ms: number, fn: () => void): ScheduledTask {
    return this.at(this.now() + ms, fn);
  }

  cancel(task: ScheduledTask | null | undefined): void {
    if (!task) return;
    const t = task as Task;
    if (t.canceled) return;
    t.canceled = true;
    const i = this.tasks.indexOf(t);
    if (i >= 0) this.tasks.splice(i, 1);
    if (this.tasks.length === 0) this.disarm();
  }

  get size(): number {
    return this.tasks.length;
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private arm(): void {
    this.disarm();
    const next = this.tasks[0];
    if (!next) return;
    const now = this.now();
    const delay = Math.floor(next.at - now - this.lead);
    if (delay >= 1) {
      this.timerAimedAt = now + delay;
      this.timer = setTimeout(() => this.onTimer(), delay);
    } else this.immediate = setImmediate(() => this.nap());
  }

  /** Sleeps briefly toward the next deadline (I/O is polled between naps), then runs what is due. */
  private nap(): void {
    this.immediate = null;
    const next = this.tasks[0];
    if (next) {
      const left = next.at - this.now();
      if (left > MIN_SLEEP_MS) Atomics.wait(sleeper, 0, 0, Math.min(left - MIN_SLEEP_MS / 2, SLEEP_SLICE_MS));
    }
    this.tick();
  }

  private onTimer(): void {
    const overshoot = this.now() - this.timerAimedAt;
    this.lead = Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, this.lead * 0.8 + (overshoot + 0.1) * 0.2));
    this.tick();
  }

  private tick(): void {
    this.timer = null;
    this.immediate = null;
    this.running = true;
    try {
      for (;;) {
        const next = this.tasks[0];
        if (!next || next.at > this.now()) break;
        this.tasks.shift();
        next.canceled = true;
        try {
          next.fn();
        } catch (e) {
          // A failing task must not stop the other modules' clocks.
          queueMicrotask(() => {
            throw e;
          });
        }
      }
    } finally {
      this.running = false;
    }
    this.arm();
  }
}

/** One scheduler per process: every virtual module in it shares the same clock. */
export const scheduler = new PreciseScheduler();
