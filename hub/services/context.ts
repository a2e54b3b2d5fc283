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
  jobs: JobConfig;
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
  jobs: { pollMs: 1000, leaseMs: 30_000, chunkSize: 200, itemDelayMs: 0 },
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
