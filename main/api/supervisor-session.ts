import { scryptSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../common/errors';
import { type Clock, systemClock } from '../../common/clock';
import type { SupervisorSession } from '../../common/api/schemas';

/** What is stored about the PIN: a salted scrypt hash, never the PIN, and the failure counter (it survives a restart). */
export interface PinRecord {
  salt: string;
  hash: string;
  failures: number;
  lockedUntil: number | null;
}

/** Where the PIN record lives (main/settings provides the persistent one). */
export interface PinStore {
  load(): PinRecord | null;
  save(record: PinRecord): void;
}

export const memoryPinStore = (initial: PinRecord | null = null): PinStore => {
  let record = initial;
  return { load: () => (record === null ? null : { ...record }), save: (r) => { record = { ...r }; } };
};

export interface SupervisorSessionOptions {
  clock?: Clock;
  /** Failed attempts in a row before the PIN locks. */
  maxFailures?: number;
  lockMs?: number;
  /** Idle time after which a supervisor must enter the PIN again. */
  idleMs?: number;
}

const hashPin = (pin: string, salt: Buffer): Buffer => scryptSync(pin, salt, 32, { N: 16384, r: 8, p: 1 });

/**
 * Supervisor PIN sessions, one per window or browser connection. The lockout
 * is per station (a new connection does not get fresh attempts).
 */
export class SupervisorSessions {
  private readonly clock: Clock;
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly idleMs: number;
  private readonly sessions = new Map<string, number>();
  /** Attempts are handled one at a time so parallel guesses cannot slip past the counter. */
  private lastAttemptAt = 0;

  constructor(private readonly store: PinStore, options: SupervisorSessionOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.maxFailures = options.maxFailures ?? 5;
    this.lockMs = options.lockMs ?? 5 * 60_000;
    this.idleMs = options.idleMs ?? 10 * 60_000;
  }

  static newRecord(pin: string): PinRecord {
    if (!/^[0-9]{4,8}$/.test(pin)) throw new AppError('BAD_REQUEST', 'The supervisor PIN must be 4 to 8 digits.');
    const salt = randomBytes(16);
    return { salt: salt.toString('base64'), hash: hashPin(pin, salt).toString('base64'), failures: 0, lockedUntil: null };
  }

  setPin(pin: string): void {
    this.store.save(SupervisorSessions.newRecord(pin));
    this.sessions.clear();
  }

  hasPin(): boolean {
    return this.store.load() !== null;
  }

  login(sessionKey: string, pin: string): SupervisorSession {
    const record = this.store.load();
    if (record === null) throw new AppError('NO_PIN', 'No supervisor PIN is set on this station yet: finish the first-run setup.');
    const now = this.clock.now();
    if (record.lockedUntil !== null && record.lockedUntil > now) throw this.lockedError(record.lockedUntil);
    // One attempt per second: a scanner or a script cannot hammer the PIN.
    if (now - this.lastAttemptAt < 1000) throw new AppError('PIN_RATE_LIMITED', 'Too many PIN attempts at once: wait a second and try again.');
    this.lastAttemptAt = now;
    const expected = Buffer.from(record.hash, 'base64');
    const actual = hashPin(pin, Buffer.from(record.salt, 'base64'));
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      const failures = record.failures + 1;
      const locked = failures >= this.maxFailures;
      this.store.save({ ...record, failures: locked ? 0 : failures, lockedUntil: locked ? now + this.lockMs : null });
      if (locked) throw this.lockedError(now + this.lockMs);
      const left = this.maxFailures - failures;
      throw new AppError('WRONG_PIN', `Wrong PIN. ${left} ${left === 1 ? 'attempt' : 'attempts'} left before the PIN locks.`, { attemptsLeft: left });
    }
    this.store.save({ ...record, failures: 0, lockedUntil: null });
    this.sessions.set(sessionKey, now + this.idleMs);
    return this.status(sessionKey);
  }

  logout(sessionKey: string): SupervisorSession {
    this.sessions.delete(sessionKey);
    return this.status(sessionKey);
  }

  /** Throws unless the caller holds a live session; each use extends it. */
  require(sessionKey: string): void {
    const until = this.sessions.get(sessionKey);
    const now = this.clock.now();
    if (until === undefined || until <= now) {
      this.sessions.delete(sessionKey);
      throw new AppError('SUPERVISOR_REQUIRED', 'This needs a supervisor: enter the supervisor PIN first.');
    }
    this.sessions.set(sessionKey, now + this.idleMs);
  }

  status(sessionKey: string): SupervisorSession {
    const now = this.clock.now();
    const until = this.sessions.get(sessionKey);
    const record = this.store.load();
    const lockedUntil = record?.lockedUntil != null && record.lockedUntil > now ? record.lockedUntil : null;
    return {
      active: until !== undefined && until > now,
      expiresAt: until !== undefined && until > now ? new Date(until).toISOString() : null,
      lockedUntil: lockedUntil === null ? null : new Date(lockedUntil).toISOString(),
      attemptsLeft: lockedUntil === null ? this.maxFailures - (record?.failures ?? 0) : 0,
    };
  }

  private lockedError(until: number): AppError {
    const minutes = Math.max(1, Math.ceil((until - this.clock.now()) / 60_000));
    return new AppError('PIN_LOCKED', `The supervisor PIN is locked after too many wrong attempts. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`, { lockedUntil: new Date(until).toISOString() });
  }
}
