/**
 * Station pushes, applied with group commit. Pushes that arrive together wait in one queue per hub process and
 * are applied in one transaction: the first waits at most `pushGroup.windowMs` for company, a group holds up to
 * `pushGroup.maxItems` items, and the pushes that arrive while a group commits form the next one. Each request is
 * answered when the transaction holding its items has committed, never before.
 *
 * Inside a group every item keeps the meaning it had alone: its (station, idempotency key) row goes in first
 * (ON CONFLICT DO NOTHING, one multi-row statement; a concurrent retry through another hub process waits on the
 * row and then replays the stored outcome), items apply in arrival order, a refusal is an outcome stored with its
 * key, and a key seen again answers the stored outcome with `replayed: true`. Burn, spoiled and rejected records,
 * nearly all of the traffic, are applied set-based: their licenses read and locked in one statement, checked in
 * memory in order, written back in one statement per kind. Other operations (split, release, reassign, transfers,
 * set PID) apply one by one, in order, through sync.ts. The station's audit head is checked and recorded, and the
 * push's own audit entry written, in the same transaction.
 *
 * An unexpected error fails the group's transaction (nothing of it is applied); each request of the group is
 * then applied again alone, so one bad request does not fail the others.
 */
import { sql, type RawBuilder } from 'kysely';
import { AppError, isAppError } from '../../common/errors';
import type { PushItem, PushOutcome, PushResponse, StationAuditHead, StationStatus } from '../../common/hub-api';
import type { Tx } from '../store';
import type { PushItemTable, StationTable } from '../store/schema';
import { appendAuditIn, currentActor, runAs, stationActor, type ActingAs, type AuditRecord } from './audit';
import type { HubDeps } from './context';
import { applyOperation, statusColumns, type OperationItem } from './sync';
import { addEvent, chunks, nowIso, underReviewStates } from './util';

type RecordItem = Extract<PushItem, { kind: 'burn' | 'spoiled' | 'rejected' }>;
const isRecord = (item: PushItem): item is RecordItem => item.kind === 'burn' || item.kind === 'spoiled' || item.kind === 'rejected';

interface PushJob {
  station: StationTable;
  items: readonly PushItem[];
  head: StationAuditHead | undefined;
  status: StationStatus | undefined;
  who: ActingAs;
}
type JobResult = { ok: true; outcomes: PushOutcome[] } | { ok: false; error: unknown };

/** One item of a group, with what it needs to be applied in its request's name. */
interface Entry {
  job: number;
  index: number;
  station: StationTable;
  item: PushItem;
  who: ActingAs;
}
type Applied = { status: 'applied' } | { status: 'rejected'; code: string; reason: string };

const refusal = (e: AppError): Applied => ({ status: 'rejected', code: e.code, reason: e.message });

/** The audit kind of each offline operation a station supervisor does (it names them). */
const supervisedKinds: Partial<Record<PushItem['kind'], string>> = {
  split: 'split',
  reassign: 'assign',
  transfer_out: 'stationTransferOut',
  transfer_in: 'stationTransferIn',
};
/** Who does an item: the pushing station, through the supervisor the item names. */
const actingFor = (e: Entry): ActingAs =>
  'supervisor' in e.item && e.item.supervisor !== undefined
    ? { actor: stationActor(e.station, e.item.supervisor), address: e.who.address }
    : e.who;

/**
 * Applies a push (the station's items, in order) and answers one outcome per item; records what the station says
 * of itself (`status`). Refused as a whole, with STATION_ROLLED_BACK, when the station's audit head is behind the
 * newest one it reported before.
 */
export async function push(
  deps: HubDeps,
  station: StationTable,
  items: readonly PushItem[],
  extra: { auditHead?: StationAuditHead | undefined; status?: StationStatus | undefined } = {},
): Promise<PushResponse> {
  const who = currentActor() ?? { actor: stationActor(station, null), address: null };
  const outcomes = await groupsOf(deps).submit({ station, items, head: extra.auditHead, status: extra.status, who });
  for (const o of outcomes)
    if (o.status === 'rejected' && !o.replayed)
      deps.logger.info({ stationId: station.id, key: o.key, kind: o.kind, code: o.code }, 'push item rejected');
  return { outcomes };
}

