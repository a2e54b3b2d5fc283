import { AppError, isAppError } from '../../common/errors';
import { newId } from '../../common/ids';
import { licenseStates, type LicenseState } from '../../common/license';
import { rejectionOf, type BurnOutcome, type BurnStep, type LicenseRejection, type ModuleIdentity } from '../../native/protocols/types';
import { damageAdvice, isDamageError, type AuditVerification, type Vault, type VaultDb } from '../vault';
import { nextState, type LedgerAction } from './states';
import { burnReportCsv, type BurnRecord } from './report';

/** A license handed to one slot for one attempt. The authkey lives only in this object. */
export interface Reservation {
  licenseId: number;
  uuid: string;
  authkey: string;
  mac?: string;
  pid?: string;
  groupId: string;
  slot: string;
  attempt: string;
  /** Who was signed on at the station when it was reserved (their operator number), written on its burn records. */
  operator: string | null;
}

/** A license as the ledger shows it: never with its authkey. */
export interface LicenseInfo {
  id: number;
  uuid: string;
  groupId: string;
  state: LicenseState;
  mac: string | null;
  pid: string | null;
  slot: string | null;
  attempt: string | null;
  moduleMac: string | null;
  moduleSerial: string | null;
  updatedAt: number;
}

/**
 * A group's licenses by where they stand: left + burned + suspect + rejected + void = total, always.
 * Attempts are not licenses: `failedAttempts` counts burns that failed with nothing sent (the
 * license went back to the group), apart from the licenses.
 */
export interface GroupCounts {
  total: number;
  /** Not burned yet: available, reserved or being burned. */
  left: number;
  available: number;
  reserved: number;
  /** sending or written: a burn is under way (part of `left`). */
  burning: number;
  /** verified or reported. */
  burned: number;
  reported: number;
  suspect: number;
  /** Set aside: these modules cannot take them (nothing was sent). */
  rejected: number;
  void: number;
  /** Failed burn attempts since `since` (the shift; all of them without it). Not licenses. */
  failedAttempts: number;
}

export interface RecoveryReport {
  released: string[];
  suspected: string[];
}

/**
 * The audit chain checked end to end, then every license row against it. A
 * license's state must be what its last audit entry left it in (available when
 * it has none): anything else was changed outside the ledger.
 */
export type LedgerVerification =
  | (Extract<AuditVerification, { ok: true }> & { licenses: number })
  | (Extract<AuditVerification, { ok: false }> & { uuid: string | null; licenses: number | null; damaged?: string[] });

/** How a suspect is settled (resolveSuspect). */
export interface SettleOptions {
  by?: string;
  /** The serial label scanned off the module in the jig: identifies it where no MAC was read at the burn. */
  moduleSerial?: string | null;
  /** The supervisor confirms this is the module of the burn though it cannot be identified. */
  confirmUnidentified?: boolean;
  /** The module holds another license: the supervisor's choice for this one. */
  otherLicense?: 'release' | 'void';
}

/** What settling a suspect made of it: verified; released (back to its group); void. */
export type Settlement = 'verified' | 'released' | 'void';

export interface ModuleRecord {
  moduleMac?: string | null;
  moduleSerial?: string | null;
}

/**
 * Transitions committed without their own fsync, because a power cut that loses
 * them leaves a state recover() treats the same way: a lost `reserved` is what
 * recovery makes of it anyway (available); a lost `written` leaves `sending`,
 * which recovery makes suspect exactly like `written`. The WAL is append-only,
 * so the next fsynced commit (sending, verified, ...) makes them durable too, in
 * order. Every other transition is fsynced before it returns; `sending` above all.
 */
const fsyncSkippable: ReadonlySet<LedgerAction> = new Set<LedgerAction>(['reserve', 'written']);

const knownStates: ReadonlySet<string> = new Set(licenseStates);

/** License rows carry the group's public id, joined from its compact key. */
const selectLicense = 'SELECT l.*, g.id AS group_id FROM licenses l JOIN credential_groups g ON g.key = l.group_key';

/** The condition of the partial index licenses_unsettled (vault migration 5), word for word. */
const unsettled = "(l.state = 'reserved' OR l.state = 'sending' OR l.state = 'written' OR l.state = 'suspect')";

