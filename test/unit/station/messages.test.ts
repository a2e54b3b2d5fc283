import { describe, expect, it } from 'vitest';
import { failureMessage, toApiSlotState, type SlotSnapshot } from '../../../main/station';
import { slotStateSchema } from '../../../common/api/schemas';

describe('slot messages and the UI view', () => {
  it('says what happened, on which slot, and what to do', () => {
    expect(failureMessage('TIMEOUT', 3, { license: 'released', uuid: 'u1' })).toBe(
      'No answer from the module on slot 3: check that it sits in the jig and is powered, then press Retry (or place the next module). Nothing was written; license u1 went back to the group.',
    );
    expect(failureMessage('TIMEOUT', 2, { license: 'suspect', uuid: 'u9' })).toMatch(/License u9 may be in this module: it is held as suspect until a supervisor reads the module back\. Put the module aside\.$/);
    expect(failureMessage('ALREADY_AUTHORIZED', 1, { license: 'released', heldUuid: 'old1' })).not.toMatch(/went back/);
  });

  it('maps a slot snapshot onto the contract the renderer validates', () => {
    const snap: SlotSnapshot = {
      slotId: 'slot-1', number: 1, port: '/dev/ttyUSB0', protocol: 'tuya-auc', groupId: 'g1', connected: true, running: true,
      phase: 'waiting-for-module', step: null, progress: 0, portProblem: null, stopReason: null, pendingSerial: null, burned: 2,
      lastResult: { ok: false, code: 'TIMEOUT', message: 'm', step: 'write', uuid: 'abcdefghij012345', license: 'suspect', at: 0 },
    };
    const api = slotStateSchema.parse(toApiSlotState(snap));
    expect(api).toMatchObject({ phase: 'waiting', burnedThisShift: 2, lastResult: { ok: false, suspect: true, code: 'TIMEOUT' } });
    expect(slotStateSchema.parse(toApiSlotState({ ...snap, phase: 'stopped', running: false, lastResult: null })).phase).toBe('idle');
  });
});
