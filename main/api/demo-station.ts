import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../common/errors';
import { type Clock, systemClock } from '../../common/clock';
import { newId } from '../../common/ids';
import { parseLicenseList } from '../../common/import';
import type {
  AuditCheck, BurnFailureCodeOut, BurnStepOut, CredentialState, Dashboard, DeliveryMode, GroupCounts, GroupSummary, HistoryEntry, JobProgress,
  Language, OfflineOutcome, Product, SetupState, SlotState, Suspect, SyncStatus, UpdateRequest,
} from '../../common/api/schemas';
import { EventHub, type StationServices } from './services';
import type { SupervisorSessions } from './supervisor-session';

/**
 * The whole station in memory: groups, licenses, slots that burn simulated
 * modules on timers, a hash-chained journal. It backs `npm run demo` and the
 * UI tests until the real slots (main/station), ledger and sync client are
 * wired in; each piece is replaced group by group in main/api/compose.ts.
 * Nothing here is persisted.
 */

type LicState = 'available' | 'reserved' | 'sending' | 'verified' | 'suspect' | 'void';
interface DemoLicense { uuid: string; authkey: string; mac: string | null; state: LicState; groupId: string }
interface DemoGroup {
  id: string; name: string; pid: string; owner: 'mine' | 'customer'; deliveryMode: DeliveryMode; state: CredentialState;
  purchased: number; free: number; parentId: string | null; fromReplacement: boolean; line: string | null; slotIds: string[]; failed: number;
}
interface DemoSlot { state: SlotState; timer: ReturnType<typeof setTimeout> | null; license: DemoLicense | null; fault: BurnFailureCodeOut | null }
interface BurnRecord { at: number; slotId: string; groupId: string; ok: boolean; code: BurnFailureCodeOut | null; uuid: string | null; mac: string | null; serial: string | null }

export interface DemoStationOptions {
  clock?: Clock;
  sessions: SupervisorSessions;
  exportDir: string;
  slots?: number;
  /** Time for one burn step and for swapping a module, in ms (kept short in tests). */
  stepMs?: number;
  swapMs?: number;
  osKeychainAvailable?: boolean;
  /** The one-time code sender (phone or email on a real station); the default prints it to the log. */
  sendCode?: (purpose: string, code: string) => string;
}

const products: Product[] = [
  { pid: 'p7x2plug', name: 'Smart Plug EU', priceCents: 45, features: { homekit: true, findmy: false } },
  { pid: 'k9bulb01', name: 'Bulb E27 RGBW', priceCents: 45, features: { homekit: true, findmy: false } },
  { pid: 'tag44find', name: 'Item Tag', priceCents: 80, features: { homekit: false, findmy: true } },
];
const protocols = ['tuya-auc', 'tuyaopen-cli'] as const;
const steps: { step: BurnStepOut; progress: number }[] = [
  { step: 'connect', progress: 0.1 }, { step: 'check', progress: 0.3 }, { step: 'write', progress: 0.6 }, { step: 'verify', progress: 0.85 }, { step: 'finish', progress: 1 },
];

const failureText: Record<BurnFailureCodeOut, string> = {
  TIMEOUT: 'No answer from the module', CHECKSUM: 'The module sent a damaged answer', REFUSED: 'The module refused the write',
  ALREADY_AUTHORIZED: 'The module already carries a license', VERIFY_MISMATCH: 'The read-back differs from what was written',
  DISCONNECTED: 'The module or programmer was unplugged during the burn', INVALID_LICENSE: 'The module rejected the license',
  CANCELED: 'The burn was stopped', NO_LICENSE_LEFT: 'No license left in the group', PORT_ERROR: 'The port cannot be opened', INTERNAL: 'Unexpected error',
};

/** Development sender: the code is printed where the station's log goes. */
const devSendCode = (purpose: string, code: string): string => {
  console.info(`[one-time code] ${purpose}: ${code}`);
  return 'the station log (development sender)';
};

