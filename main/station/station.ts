import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError, toErrorInfo } from '../../common/errors';
import { systemClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/log';
import { createDriver, isProtocolId, protocolDescriptor, protocolIds } from '../../native/protocols';
import type { ProgrammerWatcher } from '../../native/transport/programmer-watcher';
import type { ResetSequence } from '../../native/transport/programmers';
import { SerialTransport } from '../../native/transport/serial';
import type { ModuleDriver, ModuleIdentity, ProtocolId } from '../../native/protocols/types';
import type { Transport } from '../../native/transport/types';
import {
  Ledger,
  type GroupCounts,
  type LicenseInfo,
  type RecoveryReport,
  type LedgerVerification,
  type SettleOptions,
  type Settlement,
} from '../ledger';
import { Vault, type CredentialGroup, type ImportOptions, type ImportReport, type KeyWrapper, type VaultOptions } from '../vault';
import { Slot, type SlotConfig, type SlotSnapshot, type SlotTiming } from './slot';

/** A run or an import needs this much free space on the vault's disk, unless configured otherwise. */
export const DEFAULT_MIN_FREE_BYTES = 64 * 2 ** 20;

/** A group as the station shows it: its counts, and why it is blocked (if it is). */
export interface StationGroup {
  id: string;
  name: string;
  pid: string | null;
  blocked: { reason: string } | null;
  counts: GroupCounts;
}

export type StationEvent =
  | { type: 'slot'; slot: SlotSnapshot }
  | { type: 'counts'; groupId: string; counts: GroupCounts }
  | { type: 'recovery'; report: RecoveryReport };

export interface StationOptions {
  vaultPath: string;
  wrapper: KeyWrapper;
  clock?: Clock;
  logger?: Logger;
  /** How slots open their ports (tests may pass another transport); default: the serial transport. */
  openTransport?: (path: string, baudRate: number) => Transport;
  makeDriver?: (protocol: ProtocolId, transport: Transport) => ModuleDriver;
  slotTiming?: Partial<SlotTiming>;
  /** Free space the vault's disk must have to start a run or an import (default 64 MiB). */
  minFreeBytes?: number;
  /** The vault's anchor file, outside the vault's folder (see VaultOptions.anchorPath). */
  anchorPath?: string;
  /**
   * Where each programmer is now, by its stable key: slots bound to a programmer (SlotRequest.programmer)
   * open the tty it has at every open, follow it when it is unplugged and comes back as another tty,
   * and open nothing while it is missing.
   */
  programmers?: Pick<ProgrammerWatcher, 'resolve' | 'on' | 'off'>;
}

export interface SlotRequest {
  /** The tty to open; for a slot bound to a programmer, where it was last seen (shown until it is found). */
  port?: string;
  /** The programmer's stable key (see ProgrammerWatcher); needs StationOptions.programmers. */
  programmer?: string;
  /** DTR/RTS sequence played whenever the slot opens its port (a jig that wires the module's EN pin); default none. */
  resetSequence?: ResetSequence;
  protocol: string;
  groupId: string;
  /** Defaults to `slot-<number>`. */
  id?: string;
  /** Defaults to the next free number. */
  number?: number;
  baudRate?: number;
}

/**
 * The station: owns the vault and its ledger, runs recovery when it opens,
 * and runs slots. Everything the app's services and the headless command
 * call goes through here; listeners get slot states and group counts as events.
 */
export class Station {
  readonly vault: Vault;
  readonly ledger: Ledger;
  /** What recovery found when the station opened: interrupted licenses released or made suspect. */
  readonly recovery: RecoveryReport;
  readonly #options: StationOptions;
  readonly #slots = new Map<string, Slot>();
  readonly #listeners = new Set<(e: StationEvent) => void>();
  /** Tells the slot bound to a programmer that it was unplugged or came back as another tty. */
  readonly #onProgrammer = ({ key }: { key: string }): void => {
    for (const slot of this.#slots.values()) if (slot.config.programmer === key) slot.programmerMoved();
  };
  /** When this shift began (the station opened): failed attempts are counted from here. */
  readonly #shiftStart: number;
  #closed = false;

  private constructor(vault: Vault, options: StationOptions) {
    this.vault = vault;
    this.ledger = new Ledger(vault);
    this.#options = options;
    this.#shiftStart = (options.clock ?? systemClock).now();
    // A damaged vault is not written to: recovery waits for the restored copy.
    this.recovery = vault.damage ? { released: [], suspected: [] } : this.ledger.recover();
    options.programmers?.on('attach', this.#onProgrammer);
    options.programmers?.on('detach', this.#onProgrammer);
  }

  /** Creates a new vault and opens the station on it. */
  static async create(options: StationOptions): Promise<Station> {
    const vault = await Vault.create(Station.#vaultOptions(options));
    return Station.#wrap(vault, options);
  }

  /** Unlocks an existing vault and runs recovery before any slot can start. */
  static async open(options: StationOptions): Promise<Station> {
    const vault = await Vault.open(Station.#vaultOptions(options));
    return Station.#wrap(vault, options);
  }

  static #vaultOptions(options: StationOptions): VaultOptions {
    return {
      path: options.vaultPath,
      wrapper: options.wrapper,
      clock: options.clock ?? systemClock,
      logger: options.logger ?? silentLogger,
      ...(options.anchorPath !== undefined ? { anchorPath: options.anchorPath } : {}),
    };
  }

  static #wrap(vault: Vault, options: StationOptions): Station {
    try {
      return new Station(vault, options);
    } catch (e) {
      vault.close();
      throw e;
    }
  }

  subscribe(listener: (e: StationEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // ---- groups and licenses ----

  groups(): StationGroup[] {
    return this.vault.listGroups().map((g) => this.#groupView(g));
  }

  group(groupId: string): StationGroup {
    return this.#groupView(this.vault.getGroup(groupId));
  }

  /** A group by id, or by its exact name when that is unique (the headless command accepts both). */
  findGroup(idOrName: string): StationGroup {
    const all = this.vault.listGroups();
    const byId = all.find((g) => g.id === idOrName);
    if (byId) return this.#groupView(byId);
    const byName = all.filter((g) => g.name === idOrName);
    if (byName.length === 1) return this.#groupView(byName[0]!);
    if (byName.length > 1)
      throw new AppError(
        'GROUP_AMBIGUOUS',
        `${byName.length} groups are named "${idOrName}": use the group's id (see the groups command).`,
      );
    throw new AppError('GROUP_NOT_FOUND', `There is no group "${idOrName}" in this vault; list them with the groups command.`);
  }

  counts(groupId: string): GroupCounts {
    return this.ledger.counts(groupId, { since: this.#shiftStart });
  }

  async importLicenseList(bytes: Uint8Array, fileName: string, options: ImportOptions = {}): Promise<ImportReport> {
    this.#assertFreeSpace('import');
    const report = await this.vault.importLicenseList(bytes, fileName, options);
    if (report.ok) this.#publishCounts(report.groupId);
    return report;
  }

  /** Blocks a group (an update request under review): slots refuse to start on it and running ones stop before their next license. */
  blockGroup(groupId: string, reason: string): void {
    this.ledger.blockGroup(groupId, reason);
  }

  unblockGroup(groupId: string): void {
    this.ledger.unblockGroup(groupId);
  }

  /** Sets a group's product PID (a supervisor's action, audited; a hub group's change is queued for the hub). */
  setGroupPid(groupId: string, pid: string, options: { by?: string } = {}): StationGroup {
    this.#open();
    this.ledger.setGroupPid(groupId, pid, options);
    return this.group(groupId);
  }

  /** Licenses set aside because these modules cannot take them, with why. */
  listRejected(groupId?: string): ReturnType<Ledger['listRejected']> {
    return this.ledger.listRejected(groupId);
  }

  // ---- slots ----

  addSlot(request: SlotRequest): Slot {
    this.#open();
    if (!isProtocolId(request.protocol))
      throw new AppError('UNKNOWN_PROTOCOL', `Unknown protocol "${request.protocol}": use ${protocolIds.join(' or ')}.`);
    const { programmer } = request;
    const programmers = this.#options.programmers;
    if (programmer !== undefined) {
      if (!programmers)
        throw new AppError(
          'NO_PROGRAMMER_WATCH',
          `Slot with programmer ${programmer}: this station does not watch its programmers; give the slot a port instead.`,
        );
      const taken = [...this.#slots.values()].find((s) => s.config.programmer === programmer);
      if (taken)
        throw new AppError(
          'PROGRAMMER_IN_USE',
          `Programmer ${programmer} is already slot ${taken.config.number}'s; each slot needs its own programmer.`,
          { programmer },
        );
    }
    const port = (programmer !== undefined ? programmers?.resolve(programmer) : undefined) ?? request.port;
    if (port === undefined) throw new AppError('PORT_REQUIRED', 'A slot needs a port or a programmer.');
    const taken = [...this.#slots.values()].find(
      (s) => s.config.programmer === undefined && programmer === undefined && s.config.port === port,
    );
    if (taken) throw new AppError('PORT_IN_USE', `Port ${port} is already slot ${taken.config.number}; each slot needs its own port.`);
    const number = request.number ?? Math.max(0, ...[...this.#slots.values()].map((s) => s.config.number)) + 1;
    this.assertUuidsFit(request.groupId, request.protocol, number);
    const id = request.id ?? `slot-${number}`;
    if (this.#slots.has(id)) throw new AppError('SLOT_EXISTS', `There is already a slot ${id}.`);
    const config: SlotConfig = {
      id,
      number,
      port,
      protocol: request.protocol,
      groupId: request.groupId,
      ...(programmer !== undefined ? { programmer } : {}),
      ...(request.resetSequence ? { resetSequence: request.resetSequence } : {}),
      ...(request.baudRate ? { baudRate: request.baudRate } : {}),
    };
    const slot = new Slot(config, {
      ledger: this.ledger,
      ...(programmers ? { programmers } : {}),
      ...(this.#options.openTransport ? { openTransport: this.#options.openTransport } : {}),
      ...(this.#options.makeDriver ? { makeDriver: this.#options.makeDriver } : {}),
      ...(this.#options.slotTiming ? { timing: this.#options.slotTiming } : {}),
      clock: this.#options.clock ?? systemClock,
      logger: this.#options.logger ?? silentLogger,
      onLedgerChange: (groupId) => this.#publishCounts(groupId),
    });
    slot.subscribe((snapshot) => this.#emit({ type: 'slot', slot: snapshot }));
    this.#slots.set(id, slot);
    this.#emit({ type: 'slot', slot: slot.snapshot });
    return slot;
  }

  async removeSlot(slotId: string): Promise<void> {
    const slot = this.slot(slotId);
    await slot.stop({ abandon: true });
    this.#slots.delete(slotId);
  }

  slot(slotId: string): Slot {
    const slot = this.#slots.get(slotId);
    if (!slot) throw new AppError('SLOT_NOT_FOUND', `There is no slot "${slotId}" on this station.`);
    return slot;
  }

  slots(): SlotSnapshot[] {
    return [...this.#slots.values()].sort((a, b) => a.config.number - b.config.number).map((s) => s.snapshot);
  }

  /** Binds a group to slots (all when none are named); the slots must be stopped. */
  selectGroup(groupId: string, slotIds?: readonly string[]): SlotSnapshot[] {
    const targets = this.#targets(slotIds);
    const running = targets.find((s) => s.running);
    if (running) throw new AppError('SLOT_RUNNING', `Slot ${running.config.number} is running: stop it before you change its group.`);
    for (const slot of targets) this.assertUuidsFit(groupId, slot.config.protocol, slot.config.number);
    for (const slot of targets) slot.setGroup(groupId);
    return targets.map((s) => s.snapshot);
  }

  /** Starts slots; a blocked group refuses with its reason and no slot of the request starts. */
  start(slotIds?: readonly string[]): SlotSnapshot[] {
    this.#open();
    this.vault.assertCurrent();
    this.#assertFreeSpace('start burning');
    const targets = this.#targets(slotIds);
    for (const slot of targets) {
      const group = this.vault.getGroup(slot.config.groupId);
      if (group.state === 'blocked') {
        throw new AppError(
          'GROUP_BLOCKED',
          `Slot ${slot.config.number} cannot start: group "${group.name}" is blocked: ${group.blockedReason ?? 'no reason given'}. Burn from another group until it is unblocked.`,
          { groupId: group.id, reason: group.blockedReason },
        );
      }
    }
    for (const slot of targets) slot.start();
    return targets.map((s) => s.snapshot);
  }

  /** Stops slots: each finishes and records the burn under way, or cancels it with `abandon`. */
  async stop(slotIds?: readonly string[], options: { abandon?: boolean } = {}): Promise<SlotSnapshot[]> {
    const targets = this.#targets(slotIds);
    await Promise.all(targets.map((s) => s.stop(options)));
    return targets.map((s) => s.snapshot);
  }

  retry(slotId: string): SlotSnapshot {
    this.#open();
    const slot = this.slot(slotId);
    slot.retry();
    return slot.snapshot;
  }

  setNextModuleSerial(slotId: string, serial: string | null): SlotSnapshot {
    const slot = this.slot(slotId);
    slot.setNextModuleSerial(serial);
    return slot.snapshot;
  }

  // ---- supervisor ----

  listSuspects(groupId?: string): LicenseInfo[] {
    return this.ledger.listSuspects(groupId);
  }

  /**
   * Reads the module in a jig back and settles a suspect license with it, only if it is the
   * module of the burn (Ledger.resolveSuspect): verified, released to its group, or void.
   * Through a stopped slot (`slotId`) or any port (`port` + `protocol`).
   */
  async resolveSuspectByReadBack(
    uuid: string,
    via: { slotId: string } | { port: string; protocol: string; baudRate?: number },
    options: SettleOptions = {},
  ): Promise<{ state: Settlement; module: ModuleIdentity }> {
    this.#open();
    const license = this.ledger.license(uuid);
    if (license.state !== 'suspect')
      throw new AppError('NOT_SUSPECT', `License ${uuid} is ${license.state}, not suspect: there is nothing to resolve.`);
    const module = await this.readModule(via);
    const state = this.ledger.resolveSuspect(uuid, module, options);
    this.#publishCounts(license.groupId);
    return { state, module: { ...module, authkey: null } };
  }

  /** What the module in a jig holds (the authkey is not returned). */
  async readModule(via: { slotId: string } | { port: string; protocol: string; baudRate?: number }): Promise<ModuleIdentity> {
    if ('slotId' in via) return this.slot(via.slotId).readModule();
    const busy = [...this.#slots.values()].find((s) => s.config.port === via.port && s.running);
    if (busy)
      throw new AppError(
        'PORT_BUSY',
        `Port ${via.port} is burning modules right now: stop burning on it first, then read the module back.`,
        { path: via.port },
      );
    if (!isProtocolId(via.protocol))
      throw new AppError('UNKNOWN_PROTOCOL', `Unknown protocol "${via.protocol}": use ${protocolIds.join(' or ')}.`);
    // A port, not a slot: the transport's own words ("Port … is in use by another program. Close it there, then retry.") say what to do.
    const transport = (this.#options.openTransport ?? ((path, baudRate) => new SerialTransport(path, { baudRate })))(
      via.port,
      via.baudRate ?? 115200,
    );
    const driver = (this.#options.makeDriver ?? ((protocol, t) => createDriver(protocol, t)))(via.protocol, transport);
    await transport.open();
    try {
      return await driver.readIdentity();
    } finally {
      await transport.close().catch(() => undefined);
    }
  }

  voidSuspect(uuid: string, reason: string, options: { by?: string } = {}): void {
    this.#open();
    if (reason.trim() === '')
      throw new AppError('REASON_REQUIRED', 'Say why the license is voided (for example: module scrapped); the hub is told.');
    const license = this.ledger.license(uuid);
    this.ledger.voidSuspect(uuid, reason, options);
    this.#publishCounts(license.groupId);
  }

  verifyAudit(): LedgerVerification {
    return this.ledger.verifyAudit();
  }

  exportBurnReportCsv(options: { groupId?: string } = {}): string {
    return this.ledger.exportBurnReportCsv(options);
  }

  /** Stops every slot (finishing burns under way unless `abandon`) and closes the vault. */
  async close(options: { abandon?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    await this.stop(undefined, options);
    this.#options.programmers?.off('attach', this.#onProgrammer);
    this.#options.programmers?.off('detach', this.#onProgrammer);
    this.#closed = true;
    this.vault.close();
  }

  /**
   * A group none of whose licenses the modules of slot `slotNumber` (speaking `protocol`) can take is refused
   * when it is picked (UUIDS_DO_NOT_FIT), not at the first module.
   */
  assertUuidsFit(groupId: string, protocol: ProtocolId, slotNumber: number): void {
    const group = this.vault.getGroup(groupId);
    const lengths = protocolDescriptor(protocol).uuidLengths;
    const fit = this.ledger.uuidsFit(groupId, lengths);
    if (fit === null || fit.fits) return;
    throw new AppError(
      'UUIDS_DO_NOT_FIT',
      `Group ${group.name} has ${fit.length}-character uuids, and the ${protocol} modules on slot ${slotNumber} take ${lengths.join(' or ')}: pick another group for slot ${slotNumber}.`,
      { groupId, protocol, uuidLength: fit.length, slot: slotNumber },
    );
  }

  /** Refuses (DISK_FULL) when the vault's disk has less free space than minFreeBytes. */
  #assertFreeSpace(what: string): void {
    const needed = this.#options.minFreeBytes ?? DEFAULT_MIN_FREE_BYTES;
    const fs = statfsSync(dirname(this.vault.path));
    const free = fs.bavail * fs.bsize;
    if (free < needed) {
      const mib = (n: number) => `${Math.floor(n / 2 ** 20)} MiB`;
      throw new AppError(
        'DISK_FULL',
        `Only ${mib(free)} are free on the vault's disk (${what} needs at least ${mib(needed)}): free space on it, then try again.`,
        { free, needed },
      );
    }
  }

  #open(): void {
    if (this.#closed) throw new AppError('STATION_CLOSED', 'The station is closed; open it again.');
  }

  #targets(slotIds?: readonly string[]): Slot[] {
    if (!slotIds || slotIds.length === 0) return [...this.#slots.values()];
    return slotIds.map((id) => this.slot(id));
  }

  #groupView(g: CredentialGroup): StationGroup {
    return {
      id: g.id,
      name: g.name,
      pid: g.pid,
      blocked: g.state === 'blocked' ? { reason: g.blockedReason ?? 'no reason given' } : null,
      counts: this.counts(g.id),
    };
  }

  #publishCounts(groupId: string): void {
    if (this.#listeners.size === 0) return;
    try {
      this.#emit({ type: 'counts', groupId, counts: this.counts(groupId) });
    } catch (e) {
      (this.#options.logger ?? silentLogger).warn({ err: toErrorInfo(e) }, 'counts not published');
    }
  }

  #emit(event: StationEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
