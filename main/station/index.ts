export { Station, type StationOptions, type StationEvent, type StationGroup, type SlotRequest } from './station';
export {
  Slot,
  defaultSlotTiming,
  type SlotConfig,
  type SlotDeps,
  type SlotPhase,
  type SlotResult,
  type SlotSnapshot,
  type SlotTiming,
} from './slot';
export { nextGuard, freshGuard, holdsGuard, removalGuard, needsIdentity, type SwapGuard, type JigProbe } from './swap-guard';
export { failureMessage, type SlotFailureCode } from './messages';
export { toApiSlotState, toApiGroupCounts } from './api';
