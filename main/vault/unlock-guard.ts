import { AppError, isAppError } from '../../common/errors';
import type { Clock } from '../../common/clock';
import { AuditLog } from './audit';
import type { VaultDb } from './db';

const KEY = 'unlock.failures';
/** Wrong passphrases allowed in a row before each next try must wait. */
export const FREE_UNLOCK_TRIES = 3;
const MAX_WAIT_MS = 5 * 60_000;

/** How long after the last failure the next try must wait, given the failures in a row so far. */
export const unlockWaitMs = (failures: number): number =>
  failures < FREE_UNLOCK_TRIES ? 0 : Math.min(MAX_WAIT_MS, 1000 * 2 ** (failures - FREE_UNLOCK_TRIES));

/**
 * Slows passphrase guessing: after 3 wrong passphrases in a row, each next try waits 1 s, 2 s,
 * 4 s, ... (at most 5 minutes) after the last failure, refused at once with UNLOCK_BACKOFF before
 * any key derivation. The count lives in the vault's plain kv table, so it survives a restart;
 * every wrong passphrase and every refused early try is an audit entry with its time (the audit
 * holds no secret, so it is written without the key). A right passphrase clears the count.
 */
export class UnlockGuard {
  readonly #db: VaultDb;
  readonly #clock: Clock;
  readonly #usable: boolean;

  constructor(db: VaultDb, clock: Clock, schemaVersion: number) {
    this.#db = db;
    this.#clock = clock;
    // kv is there from schema 1, the audit log from schema 3.
    this.#usable = schemaVersion >= 3;
  }

  #state(): { failures: number; lastAt: number } {
    const row = this.#db.prepare<[string], { value: string | null }>('SELECT value FROM kv WHERE key = ?').get(KEY);
    if (!row?.value) return { failures: 0, lastAt: 0 };
    const v = JSON.parse(row.value) as { failures?: unknown; lastAt?: unknown };
    return { failures: Number(v.failures) || 0, lastAt: Number(v.lastAt) || 0 };
  }

  #record(action: string, state: { failures: number; lastAt: number }, detail: Record<string, unknown>): void {
    this.#db
      .transaction(() => {
        this.#db
          .prepare(
            'INSERT INTO kv (key, value, sealed, updated_at) VALUES (?, ?, NULL, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, sealed = NULL, updated_at = excluded.updated_at',
          )
          .run(KEY, JSON.stringify(state), state.lastAt);
        new AuditLog(this.#db, this.#clock).append({ action, detail });
      })
      .immediate();
  }

  /** Refuses at once while the last failures ask the next try to wait. */
  assertAllowed(): void {
    if (!this.#usable) return;
    const state = this.#state();
    const until = state.lastAt + unlockWaitMs(state.failures);
    const now = this.#clock.now();
    if (now >= until) return;
    const seconds = Math.ceil((until - now) / 1000);
    this.#record('vault.unlock-refused', state, { failures: state.failures, waitSeconds: seconds });
    throw new AppError('UNLOCK_BACKOFF', `${state.failures} wrong passphrases in a row: wait ${seconds} s, then try again.`, {
      failures: state.failures,
      retryInMs: until - now,
    });
  }

  /** Runs the unlock; a wrong passphrase is counted and audited. */
  async unlock<T>(attempt: () => Promise<T>): Promise<T> {
    try {
      const result = await attempt();
      if (this.#usable && this.#state().failures > 0) this.#db.prepare('DELETE FROM kv WHERE key = ?').run(KEY);
      return result;
    } catch (e) {
      if (this.#usable && isAppError(e, 'WRONG_PASSPHRASE')) {
        const failures = this.#state().failures + 1;
        this.#record('vault.unlock-failed', { failures, lastAt: this.#clock.now() }, { failures });
      }
      throw e;
    }
  }
}
