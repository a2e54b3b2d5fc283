/**
 * Simulated stations for hub tests and benches that count, on the hub's own tables, what pushes did: stations
 * enrolled straight on the store (no enrollment rate limit in the way), pulls and pushes over real HTTP, a ledger
 * of every push sent and how it was answered, and the tally of lost and doubled items.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { PullResponse, PushItem, PushResponse } from '../../common/hub-api';
import { keyring, parseMasterKey } from '../../hub/services/authkeys';
import { enroll } from '../../hub/services/stations';
import { chunks } from '../../hub/services/util';
import type { Store } from '../../hub/store';
import { setupDeps } from './hub-accounts';

export interface FleetStation {
  id: string;
  token: string;
}
type BurnItem = Extract<PushItem, { kind: 'burn' }>;

/** Trades each enrollment code for a station token, on the store (the hub's master key, in hex: codes are keyed hashes). */
export async function enrollOnStore(store: Store, codes: readonly string[], masterKeyHex: string): Promise<FleetStation[]> {
  const deps = setupDeps(store, keyring(parseMasterKey(masterKeyHex)));
  const out: FleetStation[] = [];
  for (const code of codes) {
    const r = await enroll(deps, { code });
    out.push({ id: r.stationId, token: r.token });
  }
  return out;
}

/**
 * The simulated stations' client: node:http over kept-alive connections (one pool per hub address), as a
 * station keeps its connection. `fetch` (undici) cost the client about as much CPU per request as the hub spent
 * answering it, and on a 2-core machine that CPU is taken from the hub. Any answer resolves with its status; no
 * answer (refused, cut) rejects.
 */
const keepAlive = new Agent({ keepAlive: true });

export function stationRequest<T>(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  token: string,
): Promise<{ status: number; body: T }> {
  const data = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      base + path,
      {
        method,
        agent: keepAlive,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) }),
        },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('error', reject);
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString('utf8')) as T });
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export const stationPost = <T>(base: string, path: string, body: unknown, token: string): Promise<{ status: number; body: T }> =>
  stationRequest<T>(base, 'POST', path, body, token);

