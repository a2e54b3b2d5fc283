/**
 * Runs callbacks at absolute monotonic times with sub-millisecond precision.
 * setTimeout alone fires up to a millisecond or more late, and a burn has ten
 * timed events: that lateness would swamp the wire time we model. So: a
 * coarse setTimeout until shortly before the deadline, then setImmediate
 * polling for the last stretch. Deadlines are absolute, so lateness never
 * accumulates from one byte or frame to the next.
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

/** Below this, poll with setImmediate instead of trusting setTimeout. */
const SPIN_MS = 1;

export class PreciseScheduler {
  private tasks: Task[] = [];
  private seq = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private immediate: ReturnType<typeof setImmediate> | null = null;
  private running = false;

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
    const wait = next.at - this.now();
    if (wait > SPIN_MS) this.timer = setTimeout(() => this.tick(), Math.floor(wait - SPIN_MS));
    else this.immediate = setImmediate(() => this.tick());
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