const randomUuid = (): string => { const a = 'abcdefghijklmnopqrstuvwxyz0123456789'; let s = ''; for (const b of randomBytes(20)) s += a[b % 36]; return s; };
const randomAuthkey = (): string => { const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'; let s = ''; for (const b of randomBytes(32)) s += a[b % 62]; return s; };
const randomMac = (): string => randomBytes(6).toString('hex').toUpperCase();

export class DemoStation {
  readonly events = new EventHub();
  readonly services: StationServices;
  private readonly clock: Clock;
  private readonly stepMs: number;
  private readonly swapMs: number;
  private setupState: SetupState;
  private passphrase: string | null = null;
  private readonly groups = new Map<string, DemoGroup>();
  private readonly licenses = new Map<string, DemoLicense>();
  private readonly slots = new Map<string, DemoSlot>();
  private readonly records: BurnRecord[] = [];
  private readonly requests = new Map<string, UpdateRequest>();
  private readonly history: HistoryEntry[] = [];
  private readonly journal: { seq: number; text: string; hash: string }[] = [];
  private readonly codes = new Map<string, { code: string; until: number }>();
  private readonly outcomes: OfflineOutcome[] = [];
  private shiftStart: number;
  private sync: SyncStatus = { enrolled: false, online: false, syncing: false, hubUrl: null, lastSyncAt: null, outbox: 0, lastError: null };

  constructor(private readonly options: DemoStationOptions) {
    this.clock = options.clock ?? systemClock;
    this.stepMs = options.stepMs ?? 350;
    this.swapMs = options.swapMs ?? 900;
    this.shiftStart = this.clock.now();
    this.setupState = { stage: 'new', mode: null, keyProtection: null, osKeychainAvailable: options.osKeychainAvailable ?? false, stationName: null, line: null, language: 'en', exportDir: options.exportDir };
    const n = options.slots ?? 4;
    for (let i = 1; i <= n; i++) {
      const slotId = `slot-${i}`;
      this.slots.set(slotId, { timer: null, license: null, fault: null, state: {
        slotId, number: i, port: `/dev/ttyUSB${i - 1}`, protocol: protocols[(i - 1) % 2]!, groupId: null, connected: true, running: false,
        phase: 'idle', step: null, progress: 0, lastResult: null, pendingSerial: null, burnedThisShift: 0,
      } });
    }
    this.services = this.buildServices();
  }

  /** Test and demo hook: the next burn on this slot fails with `code` (DISCONNECTED and VERIFY_MISMATCH leave a suspect). */
  injectFault(slotNumber: number, code: BurnFailureCodeOut): void {
    this.slotByNumber(slotNumber).fault = code;
  }

  /** Demo hook standing in for the hub operator: moves an update request on. */
  hubDecides(requestId: string, state: 'being_paid' | 'updated'): void {
    const req = this.requests.get(requestId);
    if (req === undefined) throw new AppError('NOT_FOUND', 'No such update request.');
    this.updateRequest(req, state);
  }

  stopAll(): void {
    for (const slot of this.slots.values()) this.halt(slot);
  }

  // ---------- setup ----------

  private seed(): void {
    if (this.groups.size > 0) return;
    this.addGroup({ name: 'Plug EU · batch 24-118', pid: 'p7x2plug', owner: 'mine', deliveryMode: 'credential', state: 'valid', purchased: 480, free: 20, line: 'Line 1' }, 500);
    this.addGroup({ name: 'Bulb E27 · batch 24-121', pid: 'k9bulb01', owner: 'mine', deliveryMode: 'credential', state: 'confirming_update', purchased: 200, free: 0, line: 'Line 1' }, 200);
    this.addGroup({ name: 'Item Tag · customer Acme', pid: 'tag44find', owner: 'customer', deliveryMode: 'credential_auth_only', state: 'valid', purchased: 120, free: 0, line: 'Line 2' }, 120);
    const blocked = [...this.groups.values()].find((g) => g.state === 'confirming_update')!;
    const req: UpdateRequest = { id: newId(), groupId: blocked.id, fromPid: blocked.pid, targetPid: 'p7x2plug', targetProductName: 'Smart Plug EU', deliveryMode: 'credential', state: 'confirming_update', priceDifferenceCents: 0, createdAt: this.iso(), updatedAt: this.iso() };
    this.requests.set(req.id, req);
  }

  private addGroup(g: Omit<DemoGroup, 'id' | 'parentId' | 'fromReplacement' | 'slotIds' | 'failed'> & { parentId?: string }, licenses: number, rows?: { uuid: string; authkey: string; mac?: string | undefined }[]): DemoGroup {
    const group: DemoGroup = { id: newId(), parentId: g.parentId ?? null, fromReplacement: false, slotIds: [], failed: 0, ...g };
    this.groups.set(group.id, group);
    const list = rows ?? Array.from({ length: licenses }, () => ({ uuid: randomUuid(), authkey: randomAuthkey(), mac: randomMac() }));
    for (const r of list) this.licenses.set(r.uuid, { uuid: r.uuid, authkey: r.authkey, mac: r.mac ?? null, state: 'available', groupId: group.id });
    this.addHistory(group.id, 'created', `Group created with ${list.length} licenses`, [{ label: 'Product', value: g.pid }]);
    return group;
  }

  private finishSetup(mode: 'hub' | 'demo', keyProtection: { kind: 'os_keychain' } | { kind: 'passphrase'; passphrase: string }, pin: string, stationName: string, line: string): SetupState {
    if (this.setupState.stage !== 'new') throw new AppError('ALREADY_SET_UP', 'This station is already set up.');
    if (keyProtection.kind === 'os_keychain' && !this.setupState.osKeychainAvailable) throw new AppError('NO_OS_KEYCHAIN', 'This computer offers no keychain to the station: choose a station passphrase instead.');
    this.options.sessions.setPin(pin);
    this.passphrase = keyProtection.kind === 'passphrase' ? keyProtection.passphrase : null;
    this.setupState = { ...this.setupState, stage: 'ready', mode, keyProtection: keyProtection.kind, stationName, line };
    this.seed();
    this.appendJournal(`setup ${mode}`);
    return this.setupState;
  }

  // ---------- views ----------

  private counts(groupId: string): GroupCounts {
    const c = { groupId, total: 0, left: 0, burned: 0, failed: this.groups.get(groupId)?.failed ?? 0, suspect: 0, void: 0 };
    for (const l of this.licenses.values()) {
      if (l.groupId !== groupId) continue;
      c.total++;
      if (l.state === 'available') c.left++;
      else if (l.state === 'verified') c.burned++;
      else if (l.state === 'suspect') c.suspect++;
      else if (l.state === 'void') c.void++;
    }
    return c;
  }

  private summary(g: DemoGroup): GroupSummary {
    const counts = this.counts(g.id);
    let blocked: GroupSummary['blocked'] = null;
    if (g.state === 'confirming_update') blocked = { code: 'GROUP_UNDER_REVIEW', message: 'A product change for this group is under review on the hub: nothing can be burned until it is approved or recalled.' };
    else if (g.state === 'being_paid') blocked = { code: 'GROUP_BEING_PAID', message: 'The new product costs more: the difference must be paid on the hub before burning.' };
    else if (g.state === 'list_generated') blocked = { code: 'GROUP_LIST_GENERATED', message: 'The license list of this group was downloaded: it can no longer be burned here.' };
    else if (counts.left === 0) blocked = { code: 'GROUP_EMPTY', message: 'No license left in this group: pick another group or ask a supervisor to split or import one.' };
    return {
      id: g.id, name: g.name, pid: g.pid, productName: products.find((p) => p.pid === g.pid)?.name ?? g.pid, owner: g.owner, deliveryMode: g.deliveryMode,
      state: g.state, purchased: g.purchased, free: g.free, parentId: g.parentId, fromReplacement: g.fromReplacement,
      assignment: { line: g.line, slotIds: [...g.slotIds] }, counts, blocked,
    };
  }

  private group(groupId: string): DemoGroup {
    const g = this.groups.get(groupId);
    if (g === undefined) throw new AppError('GROUP_NOT_FOUND', 'That group is not on this station (it may have been reassigned): refresh the list.');
    return g;
  }

  private slot(slotId: string): DemoSlot {
    const s = this.slots.get(slotId);
    if (s === undefined) throw new AppError('SLOT_NOT_FOUND', `There is no slot "${slotId}" on this station.`);
    return s;
  }

  private slotByNumber(n: number): DemoSlot {
    const s = [...this.slots.values()].find((x) => x.state.number === n);
    if (s === undefined) throw new AppError('SLOT_NOT_FOUND', `There is no slot ${n} on this station.`);
    return s;
  }

  private requireReady(): void {
    if (this.setupState.stage !== 'ready') throw new AppError('NOT_READY', 'The station is not set up or is locked: finish the first-run setup or unlock it.');
  }

  // ---------- slots ----------

  private publish(slot: DemoSlot): SlotState {
    this.events.emit('onSlotState', { ...slot.state });
    return { ...slot.state };
  }

  private publishCounts(groupId: string): void {
    this.events.emit('onCounts', this.counts(groupId));
  }

  private halt(slot: DemoSlot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    if (slot.license !== null && slot.license.state === 'reserved') slot.license.state = 'available';
    slot.license = null;
    slot.state = { ...slot.state, running: false, phase: slot.state.phase === 'failed' ? 'failed' : 'idle', step: null, progress: 0 };
  }

  private wait(slot: DemoSlot): void {
    slot.state = { ...slot.state, phase: 'waiting', step: null, progress: 0 };
    this.publish(slot);
    slot.timer = setTimeout(() => this.burn(slot), this.swapMs);
  }

  private burn(slot: DemoSlot): void {
    const groupId = slot.state.groupId;
    if (groupId === null || !slot.state.running) return;
    const g = this.group(groupId);
    if (this.summary(g).blocked !== null) return this.fail(slot, 'NO_LICENSE_LEFT', null, false);
    const license = [...this.licenses.values()].find((l) => l.groupId === groupId && l.state === 'available');
    if (license === undefined) return this.fail(slot, 'NO_LICENSE_LEFT', null, false);
    license.state = 'reserved';
    slot.license = license;
    const fault = slot.fault;
    slot.fault = null;
    const startedAt = this.clock.now();
    const run = (i: number): void => {
      const s = steps[i]!;
      if (s.step === 'write') { license.state = 'sending'; this.appendJournal(`sending ${license.uuid} ${slot.state.slotId}`); }
      if (fault !== null) {
        const failAt: BurnStepOut = fault === 'TIMEOUT' || fault === 'ALREADY_AUTHORIZED' || fault === 'PORT_ERROR' ? 'connect' : fault === 'VERIFY_MISMATCH' ? 'verify' : 'write';
        if (s.step === failAt) return this.fail(slot, fault, s.step, license.state === 'sending');
      }
      slot.state = { ...slot.state, phase: 'burning', step: s.step, progress: s.progress };
      this.publish(slot);
      if (i < steps.length - 1) { slot.timer = setTimeout(() => run(i + 1), this.stepMs); return; }
      license.state = 'verified';
      this.appendJournal(`verified ${license.uuid}`);
      const serial = slot.state.pendingSerial;
      this.records.push({ at: this.clock.now(), slotId: slot.state.slotId, groupId, ok: true, code: null, uuid: license.uuid, mac: license.mac, serial });
      slot.license = null;
      slot.state = { ...slot.state, phase: 'done', step: null, progress: 1, pendingSerial: null, burnedThisShift: slot.state.burnedThisShift + 1,
        lastResult: { ok: true, uuid: license.uuid, mac: license.mac, serial, at: this.iso(), durationMs: this.clock.now() - startedAt } };
      this.publish(slot);
      this.publishCounts(groupId);
      this.bumpOutbox();
      slot.timer = setTimeout(() => this.wait(slot), this.swapMs);
    };
    run(0);
  }

  private fail(slot: DemoSlot, code: BurnFailureCodeOut, step: BurnStepOut | null, sent: boolean): void {
    const license = slot.license;
    const groupId = slot.state.groupId!;
    if (license !== null) {
      license.state = sent ? 'suspect' : 'available';
      this.appendJournal(`${sent ? 'suspect' : 'released'} ${license.uuid}`);
    }
    if (code !== 'NO_LICENSE_LEFT') this.group(groupId).failed++;
    this.records.push({ at: this.clock.now(), slotId: slot.state.slotId, groupId, ok: false, code, uuid: license?.uuid ?? null, mac: null, serial: slot.state.pendingSerial });
    slot.license = null;
    slot.timer = null;
    slot.state = { ...slot.state, running: false, phase: 'failed', step: null, progress: 0,
      lastResult: { ok: false, code, message: failureText[code], step, uuid: license?.uuid ?? null, suspect: sent, at: this.iso() } };
    this.publish(slot);
    this.publishCounts(groupId);
  }

  private bumpOutbox(): void {
    if (!this.sync.enrolled) return;
    this.sync = { ...this.sync, outbox: this.sync.outbox + 1 };
    this.events.emit('onSyncStatus', this.sync);
  }

  // ---------- supervisor helpers ----------

  private updateRequest(req: UpdateRequest, state: UpdateRequest['state']): UpdateRequest {
    const next = { ...req, state, updatedAt: this.iso() };
    this.requests.set(req.id, next);
    const g = this.group(req.groupId);
    if (state === 'recalled') g.state = 'valid';
    else if (state === 'updated') { g.state = 'updated'; g.pid = req.targetPid; g.deliveryMode = req.deliveryMode; }
    else g.state = state === 'rejected' ? 'valid' : state;
    this.addHistory(g.id, state === 'recalled' ? 'recall' : state === 'updated' ? 'updated' : 'change_product', `Product change ${state.replace('_', ' ')}`, [{ label: 'Target product', value: req.targetProductName }]);
    this.events.emit('onGroups', [...this.groups.values()].map((x) => this.summary(x)));
    return next;
  }

  private addHistory(groupId: string, kind: HistoryEntry['kind'], summary: string, details: HistoryEntry['details']): void {
    this.history.push({ id: newId(), groupId, kind, at: this.iso(), summary, details });
  }

  private appendJournal(text: string): void {
    const prev = this.journal.at(-1)?.hash ?? '0'.repeat(64);
    const seq = this.journal.length;
    this.journal.push({ seq, text, hash: createHash('sha256').update(`${prev}|${seq}|${text}`).digest('hex') });
  }

  private checkCode(purpose: string, code: string): void {
    const c = this.codes.get(purpose);
    this.codes.delete(purpose);
    if (c === undefined || c.until < this.clock.now() || c.code !== code) throw new AppError('BAD_CODE', 'The one-time code is wrong or has expired: ask for a new code and enter it within 5 minutes.');
  }

  private iso(): string { return new Date(this.clock.now()).toISOString(); }

  private writeExport(name: string, text: string): string {
    mkdirSync(this.options.exportDir, { recursive: true });
    const path = join(this.options.exportDir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  }

  private dashboard(range: 'shift' | 'day'): Dashboard {
    const now = this.clock.now();
    const from = range === 'shift' ? this.shiftStart : now - 24 * 3600_000;
    const records = this.records.filter((r) => r.at >= from);
    const hourOf = (t: number): number => Math.floor(t / 3600_000) * 3600_000;
    const hours = new Map<number, { verified: number; failed: number }>();
    for (let h = hourOf(from); h <= hourOf(now); h += 3600_000) hours.set(h, { verified: 0, failed: 0 });
    const bySlot = new Map<string, Map<BurnFailureCodeOut, number>>();
    const byGroup = new Map<string, Map<BurnFailureCodeOut, number>>();
    const add = (m: Map<string, Map<BurnFailureCodeOut, number>>, key: string, code: BurnFailureCodeOut): void => {
      const inner = m.get(key) ?? new Map<BurnFailureCodeOut, number>();
      inner.set(code, (inner.get(code) ?? 0) + 1);
      m.set(key, inner);
    };
    let verified = 0; let failed = 0;
    for (const r of records) {
      const h = hours.get(hourOf(r.at));
      if (r.ok) { verified++; if (h) h.verified++; } else if (r.code !== null && r.code !== 'NO_LICENSE_LEFT') {
        failed++; if (h) h.failed++;
        add(bySlot, r.slotId, r.code); add(byGroup, r.groupId, r.code);
      }
    }
    const toList = (m: Map<BurnFailureCodeOut, number> | undefined): { code: BurnFailureCodeOut; count: number }[] => [...(m ?? new Map()).entries()].map(([code, count]) => ({ code, count }));
    const suspect = [...this.licenses.values()].filter((l) => l.state === 'suspect').length;
    return {
      range, from: new Date(from).toISOString(), to: new Date(now).toISOString(),
      burnsPerHour: [...hours.entries()].map(([h, v]) => ({ hour: new Date(h).toISOString(), ...v })),
      failuresBySlot: [...this.slots.values()].map((s) => ({ slotId: s.state.slotId, label: `Slot ${s.state.number}`, reasons: toList(bySlot.get(s.state.slotId)) })),
      failuresByGroup: [...this.groups.values()].filter((g) => byGroup.has(g.id)).map((g) => ({ groupId: g.id, label: g.name, reasons: toList(byGroup.get(g.id)) })),
      totals: { verified, failed, suspect },
    };
  }

  // ---------- the services ----------

  private buildServices(): StationServices {
    return {
      events: this.events,
      setup: {
        state: () => this.setupState,
        connectHub: (input) => {
          const s = this.finishSetup('hub', input.keyProtection, input.supervisorPin, input.stationName, 'Line 1');
          // The demo station pretends the hub accepted the code; main/sync replaces this with a real enrollment.
          this.sync = { enrolled: true, online: true, syncing: false, hubUrl: input.hubUrl, lastSyncAt: this.iso(), outbox: 0, lastError: null };
          this.events.emit('onSyncStatus', this.sync);
          return s;
        },
        startDemo: (input) => this.finishSetup('demo', input.keyProtection, input.supervisorPin, 'Demo station', 'Line 1'),
        unlock: (input) => {
          if (this.setupState.stage !== 'locked') return this.setupState;
          if (input.passphrase !== this.passphrase) throw new AppError('WRONG_PASSPHRASE', 'That passphrase does not open this station\'s vault. Check Caps Lock and try again.');
          this.setupState = { ...this.setupState, stage: 'ready' };
          return this.setupState;
        },
        setLanguage: (input: { language: Language }) => { this.setupState = { ...this.setupState, language: input.language }; return this.setupState; },
      },
      station: {
        overview: () => {
          if (this.setupState.stage !== 'ready') return { groups: [], slots: [] };
          return { groups: [...this.groups.values()].map((g) => this.summary(g)), slots: [...this.slots.values()].map((s) => ({ ...s.state })) };
        },
        selectGroup: (input) => {
          this.requireReady();
          const g = this.group(input.groupId);
          const blocked = this.summary(g).blocked;
          if (blocked !== null) throw new AppError(blocked.code, blocked.message);
          const targets = input.slotIds?.length ? input.slotIds.map((id) => this.slot(id)) : [...this.slots.values()];
          const running = targets.find((s) => s.state.running);
          if (running) throw new AppError('SLOT_RUNNING', `Slot ${running.state.number} is burning: stop it before you change its group.`);
          return targets.map((s) => { s.state = { ...s.state, groupId: g.id, phase: 'idle', lastResult: null }; return this.publish(s); });
        },
        start: (input) => {
          this.requireReady();
          const targets = input.slotIds?.length ? input.slotIds.map((id) => this.slot(id)) : [...this.slots.values()];
          for (const s of targets) {
            if (s.state.groupId === null) throw new AppError('NO_GROUP', `Slot ${s.state.number} has no group: pick a group first.`);
            const blocked = this.summary(this.group(s.state.groupId)).blocked;
            if (blocked !== null) throw new AppError(blocked.code, blocked.message);
          }
          return targets.map((s) => {
            if (!s.state.running) { s.state = { ...s.state, running: true, lastResult: s.state.phase === 'failed' ? null : s.state.lastResult }; this.wait(s); }
            return { ...s.state };
          });
        },
        stop: (input) => {
          const targets = input.slotIds?.length ? input.slotIds.map((id) => this.slot(id)) : [...this.slots.values()];
          return targets.map((s) => {
            // a burn past its write finishes: stopping never cuts a frame half way (the ledger would count it suspect)
            if (s.license?.state === 'sending') return { ...s.state };
            this.halt(s); return this.publish(s);
          });
        },
        retry: (input) => {
          const s = this.slot(input.slotId);
          if (s.state.groupId === null) throw new AppError('NO_GROUP', `Slot ${s.state.number} has no group: pick a group first.`);
          this.halt(s);
          s.state = { ...s.state, running: true, lastResult: null };
          this.wait(s);
          return { ...s.state };
        },
        scanSerial: (input) => {
          const s = this.slot(input.slotId);
          s.state = { ...s.state, pendingSerial: input.serial };
          return this.publish(s);
        },
        counts: (input) => { this.group(input.groupId); return this.counts(input.groupId); },
      },
      supervisor: {
        products: () => products,
        split: (input) => {
          const g = this.group(input.groupId);
          if (g.state !== 'valid' && g.state !== 'updated') throw new AppError('GROUP_LOCKED', `This group is "${g.state.replace('_', ' ')}": it cannot be split now.`);
          const free = [...this.licenses.values()].filter((l) => l.groupId === g.id && l.state === 'available');
          const size = input.purchased + input.free;
          if (size > free.length) throw new AppError('NOT_ENOUGH_LICENSES', `Only ${free.length} unused licenses are left in this group: split at most that many.`);
          if (input.purchased > g.purchased || input.free > g.free) throw new AppError('NOT_ENOUGH_LICENSES', `This group holds ${g.purchased} purchased and ${g.free} free licenses: split no more of each kind.`);
          const child = this.addGroup({ name: input.name ?? `${g.name} · split`, pid: g.pid, owner: g.owner, deliveryMode: g.deliveryMode, state: 'valid', purchased: input.purchased, free: input.free, line: g.line, parentId: g.id }, 0, []);
          for (const l of free.slice(0, size)) l.groupId = child.id;
          g.purchased -= input.purchased; g.free -= input.free;
          this.addHistory(g.id, 'split', `Split ${size} licenses into "${child.name}"`, [{ label: 'Purchased', value: String(input.purchased) }, { label: 'Free', value: String(input.free) }]);
          this.appendJournal(`split ${g.id} ${child.id} ${size}`);
          const queuedOffline = this.sync.enrolled && !this.sync.online;
          this.events.emit('onGroups', [...this.groups.values()].map((x) => this.summary(x)));
          return { group: this.summary(child), queuedOffline };
        },
        changeProduct: (input) => {
          const g = this.group(input.groupId);
          if (g.state === 'list_generated') throw new AppError('GROUP_LIST_GENERATED', 'The license list of this group was downloaded: its product can no longer be changed.');
          if (g.fromReplacement) throw new AppError('GROUP_FROM_REPLACEMENT', 'This group was issued to replace licenses: its product cannot be changed.');
          if (g.state === 'confirming_update' || g.state === 'being_paid') throw new AppError('REQUEST_OPEN', 'A product change for this group is already open: recall it first.');
          const from = products.find((p) => p.pid === g.pid); const to = products.find((p) => p.pid === input.targetPid);
          if (to === undefined) throw new AppError('PRODUCT_NOT_FOUND', 'That product is not known to the hub.');
          const diff = (to.priceCents - (from?.priceCents ?? 0)) * this.counts(g.id).left;
          if (diff > 0 && g.owner === 'customer') throw new AppError('CUSTOMER_PRICE_INCREASE', "A customer's group cannot move to a more expensive product: customers' credentials do not support paying the difference.");
          const req: UpdateRequest = { id: newId(), groupId: g.id, fromPid: g.pid, targetPid: to.pid, targetProductName: to.name, deliveryMode: input.deliveryMode, state: 'confirming_update', priceDifferenceCents: diff, createdAt: this.iso(), updatedAt: this.iso() };
          this.requests.set(req.id, req);
          for (const s of this.slots.values()) if (s.state.groupId === g.id) { this.halt(s); this.publish(s); }
          return this.updateRequest(req, 'confirming_update');
        },
        recall: (input) => {
          const req = this.requests.get(input.requestId);
          if (req === undefined) throw new AppError('NOT_FOUND', 'That update request does not exist.');
          if (req.state !== 'confirming_update' && req.state !== 'being_paid') throw new AppError('REQUEST_CLOSED', `This request is already "${req.state}": it cannot be recalled.`);
          return this.updateRequest(req, 'recalled');
        },
        requests: (input) => [...this.requests.values()].filter((r) => input.groupId === undefined || r.groupId === input.groupId).reverse(),
        history: (input) => { this.group(input.groupId); return this.history.filter((h) => h.groupId === input.groupId).reverse(); },
        generateResources: (input) => {
          const g = this.group(input.groupId);
          const product = products.find((p) => p.pid === g.pid);
          if (!product?.features[input.kind]) throw new AppError('FEATURE_NOT_SUPPORTED', `${product?.name ?? g.pid} does not support ${input.kind === 'homekit' ? 'HomeKit' : 'Find My'}.`);
          const job: JobProgress = { jobId: newId(), kind: 'third_party_resources', groupId: g.id, label: `${input.kind === 'homekit' ? 'HomeKit' : 'Find My'} resources for ${g.name}`, progress: 0, state: 'running', message: null };
          let p = 0;
          const tick = (): void => {
            p = Math.min(1, p + 0.2);
            const next: JobProgress = { ...job, progress: p, state: p >= 1 ? 'done' : 'running', message: p >= 1 ? 'Resources generated: they are delivered with the next sync.' : null };
            this.events.emit('onJobProgress', next);
            if (p < 1) setTimeout(tick, this.stepMs);
            else this.addHistory(g.id, 'resources', next.label, []);
          };
          setTimeout(tick, this.stepMs);
          return job;
        },
        requestCode: (input) => {
          const code = String(100000 + (randomBytes(4).readUInt32BE() % 900000));
          this.codes.set(input.purpose, { code, until: this.clock.now() + 5 * 60_000 });
          const sentTo = this.options.sendCode?.(input.purpose, code) ?? devSendCode(input.purpose, code);
          return { sentTo, expiresAt: new Date(this.clock.now() + 5 * 60_000).toISOString() };
        },
        download: (input) => {
          const g = this.group(input.groupId);
          if (g.state !== 'valid' && g.state !== 'updated') throw new AppError('GROUP_LOCKED', 'Licenses can only be downloaded from a group that is valid or updated.');
          if (g.deliveryMode === 'license_list' && input.confirmGenerate !== true) throw new AppError('CONFIRM_GENERATE', 'This group delivers a license list: confirm "generate and download" (the group can then no longer be split or changed).');
          this.checkCode('download', input.code);
          const rows = [...this.licenses.values()].filter((l) => l.groupId === g.id && l.state === 'available');
          const path = this.writeExport(`licenses-${g.id.slice(0, 8)}-${Date.now()}.csv`, `uuid,authkey,mac\n${rows.map((l) => `${l.uuid},${l.authkey},${l.mac ?? ''}`).join('\n')}\n`);
          if (g.deliveryMode === 'license_list') g.state = 'list_generated';
          this.addHistory(g.id, 'download', `Downloaded ${rows.length} licenses`, []);
          return { filePath: path, licenses: rows.length, group: this.summary(g) };
        },
        reassign: (input) => {
          const g = this.group(input.groupId);
          for (const id of input.slotIds) this.slot(id);
          for (const other of this.groups.values()) other.slotIds = other.slotIds.filter((id) => !input.slotIds.includes(id));
          g.slotIds = [...input.slotIds];
          if (input.line !== undefined) g.line = input.line;
          this.addHistory(g.id, 'reassign', `Assigned to ${input.slotIds.length} slots${g.line ? ` on ${g.line}` : ''}`, []);
          const queuedOffline = this.sync.enrolled && !this.sync.online;
          if (queuedOffline) {
            this.outcomes.push({ id: newId(), kind: 'reassign', summary: `Reassign "${g.name}"`, status: 'pending', reason: null, localAction: null, at: this.iso() });
            this.events.emit('onOfflineOutcome', this.outcomes.at(-1)!);
          }
          return { group: this.summary(g), queuedOffline };
        },
        suspects: () => [...this.licenses.values()].filter((l) => l.state === 'suspect').map((l): Suspect => {
          const rec = [...this.records].reverse().find((r) => r.uuid === l.uuid);
          return { uuid: l.uuid, groupId: l.groupId, slotId: rec?.slotId ?? null, since: new Date(rec?.at ?? this.clock.now()).toISOString(), reason: rec?.code ? failureText[rec.code] : 'Outcome unknown' };
        }),
        resolveSuspect: (input) => {
          const l = this.licenses.get(input.uuid);
          if (l === undefined || l.state !== 'suspect') throw new AppError('NOT_SUSPECT', 'That license is not suspect (it may have been resolved already): refresh the list.');
          if (input.action === 'void') {
            l.state = 'void'; this.appendJournal(`void ${l.uuid}`);
            this.addHistory(l.groupId, 'void', `Voided ${l.uuid}`, []);
            this.publishCounts(l.groupId);
            return { uuid: l.uuid, state: 'void' as const, message: 'License voided: it will be reported to the hub as spoiled.' };
          }
          // the simulated modules keep what reached their flash in half the cases
          const heldByModule = createHash('sha256').update(l.uuid).digest()[0]! % 2 === 0;
          if (heldByModule) { l.state = 'verified'; this.appendJournal(`verified ${l.uuid} read-back`); this.publishCounts(l.groupId); return { uuid: l.uuid, state: 'verified' as const, message: 'The module holds this license: it is counted as burned.' }; }
          return { uuid: l.uuid, state: 'suspect' as const, message: 'The module on the slot does not hold this license: put the right module in the jig and read again, or void the license.' };
        },
        importLicenses: async (input) => {
          const bytes = Buffer.from(input.contentBase64, 'base64');
          const parsed = await parseLicenseList(bytes, input.fileName, { knownUuids: { has: (u) => this.licenses.has(u) } });
          if (!parsed.ok) return { fileName: input.fileName, imported: false, groupId: null, rowsRead: 0, rowsImported: 0, problems: parsed.errors.map((e) => ({ line: e.line, column: null, reason: e.reason })) };
          const pid = input.pid ?? parsed.rows[0]?.pid ?? products[0]!.pid;
          const g = this.addGroup({ name: input.groupName ?? input.fileName.replace(/\.(csv|xlsx)$/i, ''), pid, owner: 'mine', deliveryMode: 'credential', state: 'valid', purchased: parsed.rows.length, free: 0, line: this.setupState.line }, 0, parsed.rows);
          this.appendJournal(`import ${g.id} ${parsed.rows.length}`);
          this.events.emit('onGroups', [...this.groups.values()].map((x) => this.summary(x)));
          return { fileName: input.fileName, imported: true, groupId: g.id, rowsRead: parsed.rows.length, rowsImported: parsed.rows.length, problems: [] };
        },
        auditCheck: (): AuditCheck => {
          let prev = '0'.repeat(64);
          for (const e of this.journal) {
            const h = createHash('sha256').update(`${prev}|${e.seq}|${e.text}`).digest('hex');
            if (h !== e.hash) return { ok: false, entries: this.journal.length, firstBroken: { seq: e.seq, reason: 'the entry does not match its hash' }, checkedAt: this.iso() };
            prev = e.hash;
          }
          return { ok: true, entries: this.journal.length, firstBroken: null, checkedAt: this.iso() };
        },
        exportReport: (input) => {
          this.checkCode('report_export', input.code);
          const from = input.range === 'shift' ? this.shiftStart : this.clock.now() - 24 * 3600_000;
          const rows = this.records.filter((r) => r.at >= from && (input.groupId === undefined || r.groupId === input.groupId) && r.code !== 'NO_LICENSE_LEFT');
          const csv = `uuid,module_mac,serial,slot,time,result\n${rows.map((r) => `${r.uuid ?? ''},${r.mac ?? ''},${r.serial ?? ''},${r.slotId},${new Date(r.at).toISOString()},${r.ok ? 'verified' : r.code}`).join('\n')}\n`;
          return { filePath: this.writeExport(`burn-report-${input.range}-${Date.now()}.csv`, csv), rows: rows.length };
        },
      },
      sync: {
        status: () => this.sync,
        syncNow: () => {
          if (!this.sync.enrolled) throw new AppError('NOT_ENROLLED', 'This station runs the demo and is not connected to a hub: there is nothing to sync.');
          this.sync = { ...this.sync, lastSyncAt: this.iso(), outbox: 0 };
          this.events.emit('onSyncStatus', this.sync);
          return this.sync;
        },
        outcomes: () => [...this.outcomes].reverse(),
      },
      reports: {
        dashboard: (input) => this.dashboard(input.range),
      },
    };
  }
}
