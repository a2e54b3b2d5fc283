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

/**
 * The virtual module's clock: what time it is and what runs when. A module
 * reads the time and sets every deadline through it, so a test can hand it a
 * ManualClock and move time itself; by default it is this process's
 * PreciseScheduler on monotonic wall time.
 */
export interface SimClock {
  now(): number;
  /** Runs `fn` at time `at` (ms on this clock's scale); tasks due at the same time run in order. */
  at(at: number, fn: () => void): ScheduledTask;
  cancel(task: ScheduledTask | null | undefined): void;
}

interface Task extends ScheduledTask {
  at: number;
  fn: () => void;
  canceled: boolean;
}

/** Tasks in deadline order; tasks due at the same time keep the order they were set in. */
export class DeadlineQueue {
  private tasks: Task[] = [];

  /** Adds a task; true when it is now the first one due. */
  add(at: number, fn: () => void): { task: ScheduledTask; first: boolean } {
    const task: Task = { at, fn, canceled: false };
    // Tasks are few (a handful per module): a sorted insert is cheaper than a heap.
    let i = this.tasks.length;
    while (i > 0 && this.tasks[i - 1]!.at > at) i--;
    this.tasks.splice(i, 0, task);
    return { task, first: i === 0 };
  }

  /** Removes a task that has not run; false when it already ran or was removed. */
  remove(task: ScheduledTask | null | undefined): boolean {
    const t = task as Task | null | undefined;
    if (!t || t.canceled) return false;
    t.canceled = true;
    const i = this.tasks.indexOf(t);
    if (i >= 0) this.tasks.splice(i, 1);
    return true;
  }

  /** The deadline of the first task, or undefined when none is left. */
  get next(): number | undefined {
    return this.tasks[0]?.at;
  }

  /** Takes the first task out if it is due at `now`. */
  takeDue(now: number): { at: number; fn: () => void } | undefined {
    const next = this.tasks[0];
    if (!next || next.at > now) return undefined;
    this.tasks.shift();
    next.canceled = true;
    return next;
  }

  get size(): number {
    return this.tasks.length;
  }
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

export class PreciseScheduler implements SimClock {
  private readonly tasks = new DeadlineQueue();
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
    const { task, first } = this.tasks.add(at, fn);
    if (first && !this.running) this.arm();
    return task;
  }

  cancel(task: ScheduledTask | null | undefined): void {
    if (this.tasks.remove(task) && this.tasks.size === 0) this.disarm();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private arm(): void {
    this.disarm();
    const next = this.tasks.next;
    if (next === undefined) return;
    const now = this.now();
    const delay = Math.floor(next - now - this.lead);
    if (delay >= 1) {
      this.timerAimedAt = now + delay;
      this.timer = setTimeout(() => this.onTimer(), delay);
    } else this.immediate = setImmediate(() => this.nap());
  }

  /** Sleeps briefly toward the next deadline (I/O is polled between naps), then runs what is due. */
  private nap(): void {
    this.immediate = null;
    const next = this.tasks.next;
    if (next !== undefined) {
      const left = next - this.now();
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
      for (let next = this.tasks.takeDue(this.now()); next; next = this.tasks.takeDue(this.now())) {
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
