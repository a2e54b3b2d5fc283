import { describe, expect, it } from 'vitest';
import { failureMessage, toApiSlotState, type SlotSnapshot } from '../../../main/station';
import { protocolOutcomes } from '../../../native/protocols';
import { burnFailureCodes } from '../../../native/protocols/types';
import { rejectionKey, rejectionStop } from '../../../main/station/messages';
import { licenseRejections } from '../../../native/protocols/types';
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
    // every driver's codes but CANCELED (a sentence without an instruction), each protocol's own, and the station's INTERNAL
    const codes = [...burnFailureCodes.filter((c) => c !== 'CANCELED'), ...protocolOutcomes().map((o) => o.code), 'INTERNAL'];
    expect(codes).toEqual(expect.arrayContaining(['TIMEOUT', 'MAC_UNREADABLE', 'OTP_UNSUPPORTED']));
    for (const code of codes) {
      for (const license of ['released', 'suspect', 'none'] as const) {
        const text = failureMessage(code, 1, { license, uuid: 'u1', heldUuid: 'u0' });
        const instructions =
          text.match(
            /\b(press Retry|Put (it|the module) aside|Place the next module|Ask a supervisor|Call a supervisor|call a supervisor)\b/gi,
          ) ?? [];
        expect(instructions.length, `${code}/${license}: ${text}`).toBeLessThanOrEqual(
          code === 'INTERNAL' && license !== 'suspect' ? 2 : 1,
        );
        expect(text, `${code}/${license}`).not.toMatch(/\(or /);
        const sentences = text.split(/(?<=\.) /);
        expect(new Set(sentences).size, text).toBe(sentences.length);
      }
    }
  });

  it('stops on licenses refused for one cause with that cause for the whole group, one instruction each', () => {
    const context = { slot: 2, group: 'Plugs EU', count: 3, uuidLength: 20, detail: 'The module says no.' };
    expect(rejectionStop('pid-missing', context)).toBe(
      "Group Plugs EU has no PID but these modules ask for one: a supervisor can set the group's PID.",
    );
    expect(rejectionStop('uuid', context)).toBe(
      'The licenses of group Plugs EU have 20-character uuids, which the modules on slot 2 cannot take: pick a group made for these modules.',
    );
    expect(rejectionStop(null, context)).toBe(
      'The modules on slot 2 refused 3 licenses of group Plugs EU in a row (the module says no): pick another group.',
    );
    const texts = [...licenseRejections, null].map((r) => rejectionStop(r, context));
    expect(new Set(texts).size).toBe(texts.length);
    for (const text of texts) expect(text.match(/: (a supervisor can|pick)/g), text).toHaveLength(1);
  });

  it('counts licenses refused in a row by their typed cause, never by the words of the message', () => {
    // the same cause with different words (two drivers) is one cause; uuid lengths are told apart
    expect(rejectionKey('pid-missing', 'u1', 'this module asks for the product PID')).toBe(rejectionKey('pid-missing', 'u2', 'PID needed'));
    expect(rejectionKey('uuid', 'a'.repeat(20), 'x')).not.toBe(rejectionKey('uuid', 'a'.repeat(16), 'x'));
    // an untyped refusal: the same message apart from the license's own uuid
    expect(rejectionKey(null, 'u1', 'license u1 refused')).toBe(rejectionKey(null, 'u2', 'license u2 refused'));
    expect(rejectionKey(null, 'u1', 'license u1 refused')).not.toBe(rejectionKey('pid-missing', 'u1', 'license u1 refused'));
  });

  it('names a blocked group and fits its reason into the sentence', () => {
    expect(failureMessage('GROUP_BLOCKED', 4, { group: 'Plug EU', detail: 'A product change is under review on the hub.' })).toBe(
      'Group Plug EU is blocked: a product change is under review on the hub. Pick another group or ask a supervisor.',
    );
    // an acronym or a reason typed in lower case stays as it was
    expect(failureMessage('GROUP_BLOCKED', 4, { group: 'Plug EU', detail: 'QA hold' })).toBe(
      'Group Plug EU is blocked: QA hold. Pick another group or ask a supervisor.',
    );
    expect(failureMessage('GROUP_BLOCKED', 4)).toBe('The group of slot 4 is blocked. Pick another group or ask a supervisor.');
  });

  it("says a port problem once, in the transport's words when it has them", () => {
    expect(failureMessage('PORT_ERROR', 2, { detail: 'Port /dev/ttyUSB1 does not exist. Check that the programmer is plugged in.' })).toBe(
      'The port of slot 2 cannot be opened: port /dev/ttyUSB1 does not exist. Check that the programmer is plugged in. The slot keeps trying.',
    );
    expect(failureMessage('PORT_ERROR', 2)).toBe(
      'The port of slot 2 cannot be opened: check that the programmer is plugged in; the slot keeps trying.',
    );
  });

  it('maps a slot snapshot onto the contract the renderer validates', () => {
    const snap: SlotSnapshot = {
      slotId: 'slot-1',
      number: 1,
      port: '/dev/ttyUSB0',
      programmer: null,
      programmerMissing: false,
      protocol: 'tuya-auc',
      groupId: 'g1',
      connected: true,
      running: true,
      phase: 'waiting-for-module',
      step: null,
      progress: 0,
      portProblem: null,
      stopReason: null,
      pendingSerial: null,
      burned: 2,
      cannotTell: true,
      lastResult: { ok: false, code: 'TIMEOUT', message: 'm', step: 'write', uuid: 'abcdefghij012345', license: 'suspect', at: 0 },
    };
    const api = slotStateSchema.parse(toApiSlotState(snap));
    expect(api).toMatchObject({
      phase: 'waiting',
      burnedThisShift: 2,
      cannotTell: true,
      lastResult: { ok: false, suspect: true, code: 'TIMEOUT' },
    });
    expect(slotStateSchema.parse(toApiSlotState({ ...snap, phase: 'stopped', running: false, lastResult: null })).phase).toBe('idle');
  });

  it('carries why a slot stopped and its port problem beside the last burn, GROUP_BLOCKED under its own code', () => {
    const snap: SlotSnapshot = {
      slotId: 'slot-2',
      number: 2,
      port: '/dev/ttyUSB1',
      programmer: '1a86:7523:A1',
      programmerMissing: true,
      protocol: 'tuya-auc',
      groupId: 'g1',
      connected: false,
      running: false,
      phase: 'stopped',
      step: null,
      progress: 0,
      pendingSerial: null,
      burned: 0,
      cannotTell: false,
      lastResult: { ok: false, code: 'DISCONNECTED', message: 'm', step: 'write', uuid: 'abcdefghij012345', license: 'suspect', at: 0 },
      stopReason: { code: 'GROUP_BLOCKED', message: 'Group Plug EU is blocked: QA hold. Pick another group or ask a supervisor.' },
      portProblem:
        'The port of slot 2 cannot be opened: port /dev/ttyUSB1 does not exist. Check that the programmer is plugged in. The slot keeps trying.',
    };
    const api = slotStateSchema.parse(toApiSlotState(snap));
    expect(api.stopReason).toEqual({ code: 'GROUP_BLOCKED', message: snap.stopReason!.message });
    expect(api.portProblem).toBe(snap.portProblem);
    expect(api.lastResult).toMatchObject({ ok: false, code: 'DISCONNECTED', suspect: true });
    expect(api.phase).toBe('failed');
    const blockedResult = {
      ok: false as const,
      code: 'GROUP_BLOCKED' as const,
      message: 'm',
      step: null,
      uuid: null,
      license: 'none' as const,
      at: 0,
    };
    expect(slotStateSchema.parse(toApiSlotState({ ...snap, lastResult: blockedResult })).lastResult).toMatchObject({
      code: 'GROUP_BLOCKED',
    });
    expect(toApiSlotState({ ...snap, stopReason: null, portProblem: null })).toMatchObject({ stopReason: null, portProblem: null });
  });
});
