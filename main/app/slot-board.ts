import { existsSync } from 'node:fs';
import { AppError, toErrorInfo } from '../../common/errors';
import type { Logger } from '../../common/log';
import type { Programmer, SlotState } from '../../common/api/schemas';
import type { DiscoveryOptions } from '../../native/transport/discovery';
import { ProgrammerWatcher, type ProgrammerWatcherOptions } from '../../native/transport/programmer-watcher';
import { findProgrammerByModel, type ResetSequence } from '../../native/transport/programmers';
import type { SettingsStore } from '../settings';
import { toApiSlotState, type SlotSnapshot, type Station } from '../station';
import type { SyncEngine } from '../sync';
import type { EventHub } from '../api/services';
import type { FloorPeople } from './people';
import { discoverSlotLayout, probeProtocol, type SlotPlace, type StoredSlotPlace } from './slot-layout';

export interface SlotBoardOptions {
  /** The open station (null while the vault is locked or not set up). */
  station: () => Station | null;
  /** Its sync engine: the hub's assignment of each group to slots and lines. */
  sync: () => SyncEngine | null;
  settings: SettingsStore;
  events: EventHub;
  people: FloorPeople;
  logger: Logger;
  discovery?: DiscoveryOptions | undefined;
  programmerWatch?: Pick<ProgrammerWatcherOptions, 'hotplug' | 'pollMs' | 'settleMs'> | undefined;
  probeTimeoutMs?: number | undefined;
}

/**
 * The station's slots as the floor has them: the layout of jig places on
 * programmers (kept in settings as `slotLayout`), each slot's group (kept as
 * `slotGroups`), the programmers watched by their stable keys, and each slot's
 * tile. A place becomes a Station slot when it gets a group; the rules of who
 * may burn what on which slot are checked here before any slot changes.
 */
export class SlotBoard {
  readonly #station: () => Station | null;
  readonly #sync: () => SyncEngine | null;
  readonly #settings: SettingsStore;
  readonly #events: EventHub;
  readonly #people: FloorPeople;
  readonly #log: Logger;
  readonly #probeTimeoutMs: number | undefined;
  #layout: SlotPlace[] = [];
  /** Where each programmer is now, by its stable key; slots open what it resolves. */
  readonly #watcher: ProgrammerWatcher;
  #watching: Promise<unknown> | null = null;

  constructor(options: SlotBoardOptions) {
    this.#station = options.station;
    this.#sync = options.sync;
    this.#settings = options.settings;
    this.#events = options.events;
    this.#people = options.people;
    this.#log = options.logger;
    this.#probeTimeoutMs = options.probeTimeoutMs;
    this.#watcher = new ProgrammerWatcher({ ...options.discovery, pollMs: 2000, ...options.programmerWatch });
    this.#watcher.on('warning', (w) => this.#log.info({ warning: w }, 'programmers'));
    this.#watcher.on('attach', (t) => this.#programmerChanged(t.key));
    this.#watcher.on('detach', (t) => this.#programmerChanged(t.key));
  }

  /** Where the station's slots' programmers are looked up (the Station resolves each slot's port through it). */
  get watcher(): ProgrammerWatcher {
    return this.#watcher;
  }

  /** The jig places, in the order they were made. */
  get layout(): readonly SlotPlace[] {
    return this.#layout;
  }

  /** Starts watching programmers (once). */
  async start(): Promise<void> {
    this.#watching ??= this.#watcher.start();
    await this.#watching;
  }

  async stop(): Promise<void> {
    await this.#watcher.stop();
  }

  /** Looks for programmers now (one may have been replugged since the last look: the watcher polls every 2 s). */
  async rescan(): Promise<void> {
    await this.#watcher.rescan();
  }

  /** The number printed on a slot's place, or null for a slot no longer laid out. */
  numberOf(slotId: string | null): number | null {
    return this.#layout.find((p) => p.slotId === slotId)?.number ?? null;
  }