/** The ledger's hot queries, exported so a test can check each one's plan uses an index. */
export const ledgerQueries = {
  byUuid: `${selectLicense} WHERE l.uuid = ?`,
  nextAvailable: `${selectLicense} WHERE l.group_key = ? AND l.state = 'available' ORDER BY l.id LIMIT 1`,
  // The repeated OR term is the condition of the partial index licenses_unsettled, so SQLite may use it.
  inFlight: `${selectLicense} WHERE ${unsettled} AND l.state IN ('reserved', 'sending', 'written') ORDER BY l.id`,
  suspects: `${selectLicense} WHERE ${unsettled} AND l.state = 'suspect' ORDER BY l.id`,
  spoiledToReport: `${selectLicense} WHERE l.state = 'void' AND l.spoiled_reported_at IS NULL ORDER BY l.id LIMIT ?`,
  countsByState: 'SELECT state, count(*) AS n FROM licenses WHERE group_key = ? GROUP BY state',
  // The group's available licenses through licenses_by_group_state; stops at the first that fits.
  uuidLengthAvailable: "SELECT 1 AS hit FROM licenses WHERE group_key = ? AND state = 'available' AND length(uuid) = ? LIMIT 1",
  anyAvailable: "SELECT length(uuid) AS len FROM licenses WHERE group_key = ? AND state = 'available' LIMIT 1",
  failedAttempts: "SELECT count(*) AS n FROM burn_records WHERE group_id = ? AND result = 'failed' AND at >= ?",
  // The reason and cause are the ones the license was rejected with, from its audit entry (found through audit_by_license).
  rejected: `SELECT l.*, g.id AS group_id,
      (SELECT a.detail FROM audit_log a WHERE a.license_uuid = l.uuid AND a.action = 'license.reject' ORDER BY a.seq DESC LIMIT 1) AS detail
    FROM licenses l JOIN credential_groups g ON g.key = l.group_key WHERE l.state = 'rejected' ORDER BY l.id`,
  group: 'SELECT key, id, name, pid, state, blocked_reason FROM credential_groups WHERE id = ?',
} as const;

/**
 * verifyAudit's check of every license against the chain: the first license (in import order)
 * whose state is not the one its last audit entry left it in. Reads each license once and finds
 * its last entry through the audit_by_license index.
 */
export const disagreeingLicenseQuery = `SELECT l.uuid, l.state, a.seq, a.to_state FROM licenses l
  LEFT JOIN audit_log a ON a.seq = (SELECT max(x.seq) FROM audit_log x WHERE x.license_uuid = l.uuid)
  WHERE l.state <> coalesce(a.to_state, 'available') ORDER BY l.id LIMIT 1`;

interface LicenseRow {
  id: number;
  group_key: number;
  group_id: string;
  uuid: string;
  sealed_authkey: Buffer;
  mac: string | null;
  pid: string | null;
  state: LicenseState;
  slot: string | null;
  attempt: string | null;
  module_mac: string | null;
  module_serial: string | null;
  operator: string | null;
  updated_at: number;
}

const infoFromRow = (r: LicenseRow): LicenseInfo => ({
  id: r.id,
  uuid: r.uuid,
  groupId: r.group_id,
  state: r.state,
  mac: r.mac,
  pid: r.pid,
  slot: r.slot,
  attempt: r.attempt,
  moduleMac: r.module_mac,
  moduleSerial: r.module_serial,
  updatedAt: r.updated_at,
});

interface TransitionOptions {
  attempt?: string;
  slot?: string | null;
  module?: ModuleRecord;
  detail?: Record<string, unknown>;
  burn?: { result: BurnRecord['result']; reason?: string | null };
}

/**
 * The exactly-once license ledger. Every transition is one SQLite transaction
 * (committed with fsync: the vault runs synchronous=FULL; see fsyncSkippable
 * for the two exceptions) holding the license update, one audit-chain entry
 * and, at the end of an attempt, a burn record.
 * better-sqlite3 is synchronous, so within this process two slots can never
 * interleave inside a transition; BEGIN IMMEDIATE guards against another process.
 */
export class Ledger {
  readonly vault: Vault;
  readonly #db: VaultDb;
  readonly #byUuid;
  readonly #nextAvailable;
  readonly #update;
  readonly #insertBurn;
  readonly #group;
  /** The operator signed on at the station: the next reservations and their burn records name them. */
  #operator: string | null = null;
  /** Licenses held suspect in memory only: their transition could not be written (disk full). */
  readonly #heldSuspect = new Map<string, { groupId: string; onDisk: LicenseState }>();

