import { DeadlineQueue, type ScheduledTask, type SimClock } from './scheduler';

/** One turn of the event loop: promise callbacks and setImmediate callbacks queued so far have run. */
const loopTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A clock that moves only when told to: tests hand it to a virtual module and
 * step time themselves, so what the module does at which time is exact and
 * the same on every run (no wall time, no sleeps). Time starts at 0.
 */
export class ManualClock implements SimClock {
  private readonly tasks = new DeadlineQueue();
  private time = 0;

  now(): number {
    return this.time;
  }

  at(at: number, fn: () => void): ScheduledTask {
    return this.tasks.add(at, fn).task;
  }

  cancel(task: ScheduledTask | null | undefined): void {
    this.tasks.remove(task);
  }

  /**
   * Moves time forward to `to`, running each task due on the way at its own
   * time and in order. Between tasks the event loop turns, so what a task
   * started (a byte handed to the transport, a read that resolves) settles
   * before the clock moves on.
   */
  async advanceTo(to: number): Promise<void> {
    for (;;) {
      await loopTurn();
      await loopTurn();
      const next = this.tasks.next;
      if (next === undefined || next > to) break;
      this.time = Math.max(this.time, next);
      this.tasks.takeDue(this.time)?.fn();
    }
    this.time = Math.max(this.time, to);
  }

  advance(ms: number): Promise<void> {
    return this.advanceTo(this.time + ms);
  }
}
