import type { OfflineOutcome } from '../../../common/api/schemas';
import type { StationServices } from '../../api/services';
import { refusedReports } from '../views';
import type { StationParts } from './context';

/** The sync engine's status, sync now, offline-operation outcomes and the reports the hub refused. */
export function syncServices(rt: StationParts): StationServices['sync'] {
  /** Splits, reassignments and transfer bundles, newest first. */
  const outcomes = (): OfflineOutcome[] => {
    const sync = rt.setup.sync;
    if (sync === null) return [];
    return sync.outcomes().sort((a, b) => b.at.localeCompare(a.at));
  };
  return {
    status: () =>
      rt.setup.sync?.status() ?? {
        enrolled: false,
        online: false,
        syncing: false,
        hubUrl: null,
        lastSyncAt: null,
        outbox: 0,
        lastError: null,
      },
    syncNow: async () => {
      const { sync } = rt.setup.ready();
      await sync.syncNow();
      return sync.status();
    },
    outcomes: () => outcomes(),
    refusedReports: () => refusedReports(rt.setup.ready().sync.refusedReports()),
  };
}
