import { scryptSync, randomBytes } from 'node:crypto';
import { AppError } from '../../common/errors';
import { type Clock, systemClock } from '../../common/clock';
import type { SupervisorRef, SupervisorSession } from '../../common/api/schemas';
import { formatHash, verifySecret } from '../../node/secret-hash';

/**
 * What is stored about the station's shared PIN (the one set at first run, "Station supervisor"): a salted
 * scrypt hash, never the PIN, and the station's failure counter (it survives a restart). Once retired the
 * hash is wiped and only the counter stays.
 */
export interface PinRecord {
  salt: string;
  hash: string;
  failures: number;
  lockedUntil: number | null;
  /** When a named supervisor retired the shared PIN; it no longer signs anyone in. */
  retiredAt?: number | null;
}

/** Where the PIN record lives (main/settings provides the persistent one). */
export interface PinStore {
  load(): PinRecord | null;
  save(record: PinRecord): void;
}

export const memoryPinStore = (initial: PinRecord | null = null): PinStore => {
  let record = initial;
  return {
    load: () => (record === null ? null : { ...record }),
    save: (r) => {
      record = { ...r };
    },
  };
};

/** A named supervisor and the hash of their PIN (`scrypt$...`): from the hub's factory accounts, or the station's own list. */
export interface SupervisorEntry extends SupervisorRef {
  hash: string;
}

export interface SupervisorSessionOptions {
  clock?: Clock;
  /** Failed attempts in a row before the PIN locks. */
  maxFailures?: number;
  lockMs?: number;
  /** Idle time after which a supervisor must enter the PIN again. */
  idleMs?: number;
  /** The named supervisors the station knows now (read at every sign-in). */
  directory?: () => readonly SupervisorEntry[];
}

/** The shared PIN's supervisor, until it is retired. */
export const SHARED_SUPERVISOR: SupervisorRef = { id: 'station', name: 'Station supervisor', source: 'shared' };
const SHARED_COST = 16384;

const hashPin = (pin: string, salt: Buffer): Buffer => scryptSync(pin, salt, 32, { N: SHARED_COST, r: 8, p: 1 });

/**
 * Supervisor PIN sessions, one per window or browser connection, each naming
 * its supervisor. Each supervisor has their own PIN: the hub's (its hash,
 * synced) or the station's own; the PIN set at first run signs in as
 * "Station supervisor" until a named supervisor retires it. The lockout is
 * per station (a new connection, or another name, does not get fresh attempts).
 */
export class SupervisorSessions {
  private readonly clock: Clock;
  private readonly maxFailures: number;
  private readonly lockMs: number;
  private readonly idleMs: number;
  private readonly directory: () => readonly SupervisorEntry[];
  private readonly sessions = new Map<string, { until: number; supervisor: SupervisorRef }>();
  /** Attempts are handled one at a time so parallel guesses cannot slip past the counter. */
  private lastAttemptAt = 0;

  constructor(
    private readonly store: PinStore,
    options: SupervisorSessionOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.maxFailures = options.maxFailures ?? 5;
    this.lockMs = options.lockMs ?? 5 * 60_000;
    this.idleMs = options.idleMs ?? 10 * 60_000;
    this.directory = options.directory ?? (() => []);
  }

  static newRecord(pin: string): PinRecord {
    if (!/^[0-9]{4,8}$/.test(pin)) throw new AppError('BAD_REQUEST', 'The supervisor PIN must be 4 to 8 digits.');
    const salt = randomBytes(16);
    return { salt: salt.toString('base64'), hash: hashPin(pin, salt).toString('base64'), failures: 0, lockedUntil: null };
  }

  /** The first-run PIN ("Station supervisor"). */
  setPin(pin: string): void {
    this.store.save(SupervisorSessions.newRecord(pin));
    this.sessions.clear();
  }

  hasPin(): boolean {
    return this.#all().length > 0;
  }

  /** Whether the first-run PIN still signs in. */
  hasSharedPin(): boolean {
    const r = this.store.load();
    return r !== null && !r.retiredAt && r.hash !== '';
  }

  /** Retires the first-run PIN; its sessions end. Only a named supervisor may, and only once another named supervisor exists. */
  retireSharedPin(by: SupervisorRef): void {
    const r = this.store.load();
    if (r === null || !this.hasSharedPin()) return;
    if (by.source === 'shared')
      throw new AppError('NAMED_SUPERVISOR_REQUIRED', 'Sign in with your own name and PIN to retire the shared station PIN.');
    if (this.directory().length === 0)
      throw new AppError(
        'NO_NAMED_SUPERVISOR',
        'Add a supervisor with their own PIN first: the shared station PIN is the only way in now.',
      );
    this.store.save({ ...r, salt: '', hash: '', retiredAt: this.clock.now() });
    for (const [key, s] of this.sessions) if (s.supervisor.source === 'shared') this.sessions.delete(key);
  }

