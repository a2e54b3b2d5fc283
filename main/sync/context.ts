import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/log';
import type { StationStatus } from '../../common/hub-api';
import type { Ledger } from '../ledger';
import type { Vault } from '../vault';
import type { SyncStore } from '../vault/sync-store';
import type { HubClient } from './hub-client';

/** What the pull, push and operation code works with. */
export interface SyncContext {
  vault: Vault;
  ledger: Ledger;
  store: SyncStore;
  client: HubClient;
  clock: Clock;
  logger: Logger;
  /** This station's id on the hub. */
  stationId: string;
  /** True while an offline reassignment of the group to another station waits for the hub. */
  pendingMoveAway(groupId: string): boolean;
  /** True for a group made by an offline split the hub has not answered yet. */
  pendingSplitChild(groupId: string): boolean;
  /** What the station tells the hub about itself with each pull and push (outbox length, suspect licenses). */
  status(): StationStatus;
}
