import type { GroupCounts as ApiGroupCounts, SlotState as ApiSlotState, StationFailureCodeOut } from '../../common/api/schemas';
import type { GroupCounts } from '../ledger';
import type { StationFailureCode } from './messages';
import type { SlotSnapshot } from './slot';

/** Every code the station has words for is a code of the contract: adding one to StationFailureCode without the contract fails to compile here. */
const apiStationCode = (code: StationFailureCode): StationFailureCodeOut => code;

/**
 * The station's views in the shapes of the UI contract (common/api/schemas.ts),
 * so main/api can hand them to the renderer as they are.
 */
export function toApiSlotState(s: SlotSnapshot): ApiSlotState {
  const phase: ApiSlotState['phase'] =
    s.phase === 'waiting-for-module' ? 'waiting' : s.phase === 'stopped' ? (s.lastResult?.ok === false ? 'failed' : 'idle') : s.phase;
  const r = s.lastResult;
  const lastResult: ApiSlotState['lastResult'] =
    r === null
      ? null
      : r.ok
        ? {
            ok: true,
            uuid: r.uuid,
            mac: r.moduleMac !== null && /^[0-9A-Fa-f]{12}$/.test(r.moduleMac) ? r.moduleMac : null,
            serial: r.moduleSerial,
            at: new Date(r.at).toISOString(),
            durationMs: r.durationMs,
          }
        : {
            ok: false,
            code: r.code,
            message: r.message,
            step: r.step,
            uuid: r.uuid,
            suspect: r.license === 'suspect',
            at: new Date(r.at).toISOString(),
          };
  return {
    slotId: s.slotId,
    number: s.number,
    port: s.port,
    programmer: s.programmer,
    programmerMissing: s.programmerMissing,
    protocol: s.protocol,
    groupId: s.groupId,
    connected: s.connected,
    running: s.running,
    phase,
    step: s.step,
    progress: s.progress,
    lastResult,
    stopReason: s.stopReason === null ? null : { code: apiStationCode(s.stopReason.code), message: s.stopReason.message },
    portProblem: s.portProblem,
    pendingSerial: s.pendingSerial,
    burnedThisShift: s.burned,
    cannotTell: s.cannotTell,
  };
}

export function toApiGroupCounts(groupId: string, c: GroupCounts): ApiGroupCounts {
  return {
    groupId,
    total: c.total,
    left: c.left,
    burned: c.burned,
    suspect: c.suspect,
    rejected: c.rejected,
    void: c.void,
    failedAttempts: c.failedAttempts,
  };
}
