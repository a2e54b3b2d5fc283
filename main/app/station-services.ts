import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError, isAppError, toErrorInfo } from '../../common/errors';
import { systemClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/log';
import type { JobProgress, OfflineOutcome } from '../../common/api/schemas';
import type { DiscoveryOptions } from '../../native/transport/discovery';
import type { ProgrammerWatcherOptions } from '../../native/transport/programmer-watcher';
import { burnRecordsSince, burnReportCsv, burnStats, operatorsSince } from '../ledger';
import { fileSettings, type SettingsStore } from '../settings';
import { toApiGroupCounts, type Station, type SlotTiming } from '../station';
import type { SyncEngine } from '../sync';
import type { SafeStorageLike, ScryptParams } from '../vault';
import { EventHub, type CallContext, type StationServices } from '../api/services';
import type { SupervisorAction } from '../api/dispatcher';
import { SupervisorSessions, type PinRecord, type PinStore, type SupervisorSessionOptions } from '../api/supervisor-session';
import { ExportFolder, OneTimeCodes } from './exports-codes';
import { HubJobs } from './hub-jobs';
import { HubSupervisor } from './hub-supervisor';
import { DEFAULT_IDLE_MINUTES, FloorPeople } from './people';
import { GroupBoard } from './group-board';
import { SlotBoard } from './slot-board';
import { VaultSetup, type DemoHubAccess } from './vault-setup';
import { dashboard, historyEntry, operationHistory, refusedReports, reportFrom, updateRequest, vaultGuard } from './views';

export type { DemoHubAccess } from './vault-setup';

export interface StationServicesOptions {
  /** Where the vault (station.vault) and, outside Electron, settings.json live. */
  dataDir: string;
  /** Where reports and license downloads are written. Default: <dataDir>/exports. */
  exportDir?: string;
  /** The vault's anchor (its newest durable audit head), outside dataDir. Default: the station's state folder (defaultAnchorPath). */
  anchorPath?: string;
  /** electron-store in Electron; a JSON file otherwise. */
  settings?: SettingsStore;
  /** Electron's safeStorage, where the OS offers a keychain. */
  safeStorage?: SafeStorageLike | null;
  /** Which ports to look at for programmers (the virtual fleet's directory in demos and tests). */
  discovery?: DiscoveryOptions;
  /** How programmers are watched: hotplug source and rescan period (default: USB hotplug where a bus exists, a rescan every 2 s). */
  programmerWatch?: Pick<ProgrammerWatcherOptions, 'hotplug' | 'pollMs' | 'settleMs'>;
  probeTimeoutMs?: number;
  /** Starts (or reaches) the demo hub; absent in a build without the demo. */
  demoHub?: () => Promise<DemoHubAccess>;
  /** Sends the station's own one-time codes (report export); returns where it went. Default: the log. */
  sendCode?: (purpose: string, code: string) => string;
  syncIntervalMs?: number;
  scrypt?: ScryptParams;
  slotTiming?: Partial<SlotTiming>;
  session?: SupervisorSessionOptions;
  /** How often an idle operator is looked for (default 15 s; tests make it short). */
  idleCheckMs?: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * The station's real services behind the UI contract: the vault and ledger
 * (main/vault, main/ledger) through the Station and its slots (main/station),
 * the sync client (main/sync) for enrollment, pull, outbox and offline
 * operations, settings (main/settings), and the supervisor's calls to the hub
 * (with the station's own token) for what only the hub can do. Authkeys stay
 * in here: every answer is a view.
 */
export class StationRuntime {
  readonly events = new EventHub();
  readonly services: StationServices;
  readonly settings: SettingsStore;
  readonly pinStore: PinStore;
  readonly sessions: SupervisorSessions;
  /** Who is at the station: operators (signed on one at a time) and supervisors. */
  readonly people: FloorPeople;
  readonly #clock: Clock;
  readonly #log: Logger;
  /** The vault, the Station and the sync engine: first run, unlock, close. */
  readonly #setup: VaultSetup;
  readonly #hub: HubSupervisor;
  /** The slots, their programmers and their groups. */
  readonly #board: SlotBoard;
  readonly #groups: GroupBoard;
  readonly #codes: OneTimeCodes;
  readonly #files: ExportFolder;
  readonly #downloadCodes = new Map<string, string>();
  readonly #jobs: HubJobs;

  constructor(options: StationServicesOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    mkdirSync(options.dataDir, { recursive: true });
    this.#files = new ExportFolder({ dataDir: options.dataDir, exportDir: options.exportDir, clock: this.#clock });
    this.#codes = new OneTimeCodes({ clock: this.#clock, log: this.#log, sendCode: options.sendCode });
    this.settings = options.settings ?? fileSettings({ path: join(options.dataDir, 'settings.json') });
    this.pinStore = {
      load: () => this.settings.get('supervisorLock', null) as PinRecord | null,
      save: (r) => this.settings.set('supervisorLock', r),
    };
    this.people = new FloorPeople({
      clock: this.#clock,
      vault: () => this.#setup.station?.vault ?? null,
      idleMinutes: () => this.settings.get('operatorIdleMinutes', DEFAULT_IDLE_MINUTES) as number,
      onOperator: (number, session) => {
        this.#setup.station?.ledger.setOperator(number);
        this.events.emit('onOperator', session);
      },
      stopSlots: async () => {
        await this.#setup.station?.stop();
      },
    });
    this.sessions = new SupervisorSessions(this.pinStore, {
      ...options.session,
      ...(options.clock ? { clock: options.clock } : {}),
      directory: () => this.people.supervisors(),
    });
    this.#hub = new HubSupervisor({ access: () => this.#setup.hubAccess() });
    this.#jobs = new HubJobs({ hub: this.#hub, events: this.events });
    this.#board = new SlotBoard({
      station: () => this.#setup.station,
      sync: () => this.#setup.sync,
      settings: this.settings,
      events: this.events,
      people: this.people,
      logger: this.#log,
      discovery: options.discovery,
      programmerWatch: options.programmerWatch,
      probeTimeoutMs: options.probeTimeoutMs,
    });
    this.#groups = new GroupBoard({
      isOpen: () => this.#setup.station !== null,
      ready: () => this.#setup.ready(),
      board: this.#board,
      events: this.events,
      logger: this.#log,
    });
    this.#setup = new VaultSetup({
      vaultPath: join(options.dataDir, 'station.vault'),
      anchorPath: options.anchorPath,
      exportDir: this.#files.dir,
      safeStorage: options.safeStorage,
      scrypt: options.scrypt,
      demoHub: options.demoHub,
      syncIntervalMs: options.syncIntervalMs,
      slotTiming: options.slotTiming,
      idleCheckMs: options.idleCheckMs,
      settings: this.settings,
      sessions: this.sessions,
      people: this.people,
      board: this.#board,
      events: this.events,
      publishGroups: () => this.#groups.publish(),
      closeAll: () => this.close(),
      clock: this.#clock,
      logger: this.#log,
    });
    this.services = this.#build();
  }

  /** Opens the vault at start when the OS keychain holds its key; a passphrase vault waits for unlock. */
  async start(): Promise<void> {
    await this.#setup.start();
  }

  get station(): Station | null {
    return this.#setup.station;
  }

  get sync(): SyncEngine | null {
    return this.#setup.sync;
  }

  /** Every supervisor action, in the vault's audit chain with the supervisor's name (the dispatcher calls it). */
  recordSupervisorAction(a: SupervisorAction): void {
    const vault = this.#setup.station?.vault;
    vault?.db
      .transaction(() =>
        vault.audit.append({
          action: `supervisor.${a.channel.slice(a.channel.indexOf('.') + 1)}`,
          detail: { by: a.supervisor.name, supervisorId: a.supervisor.id, outcome: a.outcome },
        }),
      )
      .immediate();
  }

  async close(): Promise<void> {
    this.#jobs.stop();
    await this.#setup.close();
    await this.#board.stop();
  }

  // ---------- views ----------

  /** The supervisor of this call, by name (the hub's audit names them). */
  #supervisorName(ctx: CallContext): string | null {
    return this.sessions.who(ctx.sessionKey)?.name ?? null;
  }

  /** The hub on behalf of the supervisor of this call (named in x-station-supervisor). */
  #hubFor(ctx: CallContext): HubSupervisor {
    return this.#hub.as(this.#supervisorName(ctx));
  }

  #people() {
    this.#setup.ready();
    return {
      operators: this.people.operators(),
      supervisors: this.sessions.list(),
      idleMinutes: this.settings.get('operatorIdleMinutes', DEFAULT_IDLE_MINUTES) as number,
      lines: this.people.lines().map((l) => l.name),
      stationLine: this.people.stationLine(),
    };
  }

  async #productName(): Promise<(pid: string) => string> {
    const { products } = await this.#hub.products();
    return (pid) => products.find((p) => p.pid === pid)?.name ?? pid;
  }

  /** Splits, reassignments and transfer bundles, newest first. */
  #outcomes(): OfflineOutcome[] {
    const sync = this.#setup.sync;
    if (sync === null) return [];
    return sync.outcomes().sort((a, b) => b.at.localeCompare(a.at));
  }

  /** Pulls what a hub operation changed (a block, a state); offline, the next sync brings it. */
  async #resync(): Promise<void> {
    await this.#setup.sync?.syncNow().catch((e: unknown) => this.#log.info({ err: toErrorInfo(e) }, 'sync after a hub operation failed'));
    this.#groups.publish();
  }

  #build(): StationServices {
    return {
      events: this.events,
      setup: this.#setup.services(),
      station: {
        overview: async () => {
          this.#setup.ready();
          if (this.#board.layout.length === 0) await this.#board.discover();
          return { groups: this.#groups.all(), slots: this.#board.layout.map((p) => this.#board.slotState(p)) };
        },
        selectGroup: async (input) => {
          this.people.touch();
          const summary = this.#groups.summary(input.groupId);
          if (summary.blocked !== null) throw new AppError(summary.blocked.code, summary.blocked.message);
          if (this.#board.layout.length === 0) await this.#board.discover();
          if (this.#board.layout.length === 0)
            throw new AppError(
              'NO_SLOTS',
              'No programmer with a module in its jig answers on this station: plug in a programmer, place a module, then pick the group again.',
            );
          const ids = input.slotIds?.length ? [...input.slotIds] : this.#board.layout.map((p) => p.slotId);
          // a slot already on the group keeps burning: picking the group picked is no change
          const change = ids
            .map((id) => this.#board.place(id))
            .filter((p) => !(this.#board.hasSlot(p.slotId) && this.#setup.station!.slot(p.slotId).snapshot.groupId === input.groupId));
          const running = change.find((p) => this.#board.hasSlot(p.slotId) && this.#setup.station!.slot(p.slotId).running);
          if (running) throw new AppError('SLOT_RUNNING', `Slot ${running.number} is burning: stop it before you change its group.`);
          for (const p of change) this.#board.assertMayBurn(input.groupId, p.slotId);
          this.#board.bind(
            input.groupId,
            change.map((p) => p.slotId),
          );
          this.#groups.publish();
          return this.#board.states(ids);
        },
        start: (input) => {
          const { station } = this.#setup.ready();
          this.people.requireOperator();
          this.people.touch();
          const ids = this.#board.boundTargets(input.slotIds);
          for (const id of ids) this.#board.assertMayBurn(station.slot(id).snapshot.groupId, id);
          station.start(ids);
          return this.#board.states(ids);
        },
        stop: async (input) => {
          this.people.touch();
          const { station } = this.#setup.ready();
          const ids = input.slotIds?.length
            ? input.slotIds.filter((id) => this.#board.place(id) && this.#board.hasSlot(id))
            : this.#board.layout.filter((p) => this.#board.hasSlot(p.slotId)).map((p) => p.slotId);
          if (ids.length > 0) await station.stop(ids);
          return this.#board.states(input.slotIds?.length ? input.slotIds : this.#board.layout.map((p) => p.slotId));
        },
        retry: (input) => {
          const { station } = this.#setup.ready();
          this.people.requireOperator();
          const [id] = this.#board.boundTargets([input.slotId]);
          station.retry(id!);
          return this.#board.slotState(this.#board.place(id!));
        },
        scanSerial: (input) => {
          this.people.touch();
          const { station } = this.#setup.ready();
          const [id] = this.#board.boundTargets([input.slotId]);
          station.setNextModuleSerial(id!, input.serial);
          return this.#board.slotState(this.#board.place(id!));
        },
        counts: (input) => toApiGroupCounts(input.groupId, this.#setup.ready().station.counts(input.groupId)),
        signOn: (input) => {
          this.#setup.ready();
          return this.people.signOn(input.code);
        },
        signOff: () => this.people.signOff(),
        operator: () => this.people.session(),
        vaultGuard: () => vaultGuard(this.#setup.station?.vault.rollback ?? null),
      },
      supervisor: {
        people: () => this.#people(),
        addOperator: (input) => {
          this.people.addOperator(input);
          return this.#people();
        },
        removeOperator: (input) => {
          this.people.removeOperator(input.number);
          return this.#people();
        },
        addSupervisor: async (input) => {
          await this.people.addSupervisor(input, this.sessions.list());
          return this.#people();
        },
        removeSupervisor: (input, ctx) => {
          this.people.removeSupervisor(input.id, this.sessions.require(ctx.sessionKey));
          return this.#people();
        },
        retireSharedPin: (_input, ctx) => {
          this.sessions.retireSharedPin(this.sessions.require(ctx.sessionKey));
          return this.#people();
        },
        setIdleSignOff: (input) => {
          this.settings.set('operatorIdleMinutes', input.minutes);
          this.events.emit('onOperator', this.people.session());
          return this.#people();
        },
        products: async (_input, ctx) => {
          this.#setup.ready();
          const products = (await this.#hubFor(ctx).products()).products.map((p) => ({
            pid: p.pid,
            name: p.name,
            priceCents: p.priceCents,
            features: { homekit: p.homekit, findmy: p.findmy },
          }));
          this.#groups.productsRead(products);
          return products;
        },
        split: (input, ctx) => {
          const { sync } = this.#setup.ready();
          const r = sync.split(input.groupId, {
            purchased: input.purchased,
            free: input.free,
            ...(input.name ? { name: input.name } : {}),
            by: this.#supervisorName(ctx),
          });
          this.#groups.publish();
          return { group: this.#groups.summary(r.groupId), queuedOffline: r.queuedOffline };
        },
        changeProduct: async (input, ctx) => {
          this.#setup.ready();
          const r = await this.#hubFor(ctx).requestUpdate(input.groupId, { targetPid: input.targetPid, deliveryMode: input.deliveryMode });
          await this.#resync();
          return updateRequest(r.update, await this.#productName());
        },
        recall: async (input, ctx) => {
          this.#setup.ready();
          const r = await this.#hubFor(ctx).recallUpdate(input.requestId);
          await this.#resync();
          return updateRequest(r.update, await this.#productName());
        },
        requests: async (input, ctx) => {
          const { sync } = this.#setup.ready();
          const ids = input.groupId
            ? [input.groupId]
            : sync.store
                .allMeta()
                .filter((m) => m.assignedToYou)
                .map((m) => m.groupId);
          const name = await this.#productName();
          // a group moved away since the last sync is no longer this station's to read
          const lists = await Promise.all(
            ids.map((id) =>
              this.#hubFor(ctx)
                .listUpdates(id)
                .then(
                  (r) => r.updates,
                  (e: unknown) => (isAppError(e, 'NOT_YOUR_GROUP') ? [] : Promise.reject(e)),
                ),
            ),
          );
          return lists
            .flat()
            .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
            .map((u) => updateRequest(u, name));
        },
        history: async (input, ctx) => {
          const { station, sync } = this.#setup.ready();
          station.group(input.groupId);
          // an applied operation is in the hub's history; pending and refused ones are only here
          const local = sync.store
            .operations()
            .filter((op) => op.groupId === input.groupId && op.status !== 'applied')
            .map(operationHistory);
          const context = {
            productName: sync.store.meta(input.groupId) ? await this.#productName() : (pid: string) => pid,
            stationId: sync.stationId,
          };
          const hub = sync.store.meta(input.groupId)
            ? (
                await this.#hubFor(ctx)
                  .history(input.groupId)
                  .catch((e: unknown) => (isAppError(e, 'NOT_YOUR_GROUP') ? { events: [] } : Promise.reject(e)))
              ).events.map((e) => historyEntry(e, context))
            : [];
          return [...hub, ...local].sort((a, b) => b.at.localeCompare(a.at));
        },
        generateResources: async (input, ctx) => {
          const group = this.#groups.summary(input.groupId);
          const j = await this.#hubFor(ctx).startThirdPartyJob(input.groupId, { kinds: [input.kind] });
          const job: JobProgress = {
            jobId: j.id,
            kind: 'third_party_resources',
            groupId: input.groupId,
            label: `${input.kind === 'homekit' ? 'HomeKit' : 'Find My'} resources for ${group.name}`,
            resource: input.kind,
            progress: 0,
            state: 'running',
            message: null,
          };
          this.#jobs.watch(job, j.id);
          return job;
        },
        requestCode: async (input, ctx) => {
          this.#setup.ready();
          if (input.purpose === 'report_export') return this.#codes.send(input.purpose);
          if (!input.groupId) throw new AppError('GROUP_REQUIRED', 'Pick the group to download first, then ask for the code.');
          const r = await this.#hubFor(ctx).sendDownloadCode(input.groupId);
          this.#downloadCodes.set(input.groupId, r.codeId);
          return { sentTo: r.sentTo, expiresAt: r.expiresAt };
        },
        downloadPreview: async (input, ctx) => {
          this.#setup.ready();
          const p = await this.#hubFor(ctx).downloadPreview(input.groupId);
          return { licenses: p.licenses, heldByStations: p.heldByStations };
        },
        download: async (input, ctx) => {
          this.#setup.ready();
          const codeId = this.#downloadCodes.get(input.groupId);
          if (codeId === undefined) throw new AppError('CODE_EXPIRED', 'Ask for a one-time code for this group first, then enter it.');
          const r = await this.#hubFor(ctx).download(input.groupId, {
            codeId,
            code: input.code,
            confirmGenerate: input.confirmGenerate ?? false,
          });
          // the code stays known: typed again, the hub answers that it was already used
          const csv =
            ['uuid,authkey,mac,kind', ...r.licenses.map((l) => `${l.uuid},${l.authkey},${l.mac ?? ''},${l.kind}`)].join('\r\n') + '\r\n';
          const filePath = this.#files.write(`licenses-${input.groupId.slice(0, 8)}-${this.#files.stamp()}.csv`, csv);
          await this.#resync();
          return { filePath, licenses: r.licenses.length, group: this.#groups.summary(input.groupId) };
        },
        reassign: async (input, ctx) => {
          const { sync, station } = this.#setup.ready();
          if (input.slotIds.length === 0)
            throw new AppError('SLOTS_REQUIRED', 'Tick at least one slot: a group is not reassigned to no slot.');
          for (const id of input.slotIds) this.#board.place(id);
          const running = input.slotIds.find((id) => this.#board.hasSlot(id) && station.slot(id).running);
          if (running)
            throw new AppError('SLOT_RUNNING', `Slot ${this.#board.place(running).number} is burning: stop it before you reassign it.`);
          // a slot that burns the group and is not among the new slots would burn a group no longer its own
          const burning = station.slots().find((s) => s.running && s.groupId === input.groupId && !input.slotIds.includes(s.slotId));
          if (burning)
            throw new AppError(
              'SLOT_RUNNING',
              `Slot ${this.#board.place(burning.slotId).number} is burning group "${station.group(input.groupId).name}": stop it before you reassign the group to other slots.`,
            );
          if (input.line != null) this.people.assertKnownLine(input.line);
          this.#board.assertUuidsFit(input.groupId, input.slotIds);
          const r = sync.reassign(input.groupId, {
            slotIds: input.slotIds,
            ...(input.line !== undefined ? { line: input.line } : {}),
            by: this.#supervisorName(ctx),
          });
          if (this.#groups.summary(input.groupId).blocked === null) this.#board.bind(input.groupId, input.slotIds);
          this.#groups.publish();
          return { group: this.#groups.summary(input.groupId), queuedOffline: r.queuedOffline };
        },
        setGroupPid: (input, ctx) => {
          const { station } = this.#setup.ready();
          station.setGroupPid(input.groupId, input.pid, { by: this.#supervisorName(ctx) ?? 'supervisor' });
          this.#groups.publish();
          return this.#groups.summary(input.groupId);
        },
        suspects: () => {
          const { station } = this.#setup.ready();
          const suspects = station.listSuspects();
          const reasons = new Map<string, string>();
          for (const groupId of new Set(suspects.map((s) => s.groupId))) {
            for (const r of station.ledger.burnRecords({ groupId })) if (r.result === 'suspect' && r.reason) reasons.set(r.uuid, r.reason);
          }
          return suspects.map((l) => ({
            uuid: l.uuid,
            groupId: l.groupId,
            slotId: l.slot,
            slotNumber: this.#board.numberOf(l.slot),
            since: new Date(l.updatedAt).toISOString(),
            reason: reasons.get(l.uuid) ?? 'The outcome of the write is unknown.',
            moduleMac: l.moduleMac,
            moduleSerial: l.moduleSerial,
          }));
        },
        resolveSuspect: async (input, ctx) => {
          const { station } = this.#setup.ready();
          const by = this.#supervisorName(ctx) ?? 'supervisor';
          const license = station.ledger.license(input.uuid);
          if (license.state !== 'suspect')
            throw new AppError('NOT_SUSPECT', 'That license is not suspect (it may have been resolved already): refresh the list.');
          if (input.action === 'void') {
            station.voidSuspect(input.uuid, input.reason ?? 'module lost: voided by a supervisor without a read-back', { by });
            this.#groups.publish();
            return {
              uuid: input.uuid,
              state: 'void' as const,
              message: 'License voided: it is reported to the hub as spoiled with the next sync.',
            };
          }
          const slotId = input.slotId ?? license.slot;
          if (slotId === null || !this.#board.hasSlot(slotId))
            throw new AppError('SLOT_REQUIRED', 'Pick the slot whose jig holds the module, then read it back.');
          const place = this.#board.place(slotId);
          // a read-back needs the port to itself: the slot finishes what it is doing and stops
          if (station.slot(slotId).running) await station.stop([slotId]);
          // the programmer may have been replugged since the last look (the watcher polls every 2 s)
          await this.#board.rescan();
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
            this.#groups.publish();
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
        importLicenses: async (input) => {
          const { station } = this.#setup.ready();
          const bytes = Buffer.from(input.contentBase64, 'base64');
          const r = await station.importLicenseList(bytes, input.fileName, {
            ...(input.groupName ? { groupName: input.groupName } : {}),
            ...(input.pid ? { pid: input.pid } : {}),
          });
          if (!r.ok)
            return {
              fileName: input.fileName,
              imported: false,
              groupId: null,
              rowsRead: 0,
              rowsImported: 0,
              problems: r.errors.slice(0, 500).map((e) => ({ line: Math.max(1, e.line), column: null, reason: e.reason })),
            };
          this.#groups.publish();
          return {
            fileName: input.fileName,
            imported: true,
            groupId: r.groupId,
            rowsRead: r.imported,
            rowsImported: r.imported,
            problems: [],
          };
        },
        auditCheck: () => {
          const v = this.#setup.ready().station.verifyAudit();
          const checkedAt = new Date(this.#clock.now()).toISOString();
          if (v.ok)
            return { ok: true, entries: v.entries, licenses: v.licenses, firstBroken: null, clockWentBack: v.clockWentBack, checkedAt };
          return {
            ok: false,
            entries: v.entries,
            licenses: v.licenses,
            firstBroken: { seq: v.brokenAt, reason: v.reason, uuid: v.uuid },
            clockWentBack: 0,
            checkedAt,
          };
        },
        reconcile: async (_input, ctx) => {
          const { sync } = this.#setup.ready();
          const by = this.#supervisorName(ctx) ?? 'supervisor';
          const r = await sync.reconcile(by);
          this.#groups.publish();
          return { burned: r.burned, spoiled: r.spoiled, rejected: r.rejected, unchanged: r.unchanged, hubSeq: r.hubSeq, by };
        },
        exportBundle: async (input, ctx) => {
          const { sync } = this.#setup.ready();
          this.#groups.summary(input.groupId);
          const filePath = this.#files.bundlePath(input.groupId);
          const r = await sync.exportBundle({
            groupId: input.groupId,
            filePath,
            ...(input.count !== undefined ? { count: input.count } : {}),
            by: this.#supervisorName(ctx),
          });
          this.#groups.publish();
          // the passphrase is answered once and kept nowhere: the supervisor reads it off the screen
          return {
            bundleId: r.bundleId,
            filePath: r.filePath,
            licenses: r.licenses,
            oneTimePassphrase: r.passphrase,
            group: this.#groups.summary(input.groupId),
          };
        },
        importBundle: async (input, ctx) => {
          const { sync } = this.#setup.ready();
          const r = await this.#files.withBundleFile(input, (path) => sync.importBundle(path, input.passphrase, this.#supervisorName(ctx)));
          this.#groups.publish();
          return { bundleId: r.bundleId, licenses: r.licenses, sourceStationId: r.sourceStationId, group: this.#groups.summary(r.groupId) };
        },
        programmers: async () => {
          this.#setup.ready();
          await this.#board.rescan();
          return this.#board.programmers();
        },
        assignProgrammer: async (input) => {
          this.#setup.ready();
          return this.#board.programmerChange(await this.#board.assignProgrammer(input.key, input.slotId));
        },
        setSlotReset: async (input) => {
          this.#setup.ready();
          return this.#board.programmerChange(await this.#board.setSlotReset(input.slotId, input.on));
        },
        exportReport: (input) => {
          const { station } = this.#setup.ready();
          this.#codes.check('report_export', input.code);
          const records = burnRecordsSince(station.vault.db, reportFrom(input.range, this.#clock.now()), {
            groupId: input.groupId,
            operator: input.operator,
          });
          const names = new Map(station.groups().map((g) => [g.id, g.name]));
          const filePath = this.#files.write(
            `burn-report-${input.range}-${this.#files.stamp()}.csv`,
            burnReportCsv(records, {
              group: (id) => names.get(id) ?? id,
              slot: (id) => this.#board.numberOf(id),
              operator: (n) => this.people.operatorLabel(n),
            }),
          );
          return { filePath, rows: records.length };
        },
      },
      sync: {
        status: () =>
          this.#setup.sync?.status() ?? {
            enrolled: false,
            online: false,
            syncing: false,
            hubUrl: null,
            lastSyncAt: null,
            outbox: 0,
            lastError: null,
          },
        syncNow: async () => {
          const { sync } = this.#setup.ready();
          await sync.syncNow();
          return sync.status();
        },
        outcomes: () => this.#outcomes(),
        refusedReports: () => refusedReports(this.#setup.ready().sync.refusedReports()),
      },
      reports: {
        dashboard: (input) => {
          const { station } = this.#setup.ready();
          const names = new Map(station.groups().map((g) => [g.id, g.name]));
          const now = this.#clock.now();
          const from = reportFrom(input.range, now);
          const who = {
            operator: input.operator ?? null,
            operators: operatorsSince(station.vault.db, from).map((number) => ({ number, name: this.people.operatorName(number) })),
          };
          return dashboard(
            input.range,
            now,
            burnStats(station.vault.db, { from, to: now, operator: input.operator }),
            {
              slot: (id) => {
                const p = this.#board.layout.find((x) => x.slotId === id);
                return p ? { label: `Slot ${p.number}`, number: p.number } : { label: id, number: null };
              },
              group: (id) => names.get(id) ?? id,
            },
            who,
          );
        },
      },
    };
  }
}
