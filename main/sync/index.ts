export { SyncEngine, TOKEN_SECRET, type SyncEngineOptions, type SyncEvents, type SyncListener, type SyncReport } from './engine';
export { HubClient, HUB_UNREACHABLE, isUnreachable, normaliseHubUrl } from './hub-client';
export { backoffDelay, type BackoffOptions } from './backoff';
export { blockReason, PEOPLE_KEY, type PullReport } from './pull';
export { hubMac, type PushReport } from './push';
export { type SplitInput, type ReassignInput } from './operations';
export {
  exportBundle,
  importBundle,
  newBundlePassphrase,
  defaultBundleCost,
  type ExportInput,
  type ExportResult,
  type ImportResult,
  type ScryptCost,
} from './transfer';
