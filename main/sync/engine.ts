import { hostname } from 'node:os';
import { systemClock, type Clock } from '../../common/clock';
import { AppError, isAppError, toErrorInfo } from '../../common/errors';
import { silentLogger, type Logger } from '../../common/log';
import type { z } from 'zod';
import type { ApiEventName, ApiEvents } from '../../common/api/contract';
import type { OfflineOutcome, SyncStatus } from '../../common/api/schemas';
import type { Ledger } from '../ledger';
import type { Vault } from '../vault';
import { SyncStore, type OperationKind, type OperationRow } from '../vault/sync-store';
import { backoffDelay, type BackoffOptions } from './backoff';
import type { SyncContext } from './context';
import { HubClient, isUnreachable, normaliseHubUrl } from './hub-client';
import {
  hasPendingMoveAway,
  hasPendingSplitChild,
  offlineOutcome,
  reassignGroup,
  splitGroup,
  type ReassignInput,
  type SplitInput,
} from './operations';
import { pullAll, type PullReport } from './pull';
import { pushAll, type PushReport } from './push';
import { exportBundle, importBundle, type ExportInput, type ExportResult, type ImportResult } from './transfer';

export const TOKEN_SECRET = 'sync.hubToken';
const KEYS = {
  hubUrl: 'sync.hubUrl',
  stationId: 'sync.stationId',
  stationName: 'sync.stationName',
  factoryId: 'sync.factoryId',
  lineId: 'sync.lineId',
  lastSyncAt: 'sync.lastSyncAt',
} as const;

type ApiPayloads = { [K in ApiEventName]: z.input<ApiEvents[K]> };
/** The app's events that sync emits (same payload types as common/api, so they pass straight through). */

const ALL_OPERATIONS: OperationKind[] = ['split', 'reassign', 'transfer_out', 'transfer_in'];
export type SyncEvents = Pick<ApiPayloads, 'onSyncStatus' | 'onOfflineOutcome'>;
export type SyncListener = <E extends keyof SyncEvents>(event: E, payload: SyncEvents[E]) => void;

export interface SyncEngineOptions {
  vault: Vault;
  ledger: Ledger;
  clock?: Clock;
  logger?: Logger;
  /** Time between syncs while the hub answers (default 60 s). */
  intervalMs?: number;
  /** Retries while the hub does not answer: exponential with jitter (default 500 ms doubling up to 30 s). */
  backoff?: Partial<BackoffOptions>;
  /** How often the outbox length is looked at for the status (default 1 s). */
  outboxPollMs?: number;
  pullPageSize?: number;
  pushBatchSize?: number;
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
  random?: () => number;
}

/** What reconciling a vault that went back did (counts of the vault's licenses, and the entries on each side). */
export interface ReconcileReport {
  /** Licenses the vault still offered that the hub holds as burned / spoiled / rejected: now reported / void / rejected here. */
  burned: number;
  spoiled: number;
  rejected: number;
  /** Licenses the hub listed that this vault does not offer anyway (already used here, or not in this copy). */
  unchanged: number;
  /** Where the vault was, and the newer entry known elsewhere (its anchor, or the hub). */
  vaultSeq: number;
  anchoredSeq: number;
  /** The entry the hub had last heard of from this station (null: none recorded). */
  hubSeq: number | null;
  source: 'anchor' | 'hub';
}

export interface SyncReport {
  pushed: PushReport;
  pulled: PullReport;
  /** What this sync pushed after the pull (licenses given back). */
  pushedAfter: PushReport;
}

/**
 * The station's sync client: enrollment, the sync loop (on start, on a timer,
 * on demand, and with backoff while the hub does not answer), status events,
 * and the supervisor's offline operations. One sync at a time.
 */
export class SyncEngine {
  readonly vault: Vault;
  readonly ledger: Ledger;
  readonly store: SyncStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly #opts: Required<
    Pick<SyncEngineOptions, 'intervalMs' | 'outboxPollMs' | 'pullPageSize' | 'pushBatchSize' | 'requestTimeoutMs'>
  > & { backoff: BackoffOptions };
  readonly #listeners = new Set<SyncListener>();
  readonly #random: () => number;
  readonly #fetch: typeof fetch | undefined;
  #client: HubClient | null = null;
  #status: SyncStatus;
  /** The sync (or reconcile) under way: one at a time. */
  #running: Promise<unknown> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #outboxTimer: NodeJS.Timeout | null = null;
  #failures = 0;
  #started = false;