  constructor(vault: Vault) {
    this.vault = vault;
    this.#db = vault.db;
    const db = this.#db;
    this.#byUuid = db.prepare<[string], LicenseRow>(ledgerQueries.byUuid);
    this.#nextAvailable = db.prepare<[number], LicenseRow>(ledgerQueries.nextAvailable);
    this.#update = db.prepare(
      'UPDATE licenses SET state = ?, slot = ?, attempt = ?, module_mac = ?, module_serial = ?, operator = ?, updated_at = ? WHERE id = ? AND state = ?',
    );
    this.#insertBurn = db.prepare(
      'INSERT INTO burn_records (uuid, group_id, slot, attempt, module_mac, module_serial, result, reason, at, operator) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#group = db.prepare<
      [string],
      { key: number; id: string; state: 'active' | 'blocked'; blocked_reason: string | null; name: string; pid: string | null }
    >(ledgerQueries.group);
  }

  /** Who is at the station from now on (their operator number; null: nobody signed on). Reservations made from now on name them. */
  setOperator(operator: string | null): void {
    this.#operator = operator;
  }

  get operator(): string | null {
    return this.#operator;
  }

  /**
   * Run once at start, before any slot: a reserved license was never sent and
   * goes back to available; a sending or written one may be in a module and
   * becomes suspect. Each move is audited.
   */
  recover(): RecoveryReport {
    const report: RecoveryReport = { released: [], suspected: [] };
    this.#db
      .transaction(() => {
        const rows = this.#db
          .prepare<[], LicenseRow>(ledgerQueries.inFlight)
          .all()
          .map((r) => this.#checked(r));
        for (const row of rows) {
          if (row.state === 'reserved') {
            this.#apply(row, 'recover-release', {
              slot: null,
              detail: { reason: 'station restarted before anything was sent' },
              burn: { result: 'failed', reason: 'station restarted before anything was sent' },
            });
            report.released.push(row.uuid);
          } else {
            this.#apply(row, 'recover-suspect', {
              detail: { reason: `station restarted while the license was ${row.state}` },
              burn: { result: 'suspect', reason: `station restarted while ${row.state}` },
            });
            report.suspected.push(row.uuid);
          }
        }
      })
      .immediate();
    return report;
  }

  /**
   * Reserves the next available license of a group for one slot and one
   * attempt (or the license `uuid`, if given) and returns it with its authkey.
   */
  reserve(groupId: string, options: { slot: string; uuid?: string }): Reservation {
    // A vault behind its anchor may hold burned licenses as available: it offers none.
    this.vault.assertCurrent();
    const attempt = newId();
    let groupPid: string | null = null;
    const row = this.#commit('reserve', () => {
      const group = this.#group.get(groupId);
      if (!group) throw new AppError('GROUP_NOT_FOUND', `There is no credential group ${groupId} in this vault; pick one from the list.`);
      if (group.state === 'blocked') {
        throw new AppError(
          'GROUP_BLOCKED',
          `Group "${group.name}" is blocked: ${group.blocked_reason ?? 'no reason given'}. Burn from another group until it is unblocked.`,
          { groupId, reason: group.blocked_reason },
        );
      }
      groupPid = group.pid;
      let license: LicenseRow | undefined;
      if (options.uuid !== undefined) {
        license = this.#get(options.uuid);
        if (license.group_id !== groupId)
          throw new AppError('LICENSE_NOT_IN_GROUP', `License ${options.uuid} belongs to another group; pick it from its own group.`);
      } else {
        license = this.#checked(this.#nextAvailable.get(group.key));
        if (!license)
          throw new AppError(
            'NO_LICENSE_AVAILABLE',
            `Group "${group.name}" has no available license left; import more licenses or pick another group.`,
            { groupId },
          );
      }
      return this.#apply(license, 'reserve', { slot: options.slot, attempt, detail: { slot: options.slot, attempt } });
    });
    const reservation: Reservation = {
      licenseId: row.id,
      uuid: row.uuid,
      authkey: '',
      groupId,
      slot: options.slot,
      attempt,
      operator: row.operator,
    };
    try {
      reservation.authkey = this.vault.openAuthkey(row.uuid, row.sealed_authkey);
    } catch (e) {
      // A damaged authkey must not stay reserved (recovery would hand it out again and again to fail).
      this.release(row.uuid, attempt, 'its sealed authkey fails the integrity check');
      if (!isAppError(e, 'VAULT_TAMPERED')) throw e;
      throw new AppError(
        'VAULT_TAMPERED',
        `The authkey of license ${row.uuid} fails its integrity check in the vault (the vault file was altered or damaged). Nothing was sent; the license went back to its group, where it stays first in line: burn from another group and ask a supervisor to check the vault.`,
        { uuid: row.uuid, groupId },
        { cause: e },
      );
    }
    if (row.mac !== null) reservation.mac = row.mac;
    // A license's own pid wins; else the group's product.
    const pid = row.pid ?? groupPid;
    if (pid !== null) reservation.pid = pid;
    return reservation;
  }

  /**
   * reserved -> rejected: the license cannot be burned into these modules (refused before any
   * byte was sent). It is set aside for good with its reason and reported to the hub as rejected.
   */
  reject(uuid: string, attempt: string, reason: string, cause: LicenseRejection | null = null): void {
    this.#transition(uuid, 'reject', { attempt, detail: { reason, ...(cause ? { cause } : {}) }, burn: { result: 'rejected', reason } });
  }

  /** reserved -> available: only while no byte of the write has left. */
  release(uuid: string, attempt: string, reason: string): void {
    this.#transition(uuid, 'release', { attempt, slot: null, detail: { reason }, burn: { result: 'failed', reason } });
  }

  /**
   * reserved -> sending, on disk (fsync) before it returns: call it just before the first byte of the write.
   * Records the module's identity as read before the write (its MAC; else the scanned serial label), so a
   * suspect is later settled on this module and no other.
   */
  markSending(uuid: string, attempt: string, existing?: ModuleIdentity, options: { moduleSerial?: string | null } = {}): void {
    const module: ModuleRecord = { moduleMac: existing?.mac ?? null, moduleSerial: options.moduleSerial ?? null };
    this.#transition(uuid, 'send', {
      attempt,
      module,
      detail: { ...(existing?.uuid ? { replacesUuid: existing.uuid } : {}), ...moduleDetail(module) },
    });
  }

  /** sending -> written: the module acknowledged the write. */
  markWritten(uuid: string, attempt: string): void {
    this.#transition(uuid, 'written', { attempt });
  }

  /** written -> verified: the read-back matches. Records the burn. */
  markVerified(uuid: string, attempt: string, module: ModuleRecord = {}): void {
    this.#transition(uuid, 'verify', { attempt, module, detail: moduleDetail(module), burn: { result: 'verified' } });
  }

  /** sending/written -> suspect: bytes left but the outcome is unknown (timeout, unplug, crash). */
  markSuspect(uuid: string, attempt: string, reason: string, module: ModuleRecord = {}): void {
    this.#transition(uuid, 'suspect', {
      attempt,
      module,
      detail: { reason, ...moduleDetail(module) },
      burn: { result: 'suspect', reason },
    });
  }

  /** The driver's `beforeWrite` for a reservation: journals `sending`, with the module's identity, before the first byte. */
  beforeWrite(reservation: Reservation, options: { moduleSerial?: string | null } = {}): (existing: ModuleIdentity) => Promise<void> {
    return async (existing) => this.markSending(reservation.uuid, reservation.attempt, existing, options);
  }

  /** The driver's `onStep` for a reservation: the write was acknowledged once verifying starts. */
  onStep(reservation: Reservation): (step: BurnStep) => void {
    return (step) => {
      if (step === 'verify' && this.#get(reservation.uuid).state === 'sending') this.markWritten(reservation.uuid, reservation.attempt);
    };
  }

  /**
   * Applies a driver's BurnOutcome and returns the license's final state:
   * verified; released (nothing sent); rejected (nothing sent, and the license
   * cannot go into these modules: INVALID_LICENSE); or suspect. Once `sending` is on disk a
   * license is never released, whatever the driver says.
   */
  finishBurn(reservation: Reservation, outcome: BurnOutcome, module: { moduleSerial?: string | null } = {}): LicenseState {
    const { uuid, attempt } = reservation;
    const record: ModuleRecord = { moduleMac: outcome.module?.mac ?? null, moduleSerial: module.moduleSerial ?? null };
    let state = this.#get(uuid).state;
    if (outcome.ok) {
      // The module holds the license even if the driver skipped beforeWrite: record the truth.
      if (state === 'reserved') this.#transition(uuid, 'send', { attempt, detail: { note: 'beforeWrite was not called' } });
      if (this.#get(uuid).state === 'sending') this.markWritten(uuid, attempt);
      this.markVerified(uuid, attempt, record);
      return 'verified';
    }
    const reason = `${outcome.error.code} at ${outcome.step}: ${outcome.error.message}`;
    if (state === 'reserved' && outcome.exposure === 'nothing-sent') {
      if (outcome.error.code === 'INVALID_LICENSE') {
        this.reject(uuid, attempt, outcome.error.message, rejectionOf(outcome.error));
        return 'rejected';
      }
      this.release(uuid, attempt, reason);
      return 'available';
    }
    if (state === 'reserved') {
      this.#transition(uuid, 'send', { attempt, detail: { note: 'bytes left without beforeWrite' } });
      state = 'sending';
    }
    this.markSuspect(uuid, attempt, reason, record);
    return 'suspect';
  }

  /**
   * Settles a suspect on the module read back from the jig. Holds this license -> verified (a license
   * is in one module at most, so this is the module of the burn). Otherwise the module must be the one
   * of the burn: the same MAC as recorded at `sending`, else the same scanned serial label, else a
   * supervisor's explicit confirmation of a module that cannot be identified (recorded as such). Then:
   * holds nothing -> released to its group (nothing of it is stored anywhere); holds this uuid with
   * another authkey -> void; holds another license -> the supervisor's choice.
   */
  resolveSuspect(uuid: string, readBack: ModuleIdentity | null, options: SettleOptions = {}): Settlement {
    const row = this.#get(uuid);
    nextState('resolve-verified', row.state, uuid);
    if (readBack === null) {
      throw new AppError(
        'MODULE_NOT_READ',
        `The module in the jig could not be read: check that it sits in the jig and read it again. If the module of license ${uuid} is lost, void the license with a reason.`,
        { uuid },
      );
    }
    const authkey = this.vault.openAuthkey(uuid, row.sealed_authkey);
    const module: ModuleRecord = { moduleMac: readBack.mac ?? row.module_mac, moduleSerial: options.moduleSerial ?? row.module_serial };
    if (readBack.uuid === uuid && (readBack.authkey === null || readBack.authkey === authkey)) {
      // A license is in one module at most: the module that holds it is the module of the burn.
      const detail = { by: options.by ?? null, identifiedBy: 'license', readBackUuid: readBack.uuid, ...moduleDetail(module) };
      this.#transition(uuid, 'resolve-verified', { module, detail, burn: { result: 'verified', reason: 'resolved by read-back' } });
      return 'verified';
    }
    // Anything else frees or spoils the license on the word of this module: it must be the module of the burn.
    const identifiedBy = sameModule(row, readBack, options);
    const detail = { by: options.by ?? null, identifiedBy, readBackUuid: readBack.uuid, ...moduleDetail(module) };
    let choice: 'release' | 'void';
    let reason: string;
    if (readBack.uuid === null) {
      choice = 'release';
      reason = 'its module was read back holding no license';
    } else if (readBack.uuid === uuid) {
      choice = 'void';
      reason = 'its module holds this uuid with a different authkey';
    } else {
      if (options.otherLicense === undefined) {
        throw new AppError(
          'CHOICE_REQUIRED',
          `The module holds another license (${readBack.uuid}), not ${uuid}: choose whether ${uuid} goes back to its group or is voided.`,
          { uuid, heldUuid: readBack.uuid },
        );
      }
      choice = options.otherLicense;
      reason = `its module holds another license (${readBack.uuid}); the supervisor chose to ${choice} it`;
    }
    if (choice === 'release') {
      this.#transition(uuid, 'resolve-released', { slot: null, detail: { ...detail, reason }, burn: { result: 'released', reason } });
      return 'released';
    }
    this.#transition(uuid, 'void', { module, detail: { ...detail, reason }, burn: { result: 'void', reason } });
    return 'void';
  }

  /** suspect -> void without a read-back (the module is lost or scrapped). Reported to the hub as spoiled. */
  voidSuspect(uuid: string, reason: string, options: { by?: string } = {}): void {
    this.#transition(uuid, 'void', { detail: { reason, by: options.by ?? null }, burn: { result: 'void', reason } });
  }

  /** verified -> reported, after the hub acknowledged the burns. */
  markReported(uuids: readonly string[]): void {
    this.#db
      .transaction(() => {
        for (const uuid of uuids) this.#apply(this.#get(uuid), 'report', {});
      })
      .immediate();
  }

  /**
   * A vault behind its last known state, put right with the hub's word: every license this vault
   * would still offer (available, or reserved) that the hub holds as burned, spoiled or rejected is
   * marked so (reported, void, rejected) and never offered again. Licenses already out of reach
   * (sent, burned, suspect, void, rejected here) stay as they are. The vault then offers again.
   */
  reconcileWithHub(
    held: readonly { uuid: string; state: 'burned' | 'spoiled' | 'rejected' }[],
    options: { by?: string } = {},
  ): { burned: number; spoiled: number; rejected: number; unchanged: number } {
    const count = { burned: 0, spoiled: 0, rejected: 0, unchanged: 0 };
    return this.vault.reconcileRollback(() => {
      for (const { uuid, state } of held) {
        const row = this.#checked(this.#byUuid.get(uuid));
        if (!row || (row.state !== 'available' && row.state !== 'reserved')) {
          count.unchanged++;
          continue;
        }
        this.#apply(row, `reconcile-${state}`, { slot: null, detail: { reason: `the hub holds it as ${state}` } });
        count[state]++;
      }
      return count;
    }, options);
  }

  /**
   * The disk is full and a transition of this license could not be written: it is suspect from now
   * on, in memory (counts and license() say so). On disk it is still sending or written, which the
   * next open's recovery makes suspect: the same state. A license still reserved on disk (nothing
   * was sent) stays as it is; recovery releases it.
   */
  holdSuspect(uuid: string): LicenseState {
    const row = this.#get(uuid);
    if (row.state === 'sending' || row.state === 'written') this.#heldSuspect.set(uuid, { groupId: row.group_id, onDisk: row.state });
    return this.#heldSuspect.has(uuid) ? 'suspect' : row.state;
  }

  /** Void licenses the hub has not yet been told about (sync reports them as spoiled). */
  spoiledToReport(limit = 1000): LicenseInfo[] {
    return this.#db.prepare<[number], LicenseRow>(ledgerQueries.spoiledToReport).all(limit).map(infoFromRow);
  }

  markSpoiledReported(uuids: readonly string[]): void {
    const mark = this.#db.prepare(
      "UPDATE licenses SET spoiled_reported_at = ? WHERE uuid = ? AND state = 'void' AND spoiled_reported_at IS NULL",
    );
    this.#db
      .transaction(() => {
        for (const uuid of uuids) {
          const row = this.#get(uuid);
          if (mark.run(this.vault.clock.now(), uuid).changes === 0)
            throw new AppError(
              'ILLEGAL_TRANSITION',
              `License ${uuid} is ${row.state}${row.state === 'void' ? ' and already reported' : ''}; only an unreported void license can be reported as spoiled.`,
            );
          this.vault.audit.append({ action: 'license.spoiled-reported', groupId: row.group_id, uuid, from: 'void', to: 'void' });
        }
      })
      .immediate();
  }

  /** Burn records the hub has not acknowledged yet, oldest first. */
  unreportedBurns(limit = 1000): BurnRecord[] {
    return this.#db
      .prepare<[number], BurnRecordRow>('SELECT * FROM burn_records WHERE reported_at IS NULL ORDER BY id LIMIT ?')
      .all(limit)
      .map(burnFromRow);
  }

  markBurnsReported(ids: readonly number[]): void {
    const mark = this.#db.prepare('UPDATE burn_records SET reported_at = ? WHERE id = ? AND reported_at IS NULL');
    this.#db.transaction(() => ids.forEach((id) => mark.run(this.vault.clock.now(), id))).immediate();
  }

  /** Blocks burning from a group (an update request under review, a recall). */
  blockGroup(groupId: string, reason: string): void {
    if (reason.trim() === '') throw new AppError('REASON_REQUIRED', 'Say why the group is blocked; operators see the reason.');
    this.#setGroupState(groupId, 'blocked', reason);
  }

  unblockGroup(groupId: string): void {
    this.#setGroupState(groupId, 'active', null);
  }

  license(uuid: string): LicenseInfo {
    const info = infoFromRow(this.#get(uuid));
    return this.#heldSuspect.has(uuid) ? { ...info, state: 'suspect' } : info;
  }

  /** The group's licenses by state, and its failed attempts since `since` (ms; all of them without it). */
  counts(groupId: string, options: { since?: number } = {}): GroupCounts {
    const key = this.#groupKey(groupId);
    const counts: GroupCounts = {
      total: 0,
      left: 0,
      available: 0,
      reserved: 0,
      burning: 0,
      burned: 0,
      reported: 0,
      suspect: 0,
      rejected: 0,
      void: 0,
      failedAttempts: 0,
    };
    const rows = this.#db.prepare<[number], { state: LicenseState; n: number }>(ledgerQueries.countsByState).all(key);
    for (const { state, n } of rows) {
      if (!knownStates.has(state))
        throw this.vault.markDamaged(`${n} license(s) of group ${groupId} read back with the state ${JSON.stringify(state)}`);
      counts.total += n;
      if (
        state === 'available' ||
        state === 'reserved' ||
        state === 'suspect' ||
        state === 'void' ||
        state === 'rejected' ||
        state === 'reported'
      )
        counts[state] += n;
      if (state === 'sending' || state === 'written') counts.burning += n;
      if (state === 'verified' || state === 'reported') counts.burned += n;
    }
    for (const held of this.#heldSuspect.values()) {
      if (held.groupId !== groupId) continue;
      counts.burning--;
      counts.suspect++;
    }
    counts.left = counts.available + counts.reserved + counts.burning;
    counts.failedAttempts =
      this.#db.prepare<[string, number], { n: number }>(ledgerQueries.failedAttempts).get(groupId, options.since ?? 0)?.n ?? 0;
    return counts;
  }

  /**
   * Whether the group's available licenses include one whose uuid has one of `lengths` characters;
   * `null` when nothing is available. Else the length the group has instead.
   */
  uuidsFit(groupId: string, lengths: readonly number[]): { fits: true } | { fits: false; length: number } | null {
    const key = this.#groupKey(groupId);
    const any = this.#db.prepare<[number], { len: number }>(ledgerQueries.anyAvailable).get(key);
    if (!any) return null;
    const probe = this.#db.prepare<[number, number], { hit: number }>(ledgerQueries.uuidLengthAvailable);
    return lengths.some((n) => probe.get(key, n) !== undefined) ? { fits: true } : { fits: false, length: any.len };
  }

  /** Rejected licenses (of one group, or all) with the reason each was set aside for and its typed cause (null before causes were recorded). */
  listRejected(groupId?: string): (LicenseInfo & { reason: string | null; cause: LicenseRejection | null })[] {
    const rows = this.#db.prepare<[], LicenseRow & { detail: string | null }>(ledgerQueries.rejected).all();
    return rows
      .filter((r) => groupId === undefined || r.group_id === groupId)
      .map((r) => {
        const detail = r.detail === null ? {} : (JSON.parse(r.detail) as { reason?: string; cause?: LicenseRejection });
        return { ...infoFromRow(r), reason: detail.reason ?? null, cause: detail.cause ?? null };
      });
  }

  /**
   * Sets a group's product PID (firmware that stores a PID asks for it). Audited with who set it;
   * for a hub group the change also goes to the hub through the outbox (vault migration 6's trigger).
   */
  setGroupPid(groupId: string, pid: string, options: { by?: string } = {}): void {
    const value = pid.trim();
    if (value === '' || value.length > 32 || !/^[\x21-\x7e]+$/.test(value))
      throw new AppError('BAD_PID', 'A product PID is 1 to 32 visible characters without spaces; check it on the product page.');
    this.#db
      .transaction(() => {
        const group = this.vault.getGroup(groupId);
        if (group.pid === value) return;
        const now = this.vault.clock.now();
        this.#db.prepare('UPDATE credential_groups SET pid = ? WHERE id = ?').run(value, groupId);
        const { seq } = this.vault.audit.append({
          action: 'group.pid-set',
          groupId,
          detail: { from: group.pid, to: value, by: options.by ?? null },
        });
        if (group.hubCredentialId !== null) {
          // Like a burn, the change reaches the hub through the outbox, in the same transaction.
          this.#db
            .prepare(
              "INSERT INTO sync_outbox (idem_key, kind, uuid, ref_id, op_id, payload, created_at) VALUES (?, 'set_pid', NULL, NULL, NULL, ?, ?)",
            )
            .run(`pid-${groupId}-${seq}`, JSON.stringify({ credentialId: group.hubCredentialId, pid: value, at: now }), now);
        }
      })
      .immediate();
  }

  listSuspects(groupId?: string): LicenseInfo[] {
    const rows = this.#db.prepare<[], LicenseRow>(ledgerQueries.suspects).all();
    return rows.filter((r) => groupId === undefined || r.group_id === groupId).map(infoFromRow);
  }

  burnRecords(options: { groupId?: string; limit?: number } = {}): BurnRecord[] {
    const limit = options.limit ?? 100_000;
    const rows =
      options.groupId === undefined
        ? this.#db.prepare<[number], BurnRecordRow>('SELECT * FROM burn_records ORDER BY id LIMIT ?').all(limit)
        : this.#db
            .prepare<[string, number], BurnRecordRow>('SELECT * FROM burn_records WHERE group_id = ? ORDER BY id LIMIT ?')
            .all(options.groupId, limit);
    return rows.map(burnFromRow);
  }

  /** The burn report as CSV: uuid, module MAC, module serial, slot, time, result. Never an authkey. */
  exportBurnReportCsv(options: { groupId?: string } = {}): string {
    return burnReportCsv(this.burnRecords({ groupId: options.groupId, limit: Number.MAX_SAFE_INTEGER }));
  }

  /** The chain end to end (naming its first broken link), then every license row against the chain. */
  verifyAudit(): LedgerVerification {
    // A damaged file first: its chain and rows cannot be trusted, and reading them may fail.
    const problems = this.vault.checkIntegrity();
    if (problems) return damagedVerification([...problems, ...this.#badStateRows(problems)]);
    try {
      return this.#verifyChainAndRows();
    } catch (e) {
      if (isDamageError(e) || isAppError(e, 'VAULT_DAMAGED')) return damagedVerification([e instanceof Error ? e.message : String(e)]);
      throw e;
    }
  }

  /** After quick_check found a license state CHECK broken: the rows, read from the table itself (its index may say otherwise). */
  #badStateRows(problems: string[]): string[] {
    if (!problems.some((p) => p.includes('CHECK constraint failed in licenses'))) return [];
    try {
      const known = licenseStates.map((s) => `'${s}'`).join(', ');
      return this.#db
        .prepare<[], { id: number; uuid: string; state: string }>(
          `SELECT id, uuid, state FROM licenses NOT INDEXED WHERE state NOT IN (${known}) ORDER BY id LIMIT 10`,
        )
        .all()
        .map((r) => `license ${r.uuid} (row ${r.id}) has the state ${JSON.stringify(r.state)}`);
    } catch {
      return [];
    }
  }

  #verifyChainAndRows(): LedgerVerification {
    const chain = this.vault.audit.verify();
    if (!chain.ok) return { ...chain, uuid: null, licenses: null };
    const row = this.#db
      .prepare<[], { uuid: string; state: string; seq: number | null; to_state: string | null }>(disagreeingLicenseQuery)
      .get();
    const licenses = (this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM licenses').get() as { n: number }).n;
    if (!row) return { ...chain, licenses };
    const audited =
      row.seq === null
        ? 'has no audit entry, so it should be available'
        : `was left ${row.to_state ?? 'without a state'} by audit entry ${row.seq}`;
    return {
      ok: false,
      entries: chain.entries,
      brokenAt: row.seq ?? 0,
      uuid: row.uuid,
      licenses,
      reason: `license ${row.uuid} is ${row.state} in the vault but ${audited}: its row was changed outside the ledger. Do not burn from its group until a supervisor has checked the vault`,
    };
  }

  #groupKey(groupId: string): number {
    const group = this.#group.get(groupId);
    if (!group) throw new AppError('GROUP_NOT_FOUND', `There is no credential group ${groupId} in this vault; pick one from the list.`);
    return group.key;
  }

  /**
   * The license-state CHECK on every row read: a state that is none of the states means the file
   * was damaged (a flipped byte), and a damaged vault offers nothing more.
   */
  #checked<R extends { state: string; uuid: string } | undefined>(row: R): R {
    if (row !== undefined && !knownStates.has(row.state))
      throw this.vault.markDamaged(`license ${row.uuid} reads back with the state ${JSON.stringify(row.state)}`);
    return row;
  }

  #get(uuid: string): LicenseRow {
    const row = this.#checked(this.#byUuid.get(uuid));
    if (!row) throw new AppError('LICENSE_NOT_FOUND', `License ${uuid} is not in this vault; check the uuid.`, { uuid });
    return row;
  }

  #transition(uuid: string, action: LedgerAction, options: TransitionOptions): LicenseRow {
    return this.#commit(action, () => this.#apply(this.#get(uuid), action, options));
  }

  /** One BEGIN IMMEDIATE transaction; fsynced unless losing it to a power cut changes nothing (see fsyncSkippable). */
  #commit<T>(action: LedgerAction, fn: () => T): T {
    if (!fsyncSkippable.has(action)) return this.#db.transaction(fn).immediate();
    return this.vault.withoutFsync(() => this.#db.transaction(fn).immediate());
  }

  /** One transition inside the caller's transaction: state check, update, audit entry, burn record. */
  #apply(row: LicenseRow, action: LedgerAction, options: TransitionOptions): LicenseRow {
    const to = nextState(action, row.state, row.uuid);
    if (options.attempt !== undefined && action !== 'reserve' && row.attempt !== options.attempt) {
      throw new AppError(
        'ATTEMPT_MISMATCH',
        `License ${row.uuid} belongs to another burn attempt (slot ${row.slot ?? 'none'}); this slot must reserve a new license.`,
        { uuid: row.uuid },
      );
    }
    const now = this.vault.clock.now();
    const next: LicenseRow = {
      ...row,
      state: to,
      slot: options.slot !== undefined ? options.slot : row.slot,
      attempt: to === 'available' ? null : action === 'reserve' ? (options.attempt ?? null) : row.attempt,
      // A license back in its group is in no module.
      module_mac: to === 'available' ? null : (options.module?.moduleMac ?? row.module_mac),
      module_serial: to === 'available' ? null : (options.module?.moduleSerial ?? row.module_serial),
      // the operator of the burn: set when reserved, kept until the license is back in its group
      operator: action === 'reserve' ? this.#operator : to === 'available' ? null : row.operator,
      updated_at: now,
    };
    if (
      this.#update.run(next.state, next.slot, next.attempt, next.module_mac, next.module_serial, next.operator, now, row.id, row.state)
        .changes !== 1
    ) {
      throw new AppError('CONCURRENT_CHANGE', `License ${row.uuid} changed while it was being updated; try again.`);
    }
    this.vault.audit.append({
      action: `license.${action}`,
      groupId: row.group_id,
      uuid: row.uuid,
      from: row.state,
      to,
      detail: { slot: next.slot, ...options.detail },
    });
    if (options.burn) {
      this.#insertBurn.run(
        row.uuid,
        row.group_id,
        next.slot ?? row.slot,
        row.attempt ?? options.attempt ?? null,
        next.module_mac,
        next.module_serial,
        options.burn.result,
        options.burn.reason ?? null,
        now,
        row.operator,
      );
    }
    return next;
  }

  #setGroupState(groupId: string, state: 'active' | 'blocked', reason: string | null): void {
    this.#db
      .transaction(() => {
        const group = this.vault.getGroup(groupId);
        this.#db.prepare('UPDATE credential_groups SET state = ?, blocked_reason = ? WHERE id = ?').run(state, reason, groupId);
        this.vault.audit.append({
          action: state === 'blocked' ? 'group.blocked' : 'group.unblocked',
          groupId,
          from: group.state,
          to: state,
          detail: { reason },
        });
      })
      .immediate();
  }
}

