import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../common/clock';
import { silentLogger, type Logger } from '../../common/log';
import type { DiscoveryOptions } from '../../native/transport/discovery';
import type { ProgrammerWatcherOptions } from '../../native/transport/programmer-watcher';
import { fileSettings, type SettingsStore } from '../settings';
import type { Station, SlotTiming } from '../station';
import type { SyncEngine } from '../sync';
import type { SafeStorageLike, ScryptParams } from '../vault';
import { EventHub, type StationServices } from '../api/services';
import type { SupervisorAction } from '../api/dispatcher';
import { SupervisorSessions, type PinRecord, type PinStore, type SupervisorSessionOptions } from '../api/supervisor-session';
import { ExportFolder, OneTimeCodes } from './exports-codes';
import { HubJobs } from './hub-jobs';
import { HubSupervisor } from './hub-supervisor';
import { DEFAULT_IDLE_MINUTES, FloorPeople } from './people';
import { GroupBoard } from './group-board';
import { SlotBoard } from './slot-board';
import { VaultSetup, type DemoHubAccess } from './vault-setup';
import type { StationParts } from './services/context';
import { reportServices } from './services/reports';
import { stationServices } from './services/station';
import { supervisorFloor } from './services/supervisor-floor';
import { supervisorHub } from './services/supervisor-hub';
import { supervisorPeople } from './services/supervisor-people';
import { supervisorRecords } from './services/supervisor-records';
import { syncServices } from './services/sync';

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
 * The station's real services behind the UI contract, and the one place that
 * builds the station's parts and hands them to each other: set-up and unlock
 * (vault-setup.ts), the slot board (slot-board.ts), the groups (group-board.ts),
 * one-time codes and export files (exports-codes.ts), the hub's supervisor
 * routes (hub-supervisor.ts) and jobs (hub-jobs.ts), the people at the station
 * (people.ts); the contract's calls are answered by services/*.ts, one module
 * per group (the supervisor's in four). Authkeys stay in main: every answer is a view.
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

  #build(): StationServices {
    const rt: StationParts = {
      events: this.events,
      settings: this.settings,
      sessions: this.sessions,
      people: this.people,
      setup: this.#setup,
      board: this.#board,
      groups: this.#groups,
      hub: this.#hub,
      jobs: this.#jobs,
      codes: this.#codes,
      files: this.#files,
      clock: this.#clock,
      log: this.#log,
    };
    return {
      events: this.events,
      setup: this.#setup.services(),
      station: stationServices(rt),
      supervisor: {
        ...supervisorPeople(rt),
        ...supervisorFloor(rt),
        ...supervisorHub(rt),
        ...supervisorRecords(rt),
      },
      sync: syncServices(rt),
      reports: reportServices(rt),
    };
  }
}
