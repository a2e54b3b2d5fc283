import { describe, expect, it } from 'vitest';
import { failureMessage, toApiSlotState, type SlotSnapshot } from '../../../main/station';
import { slotStateSchema } from '../../../common/api/schemas';

describe('slot messages and the UI view', () => {
  it('says what happened, on which slot, and what to do', () => {
    expect(failureMessage('TIMEOUT', 3, { license: 'released', uuid: 'u1' })).toBe(
      'No answer from the module on slot 3. Nothing was written; license u1 went back to the group. Check that it sits in the jig and is powered, then press Retry.',
    );
    // A suspect: one instruction, to put the module aside; never also Retry.
    expect(failureMessage('TIMEOUT', 2, { license: 'suspect', uuid: 'u9' })).toBe(
      'No answer from the module on slot 2. License u9 may be in this module: it is held as suspect until a supervisor reads the module back. Put the module aside for a supervisor.',
    );
    expect(failureMessage('DISCONNECTED', 2, { license: 'suspect', uuid: 'u9' })).not.toMatch(/Retry/);
    expect(failureMessage('ALREADY_AUTHORIZED', 1, { license: 'released', heldUuid: 'old1' })).not.toMatch(/went back/);
  });

  it('gives one instruction per message, and says nothing twice', () => {
    const codes = ['TIMEOUT', 'CHECKSUM', 'REFUSED', 'ALREADY_AUTHORIZED', 'VERIFY_MISMATCH', 'DISCONNECTED', 'INVALID_LICENSE', 'MAC_UNREADABLE', 'OTP_UNSUPPORTED', 'DRIVER_INTERNAL', 'INTERNAL'] as const;
    for (const code of codes) {
      for (const license of ['released', 'suspect', 'none'] as const) {
        const text = failureMessage(code, 1, { license, uuid: 'u1', heldUuid: 'u0' });
        const instructions = text.match(/\b(press Retry|Put (it|the module) aside|Place the next module|Ask a supervisor|Call a supervisor|call a supervisor)\b/gi) ?? [];
        expect(instructions.length, `${code}/${license}: ${text}`).toBeLessThanOrEqual(code === 'INTERNAL' && license !== 'suspect' ? 2 : 1);
        expect(text, `${code}/${license}`).not.toMatch(/\(or /);
        const sentences = text.split(/(?<=\.) /);
        expect(new Set(sentences).size, text).toBe(sentences.length);
      }
    }
  });

  it('names a blocked group and fits its reason into the sentence', () => {
    expect(failureMessage('GROUP_BLOCKED', 4, { group: 'Plug EU', detail: 'A product change is under review on the hub.' })).toBe(
      'Group Plug EU is blocked: a product change is under review on the hub. Pick another group or ask a supervisor.',
    );
    // an acronym or a reason typed in lower case stays as it was
    expect(failureMessage('GROUP_BLOCKED', 4, { group: 'Plug EU', detail: 'QA hold' })).toBe('Group Plug EU is blocked: QA hold. Pick another group or ask a supervisor.');
    expect(failureMessage('GROUP_BLOCKED', 4)).toBe('The group of slot 4 is blocked. Pick another group or ask a supervisor.');
  });

  it("says a port problem once, in the transport's words when it has them", () => {
    expect(failureMessage('PORT_ERROR', 2, { detail: 'Port /dev/ttyUSB1 does not exist. Check that the programmer is plugged in.' })).toBe(
      'The port of slot 2 cannot be opened: port /dev/ttyUSB1 does not exist. Check that the programmer is plugged in. The slot keeps trying.',
    );
    expect(failureMessage('PORT_ERROR', 2)).toBe('The port of slot 2 cannot be opened: check that the programmer is plugged in; the slot keeps trying.');
  });

  it('maps a slot snapshot onto the contract the renderer validates', () => {
    const snap: SlotSnapshot = {
      slotId: 'slot-1', number: 1, port: '/dev/ttyUSB0', programmer: null, programmerMissing: false, protocol: 'tuya-auc', groupId: 'g1', connected: true, running: true,
      phase: 'waiting-for-module', step: null, progress: 0, portProblem: null, stopReason: null, pendingSerial: null, burned: 2,
      lastResult: { ok: false, code: 'TIMEOUT', message: 'm', step: 'write', uuid: 'abcdefghij012345', license: 'suspect', at: 0 },
    };
    const api = slotStateSchema.parse(toApiSlotState(snap));
    expect(api).toMatchObject({ phase: 'waiting', burnedThisShift: 2, lastResult: { ok: false, suspect: true, code: 'TIMEOUT' } });
    expect(slotStateSchema.parse(toApiSlotState({ ...snap, phase: 'stopped', running: false, lastResult: null })).phase).toBe('idle');
  });

  it('carries why a slot stopped and its port problem beside the last burn, GROUP_BLOCKED under its own code', () => {
    const snap: SlotSnapshot = {
      slotId: 'slot-2', number: 2, port: '/dev/ttyUSB1', programmer: '1a86:7523:A1', programmerMissing: true, protocol: 'tuya-auc', groupId: 'g1', connected: false, running: false,
      phase: 'stopped', step: null, progress: 0, pendingSerial: null, burned: 0,
      lastResult: { ok: false, code: 'DISCONNECTED', message: 'm', step: 'write', uuid: 'abcdefghij012345', license: 'suspect', at: 0 },
      stopReason: { code: 'GROUP_BLOCKED', message: 'Group Plug EU is blocked: QA hold. Pick another group or ask a supervisor.' },
      portProblem: 'The port of slot 2 cannot be opened: port /dev/ttyUSB1 does not exist. Check that the programmer is plugged in. The slot keeps trying.',
    };
    const api = slotStateSchema.parse(toApiSlotState(snap));
    expect(api.stopReason).toEqual({ code: 'GROUP_BLOCKED', message: snap.stopReason!.message });
    expect(api.portProblem).toBe(snap.portProblem);
    expect(api.lastResult).toMatchObject({ ok: false, code: 'DISCONNECTED', suspect: true });
    expect(api.phase).toBe('failed');
    const blockedResult = { ok: false as const, code: 'GROUP_BLOCKED' as const, message: 'm', step: null, uuid: null, license: 'none' as const, at: 0 };
    expect(slotStateSchema.parse(toApiSlotState({ ...snap, lastResult: blockedResult })).lastResult).toMatchObject({ code: 'GROUP_BLOCKED' });
    expect(toApiSlotState({ ...snap, stopReason: null, portProblem: null })).toMatchObject({ stopReason: null, portProblem: null });
  });
});