const normalMac = (mac: string | null | undefined): string | null => {
  const hex = (mac ?? '').replace(/[^0-9a-fA-F]/g, '').toUpperCase();
  return hex === '' ? null : hex;
};

/**
 * Whether `readBack` is the module of the burn, and by what: the MAC recorded at `sending`, else the
 * serial label, else the supervisor's word. Refuses another module in plain words.
 */
function sameModule(row: LicenseRow, readBack: ModuleIdentity, options: SettleOptions): 'mac' | 'serial' | 'supervisor' {
  const burnedMac = normalMac(row.module_mac);
  const readMac = normalMac(readBack.mac);
  const scanned = options.moduleSerial?.trim() || null;
  const slot = row.slot === null ? 'its slot' : `slot ${/^slot-(\d+)$/.exec(row.slot)?.[1] ?? row.slot}`;
  const when = new Date(row.updated_at).toTimeString().slice(0, 5);
  const wrong = (what: string) =>
    new AppError('WRONG_MODULE', `This is not the module that was in ${slot} at ${when}, ${what}: put that module in the jig.`, {
      uuid: row.uuid,
      moduleMac: row.module_mac,
      moduleSerial: row.module_serial,
    });
  if (burnedMac !== null && readMac !== null) {
    if (burnedMac !== readMac) throw wrong(`MAC ${burnedMac}`);
    return 'mac';
  }
  if (row.module_serial !== null && scanned !== null) {
    if (row.module_serial !== scanned) throw wrong(`serial label ${row.module_serial}`);
    return 'serial';
  }
  if (options.confirmUnidentified === true) return 'supervisor';
  const known =
    burnedMac !== null
      ? `MAC ${burnedMac}, which the module in the jig does not tell`
      : row.module_serial !== null
        ? `serial label ${row.module_serial}: scan the label of the module in the jig`
        : 'no MAC or serial label recorded at the burn';
  throw new AppError(
    'MODULE_UNIDENTIFIED',
    `The module of license ${row.uuid} cannot be identified (${known}). A supervisor who is sure this is the module from ${slot} at ${when} can confirm it.`,
    { uuid: row.uuid },
  );
}

