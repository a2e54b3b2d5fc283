/**
 * The hub's audit log: every state-changing request (HTTP or `hub` command)
 * with its actor (an account, one of its API keys, a station and the
 * supervisor it named, the `hub` command, the hub itself), the client's
 * address and the time. Hash-chained like the station's audit log (main/vault/audit.ts):
 * entry N's hash covers entry N-1's hash and entry N's canonical form, and the
 * head row holds the last one, so editing, removing or reordering an entry, or
 * cutting the end off, breaks the chain at that entry.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { canonicalJson, GENESIS_HASH } from '../../common/canonical-json';
import {
  auditCsvColumns,
  auditQuerySchema,
  type Actor,
  type AuditEntry,
  type AuditQuery,
  type AuditVerification,
  type Role,
} from '../../common/hub-api';
import type { Tx } from '../store';
import type { AuditLogTable } from '../store/schema';
import type { HubDeps } from './context';
import { chunks } from './util';

export interface AuditRecord {
  actor: Actor;
  address: string | null;
  kind: string;
  credentialId: string | null;
  target: string | null;
  outcome: string;
  details: Record<string, unknown>;
}

/** Who is acting in the current request or command (the credential history names them too). */
export interface ActingAs {
  actor: Actor;
  address: string | null;
}
const acting = new AsyncLocalStorage<ActingAs>();

export const runAs = <T>(who: ActingAs, fn: () => Promise<T>): Promise<T> => acting.run(who, fn);
export const currentActor = (): ActingAs | undefined => acting.getStore();

export const systemActor: Actor = { kind: 'system', id: null, name: 'hub', role: null, via: null };
export const anonymousActor: Actor = { kind: 'anonymous', id: null, name: null, role: null, via: null };
export const accountActor = (a: { id: string; name: string; role: string }, apiKeyId?: string | null): Actor => ({
  kind: apiKeyId ? 'api_key' : 'account',
  id: a.id,
  name: a.name,
  role: a.role as Role,
  via: apiKeyId ?? null,
});
export const stationActor = (s: { id: string; name: string }, supervisor: string | null): Actor => ({
  kind: 'station',
  id: s.id,
  name: s.name,
  role: null,
  via: supervisor,
});

/** Secrets never enter the log: these detail keys are dropped. */
const secretKey = /pass|code|token|secret|auth_?key|totp|^key$|licenses|content/i;

export function safeDetails(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (secretKey.test(k)) continue;
    if (v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= 200)) out[k] = v;
  }
  return out;
}

function entryHash(prevHash: string, e: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    address: e.address,
    kind: e.kind,
    credentialId: e.credentialId,
    target: e.target,
    outcome: e.outcome,
    details: e.details,
  });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}

