import { toErrorInfo } from '../../common/errors';
import type { JobProgress } from '../../common/api/schemas';
import type { EventHub } from '../api/services';
import type { HubSupervisor } from './hub-supervisor';

/** How often a running hub job is asked for its progress. */
const POLL_MS = 500;

/**
 * Long hub jobs a supervisor started from the station (third-party resources):
 * each is polled on the hub until it ends, and its progress reaches the page as
 * `onJobProgress`, ending with the hub's notice or the failure in its words.
 */
export class HubJobs {
  readonly #hub: HubSupervisor;
  readonly #events: EventHub;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: { hub: HubSupervisor; events: EventHub }) {
    this.#hub = options.hub;
    this.#events = options.events;
  }

  /** Follows the hub's job `jobId`, announced as `job` with the hub's progress. */
  watch(job: JobProgress, jobId: string): void {
    const poll = (): void => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        void this.#hub.getJob(jobId).then(
          async (j) => {
            const done = j.state === 'done';
            const failed = j.state === 'failed' || j.state === 'canceled';
            // the hub's notice says what was made; the job is done whether or not it can be read
            const notice = done
              ? (await this.#hub.notices().catch(() => ({ notices: [] }))).notices.find((n) => n.jobId === jobId)
              : undefined;
            this.#events.emit('onJobProgress', {
              ...job,
              progress: j.total > 0 ? Math.min(1, j.done / j.total) : done ? 1 : 0,
              state: done ? 'done' : failed ? 'failed' : 'running',
              message: done
                ? (notice?.message ?? 'Resources generated: the hub delivers them with the licenses.')
                : failed
                  ? (j.error ?? 'The job failed on the hub.')
                  : null,
            });
            if (!done && !failed) poll();
          },
          (e: unknown) => {
            this.#events.emit('onJobProgress', { ...job, state: 'failed', message: toErrorInfo(e).message });
          },
        );
      }, POLL_MS);
      this.#timers.add(timer);
    };
    poll();
  }

  /** No more polls (the station closes). */
  stop(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }
}