  /** Who may sign in, by name (no hashes). */
  list(): SupervisorRef[] {
    return this.#all().map(({ id, name, source }) => ({ id, name, source }));
  }

  /**
   * Signs a supervisor in. With `supervisorId` only that supervisor's PIN counts; without it the PIN picks the
   * supervisor, as long as it is the PIN of exactly one (two with the same PIN must pick their name).
   */
  async login(sessionKey: string, pin: string, supervisorId?: string): Promise<SupervisorSession> {
    const all = this.#all();
    if (all.length === 0) throw new AppError('NO_PIN', 'No supervisor PIN is set on this station yet: finish the first-run setup.');
    const candidates = supervisorId === undefined ? all : all.filter((s) => s.id === supervisorId);
    if (candidates.length === 0)
      throw new AppError('SUPERVISOR_UNKNOWN', 'This station does not know that supervisor (any more): pick your name from the list.');
    const record = this.store.load() ?? { salt: '', hash: '', failures: 0, lockedUntil: null, retiredAt: this.clock.now() };
    const now = this.clock.now();
    if (record.lockedUntil !== null && record.lockedUntil > now) throw this.lockedError(record.lockedUntil);
    // One attempt per second: a scanner or a script cannot hammer the PIN.
    if (now - this.lastAttemptAt < 1000)
      throw new AppError('PIN_RATE_LIMITED', 'Too many PIN attempts at once: wait a second and try again.');
    this.lastAttemptAt = now;
    const matches: SupervisorEntry[] = [];
    for (const c of candidates) if (await verifySecret(pin, c.hash)) matches.push(c);
    if (matches.length > 1) throw new AppError('SUPERVISOR_NAME_REQUIRED', 'Pick your name, then type your PIN.');
    const who = matches[0];
    if (who === undefined) {
      const failures = record.failures + 1;
      const locked = failures >= this.maxFailures;
      this.store.save({ ...record, failures: locked ? 0 : failures, lockedUntil: locked ? now + this.lockMs : null });
      if (locked) throw this.lockedError(now + this.lockMs);
      const left = this.maxFailures - failures;
      throw new AppError('WRONG_PIN', `Wrong PIN. ${left} ${left === 1 ? 'attempt' : 'attempts'} left before the PIN locks.`, {
        attemptsLeft: left,
      });
    }
    this.store.save({ ...record, failures: 0, lockedUntil: null });
    this.sessions.set(sessionKey, { until: now + this.idleMs, supervisor: { id: who.id, name: who.name, source: who.source } });
    return this.status(sessionKey);
  }

  logout(sessionKey: string): SupervisorSession {
    this.sessions.delete(sessionKey);
    return this.status(sessionKey);
  }

  /** Throws unless the caller holds a live session of a supervisor the station still knows; each use extends it. Answers who it is. */
  require(sessionKey: string): SupervisorRef {
    const s = this.sessions.get(sessionKey);
    const now = this.clock.now();
    if (s === undefined || s.until <= now || !this.#all().some((x) => x.id === s.supervisor.id)) {
      this.sessions.delete(sessionKey);
      throw new AppError('SUPERVISOR_REQUIRED', 'This needs a supervisor: enter the supervisor PIN first.');
    }
    s.until = now + this.idleMs;
    return s.supervisor;
  }

  /** The supervisor of a live session, or null. */
  who(sessionKey: string): SupervisorRef | null {
    const s = this.sessions.get(sessionKey);
    return s !== undefined && s.until > this.clock.now() ? s.supervisor : null;
  }

  status(sessionKey: string): SupervisorSession {
    const now = this.clock.now();
    const s = this.sessions.get(sessionKey);
    const live = s !== undefined && s.until > now;
    const record = this.store.load();
    const lockedUntil = record?.lockedUntil != null && record.lockedUntil > now ? record.lockedUntil : null;
    return {
      active: live,
      expiresAt: live ? new Date(s.until).toISOString() : null,
      lockedUntil: lockedUntil === null ? null : new Date(lockedUntil).toISOString(),
      attemptsLeft: lockedUntil === null ? this.maxFailures - (record?.failures ?? 0) : 0,
      supervisor: live ? s.supervisor : null,
    };
  }

  /** The shared PIN (while not retired), then the named supervisors. */
  #all(): SupervisorEntry[] {
    const r = this.store.load();
    const shared: SupervisorEntry[] =
      r !== null && this.hasSharedPin()
        ? [{ ...SHARED_SUPERVISOR, hash: formatHash(SHARED_COST, 8, 1, Buffer.from(r.salt, 'base64'), Buffer.from(r.hash, 'base64')) }]
        : [];
    return [...shared, ...this.directory()];
  }

  private lockedError(until: number): AppError {
    const minutes = Math.max(1, Math.ceil((until - this.clock.now()) / 60_000));
    return new AppError(
      'PIN_LOCKED',
      `The supervisor PIN is locked after too many wrong attempts. Try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`,
      { lockedUntil: new Date(until).toISOString() },
    );
  }
}