/** A station call that must succeed: any answer but 200 throws. */
export async function stationCall<T>(base: string, method: 'GET' | 'POST', path: string, body: unknown, token: string): Promise<T> {
  const r = await stationRequest<T>(base, method, path, body, token);
  if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** One page of licenses (leased to the station by this call); refused pages throw. */
export async function pullPage(base: string, token: string, cursor: string | null, limit: number): Promise<PullResponse> {
  const r = await stationPost<PullResponse>(base, '/v1/station/pull', { cursor, limit }, token);
  if (r.status !== 200) throw new Error(`pull: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function pullAll(base: string, token: string, limit = 1000): Promise<string[]> {
  const uuids: string[] = [];
  let cursor: string | null = null;
  for (;;) {
    const page: PullResponse = await pullPage(base, token, cursor, limit);
    uuids.push(...page.licenses.map((l) => l.uuid));
    cursor = page.cursor;
    if (!page.hasMore) return uuids;
  }
}

export const burnItems = (uuids: readonly string[]): BurnItem[] =>
  uuids.map((uuid) => ({ kind: 'burn', key: randomUUID(), uuid, burnedAt: new Date().toISOString() }));

/** A push as the station saw it: `applied` once a 200 answered every item applied; `unknown` when no answer came. */
export interface SentPush {
  station: FleetStation;
  items: BurnItem[];
  answer: 'applied' | 'unknown';
}

/** Every push sent, how it was answered, and how often the hub said it applied each key for the first time. */
export class PushLedger {
  readonly pushes: SentPush[] = [];
  readonly latenciesMs: number[] = [];
  readonly #fresh = new Map<string, number>();

  /**
   * Sends one push. No answer (connection refused or cut) is `unknown`; any answer other than 200 with every item
   * applied throws, since these stations send only burns of licenses they hold.
   */
  async push(base: string, station: FleetStation, items: BurnItem[], record = true): Promise<SentPush['answer']> {
    const t = performance.now();
    let r: { status: number; body: PushResponse };
    try {
      r = await stationPost<PushResponse>(base, '/v1/station/push', { items }, station.token);
    } catch {
      if (record) this.pushes.push({ station, items, answer: 'unknown' });
      return 'unknown';
    }
    this.latenciesMs.push(performance.now() - t);
    const refused = r.status !== 200 ? r.body : r.body.outcomes.find((o) => o.status !== 'applied');
    if (refused) throw new Error(`push refused: ${r.status} ${JSON.stringify(refused)}`);
    for (const o of r.body.outcomes)
      if (!o.replayed) this.#fresh.set(`${station.id}/${o.key}`, (this.#fresh.get(`${station.id}/${o.key}`) ?? 0) + 1);
    if (record) this.pushes.push({ station, items, answer: 'applied' });
    return 'applied';
  }

  /** Keys the hub answered as applied for the first time more than once (each time beyond the first). */
  freshTwice(): number {
    let n = 0;
    for (const c of this.#fresh.values()) n += Math.max(0, c - 1);
    return n;
  }
}

export interface FleetTally {
  /** Items sent (each once, however often it was re-sent). */
  sent: number;
  acknowledged: number;
  /** Items applied on the hub: a key row with status applied. */
  onHub: number;
  /** Acknowledged items the hub does not hold applied, or whose license is not burned by that station. */
  lost: number;
  /** Keys answered as applied for the first time more than once, plus licenses burned beyond the keys applied. */
  doubled: number;
  /** Pushes of which the hub holds some items but not all (a group commit is all or nothing). */
  partial: number;
  /** Licenses of these stations burned that no push of the ledger named. */
  strays: number;
}

/** Counts on the hub's tables what the ledger's pushes left there. */
export async function tallyOnHub(store: Store, ledger: PushLedger): Promise<FleetTally> {
  const stationIds = [...new Set(ledger.pushes.map((p) => p.station.id))];
  const applied = new Set<string>();
  const burnedBy = new Map<string, string | null>();
  for (const part of chunks(stationIds, 200)) {
    for (const r of await store.db
      .selectFrom('push_items')
      .select(['station_id', 'idem_key'])
      .where('station_id', 'in', part)
      .where('status', '=', 'applied')
      .execute())
      applied.add(`${r.station_id}/${r.idem_key}`);
    for (const r of await store.db
      .selectFrom('licenses')
      .select(['uuid', 'station_id'])
      .where('station_id', 'in', part)
      .where('status', '=', 'burned')
      .execute())
      burnedBy.set(r.uuid, r.station_id);
  }
  const sent = new Map<string, { station: string; uuid: string; acknowledged: boolean }>();
  let partial = 0;
  for (const p of ledger.pushes) {
    let held = 0;
    for (const item of p.items) {
      const id = `${p.station.id}/${item.key}`;
      const prev = sent.get(id);
      sent.set(id, { station: p.station.id, uuid: item.uuid, acknowledged: (prev?.acknowledged ?? false) || p.answer === 'applied' });
      if (applied.has(id)) held++;
    }
    if (held > 0 && held < p.items.length) partial++;
  }
  const items = [...sent.entries()];
  const named = new Set(items.map(([, s]) => s.uuid));
  return {
    sent: sent.size,
    acknowledged: items.filter(([, s]) => s.acknowledged).length,
    onHub: applied.size,
    lost: items.filter(([id, s]) => s.acknowledged && (!applied.has(id) || burnedBy.get(s.uuid) !== s.station)).length,
    doubled: ledger.freshTwice() + Math.max(0, burnedBy.size - applied.size),
    partial,
    strays: [...burnedBy.keys()].filter((u) => !named.has(u)).length,
  };
}
