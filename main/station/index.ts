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
export { nextGuard, freshGuard, holdsGuard, removalGuard, needsIdentity, cannotTell, type SwapGuard, type JigProbe } from './swap-guard';
export { failureMessage, cannotTellMessage, type SlotFailureCode, type StationFailureCode } from './messages';
export { toApiSlotState, toApiGroupCounts } from './api';