interface Waiting {
  job: PushJob;
  resolve(outcomes: PushOutcome[]): void;
  reject(e: unknown): void;
}

/** The queue of one hub process (one per store). */
class PushGroups {
  readonly #deps: HubDeps;
  readonly #queue: Waiting[] = [];
  #queuedItems = 0;
  #timer: NodeJS.Timeout | null = null;
  #running = false;

  constructor(deps: HubDeps) {
    this.#deps = deps;
  }

  submit(job: PushJob): Promise<PushOutcome[]> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      this.#queuedItems += job.items.length;
      if (this.#running) return; // the running group's loop takes it next
      if (this.#queuedItems >= this.#deps.config.pushGroup.maxItems) this.#start();
      else this.#timer ??= setTimeout(() => this.#start(), this.#deps.config.pushGroup.windowMs);
    });
  }

  #start(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (!this.#running) void this.#drain();
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const group: Waiting[] = [];
        let n = 0;
        while (
          this.#queue.length > 0 &&
          (group.length === 0 || n + this.#queue[0]!.job.items.length <= this.#deps.config.pushGroup.maxItems)
        ) {
          const w = this.#queue.shift()!;
          n += w.job.items.length;
          group.push(w);
        }
        this.#queuedItems -= n;
        await this.#commit(group);
      }
    } finally {
      this.#running = false;
    }
  }

  async #commit(group: Waiting[]): Promise<void> {
    const settle = (w: Waiting, r: JobResult): void => (r.ok ? w.resolve(r.outcomes) : w.reject(r.error));
    let results: JobResult[];
    try {
      results = await applyGroup(
        this.#deps,
        group.map((w) => w.job),
      );
    } catch (e) {
      if (group.length === 1) return group[0]!.reject(e);
      // Nothing of the group was applied: each request again in its own transaction, so only the bad one fails.
      for (const w of group) {
        try {
          settle(w, (await applyGroup(this.#deps, [w.job]))[0]!);
        } catch (err) {
          w.reject(err);
        }
      }
      return;
    }
    group.forEach((w, i) => settle(w, results[i]!));
  }
}

const groups = new WeakMap<object, PushGroups>();
function groupsOf(deps: HubDeps): PushGroups {
  let g = groups.get(deps.store);
  if (!g) {
    g = new PushGroups(deps);
    groups.set(deps.store, g);
  }
  return g;
}

const pairKey = (stationId: string, key: string): string => `${stationId}\u0000${key}`;

/** The newest head the hub holds of a station: null before its first report. */
interface Head {
  seq: number | null;
  hash: string | null;
  changed: boolean;
}

function rolledBack(station: StationTable, held: Head, head: StationAuditHead): AppError | null {
  if (held.seq === null || head.seq > held.seq || (head.seq === held.seq && head.hash === held.hash)) return null;
  const details = { stationId: station.id, stationSeq: head.seq, hubSeq: held.seq };
  if (head.seq === held.seq) {
    return new AppError(
      'STATION_ROLLED_BACK',
      `Station ${station.name}'s audit log differs from the one it reported before at entry ${held.seq.toLocaleString('en-US')}: its vault was replaced. Restore the station's newest copy of its vault, or reconcile it with the hub.`,
      details,
    );
  }
  return new AppError(
    'STATION_ROLLED_BACK',
    `Station ${station.name}'s vault is older than its last push (entry ${head.seq.toLocaleString('en-US')} of ${held.seq.toLocaleString('en-US')}; ${(held.seq - head.seq).toLocaleString('en-US')} entries missing). Restore the station's newest copy of its vault, or reconcile it with the hub.`,
    details,
  );
}

/** One transaction for the whole group; a result per job, in order. */
function applyGroup(deps: HubDeps, jobs: readonly PushJob[]): Promise<JobResult[]> {
  return deps.store.tx(async (trx) => {
    const now = nowIso(deps);
    const results: JobResult[] = jobs.map(() => ({ ok: true, outcomes: [] }));

    // The stations, locked in id order (two hub processes lock them in the same order): their audit heads.
    const stationIds = [...new Set(jobs.map((j) => j.station.id))].sort();
    const heads = new Map<string, Head>();
    for (const part of chunks(stationIds, 500)) {
      const rows = await deps.store
        .lockForUpdate(trx.selectFrom('stations').select(['id', 'audit_seq', 'audit_hash']).where('id', 'in', part).orderBy('id'))
        .execute();
      for (const r of rows) heads.set(r.id, { seq: r.audit_seq === null ? null : Number(r.audit_seq), hash: r.audit_hash, changed: false });
    }
    const accepted: number[] = [];
    jobs.forEach((job, j) => {
      const held = heads.get(job.station.id) ?? { seq: null, hash: null, changed: false };
      const refused = job.head ? rolledBack(job.station, held, job.head) : null;
      if (refused) {
        results[j] = { ok: false, error: refused };
        return;
      }
      accepted.push(j);
      if (job.head && (held.seq === null || job.head.seq > held.seq))
        heads.set(job.station.id, { seq: job.head.seq, hash: job.head.hash, changed: true });
    });

    // Every item's key row goes in first; the first occurrence of a (station, key) owns it.
    const entries: Entry[] = accepted.flatMap((j) =>
      jobs[j]!.items.map((item, index) => ({ job: j, index, station: jobs[j]!.station, item, who: jobs[j]!.who })),
    );
    const owners = new Map<string, Entry>();
    for (const e of entries) if (!owners.has(pairKey(e.station.id, e.item.key))) owners.set(pairKey(e.station.id, e.item.key), e);
    const keyRows = [...owners.values()]
      .map((e) => ({
        station_id: e.station.id,
        idem_key: e.item.key,
        kind: e.item.kind,
        status: 'pending',
        code: null,
        reason: null,
        at: now,
      }))
      .sort((a, b) => (a.station_id === b.station_id ? (a.idem_key < b.idem_key ? -1 : 1) : a.station_id < b.station_id ? -1 : 1));
    const fresh = new Set<string>();
    for (const part of chunks(keyRows, 500)) {
      const ins = await trx
        .insertInto('push_items')
        .values(part)
        .onConflict((oc) => oc.columns(['station_id', 'idem_key']).doNothing())
        .returning(['station_id', 'idem_key'])
        .execute();
      for (const r of ins) fresh.add(pairKey(r.station_id, r.idem_key));
    }
    const stored = new Map<string, PushItemTable>();
    const seen = keyRows.filter((r) => !fresh.has(pairKey(r.station_id, r.idem_key)));
    for (const part of chunks(seen, 500)) {
      const rows = await trx
        .selectFrom('push_items')
        .selectAll()
        .where('station_id', 'in', [...new Set(part.map((r) => r.station_id))])
        .where(
          'idem_key',
          'in',
          part.map((r) => r.idem_key),
        )
        .execute();
      for (const r of rows) stored.set(pairKey(r.station_id, r.idem_key), r);
    }

    // The new items, in order: records in runs, set-based; operations one by one.
    const applied = new Map<Entry, Applied>();
    let run: Entry[] = [];
    for (const e of entries) {
      if (owners.get(pairKey(e.station.id, e.item.key)) !== e || !fresh.has(pairKey(e.station.id, e.item.key))) continue;
      if (isRecord(e.item)) {
        run.push(e);
        continue;
      }
      await applyRecords(deps, trx, run, applied);
      run = [];
      applied.set(
        e,
        await runAs(actingFor(e), async () => {
          try {
            await applyOperation(deps, trx, e.station, e.item as OperationItem);
            return { status: 'applied' } as const;
          } catch (err) {
            // Every operation checks before it writes, so a refusal leaves nothing half done.
            if (!isAppError(err)) throw err;
            return refusal(err);
          }
        }),
      );
    }
    await applyRecords(deps, trx, run, applied);

    const statusRows = [...applied].map(([e, r]) => [
      e.station.id,
      e.item.key,
      r.status,
      r.status === 'rejected' ? r.code : null,
      r.status === 'rejected' ? r.reason : null,
    ]);
    await updateRows(trx, 'push_items', ['station_id', 'idem_key'], ['status', 'code', 'reason'], statusRows);

    for (const e of entries) {
      const id = pairKey(e.station.id, e.item.key);
      const owner = owners.get(id)!;
      const r = applied.get(owner);
      let o: PushOutcome;
      if (owner === e && r) o = { key: e.item.key, kind: e.item.kind, ...r, replayed: false };
      else if (r)
        o = replay(e.item, {
          kind: owner.item.kind,
          ...r,
          code: r.status === 'rejected' ? r.code : null,
          reason: r.status === 'rejected' ? r.reason : null,
        });
      else o = replay(e.item, stored.get(id)!);
      (results[e.job] as { outcomes: PushOutcome[] }).outcomes.push(o);
    }

    const stationRows = stationIds.map((id) => {
      const h = heads.get(id);
      return [id, now, sql`cast(${h?.seq ?? null} as bigint)`, h?.hash ?? null];
    });
    await updateRows(trx, 'stations', ['id'], ['last_seen_at', 'audit_seq', 'audit_hash'], stationRows);
    // What a station says of itself: its latest push's word.
    const statuses = new Map(accepted.filter((j) => jobs[j]!.status).map((j) => [jobs[j]!.station.id, jobs[j]!.status]));
    for (const [id, status] of statuses) await trx.updateTable('stations').set(statusColumns(status, now)).where('id', '=', id).execute();

    // The push's audit entry, in the push's own transaction.
    const records: AuditRecord[] = accepted.map((j) => ({
      actor: jobs[j]!.who.actor,
      address: jobs[j]!.who.address,
      kind: 'push',
      credentialId: null,
      target: null,
      outcome: 'ok',
      details: { items: jobs[j]!.items.length },
    }));
    // An operation a supervisor did at the station gets its own entry naming them.
    for (const [e, r] of applied) {
      const kind = supervisedKinds[e.item.kind];
      if (kind === undefined || !('supervisor' in e.item) || e.item.supervisor === undefined) continue;
      const acting = actingFor(e);
      records.push({
        actor: acting.actor,
        address: acting.address,
        kind,
        credentialId: 'credentialId' in e.item ? e.item.credentialId : null,
        target: null,
        outcome: r.status === 'applied' ? 'ok' : r.code,
        details: { key: e.item.key },
      });
    }
    await appendAuditIn(deps, trx, records);
    return results;
  });
}

/** The stored answer to a key seen before. */
function replay(item: PushItem, row: Pick<PushItemTable, 'kind' | 'status' | 'code' | 'reason'>): PushOutcome {
  if (row.kind !== item.kind) {
    return {
      key: item.key,
      kind: item.kind,
      status: 'rejected',
      code: 'IDEMPOTENCY_KEY_REUSED',
      reason: `Key ${item.key} was already used for a ${row.kind} item; every outbox item needs its own key.`,
      replayed: true,
    };
  }
  return {
    key: item.key,
    kind: item.kind,
    status: row.status as PushOutcome['status'],
    ...(row.code ? { code: row.code } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
    replayed: true,
  };
}

/**
 * `WITH v(keys..., cols...) AS (VALUES ...) UPDATE table SET col = v.col ... FROM v WHERE table.key = v.key`:
 * one statement for many rows, on SQLite (3.33+) and PostgreSQL alike. Values are text unless given as a cast.
 */
async function updateRows(
  trx: Tx,
  table: string,
  keys: readonly string[],
  cols: readonly string[],
  rows: readonly (readonly (string | null | RawBuilder<unknown>)[])[],
): Promise<void> {
  const names = sql.join([...keys, ...cols].map((c) => sql.id(c)));
  const set = sql.join(cols.map((c) => sql`${sql.id(c)} = v.${sql.id(c)}`));
  const where = sql.join(
    keys.map((k) => sql`${sql.table(table)}.${sql.id(k)} = v.${sql.id(k)}`),
    sql` and `,
  );
  for (const part of chunks(rows, 500)) {
    const values = sql.join(part.map((r) => sql`(${sql.join(r)})`));
    await sql`with v(${names}) as (values ${values}) update ${sql.table(table)} set ${set} from v where ${where}`.execute(trx);
  }
}

/** A license as a record is checked against it: the license, its group's state and product. */
interface Held {
  uuid: string;
  station_id: string | null;
  status: string;
  burned_at: string | null;
  leased_at: string | null;
  mac: string | null;
  credential_id: string;
  pid: string;
  state: string;
}

/** Refused unless this station holds the license unused. */
function assertHeld(lic: Held | undefined, station: StationTable, uuid: string): Held {
  if (!lic || lic.station_id !== station.id || lic.status === 'exported') {
    throw new AppError(
      'LICENSE_NOT_HELD',
      `License ${uuid} is not held by this station (never leased to it, released, or moved to another station).`,
      { uuid },
    );
  }
  if (lic.status === 'burned')
    throw new AppError('ALREADY_BURNED', `License ${uuid} was already reported burned on ${lic.burned_at ?? 'an earlier sync'}.`, { uuid });
  if (lic.status === 'spoiled') throw new AppError('ALREADY_SPOILED', `License ${uuid} was already reported spoiled.`, { uuid });
  if (lic.status === 'rejected') throw new AppError('ALREADY_REJECTED', `License ${uuid} was already reported rejected.`, { uuid });
  return lic;
}

/** An ISO-8601 date and time with a zone (`Z` or `+hh:mm`), as UTC ISO text; null when it is not one. */
export function isoInstant(text: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return null;
  const [y, mo, d, h, mi, sec] = text.split(/[-T:.Z+]/).map(Number);
  const t = Date.parse(text);
  // Date.parse rolls 2026-02-30 over to March: the parts must be a real date and time.
  if (
    Number.isNaN(t) ||
    mo! < 1 ||
    mo! > 12 ||
    d! < 1 ||
    d! > new Date(Date.UTC(y!, mo!, 0)).getUTCDate() ||
    h! > 23 ||
    mi! > 59 ||
    (sec ?? 0) > 59
  )
    return null;
  return new Date(t).toISOString();
}

/**
 * A burn record is the station's word for when it burned. The hub holds it to its own record: the time is a
 * real ISO-8601 instant, not before the hub leased the license, and not later than now (both within the
 * stated clock skew). Under a product change review, a burn counts only for a license the hub leased before
 * the review began, and only if the station dates it before the review too.
 */
async function checkBurn(
  deps: HubDeps,
  trx: Tx,
  lic: Held,
  uuid: string,
  burnedAtText: string,
  reviews: Map<string, string | null>,
): Promise<string> {
  const burnedAt = isoInstant(burnedAtText);
  if (burnedAt === null)
    throw new AppError(
      'BURN_TIME_INVALID',
      `The burn time of license ${uuid} is not an ISO-8601 date and time with a zone (like 2026-01-05T08:00:00.000Z).`,
      { uuid },
    );
  const skew = deps.config.stationClockSkewMs;
  const t = Date.parse(burnedAt);
  if (t > deps.clock.now() + skew) {
    throw new AppError(
      'BURN_TIME_IN_FUTURE',
      `License ${uuid} is reported burned at ${burnedAt}, later than the hub's clock allows: set the station's clock right and sync again.`,
      { uuid, burnedAt },
    );
  }
  if (lic.leased_at !== null && t < Date.parse(lic.leased_at) - skew) {
    throw new AppError(
      'BURN_BEFORE_LEASE',
      `License ${uuid} is reported burned at ${burnedAt}, before the hub leased it to this station (${lic.leased_at}): set the station's clock right and sync again.`,
      { uuid, burnedAt, leasedAt: lic.leased_at },
    );
  }
  if (underReviewStates.includes(lic.state)) {
    // A burn done before the station could know of the request is a fact; one after it is refused.
    if (!reviews.has(lic.credential_id)) {
      const open = await trx
        .selectFrom('update_requests')
        .select('created_at')
        .where('credential_id', '=', lic.credential_id)
        .where('state', 'in', underReviewStates)
        .executeTakeFirst();
      reviews.set(lic.credential_id, open?.created_at ?? null);
    }
    const since = reviews.get(lic.credential_id) ?? null;
    if (since === null || lic.leased_at === null || lic.leased_at >= since || burnedAt >= since) {
      throw new AppError(
        'CREDENTIAL_UNDER_REVIEW',
        `Group ${lic.credential_id} has a product change under review (${lic.state}): nothing can be burned from it until the request is approved or recalled.`,
        { credentialId: lic.credential_id },
      );
    }
  }
  return burnedAt;
}

/**
 * A run of burn, spoiled and rejected records, in order: their licenses read and locked at once, each record
 * checked against the license as the records before it left it, then one write per kind. A rejected license
 * also gets its group's history event, in its request's name.
 */
async function applyRecords(deps: HubDeps, trx: Tx, run: readonly Entry[], applied: Map<Entry, Applied>): Promise<void> {
  if (run.length === 0) return;
  const uuids = [...new Set(run.map((e) => (e.item as RecordItem).uuid))].sort();
  const held = new Map<string, Held>();
  for (const part of chunks(uuids, 1000)) {
    const rows = await deps.store
      .lockForUpdate(
        trx
          .selectFrom('licenses')
          .innerJoin('credentials', 'credentials.id', 'licenses.credential_id')
          .select([
            'licenses.uuid',
            'licenses.station_id',
            'licenses.status',
            'licenses.burned_at',
            'licenses.leased_at',
            'licenses.mac',
            'licenses.credential_id',
            'credentials.pid',
            'credentials.state',
          ])
          .where('licenses.uuid', 'in', part),
        { of: 'licenses' },
      )
      .execute();
    for (const r of rows) held.set(r.uuid, r);
  }
  const reviews = new Map<string, string | null>();
  const burned: (string | null)[][] = [];
  const spoiled: string[][] = [];
  const rejected: { e: Entry; lic: Held; uuid: string; reason: string }[] = [];
  for (const e of run) {
    const item = e.item as RecordItem;
    try {
      const lic = assertHeld(held.get(item.uuid), e.station, item.uuid);
      if (item.kind === 'burn') {
        const burnedAt = await checkBurn(deps, trx, lic, item.uuid, item.burnedAt, reviews);
        burned.push([item.uuid, burnedAt, lic.pid, item.mac ? item.mac.toUpperCase() : lic.mac]);
        Object.assign(lic, { status: 'burned', burned_at: burnedAt });
      } else if (item.kind === 'spoiled') {
        spoiled.push([item.uuid, item.reason]);
        lic.status = 'spoiled';
      } else {
        rejected.push({ e, lic, uuid: item.uuid, reason: item.reason });
        lic.status = 'rejected';
      }
      applied.set(e, { status: 'applied' });
    } catch (err) {
      if (!isAppError(err)) throw err;
      applied.set(e, refusal(err));
    }
  }
  const status = (s: string): RawBuilder<unknown> => sql.lit(s);
  await updateRows(
    trx,
    'licenses',
    ['uuid'],
    ['burned_at', 'burned_pid', 'burned_mac', 'status'],
    burned.map((r) => [...r, status('burned')]),
  );
  await updateRows(
    trx,
    'licenses',
    ['uuid'],
    ['spoiled_reason', 'status'],
    spoiled.map((r) => [...r, status('spoiled')]),
  );
  await updateRows(
    trx,
    'licenses',
    ['uuid'],
    ['rejected_reason', 'status'],
    rejected.map((r) => [r.uuid, r.reason, status('rejected')]),
  );
  for (const r of rejected)
    await runAs(r.e.who, () =>
      addEvent(trx, deps, r.lic.credential_id, 'license_rejected', { uuid: r.uuid, reason: r.reason, stationId: r.e.station.id }),
    );
}
