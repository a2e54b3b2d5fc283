import { existsSync, rmSync } from 'node:fs';
import { AppError, toErrorInfo } from '../../common/errors';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/log';
import type { Language, SetupState, SyncStatus } from '../../common/api/schemas';
import type { SettingsStore } from '../settings';
import { Station, toApiGroupCounts, type SlotTiming } from '../station';
import { SyncEngine, TOKEN_SECRET } from '../sync';
import {
  PassphraseWrapper,
  SafeStorageWrapper,
  Vault,
  defaultAnchorPath,
  type KeyWrapper,
  type SafeStorageLike,
  type ScryptParams,
} from '../vault';
import type { EventHub, StationServices } from '../api/services';
import type { SupervisorSessions } from '../api/supervisor-session';
import type { FloorPeople } from './people';
import type { SlotBoard } from './slot-board';

/** What the demo hub gives a station that asks for it (scripts/demo.ts starts one). */
export interface DemoHubAccess {
  hubUrl: string;
  enrollmentCode: string;
}

export interface VaultSetupOptions {
  vaultPath: string;
  /** The vault's anchor, outside the data folder. Default: defaultAnchorPath. */
  anchorPath?: string | undefined;
  /** Shown in the setup state: where exports go. */
  exportDir: string;
  safeStorage?: SafeStorageLike | null | undefined;
  scrypt?: ScryptParams | undefined;
  demoHub?: (() => Promise<DemoHubAccess>) | undefined;
  syncIntervalMs?: number | undefined;
  slotTiming?: Partial<SlotTiming> | undefined;
  idleCheckMs?: number | undefined;
  settings: SettingsStore;
  sessions: SupervisorSessions;
  people: FloorPeople;
  board: SlotBoard;
  events: EventHub;
  /** The groups changed (a sync ended, the first run pulled them). */
  publishGroups: () => void;
  clock: Clock;
  logger: Logger;
}

/** Stations set up before the station supervisor routes kept the hub's admin token here; it is removed when the vault opens. */
const OLD_OPERATOR_TOKEN = 'app.hubOperatorToken';

const notReady = (): AppError =>
  new AppError('NOT_READY', 'The station is not set up or is locked: finish the first-run setup or unlock it.');

/**
 * Set-up and unlock: the first run (a new vault, enrollment with the hub, the
 * supervisor PIN, the first sync), opening the vault at start (OS keychain) or
 * on unlock (passphrase), and what runs while it is open: the Station with its
 * slots, the sync engine, the operators' idle watch. Their events go to the page.
 */
export class VaultSetup {
  readonly #o: VaultSetupOptions;
  #station: Station | null = null;
  #sync: SyncEngine | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  #wasSyncing = false;
  /** Setup steps run one at a time: two windows cannot create two vaults. */
  #busy: Promise<unknown> = Promise.resolve();

  constructor(options: VaultSetupOptions) {
    this.#o = options;
  }

  get station(): Station | null {
    return this.#station;
  }

  get sync(): SyncEngine | null {
    return this.#sync;
  }

