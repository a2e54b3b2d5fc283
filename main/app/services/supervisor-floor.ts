import { AppError, isAppError } from '../../../common/errors';
import { supervisorName, type StationParts, type SupervisorServices } from './context';

/** This station's groups, slots and suspects, which work offline: split, reassign, a group's PID, suspects, programmers. */
export function supervisorFloor(
  rt: StationParts,
): Pick<
  SupervisorServices,
  'split' | 'reassign' | 'setGroupPid' | 'suspects' | 'resolveSuspect' | 'programmers' | 'assignProgrammer' | 'setSlotReset'
> {
  return {
    split: (input, ctx) => {
      const { sync } = rt.setup.ready();
      const r = sync.split(input.groupId, {
        purchased: input.purchased,
        free: input.free,
        ...(input.name ? { name: input.name } : {}),
        by: supervisorName(rt, ctx),
      });
      rt.groups.publish();
      return { group: rt.groups.summary(r.groupId), queuedOffline: r.queuedOffline };
    },
    reassign: async (input, ctx) => {
      const { sync, station } = rt.setup.ready();
      if (input.slotIds.length === 0) throw new AppError('SLOTS_REQUIRED', 'Tick at least one slot: a group is not reassigned to no slot.');
      for (const id of input.slotIds) rt.board.place(id);
      const running = input.slotIds.find((id) => rt.board.hasSlot(id) && station.slot(id).running);
      if (running) throw new AppError('SLOT_RUNNING', `Slot ${rt.board.place(running).number} is burning: stop it before you reassign it.`);
      // a slot that burns the group and is not among the new slots would burn a group no longer its own
      const burning = station.slots().find((s) => s.running && s.groupId === input.groupId && !input.slotIds.includes(s.slotId));
      if (burning)
        throw new AppError(
          'SLOT_RUNNING',
          `Slot ${rt.board.place(burning.slotId).number} is burning group "${station.group(input.groupId).name}": stop it before you reassign the group to other slots.`,
        );
      if (input.line != null) rt.people.assertKnownLine(input.line);
      rt.board.assertUuidsFit(input.groupId, input.slotIds);
      const r = sync.reassign(input.groupId, {
        slotIds: input.slotIds,
        ...(input.line !== undefined ? { line: input.line } : {}),
        by: supervisorName(rt, ctx),
      });
      if (rt.groups.summary(input.groupId).blocked === null) rt.board.bind(input.groupId, input.slotIds);
      rt.groups.publish();
      return { group: rt.groups.summary(input.groupId), queuedOffline: r.queuedOffline };
    },
    setGroupPid: (input, ctx) => {
      const { station } = rt.setup.ready();
      station.setGroupPid(input.groupId, input.pid, { by: supervisorName(rt, ctx) ?? 'supervisor' });
      rt.groups.publish();
      return rt.groups.summary(input.groupId);
    },
    suspects: () => {
      const { station } = rt.setup.ready();
      const suspects = station.listSuspects();
      const reasons = new Map<string, string>();
      for (const groupId of new Set(suspects.map((s) => s.groupId))) {
        for (const r of station.ledger.burnRecords({ groupId })) if (r.result === 'suspect' && r.reason) reasons.set(r.uuid, r.reason);
      }
      return suspects.map((l) => ({
        uuid: l.uuid,
        groupId: l.groupId,
        slotId: l.slot,
        slotNumber: rt.board.numberOf(l.slot),
        since: new Date(l.updatedAt).toISOString(),
        reason: reasons.get(l.uuid) ?? 'The outcome of the write is unknown.',
        moduleMac: l.moduleMac,
        moduleSerial: l.moduleSerial,
      }));
    },
    resolveSuspect: async (input, ctx) => {
      const { station } = rt.setup.ready();
      const by = supervisorName(rt, ctx) ?? 'supervisor';
      const license = station.ledger.license(input.uuid);
      if (license.state !== 'suspect')
        throw new AppError('NOT_SUSPECT', 'That license is not suspect (it may have been resolved already): refresh the list.');
      if (input.action === 'void') {
        station.voidSuspect(input.uuid, input.reason ?? 'module lost: voided by a supervisor without a read-back', { by });
        rt.groups.publish();
        return {
          uuid: input.uuid,
          state: 'void' as const,
          message: 'License voided: it is reported to the hub as spoiled with the next sync.',
        };
      }
      const slotId = input.slotId ?? license.slot;
      if (slotId === null || !rt.board.hasSlot(slotId))
        throw new AppError('SLOT_REQUIRED', 'Pick the slot whose jig holds the module, then read it back.');
      const place = rt.board.place(slotId);
      // a read-back needs the port to itself: the slot finishes what it is doing and stops
      if (station.slot(slotId).running) await station.stop([slotId]);
      // the programmer may have been replugged since the last look (the watcher polls every 2 s)
      await rt.board.rescan();
      try {
        const { moduleSerial, confirmUnidentified, otherLicense } = input;
        const r = await station.resolveSuspectByReadBack(
          input.uuid,
          { slotId },
          {
            by,
            ...(moduleSerial ? { moduleSerial } : {}),
            ...(confirmUnidentified ? { confirmUnidentified } : {}),
            ...(otherLicense ? { otherLicense } : {}),
          },
        );
        rt.groups.publish();
        const message: Record<typeof r.state, string> = {
          verified: `The module on slot ${place.number} holds this license: it is counted as burned.`,
          released: `This license went back to its group: the module on slot ${place.number} does not hold this license.`,
          void: 'This license is voided and reported to the hub as spoiled.',
        };
        return { uuid: input.uuid, state: r.state, message: message[r.state] };
      } catch (e) {
        if (!isAppError(e) || !['TIMEOUT', 'PORT_ERROR', 'DISCONNECTED', 'CHECKSUM'].includes(e.code)) throw e;
        return {
          uuid: input.uuid,
          state: 'suspect' as const,
          message: `No module answered on slot ${place.number}: put the module back in the jig and read again, or void the license.`,
        };
      }
    },
    programmers: async () => {
      rt.setup.ready();
      await rt.board.rescan();
      return rt.board.programmers();
    },
    assignProgrammer: async (input) => {
      rt.setup.ready();
      return rt.board.programmerChange(await rt.board.assignProgrammer(input.key, input.slotId));
    },
    setSlotReset: async (input) => {
      rt.setup.ready();
      return rt.board.programmerChange(await rt.board.setSlotReset(input.slotId, input.on));
    },
  };
}
