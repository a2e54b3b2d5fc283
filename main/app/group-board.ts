import { toErrorInfo } from '../../common/errors';
import type { Logger } from '../../common/log';
import type { GroupSummary } from '../../common/api/schemas';
import type { Station } from '../station';
import type { SyncEngine } from '../sync';
import type { EventHub } from '../api/services';
import type { SlotBoard } from './slot-board';
import { groupSummary } from './views';

type Features = { homekit: boolean; findmy: boolean };

/**
 * The groups as the screens see them (`groupSummary` in views.ts over the
 * vault's counts, the hub's state and the slots burning each group), with the
 * features of each product as the hub last said; published as `onGroups`
 * whenever something may have changed them.
 */
export class GroupBoard {
  readonly #isOpen: () => boolean;
  readonly #ready: () => { station: Station; sync: SyncEngine };
  readonly #board: SlotBoard;
  readonly #events: EventHub;
  readonly #log: Logger;
  /** What each product supports, as the hub said when its products were last read. */
  readonly #features = new Map<string, Features>();

  constructor(options: {
    /** Whether the station is open (not locked, set up). */
    isOpen: () => boolean;
    /** The same, NOT_READY while locked. */
    ready: () => { station: Station; sync: SyncEngine };
    board: SlotBoard;
    events: EventHub;
    logger: Logger;
  }) {
    this.#isOpen = options.isOpen;
    this.#ready = options.ready;
    this.#board = options.board;
    this.#events = options.events;
    this.#log = options.logger;
  }

  /** One group (GROUP_NOT_FOUND for a group the station does not hold). */
  summary(groupId: string): GroupSummary {
    const { station, sync } = this.#ready();
    const meta = sync.store.meta(groupId);
    return groupSummary(station.group(groupId), meta, this.#board.boundSlots(groupId), this.#featuresOf(station.group(groupId).pid));
  }

  all(): GroupSummary[] {
    const { station, sync } = this.#ready();
    const slots = station.slots();
    return station.groups().map((g) =>
      groupSummary(
        g,
        sync.store.meta(g.id),
        slots.filter((s) => s.groupId === g.id).map((s) => s.slotId),
        this.#featuresOf(g.pid),
      ),
    );
  }

  /** Sends every group to the page (nothing while the station is locked). */
  publish(): void {
    if (!this.#isOpen()) return;
    try {
      this.#events.emit('onGroups', this.all());
    } catch (e) {
      this.#log.warn({ err: toErrorInfo(e) }, 'groups not published');
    }
  }

  /** The hub's products were read: their features are kept; the groups are published again when they changed. */
  productsRead(products: readonly { pid: string; features: Features }[]): void {
    const known = products.every((p) => {
      const f = this.#features.get(p.pid);
      return f?.homekit === p.features.homekit && f.findmy === p.features.findmy;
    });
    for (const p of products) this.#features.set(p.pid, p.features);
    if (!known) this.publish();
  }

  #featuresOf(pid: string | null): Features | null {
    return pid === null ? null : (this.#features.get(pid) ?? null);
  }
}