  constructor(options: SyncEngineOptions) {
    this.vault = options.vault;
    this.ledger = options.ledger;
    this.store = new SyncStore(options.vault);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.#random = options.random ?? Math.random;
    this.#fetch = options.fetch;
    this.#opts = {
      intervalMs: options.intervalMs ?? 60_000,
      outboxPollMs: options.outboxPollMs ?? 1000,
      pullPageSize: options.pullPageSize ?? 2000,
      pushBatchSize: options.pushBatchSize ?? 200,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      backoff: { baseMs: 500, maxMs: 30_000, ...options.backoff },
    };
    const hubUrl = this.vault.getValue(KEYS.hubUrl);
    const token = hubUrl ? this.vault.getSecret(TOKEN_SECRET) : null;
    if (hubUrl && token) this.#client = this.#makeClient(hubUrl, token);
    const last = this.vault.getValue(KEYS.lastSyncAt);
    this.#status = {
      enrolled: this.#client !== null,
      online: false,
      syncing: false,
      hubUrl,
      lastSyncAt: last,
      outbox: this.store.outboxCount(),
      lastError: null,
    };
  }

  // ---------- status and events ----------

  status(): SyncStatus {
    return { ...this.#status };
  }

  subscribe(listener: SyncListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Call after a local change that may have queued outbox rows (a burn): the status follows at once. */
  outboxChanged(): void {
    this.#set({ outbox: this.store.outboxCount() });
  }

  get stationId(): string | null {
    return this.vault.getValue(KEYS.stationId);
  }

  #emit<E extends keyof SyncEvents>(event: E, payload: SyncEvents[E]): void {
    for (const l of this.#listeners) {
      try {
        l(event, payload);
      } catch (e) {
        this.logger.error({ err: toErrorInfo(e) }, 'sync listener failed');
      }
    }
  }

  #set(patch: Partial<SyncStatus>): void {
    const next = { ...this.#status, ...patch };
    if (JSON.stringify(next) === JSON.stringify(this.#status)) return;
    this.#status = next;
    this.#emit('onSyncStatus', this.status());
  }

  #makeClient(hubUrl: string, token: string | null): HubClient {
    return new HubClient({
      baseUrl: hubUrl,
      token,
      timeoutMs: this.#opts.requestTimeoutMs,
      ...(this.#fetch ? { fetch: this.#fetch } : {}),
    });
  }

  // ---------- enrollment ----------

  /** Trades the one-time code for the station token, sealed in the vault; then syncs when started. */
  async enroll(hubUrl: string, code: string, options: { hostname?: string } = {}): Promise<SyncStatus> {
    const url = normaliseHubUrl(hubUrl);
    const known = this.vault.getValue(KEYS.stationId);
    const client = this.#makeClient(url, null);
    const res = await client.enroll({ code, hostname: (options.hostname ?? hostname()).slice(0, 120) });
    if (known !== null && known !== res.stationId) {
      throw new AppError(
        'STATION_MISMATCH',
        `This vault belongs to hub station ${known}, but the code is for station ${res.stationName}; use a code for this station or a new vault.`,
      );
    }
    this.store.tx(() => {
      this.vault.putSecret(TOKEN_SECRET, res.token);
      this.vault.putValue(KEYS.hubUrl, url);
      this.vault.putValue(KEYS.stationId, res.stationId);
      this.vault.putValue(KEYS.stationName, res.stationName);
      this.vault.putValue(KEYS.factoryId, res.factoryId);
      this.vault.putValue(KEYS.lineId, res.lineId);
      this.vault.audit.append({ action: 'sync.enrolled', detail: { hubUrl: url, stationId: res.stationId, stationName: res.stationName } });
    });
    this.#client = this.#makeClient(url, res.token);
    this.#set({ enrolled: true, online: true, hubUrl: url, lastError: null });
    this.logger.info({ hubUrl: url, stationId: res.stationId }, 'station enrolled with the hub');
    if (this.#started) this.#schedule(0);
    return this.status();
  }

  // ---------- the loop ----------

  /** Syncs now, then on the timer; retries with backoff while the hub does not answer. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#outboxTimer = setInterval(() => this.outboxChanged(), this.#opts.outboxPollMs);
    this.#outboxTimer.unref();
    if (this.#client) this.#schedule(0);
  }

  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#outboxTimer) clearInterval(this.#outboxTimer);
    this.#timer = null;
    this.#outboxTimer = null;
    await this.#running?.catch(() => undefined);
  }

  #schedule(delayMs: number): void {
    if (!this.#started) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.syncNow().catch(() => undefined);
    }, delayMs);
    this.#timer.unref();
  }

  /** One full sync (push, pull, push what the pull gave back). A call during a sync waits for it and runs another. */
  async syncNow(): Promise<SyncReport> {
    while (this.#running) await this.#running.catch(() => undefined);
    const run = this.#syncOnce();
    this.#running = run;
    try {
      return await run;
    } finally {
      if (this.#running === run) this.#running = null;
    }
  }

  async #syncOnce(): Promise<SyncReport> {
    const client = this.#client;
    if (!client)
      throw new AppError('NOT_ENROLLED', 'This station is not enrolled with a hub: enroll it with the hub address and a one-time code.');
    const behind = this.vault.rollback;
    if (behind) {
      // A vault that went back sends nothing (its outbox stays) until a supervisor reconciles it with the hub.
      const refusal = new AppError(behind.source === 'hub' ? 'STATION_ROLLED_BACK' : 'VAULT_ROLLED_BACK', behind.message, {
        vaultSeq: behind.vaultSeq,
        anchoredSeq: behind.anchoredSeq,
      });
      this.#set({ syncing: false, lastError: { code: refusal.code, message: refusal.message }, outbox: this.store.outboxCount() });
      this.#schedule(this.#opts.intervalMs);
      throw refusal;
    }
    this.#set({ syncing: true });
    try {
      const ctx = this.#context(client);
      const progress = (): void => this.outboxChanged();
      const pushed = await pushAll(ctx, this.#opts.pushBatchSize, progress);
      this.#announceSettled();
      const pulled = await pullAll(ctx, this.#opts.pullPageSize);
      const pushedAfter = await pushAll(ctx, this.#opts.pushBatchSize, progress);
      const now = new Date(this.clock.now()).toISOString();
      this.vault.putValue(KEYS.lastSyncAt, now);
      this.#failures = 0;
      this.#set({ syncing: false, online: true, lastSyncAt: now, lastError: null, outbox: this.store.outboxCount() });
      this.#schedule(this.#opts.intervalMs);
      return { pushed, pulled, pushedAfter };
    } catch (thrown) {
      this.#announceSettled();
      let e = thrown;
      if (isAppError(thrown, 'STATION_ROLLED_BACK')) {
        // The hub heard of a newer state of this vault: it is behind, offers nothing and pushes nothing more until reconciled.
        const behindHub = this.vault.markBehindHub(Number(thrown.details?.hubSeq ?? 0));
        e = new AppError('STATION_ROLLED_BACK', behindHub.message, { vaultSeq: behindHub.vaultSeq, hubSeq: behindHub.anchoredSeq });
      }
      const offline = isUnreachable(e);
      if (offline) this.#failures++;
      this.#set({ syncing: false, online: !offline, lastError: toErrorInfo(e), outbox: this.store.outboxCount() });
      const delay = offline ? backoffDelay(this.#failures, this.#opts.backoff, this.#random) : this.#opts.intervalMs;
      this.logger[offline ? 'info' : 'warn'](
        { err: toErrorInfo(e), retryInMs: delay },
        offline ? 'hub unreachable; retrying' : 'sync failed',
      );
      this.#schedule(delay);
      throw e;
    }
  }

  /**
   * Puts right a vault that went back (behind its anchor, or refused by the hub), with the hub's word: every
   * license the hub holds as burned, spoiled or rejected is marked so here and never offered again; the hub
   * clears the head it recorded, so the next push (of this vault, outbox kept) is taken. Needs the hub; `by`
   * names the supervisor in both audits. Runs between syncs, never during one.
   */
  async reconcile(by: string): Promise<ReconcileReport> {
    const client = this.#client;
    if (!client)
      throw new AppError(
        'NOT_ENROLLED',
        'This station is not enrolled with a hub: reconciling needs the hub. Restore the newest copy of the vault instead.',
      );
    while (this.#running) await this.#running.catch(() => undefined);
    const rollback = this.vault.rollback;
    // Asked before the hub is: clearing the head the hub holds for a current vault would only weaken its guard.
    if (!rollback) throw new AppError('NOT_ROLLED_BACK', 'This vault is not behind its last known state: there is nothing to reconcile.');
    const run = (async (): Promise<ReconcileReport> => {
      const held: { uuid: string; state: 'burned' | 'spoiled' | 'rejected' }[] = [];
      let after: string | null = null;
      let hubSeq: number | null = null;
      for (let first = true; ; first = false) {
        const page: Awaited<ReturnType<HubClient['reconcile']>> = await client.reconcile({ after, limit: 5000 }, by);
        if (first) hubSeq = page.clearedHead?.seq ?? null;
        held.push(...page.licenses);
        if (page.next === null) break;
        after = page.next;
      }
      const counts = this.ledger.reconcileWithHub(held, { by });
      this.logger.warn({ ...counts, by, hubSeq, source: rollback.source }, 'vault reconciled with the hub');
      return { ...counts, vaultSeq: rollback.vaultSeq, anchoredSeq: rollback.anchoredSeq, hubSeq, source: rollback.source };
    })();
    this.#running = run;
    try {
      const report = await run;
      this.#set({ online: true, lastError: null });
      if (this.#started) this.#schedule(0);
      return report;
    } finally {
      if (this.#running === run) this.#running = null;
    }
  }

  #context(client: HubClient): SyncContext {
    const stationId = this.vault.getValue(KEYS.stationId);
    if (stationId === null) throw new AppError('NOT_ENROLLED', 'This station is not enrolled with a hub.');
    return {
      vault: this.vault,
      ledger: this.ledger,
      store: this.store,
      client,
      clock: this.clock,
      logger: this.logger,
      stationId,
      pendingMoveAway: (groupId) => hasPendingMoveAway({ store: this.store }, groupId),
      pendingSplitChild: (groupId) => hasPendingSplitChild({ store: this.store }, groupId),
      status: () => ({ outbox: this.store.outboxCount(), suspects: this.ledger.listSuspects().length }),
    };
  }

  #announced = new Map<string, string>();
  /** Sends onOfflineOutcome for every operation whose status changed since it was last announced. */
  #announceSettled(): void {
    for (const op of this.store.operations(ALL_OPERATIONS)) {
      if (this.#announced.get(op.id) === op.status) continue;
      this.#announced.set(op.id, op.status);
      this.#emit('onOfflineOutcome', offlineOutcome(op));
    }
  }

  // ---------- offline supervisor operations ----------

  #localContext(): SyncContext {
    const client = this.#client ?? this.#makeClient('http://hub.invalid', null);
    return this.#context(client);
  }

  /** Splits a group at once; the hub hears of it on the next sync. */
  split(groupId: string, input: SplitInput): { groupId: string; operationId: string; queuedOffline: boolean } {
    const r = splitGroup(this.#localContext(), groupId, input);
    this.#afterLocalOperation();
    return { ...r, queuedOffline: !this.#status.online };
  }

  reassign(groupId: string, input: ReassignInput): { operationId: string; queuedOffline: boolean } {
    const r = reassignGroup(this.#localContext(), groupId, input);
    this.#afterLocalOperation();
    return { ...r, queuedOffline: !this.#status.online };
  }

  #afterLocalOperation(): void {
    this.#announceSettled();
    this.outboxChanged();
    if (this.#status.online) this.#schedule(0);
  }

  outcomes(): OfflineOutcome[] {
    return this.store.operations(ALL_OPERATIONS).map(offlineOutcome).reverse();
  }

  /** Burns, voids and releases the hub refused (code and reason), for the supervisor. */
  refusedReports(): { key: string; kind: string; uuid: string | null; code: string; reason: string; at: number }[] {
    return this.store.rejectedItems();
  }

  /** The slots and line the station assigned a group to (read by the slots). */
  assignment(groupId: string): { slotIds: string[]; line: string | null } | null {
    const m = this.store.meta(groupId);
    return m ? { slotIds: m.slotIds, line: m.localLine } : null;
  }

  // ---------- transfer bundles ----------

  /** Exports unused licenses of a group to a bundle file; they are tombstoned here in the same transaction. */
  async exportBundle(input: Omit<ExportInput, 'stationName'>): Promise<ExportResult> {
    const r = await exportBundle(this.#localContext(), { ...input, stationName: this.vault.getValue(KEYS.stationName) });
    this.#afterLocalOperation();
    return r;
  }

  /** Imports a bundle once; the hub hears of it on the next sync. */
  async importBundle(filePath: string, passphrase: string, by: string | null = null): Promise<ImportResult> {
    const r = await importBundle(this.#localContext(), filePath, passphrase, by);
    this.#afterLocalOperation();
    return r;
  }

  /** Bundles sent and received, with the hub's answer once it has one. */
  transfers(): OperationRow[] {
    return this.store.operations(['transfer_out', 'transfer_in']).reverse();
  }

  isUnauthorized(e: unknown): boolean {
    return isAppError(e, 'UNAUTHORIZED');
  }
}
