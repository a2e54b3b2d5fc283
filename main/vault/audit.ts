import { createHash } from 'node:crypto';
import { AppError } from '../../common/errors';
import type { Clock } from '../../common/clock';
import { canonicalJson, GENESIS_HASH } from '../../common/canonical-json';
import type { VaultDb } from './db';

export { canonicalJson, GENESIS_HASH };

/**
 * The hash-chained audit log: entry N's hash covers entry N-1's hash and
 * entry N's canonical form, so editing, removing or reordering any entry
 * breaks every link after it. Entries never hold an authkey.
 */
export interface AuditInput {
  action: string;
  groupId?: string | null;
  uuid?: string | null;
  from?: string | null;
  to?: string | null;
  detail?: Record<string, unknown>;
}

export interface AuditEntry {
  seq: number;
  at: number;
  action: string;
  groupId: string | null;
  uuid: string | null;
  from: string | null;
  to: string | null;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type AuditVerification =
  /** `clockWentBack`: entries whose wall time is earlier than the entry before (flagged when written). */
  { ok: true; entries: number; headHash: string; clockWentBack: number } | { ok: false; entries: number; brokenAt: number; reason: string };

export function auditHash(prevHash: string, entry: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  const body = canonicalJson({
    seq: entry.seq,
    at: entry.at,
    action: entry.action,
    groupId: entry.groupId,
    uuid: entry.uuid,
    from: entry.from,
    to: entry.to,
    detail: entry.detail,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

const forbiddenDetail = /auth_?key|auzkey|passphrase|token|secret/i;

interface AuditRow {
  seq: number;
  at: number;
  action: string;
  group_id: string | null;
  license_uuid: string | null;
  from_state: string | null;
  to_state: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

const fromRow = (r: AuditRow): AuditEntry => ({
  seq: r.seq,
  at: r.at,
  action: r.action,
  groupId: r.group_id,
  uuid: r.license_uuid,
  from: r.from_state,
  to: r.to_state,
  detail: JSON.parse(r.detail) as Record<string, unknown>,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export class AuditLog {
  readonly #db: VaultDb;
  readonly #clock: Clock;
  readonly #head;
  readonly #insert;
  readonly #setHead;
  readonly #atOf;

  constructor(db: VaultDb, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
    this.#head = db.prepare<[], { seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
    this.#insert = db.prepare(
      'INSERT INTO audit_log (seq, at, action, group_id, license_uuid, from_state, to_state, detail, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.#atOf = db.prepare<[number], { at: number }>('SELECT at FROM audit_log WHERE seq = ?');
    this.#setHead = db.prepare(
      'INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash',
    );
  }

  /** Appends one entry. Call it inside the transaction that makes the change it records. */
  append(input: AuditInput): AuditEntry {
    if (!this.#db.inTransaction)
      throw new AppError('INTERNAL', 'An audit entry must be written in the same transaction as the change it records.');
    const detail = input.detail ?? {};
    for (const key of Object.keys(detail)) {
      if (forbiddenDetail.test(key))
        throw new AppError('INTERNAL', `Audit detail "${key}" looks like a secret; secrets never enter the audit log.`);
    }
    const head = this.#head.get();
    const prevHash = head?.hash ?? GENESIS_HASH;
    const at = this.#clock.now();
    // The order is the sequence; a wall time earlier than the entry before says the clock went back.
    const previousAt = head ? (this.#atOf.get(head.seq)?.at ?? null) : null;
    const flagged = previousAt !== null && at < previousAt ? { ...detail, clockWentBackMs: previousAt - at } : detail;
    const entry = {
      seq: (head?.seq ?? 0) + 1,
      at,
      action: input.action,
      groupId: input.groupId ?? null,
      uuid: input.uuid ?? null,
      from: input.from ?? null,
      to: input.to ?? null,
      detail: flagged,
    };
    const hash = auditHash(prevHash, entry);
    this.#insert.run(
      entry.seq,
      entry.at,
      entry.action,
      entry.groupId,
      entry.uuid,
      entry.from,
      entry.to,
      canonicalJson(flagged),
      prevHash,
      hash,
    );
    this.#setHead.run(entry.seq, hash);
    return { ...entry, prevHash, hash };
  }

  /** The newest entry's sequence and hash, or null before the first entry. */
  head(): { seq: number; hash: string } | null {
    return this.#head.get() ?? null;
  }

  /** The hash of entry `seq`, or null when the log holds no such entry. */
  hashAt(seq: number): string | null {
    return this.#db.prepare<[number], { hash: string }>('SELECT hash FROM audit_log WHERE seq = ?').get(seq)?.hash ?? null;
  }

  /** Walks the chain from the first entry to the head and names the first broken link. */
  verify(): AuditVerification {
    let expectedSeq = 1;
    let prevHash = GENESIS_HASH;
    let clockWentBack = 0;
    const rows = this.#db.prepare<[], AuditRow>('SELECT * FROM audit_log ORDER BY seq').iterate();
    for (const row of rows) {
      const broken = (reason: string): AuditVerification => ({ ok: false, entries: expectedSeq - 1, brokenAt: row.seq, reason });
      if (row.seq !== expectedSeq)
        return {
          ok: false,
          entries: expectedSeq - 1,
          brokenAt: expectedSeq,
          reason: `entry ${expectedSeq} is missing (the next one is ${row.seq})`,
        };
      if (row.prev_hash !== prevHash) return broken(`entry ${row.seq} does not link to entry ${row.seq - 1} (its previous hash differs)`);
      let entry: AuditEntry;
      try {
        entry = fromRow(row);
      } catch {
        return broken(`entry ${row.seq} has an unreadable detail`);
      }
      if (canonicalJson(entry.detail) !== row.detail || auditHash(prevHash, entry) !== row.hash)
        return broken(`entry ${row.seq} was altered (its content does not match its hash)`);
      if (typeof entry.detail.clockWentBackMs === 'number') clockWentBack++;
      prevHash = row.hash;
      expectedSeq++;
    }
    const count = expectedSeq - 1;
    const head = this.#head.get();
    if (count === 0 && !head) return { ok: true, entries: 0, headHash: GENESIS_HASH, clockWentBack };
    if (!head || head.seq !== count || head.hash !== prevHash) {
      return {
        ok: false,
        entries: count,
        brokenAt: count + 1,
        reason: `the log ends at entry ${count} but its head says ${head ? `entry ${head.seq}` : 'nothing'}: entries were removed from the end`,
      };
    }
    return { ok: true, entries: count, headHash: prevHash, clockWentBack };
  }

  entries(options: { uuid?: string; afterSeq?: number; limit?: number } = {}): AuditEntry[] {
    const limit = options.limit ?? 1000;
    const rows = options.uuid
      ? this.#db
          .prepare<[string, number, number], AuditRow>('SELECT * FROM audit_log WHERE license_uuid = ? AND seq > ? ORDER BY seq LIMIT ?')
          .all(options.uuid, options.afterSeq ?? 0, limit)
      : this.#db
          .prepare<[number, number], AuditRow>('SELECT * FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?')
          .all(options.afterSeq ?? 0, limit);
    return rows.map(fromRow);
  }
}
