import { burnStats, operatorsSince } from '../../ledger';
import type { StationServices } from '../../api/services';
import { dashboard, reportFrom } from '../views';
import type { StationParts } from './context';

/** The dashboard. */
export function reportServices(rt: StationParts): StationServices['reports'] {
  return {
    dashboard: (input) => {
      const { station } = rt.setup.ready();
      const names = new Map(station.groups().map((g) => [g.id, g.name]));
      const now = rt.clock.now();
      const from = reportFrom(input.range, now);
      const who = {
        operator: input.operator ?? null,
        operators: operatorsSince(station.vault.db, from).map((number) => ({ number, name: rt.people.operatorName(number) })),
      };
      return dashboard(
        input.range,
        now,
        burnStats(station.vault.db, { from, to: now, operator: input.operator }),
        {
          slot: (id) => {
            const p = rt.board.layout.find((x) => x.slotId === id);
            return p ? { label: `Slot ${p.number}`, number: p.number } : { label: id, number: null };
          },
          group: (id) => names.get(id) ?? id,
        },
        who,
      );
    },
  };
}