  /** The open station and its sync engine; NOT_READY while the station is not set up or locked. */
  ready(): { station: Station; sync: SyncEngine } {
    if (this.#station === null || this.#sync === null) throw notReady();
    return { station: this.#station, sync: this.#sync };
  }

  /** The hub's address and the station token the sync engine sealed in the vault at enrollment (read per call: a new enrollment replaces it). */
  hubAccess(): { baseUrl: string; token: string } | null {
    const baseUrl = this.#sync?.status().hubUrl ?? null;
    const token = this.#station?.vault.getSecret(TOKEN_SECRET) ?? null;
    return baseUrl && token ? { baseUrl, token } : null;
  }

  /** Opens the vault at start when the OS keychain holds its key; a passphrase vault waits for unlock. */
  async start(): Promise<void> {
    if (!existsSync(this.#o.vaultPath) || this.#o.settings.get('keyProtection', null) !== 'os_keychain') return;
    const storage = this.#o.safeStorage;
    if (!storage?.isEncryptionAvailable()) return;
    await this.#open(new SafeStorageWrapper(storage), false).catch((e: unknown) =>
      this.#o.logger.error({ err: toErrorInfo(e) }, 'vault could not be opened with the OS keychain'),
    );
  }

  /** Stops the idle watch, signs the operator off, stops syncing and closes the station (slots finish their burn). */
  async close(): Promise<void> {
    if (this.#idleTimer !== null) clearInterval(this.#idleTimer);
    this.#idleTimer = null;
    this.#o.people.reset();
    await this.#sync?.stop();
    await this.#station?.close();
    this.#station = null;
    this.#sync = null;
  }

  /** The contract's setup group. */
  services(): StationServices['setup'] {
    return {
      state: () => this.#setupState(),
      connectHub: (input) => this.#serial(() => this.#enrollNew({ ...input, mode: 'hub' })),
      startDemo: (input) =>
        this.#serial(async () => {
          if (!this.#o.demoHub)
            throw new AppError(
              'NO_DEMO',
              'This build has no demo hub: connect the station to your hub with its address and an enrollment code.',
            );
          if (this.#stage() !== 'new') throw new AppError('ALREADY_SET_UP', 'This station is already set up.');
          const hub = await this.#o.demoHub();
          return this.#enrollNew({ ...input, hubUrl: hub.hubUrl, enrollmentCode: hub.enrollmentCode, mode: 'demo' });
        }),
      unlock: (input) =>
        this.#serial(async () => {
          const stage = this.#stage();
          if (stage === 'ready') return this.#setupState();
          if (stage === 'new') throw new AppError('NOT_SET_UP', 'This station has no vault yet: finish the first-run setup.');
          await this.#open(new PassphraseWrapper(input.passphrase), false);
          this.#sync!.start();
          return this.#setupState();
        }),
      setLanguage: (input) => {
        this.#o.settings.set('language', input.language);
        return this.#setupState();
      },
    };
  }

  #stage(): SetupState['stage'] {
    if (this.#station !== null) return 'ready';
    return Vault.inspect(this.#o.vaultPath).initialized ? 'locked' : 'new';
  }

  #setupState(): SetupState {
    const mode = this.#o.settings.get('mode', null) as 'hub' | 'demo' | null;
    return {
      stage: this.#stage(),
      mode,
      keyProtection: this.#o.settings.get('keyProtection', null) as SetupState['keyProtection'],
      osKeychainAvailable: this.#o.safeStorage?.isEncryptionAvailable() ?? false,
      stationName: this.#o.settings.get('stationName', null) as string | null,
      line: this.#o.settings.get('line', null) as string | null,
      language: this.#o.settings.get('language', 'en') as Language,
      exportDir: this.#o.exportDir,
    };
  }

  #wrapper(p: { kind: 'os_keychain' } | { kind: 'passphrase'; passphrase: string }): KeyWrapper {
    if (p.kind === 'passphrase') return new PassphraseWrapper(p.passphrase, this.#o.scrypt);
    const storage = this.#o.safeStorage;
    if (!storage?.isEncryptionAvailable())
      throw new AppError('NO_OS_KEYCHAIN', 'This computer offers no keychain to the station: choose a station passphrase instead.');
    return new SafeStorageWrapper(storage);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#busy.catch(() => undefined).then(fn);
    this.#busy = run;
    return run;
  }

  async #open(wrapper: KeyWrapper, create: boolean): Promise<Station> {
    await this.#o.board.start();
    const options = {
      vaultPath: this.#o.vaultPath,
      wrapper,
      clock: this.#o.clock,
      logger: this.#o.logger,
      anchorPath: this.#o.anchorPath ?? defaultAnchorPath(this.#o.vaultPath),
      programmers: this.#o.board.watcher,
      ...(this.#o.slotTiming ? { slotTiming: this.#o.slotTiming } : {}),
    };
    const station = create ? await Station.create(options) : await Station.open(options);
    station.subscribe((e) => {
      if (e.type === 'slot') {
        // a burn is the operator at work
        if (e.slot.phase === 'burning') this.#o.people.touch();
        this.#o.events.emit('onSlotState', this.#o.board.apiSlot(e.slot));
      } else if (e.type === 'counts') {
        this.#o.events.emit('onCounts', toApiGroupCounts(e.groupId, e.counts));
        this.#sync?.outboxChanged();
      }
    });
    const sync = new SyncEngine({
      vault: station.vault,
      ledger: station.ledger,
      clock: this.#o.clock,
      logger: this.#o.logger,
      ...(this.#o.syncIntervalMs ? { intervalMs: this.#o.syncIntervalMs } : {}),
    });
    sync.subscribe((event, payload) => {
      this.#o.events.emit(event, payload);
      if (event === 'onSyncStatus') {
        const syncing = (payload as SyncStatus).syncing;
        // a finished sync may have brought groups, blocks and licenses
        if (this.#wasSyncing && !syncing) this.#o.publishGroups();
        this.#wasSyncing = syncing;
      }
    });
    this.#station = station;
    this.#sync = sync;
    station.ledger.setOperator(null);
    if (this.#idleTimer === null) {
      this.#idleTimer = setInterval(
        () => void this.#o.people.checkIdle().catch((e: unknown) => this.#o.logger.warn({ err: toErrorInfo(e) }, 'idle sign-off failed')),
        this.#o.idleCheckMs ?? 15_000,
      );
      this.#idleTimer.unref();
    }
    if (station.vault.deleteValue(OLD_OPERATOR_TOKEN))
      this.#o.logger.info('the hub admin token this station kept was removed: supervisor operations use the station token');
    await this.#o.board.discover();
    return station;
  }

  /** After the vault is created: enroll, set the PIN, pull the groups, start syncing. */
  async #enrollNew(input: {
    hubUrl: string;
    enrollmentCode: string;
    keyProtection: { kind: 'os_keychain' } | { kind: 'passphrase'; passphrase: string };
    supervisorPin: string;
    stationName?: string;
    mode: 'hub' | 'demo';
  }): Promise<SetupState> {
    if (this.#stage() !== 'new') throw new AppError('ALREADY_SET_UP', 'This station is already set up.');
    const wrapper = this.#wrapper(input.keyProtection);
    const station = await this.#open(wrapper, true);
    try {
      await this.#sync!.enroll(input.hubUrl, input.enrollmentCode);
    } catch (e) {
      // nothing half set up stays behind: the next attempt starts from a clean first run (the programmers stay watched)
      await this.close();
      for (const suffix of ['', '-wal', '-shm']) rmSync(this.#o.vaultPath + suffix, { force: true });
      throw e;
    }
    const stationName = input.stationName ?? station.vault.getValue('sync.stationName') ?? 'Station';
    this.#o.settings.set({ mode: input.mode, keyProtection: input.keyProtection.kind, stationName });
    this.#o.sessions.setPin(input.supervisorPin);
    await this.#sync!.syncNow().catch((e: unknown) =>
      this.#o.logger.warn({ err: toErrorInfo(e) }, 'first sync failed; retrying in the background'),
    );
    this.#sync!.start();
    this.#o.publishGroups();
    return this.#setupState();
  }
}
