import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/log';
import type { Store } from '../store';
import type { Keyring } from './authkeys';
import type { CodeSender } from './sender';

/** Tunables of the hub; every field has a production default (see `defaultHubConfig`). */
export interface HubConfig {
  downloadCodeTtlMs: number;
  downloadCodeMaxAttempts: number;
  /** Codes one credential may be sent per window (on top of the HTTP rate limit). */
  downloadCodesPerWindow: number;
  downloadCodeWindowMs: number;
  /** How far a station's clock may be off: a burn dated later than now, or earlier than the lease, by more than this is refused. */
  stationClockSkewMs: number;
  /** The fleet view flags a group that runs dry within this time at its current burn rate. */
  runsDrySoonMs: number;
  jobs: JobConfig;
  auth: AuthConfig;
  pushGroup: PushGroupConfig;
}

/** Group commit of station pushes (push.ts). */
export interface PushGroupConfig {
  /** How long the first push of a group waits for others before its transaction starts (pushes arriving while a group commits need no wait). */
  windowMs: number;
  /** Most items in one group's transaction; a group starts at once when this many wait. */
  maxItems: number;
}

/** Sign-in: session lifetimes, lockout with backoff, the password hash's cost. */
export interface AuthConfig {
  /** A session unused this long ends. */
  sessionIdleMs: number;
  /** A session ends this long after sign-in, used or not. */
  sessionMaxMs: number;
  /** Failed sign-ins of one account name before it is locked; each further failure doubles the lock. */
  accountFailures: number;
  /** Failed sign-ins from one address before it is locked (any account names). */
  addressFailures: number;
  lockBaseMs: number;
  lockMaxMs: number;
  /** scrypt's N (a power of two); memory = 128 x N x 8 bytes. */
  scryptCost: number;
}

export interface JobConfig {
  /** How often an idle hub looks for a job to claim. */
  pollMs: number;
  /** A claimed job is this hub's until the lease ends; it renews it after every chunk. A crashed hub's job is claimed again after it. */
  leaseMs: number;
  /** Licenses per chunk: progress is saved after each. */
  chunkSize: number;
  /** Artificial time per generated resource (tests and demos use it to watch progress). */
  itemDelayMs: number;
}

export const defaultHubConfig: HubConfig = {
  downloadCodeTtlMs: 10 * 60_000,
  downloadCodeMaxAttempts: 5,
  downloadCodesPerWindow: 5,
  downloadCodeWindowMs: 15 * 60_000,
  stationClockSkewMs: 5 * 60_000,
  runsDrySoonMs: 2 * 3_600_000,
  jobs: { pollMs: 1000, leaseMs: 30_000, chunkSize: 200, itemDelayMs: 0 },
  pushGroup: { windowMs: 2, maxItems: 2000 },
  auth: {
    sessionIdleMs: 30 * 60_000,
    sessionMaxMs: 12 * 3_600_000,
    accountFailures: 5,
    addressFailures: 20,
    lockBaseMs: 30_000,
    lockMaxMs: 3_600_000,
    scryptCost: 2 ** 15,
  },
};

/** What every service function receives. */
export interface HubDeps {
  /** This hub process (job claims are made in its name). */
  instanceId: string;
  store: Store;
  clock: Clock;
  logger: Logger;
  sender: CodeSender;
  /** The master key(s) sealing authkeys at rest (authkeys.ts). */
  keyring: Keyring;
  config: HubConfig;
}