/** verifyAudit's answer for a damaged file: SQLite's own words, which name the page or row where it can. */
const damagedVerification = (problems: string[]): LedgerVerification => ({
  ok: false,
  entries: 0,
  brokenAt: 0,
  uuid: null,
  licenses: null,
  damaged: problems,
  reason: `the vault file is damaged: ${problems.slice(0, 5).join('; ')}. ${damageAdvice[0]!.toUpperCase()}${damageAdvice.slice(1)}`,
});

const moduleDetail = (m: ModuleRecord): Record<string, unknown> => ({
  moduleMac: m.moduleMac ?? null,
  moduleSerial: m.moduleSerial ?? null,
});

interface BurnRecordRow {
  id: number;
  uuid: string;
  group_id: string;
  slot: string | null;
  attempt: string | null;
  module_mac: string | null;
  module_serial: string | null;
  result: BurnRecord['result'];
  reason: string | null;
  at: number;
  reported_at: number | null;
  operator: string | null;
}

const burnFromRow = (r: BurnRecordRow): BurnRecord => ({
  id: r.id,
  uuid: r.uuid,
  groupId: r.group_id,
  slot: r.slot,
  attempt: r.attempt,
  moduleMac: r.module_mac,
  moduleSerial: r.module_serial,
  result: r.result,
  reason: r.reason,
  at: r.at,
  reportedAt: r.reported_at,
  operator: r.operator,
});