  /** Lays the slots out on the programmers found (saved when it changed), and makes again the slots that had a group. */
  async discover(): Promise<void> {
    await this.#watcher.rescan();
    const known = (this.#settings.get('slotLayout', []) as StoredSlotPlace[]).filter((p) => typeof p.port === 'string');
    const { layout } = await discoverSlotLayout(known, this.#watcher.list(), {
      logger: this.#log,
      ...(this.#probeTimeoutMs ? { probeTimeoutMs: this.#probeTimeoutMs } : {}),
    });
    this.#layout = layout;
    if (layout.length !== known.length || known.some((p) => p.programmer === undefined)) this.#settings.set('slotLayout', this.#layout);
    // slots come back bound to the group they had
    const station = this.#station()!;
    const bound = this.#settings.get('slotGroups', {}) as Record<string, string>;
    for (const place of this.#layout) {
      const groupId = bound[place.slotId];
      if (groupId === undefined || station.slots().some((s) => s.slotId === place.slotId)) continue;
      try {
        this.#addSlot(place, groupId);
      } catch (e) {
        this.#log.warn({ slot: place.slotId, err: toErrorInfo(e) }, 'slot not restored');
      }
    }
  }

  /** A slot of the station on its place's programmer (with the programmer's reset where the jig wires DTR/RTS). */
  #addSlot(place: SlotPlace, groupId: string): void {
    const resetSequence = place.resetOnOpen ? this.#resetSequenceOf(place.programmer) : undefined;
    if (place.resetOnOpen && resetSequence === undefined)
      this.#log.warn(
        { slot: place.slotId, programmer: place.programmer },
        'no reset sequence known for this programmer: the slot opens its port without one',
      );
    this.#station()!.addSlot({
      id: place.slotId,
      number: place.number,
      port: place.port,
      programmer: place.programmer,
      protocol: place.protocol,
      groupId,
      ...(resetSequence ? { resetSequence } : {}),
    });
  }

  /** The reset sequence of the programmer's model, from the programmer table; undefined while it is unplugged or its model is unknown. */
  #resetSequenceOf(key: string): ResetSequence | undefined {
    const model = this.#watcher.list().find((t) => t.key === key)?.port.programmer?.model;
    return model !== undefined ? findProgrammerByModel(model)?.resetToAuthorization : undefined;
  }

  /** The programmers plugged in and the slots' programmers (also missing ones). */
  programmers(): Programmer[] {
    const tracked = this.#watcher.list();
    const out: Programmer[] = this.#layout.map((p) => {
      const t = tracked.find((x) => x.key === p.programmer);
      return {
        key: p.programmer,
        port: t?.path ?? null,
        model: t?.port.programmer?.name ?? null,
        slotId: p.slotId,
        slotNumber: p.number,
        resetOnOpen: p.resetOnOpen === true,
        resetKnown: this.#resetSequenceOf(p.programmer) !== undefined,
      };
    });
    for (const t of tracked) {
      if (t.port.kind !== 'usb' && t.port.kind !== 'virtual') continue;
      if (!out.some((p) => p.key === t.key))
        out.push({
          key: t.key,
          port: t.path,
          model: t.port.programmer?.name ?? null,
          slotId: null,
          slotNumber: null,
          resetOnOpen: false,
          resetKnown: this.#resetSequenceOf(t.key) !== undefined,
        });
    }
    return out;
  }

  /** A slot's place changed (its programmer or reset): kept in the layout, and a bound slot is made again on it with its group. */
  async #replacePlace(place: SlotPlace): Promise<void> {
    const station = this.#station()!;
    this.#layout = this.#layout.map((p) => (p.slotId === place.slotId ? place : p));
    this.#settings.set('slotLayout', this.#layout);
    if (!this.hasSlot(place.slotId)) return;
    const groupId = station.slot(place.slotId).snapshot.groupId;
    await station.removeSlot(place.slotId);
    this.#addSlot(place, groupId);
  }

  /** A stopped slot's DTR/RTS reset turned on or off; kept in the layout, and a bound slot is made again with it. */
  async setSlotReset(slotId: string, on: boolean): Promise<SlotPlace> {
    const station = this.#station()!;
    const old = this.place(slotId);
    if (this.hasSlot(slotId) && station.slot(slotId).running)
      throw new AppError('SLOT_RUNNING', `Slot ${old.number} is burning: stop it before you change its reset.`);
    if (on && this.#resetSequenceOf(old.programmer) === undefined) {
      throw new AppError(
        'NO_RESET_SEQUENCE',
        `The station does not know how to reset programmer ${old.programmer} of slot ${old.number} (it is unplugged, or its model is not in the programmer table): leave the reset off.`,
        { programmer: old.programmer },
      );
    }
    const place: SlotPlace = { ...old, resetOnOpen: on };
    await this.#replacePlace(place);
    this.#log.info({ slot: slotId, programmer: place.programmer, resetOnOpen: on }, 'slot reset changed');
    return place;
  }

  /** A programmer came, went or moved: its slot's tile and the supervisor's list say so. */
  #programmerChanged(key: string): void {
    const place = this.#layout.find((p) => p.programmer === key);
    if (place && this.#station() !== null && !this.hasSlot(place.slotId)) this.#events.emit('onSlotState', this.slotState(place));
    // a bound slot republishes itself (Slot.programmerMoved); the station's own listener sends it on
    if (this.#station() !== null) this.#events.emit('onProgrammers', this.programmers());
  }

  /** A slot's programmer or its reset changed: the supervisor's list and the slot's tile say so. */
  programmerChange(place: SlotPlace): { slot: SlotState; programmers: Programmer[] } {
    const programmers = this.programmers();
    this.#events.emit('onProgrammers', programmers);
    const slot = this.slotState(place);
    this.#events.emit('onSlotState', slot);
    return { slot, programmers };
  }

  /** Binds a new programmer to a slot (a stopped one, which leaves its old programmer) or to a new slot. */
  async assignProgrammer(key: string, slotId: string | undefined): Promise<SlotPlace> {
    const station = this.#station()!;
    await this.#watcher.rescan();
    const tracked = this.#watcher.list().find((t) => t.key === key);
    if (!tracked)
      throw new AppError('PROGRAMMER_MISSING', `Programmer ${key} is not plugged in: plug it in, then assign it.`, { programmer: key });
    const owner = this.#layout.find((p) => p.programmer === key);
    if (owner) throw new AppError('PROGRAMMER_IN_USE', `Programmer ${key} is already slot ${owner.number}'s.`, { programmer: key });
    if (slotId === undefined) {
      const protocol = await probeProtocol(tracked.path, this.#probeTimeoutMs ? { timeoutMs: this.#probeTimeoutMs } : {});
      if (protocol === null)
        throw new AppError(
          'NO_MODULE_ANSWERS',
          `No module answers on programmer ${key}: place a module in its jig, then assign it again.`,
          { programmer: key },
        );
      const number = Math.max(0, ...this.#layout.map((p) => p.number)) + 1;
      const place: SlotPlace = { slotId: `slot-${number}`, number, port: tracked.path, programmer: key, protocol };
      this.#layout = [...this.#layout, place];
      this.#settings.set('slotLayout', this.#layout);
      this.#log.info({ slot: place.slotId, programmer: key }, 'new programmer assigned to a new slot');
      return place;
    }
    const old = this.place(slotId);
    if (this.hasSlot(slotId) && station.slot(slotId).running)
      throw new AppError('SLOT_RUNNING', `Slot ${old.number} is burning: stop it before you give it another programmer.`);
    const place: SlotPlace = { ...old, port: tracked.path, programmer: key };
    await this.#replacePlace(place);
    this.#log.info({ slot: slotId, programmer: key, previous: old.programmer }, 'programmer assigned to a slot');
    return place;
  }

  /** The slots burning the group (each has a Station slot on it). */
  boundSlots(groupId: string): string[] {
    return (
      this.#station()
        ?.slots()
        .filter((s) => s.groupId === groupId)
        .map((s) => s.slotId) ?? []
    );
  }

  place(slotId: string): SlotPlace {
    const place = this.#layout.find((p) => p.slotId === slotId);
    if (!place) throw new AppError('SLOT_NOT_FOUND', `There is no slot "${slotId}" on this station.`);
    return place;
  }

  hasSlot(slotId: string): boolean {
    return (
      this.#station()
        ?.slots()
        .some((s) => s.slotId === slotId) ?? false
    );
  }

  slotState(place: SlotPlace): SlotState {
    if (this.hasSlot(place.slotId)) return this.apiSlot(this.#station()!.slot(place.slotId).snapshot);
    const port = this.#watcher.resolve(place.programmer);
    return {
      slotId: place.slotId,
      number: place.number,
      port: port ?? place.port,
      programmer: place.programmer,
      programmerMissing: port === undefined,
      protocol: place.protocol,
      groupId: null,
      connected: port !== undefined,
      running: false,
      phase: 'idle',
      step: null,
      progress: 0,
      lastResult: null,
      stopReason: null,
      portProblem: null,
      pendingSerial: null,
      burnedThisShift: 0,
      cannotTell: false,
    };
  }

  /** A slot as the screen shows it. */
  apiSlot(s: SlotSnapshot): SlotState {
    if (s.running) return toApiSlotState(s);
    // a stopped slot has its port closed: whether the programmer is there is whether the watcher sees it (a slot on a path: whether its port is)
    const present = s.programmer !== null ? this.#watcher.resolve(s.programmer) !== undefined : existsSync(s.port);
    return { ...toApiSlotState(s), connected: present, programmerMissing: s.programmer !== null && !present, progress: 0 };
  }

  /** The named slots, or every slot; each must have a group. */
  boundTargets(slotIds: readonly string[] | undefined): string[] {
    const ids = slotIds?.length ? [...slotIds] : this.#layout.filter((p) => this.hasSlot(p.slotId)).map((p) => p.slotId);
    for (const id of ids) {
      const place = this.place(id);
      if (!this.hasSlot(id)) throw new AppError('NO_GROUP', `Slot ${place.number} has no group: pick a group first.`);
    }
    if (ids.length === 0) throw new AppError('NO_GROUP', 'No slot has a group yet: pick a group first.');
    return ids;
  }

  states(ids: readonly string[]): SlotState[] {
    return ids.map((id) => this.slotState(this.place(id)));
  }

  bind(groupId: string, slotIds: readonly string[]): void {
    const station = this.#station()!;
    this.assertUuidsFit(groupId, slotIds);
    for (const id of slotIds) {
      const place = this.place(id);
      if (this.hasSlot(id)) station.selectGroup(groupId, [id]);
      else this.#addSlot(place, groupId);
      this.#settings.set(`slotGroups.${id}`, groupId);
    }
  }

  /** Every slot named can take the group's uuids, checked before any slot changes (UUIDS_DO_NOT_FIT names the first that cannot). */
  assertUuidsFit(groupId: string, slotIds: readonly string[]): void {
    for (const id of slotIds) {
      const place = this.place(id);
      this.#station()!.assertUuidsFit(groupId, place.protocol, place.number);
    }
  }

  /**
   * A slot burns only a group assigned to it, or (no slots named) to its line: a group a supervisor reassigned
   * to other slots, or to another line, is refused in plain words. Groups imported from a file are anyone's.
   */
  assertMayBurn(groupId: string, slotId: string): void {
    const meta = this.#sync()?.store.meta(groupId);
    if (!meta) return;
    const number = this.place(slotId).number;
    const name = this.#station()!.vault.getGroup(groupId).name;
    if (meta.slotIds.length > 0 && !meta.slotIds.includes(slotId)) {
      const slots = meta.slotIds.map((id) => this.#layout.find((p) => p.slotId === id)?.number ?? id).join(', ');
      throw new AppError(
        'GROUP_NOT_FOR_SLOT',
        `Group "${name}" is assigned to slot${meta.slotIds.length === 1 ? '' : 's'} ${slots}, not to slot ${number}: pick another group for slot ${number}, or ask a supervisor to reassign it.`,
      );
    }
    const line = this.#people.stationLine();
    if (meta.slotIds.length === 0 && meta.localLine !== null && line !== null && meta.localLine !== line) {
      throw new AppError(
        'GROUP_NOT_FOR_SLOT',
        `Group "${name}" is assigned to ${meta.localLine}, and slot ${number} is on ${line}: pick another group, or ask a supervisor to reassign it.`,
      );
    }
  }
}