const fromRow = (r: AuditLogTable): AuditEntry => ({
  seq: Number(r.seq),
  at: r.at,
  actor: { kind: r.actor_kind as Actor['kind'], id: r.actor_id, name: r.actor_name, role: r.actor_role as Role | null, via: r.actor_via },
  address: r.address,
  kind: r.kind,
  credentialId: r.credential_id,
  target: r.target,
  outcome: r.outcome,
  details: JSON.parse(r.details) as Record<string, unknown>,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/**
 * Appends entries, in order, inside `trx` (a push writes its entry in its own transaction). The head row is
 * locked, so appends are one at a time across hub processes; a group of pushes locks it once.
 */
export async function appendAuditIn(deps: Pick<HubDeps, 'store' | 'clock'>, trx: Tx, recs: readonly AuditRecord[]): Promise<AuditEntry[]> {
  if (recs.length === 0) return [];
  const head = await deps.store
    .lockForUpdate(trx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1))
    .executeTakeFirstOrThrow();
  const at = new Date(deps.clock.now()).toISOString();
  let seq = Number(head.seq);
  let prevHash = head.hash;
  const entries: AuditEntry[] = [];
  const rows: AuditLogTable[] = [];
  for (const rec of recs) {
    const entry = { seq: ++seq, at, ...rec, details: JSON.parse(canonicalJson(rec.details)) as Record<string, unknown> };
    const hash = entryHash(prevHash, entry);
    rows.push({
      seq: entry.seq,
      at,
      actor_kind: rec.actor.kind,
      actor_id: rec.actor.id,
      actor_name: rec.actor.name,
      actor_role: rec.actor.role,
      actor_via: rec.actor.via,
      address: rec.address,
      kind: rec.kind,
      credential_id: rec.credentialId,
      target: rec.target,
      outcome: rec.outcome,
      details: canonicalJson(rec.details),
      prev_hash: prevHash,
      hash,
    });
    entries.push({ ...entry, prevHash, hash });
    prevHash = hash;
  }
  for (const part of chunks(rows, 200)) await trx.insertInto('audit_log').values(part).execute();
  await trx.updateTable('audit_head').set({ seq, hash: prevHash }).where('id', '=', 1).execute();
  return entries;
}

export const appendAudit = async (deps: Pick<HubDeps, 'store' | 'clock'>, rec: AuditRecord): Promise<AuditEntry> =>
  (await deps.store.tx((trx) => appendAuditIn(deps, trx, [rec])))[0]!;

/** Walks the chain from the first entry to the head; names the first broken link. */
export async function verifyAudit(deps: Pick<HubDeps, 'store'>): Promise<AuditVerification> {
  const db = deps.store.db;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(1000).execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      const broken = (reason: string): AuditVerification => ({ ok: false, entries: expectedSeq - 1, brokenAt: seq, reason });
      if (seq !== expectedSeq)
        return {
          ok: false,
          entries: expectedSeq - 1,
          brokenAt: expectedSeq,
          reason: `entry ${expectedSeq} is missing (the next one is ${seq})`,
        };
      if (row.prev_hash !== prevHash) return broken(`entry ${seq} does not link to entry ${seq - 1} (its previous hash differs)`);
      let entry: AuditEntry;
      try {
        entry = fromRow(row);
      } catch {
        return broken(`entry ${seq} has unreadable details`);
      }
      if (canonicalJson(entry.details) !== row.details || entryHash(prevHash, entry) !== row.hash)
        return broken(`entry ${seq} was altered (its content does not match its hash)`);
      prevHash = row.hash;
      expectedSeq++;
    }
  }
  const count = expectedSeq - 1;
  const head = await db.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  if (!head || Number(head.seq) !== count || head.hash !== prevHash) {
    return {
      ok: false,
      entries: count,
      brokenAt: count + 1,
      reason: `the log ends at entry ${count} but its head says ${head ? `entry ${head.seq}` : 'nothing'}: entries were removed from the end`,
    };
  }
  return { ok: true, entries: count, headHash: prevHash };
}

/** Entries in order, filtered by actor (id or name, or API key id), credential, kind and time. */
export async function queryAudit(deps: Pick<HubDeps, 'store'>, raw: AuditQuery): Promise<{ entries: AuditEntry[] }> {
  const q = auditQuerySchema.parse(raw);
  let query = deps.store.db.selectFrom('audit_log').selectAll();
  const actor = q.actor;
  if (actor !== undefined)
    query = query.where((eb) => eb.or([eb('actor_id', '=', actor), eb('actor_name', '=', actor), eb('actor_via', '=', actor)]));
  if (q.credential !== undefined) query = query.where('credential_id', '=', q.credential);
  if (q.kind !== undefined) query = query.where('kind', '=', q.kind);
  if (q.from !== undefined) query = query.where('at', '>=', new Date(q.from).toISOString());
  if (q.to !== undefined) query = query.where('at', '<', new Date(q.to).toISOString());
  if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
  const rows = await query.orderBy('seq').limit(q.limit).execute();
  return { entries: rows.map(fromRow) };
}

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  // A leading = + - @ would be a formula in a spreadsheet: quote it as text.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) || safe !== s ? `"${safe.replace(/"/g, '""')}"` : safe;
};

export function auditToCsv(entries: readonly AuditEntry[]): string {
  const lines = [auditCsvColumns.join(',')];
  for (const e of entries) {
    lines.push(
      [
        e.seq,
        e.at,
        e.actor.kind,
        e.actor.id,
        e.actor.name,
        e.actor.role,
        e.actor.via,
        e.address,
        e.kind,
        e.credentialId,
        e.target,
        e.outcome,
        canonicalJson(e.details),
        e.hash,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The credential a request was about, for the audit's credential filter: the path's id, or the credential of the update request it names. */
export async function credentialOf(deps: Pick<HubDeps, 'store'>, url: string, id: string | null): Promise<string | null> {
  if (id === null) return null;
  if (url.includes('/credentials/:id')) return id;
  if (url.includes('/update-requests/:id')) {
    const r = await deps.store.db.selectFrom('update_requests').select('credential_id').where('id', '=', id).executeTakeFirst();
    return r?.credential_id ?? null;
  }
  return null;
}
