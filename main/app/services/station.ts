import { AppError } from '../../../common/errors';
import { toApiGroupCounts } from '../../station';
import type { StationServices } from '../../api/services';
import { outcomeTexts, vaultGuard } from '../views';
import type { StationParts } from './context';

/** The operator's calls: the slot board, picking groups, start, stop, retry, scanned serials, sign-on. */
export function stationServices(rt: StationParts): StationServices['station'] {
  return {
    overview: async () => {
      rt.setup.ready();
      if (rt.board.layout.length === 0) await rt.board.discover();
      return { groups: rt.groups.all(), slots: rt.board.layout.map((p) => rt.board.slotState(p)) };
    },
    outcomeTexts,
    selectGroup: async (input) => {
      rt.people.touch();
      const summary = rt.groups.summary(input.groupId);
      if (summary.blocked !== null) throw new AppError(summary.blocked.code, summary.blocked.message);
      if (rt.board.layout.length === 0) await rt.board.discover();
      if (rt.board.layout.length === 0)
        throw new AppError(
          'NO_SLOTS',
          'No programmer with a module in its jig answers on this station: plug in a programmer, place a module, then pick the group again.',
        );
      const ids = input.slotIds?.length ? [...input.slotIds] : rt.board.layout.map((p) => p.slotId);
      // a slot already on the group keeps burning: picking the group picked is no change
      const change = ids
        .map((id) => rt.board.place(id))
        .filter((p) => !(rt.board.hasSlot(p.slotId) && rt.setup.station!.slot(p.slotId).snapshot.groupId === input.groupId));
      const running = change.find((p) => rt.board.hasSlot(p.slotId) && rt.setup.station!.slot(p.slotId).running);
      if (running) throw new AppError('SLOT_RUNNING', `Slot ${running.number} is burning: stop it before you change its group.`);
      for (const p of change) rt.board.assertMayBurn(input.groupId, p.slotId);
      rt.board.bind(
        input.groupId,
        change.map((p) => p.slotId),
      );
      rt.groups.publish();
      return rt.board.states(ids);
    },
    start: (input) => {
      const { station } = rt.setup.ready();
      rt.people.requireOperator();
      rt.people.touch();
      const ids = rt.board.boundTargets(input.slotIds);
      for (const id of ids) rt.board.assertMayBurn(station.slot(id).snapshot.groupId, id);
      station.start(ids);
      return rt.board.states(ids);
    },
    stop: async (input) => {
      rt.people.touch();
      const { station } = rt.setup.ready();
      const ids = input.slotIds?.length
        ? input.slotIds.filter((id) => rt.board.place(id) && rt.board.hasSlot(id))
        : rt.board.layout.filter((p) => rt.board.hasSlot(p.slotId)).map((p) => p.slotId);
      if (ids.length > 0) await station.stop(ids);
      return rt.board.states(input.slotIds?.length ? input.slotIds : rt.board.layout.map((p) => p.slotId));
    },
    retry: (input) => {
      const { station } = rt.setup.ready();
      rt.people.requireOperator();
      const [id] = rt.board.boundTargets([input.slotId]);
      station.retry(id!);
      return rt.board.slotState(rt.board.place(id!));
    },
    scanSerial: (input) => {
      rt.people.touch();
      const { station } = rt.setup.ready();
      const [id] = rt.board.boundTargets([input.slotId]);
      station.setNextModuleSerial(id!, input.serial);
      return rt.board.slotState(rt.board.place(id!));
    },
    counts: (input) => toApiGroupCounts(input.groupId, rt.setup.ready().station.counts(input.groupId)),
    signOn: (input) => {
      rt.setup.ready();
      return rt.people.signOn(input.code);
    },
    signOff: () => rt.people.signOff(),
    operator: () => rt.people.session(),
    vaultGuard: () => vaultGuard(rt.setup.station?.vault.rollback ?? null),
  };
}
