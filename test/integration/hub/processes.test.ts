// Several hub PROCESSES on one PostgreSQL: splits and pulls racing across processes never over-allocate or hand one
// license to two stations, and a job whose process is killed is finished by the other one.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../hub/store';
import { keyFor, operatorKeys, setupDeps, type OperatorKeys } from '../../support/hub-accounts';
import { makeLicenses, pgUrl, testDb, type TestDb } from './harness';

interface HubProc {
  url: string;
  proc: ChildProcess;
  stop(): Promise<void>;
}

let keys: OperatorKeys;
const masterKeyHex = randomBytes(32).toString('hex');

async function spawnHub(tdb: TestDb, env: Record<string, string> = {}): Promise<HubProc> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'start', '--port', '0', '--schema', tdb.schema!], {
    // Secrets (the database password) go by the environment, never on the command line.
    env: { ...process.env, HUB_LOG_LEVEL: 'warn', HUB_DATABASE_URL: tdb.db, HUB_MASTER_KEY: masterKeyHex, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start: ${err}`)), 30_000);
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /hub listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => reject(new Error(`hub exited (${code}): ${err}`)));
  });
  return {
    url,
    proc,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function call<T = any>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  stationToken?: string,
): Promise<{ status: number; body: T }> {
  const token = stationToken ?? keyFor(keys, method, path);
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const describePg = pgUrl ? describe : describe.skip;
if (!pgUrl) console.log('[hub tests] two-process PostgreSQL tests skipped: HUB_TEST_PG_URL is not set (source scripts/ci-postgres.sh).');

describePg('two hub processes on one PostgreSQL', () => {
  let tdb: TestDb;
  let a: HubProc;
  let b: HubProc;
  let store: Store;
  let factoryId: string;
  let lineId: string;

  beforeAll(async () => {
    tdb = await testDb('postgres');
    store = await openStore({ db: tdb.db, schema: tdb.schema! }); // migrated once, before both hubs start
    keys = await operatorKeys(setupDeps(store));
    const env = { HUB_JOB_ITEM_DELAY_MS: '4', HUB_JOB_CHUNK: '5', HUB_JOB_LEASE_MS: '800', HUB_JOB_POLL_MS: '50' };
    [a, b] = await Promise.all([spawnHub(tdb, env), spawnHub(tdb, env)]);
    for (const [pid, homekit] of [
      ['p1', false],
      ['p2', true],
    ] as const)
      await call(a.url, 'POST', '/v1/admin/products', { pid, name: pid, priceCents: 100, homekit, findmy: homekit });
    factoryId = (await call(a.url, 'POST', '/v1/admin/factories', { name: 'F' })).body.id;
    lineId = (await call(b.url, 'POST', `/v1/admin/factories/${factoryId}/lines`, { name: 'L' })).body.id;
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await store?.close();
    await tdb?.drop();
  });

  async function credential(pid: string, n: number): Promise<string> {
    const id = (
      await call(a.url, 'POST', '/v1/admin/credentials', { pid, owner: 'mine', deliveryMode: 'credential', firmwareKey: 'k', chip: 'c' })
    ).body.id as string;
    for (let i = 0; i < n; i += 5000)
      await call(a.url, 'POST', `/v1/admin/credentials/${id}/licenses`, { licenses: makeLicenses(Math.min(5000, n - i)) });
    return id;
  }

  it('concurrent splits through both processes never hand out more than the credential holds', async () => {
    const id = await credential('p1', 100);
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        call((i % 2 ? a : b).url, 'POST', `/v1/admin/credentials/${id}/split`, { purchased: 7, free: 0 }),
      ),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(14); // 14 x 7 = 98 <= 100 < 15 x 7
    expect(results.filter((r) => r.status !== 200).map((r) => r.body.error.code)).toEqual(Array(10).fill('SPLIT_EXCEEDS_UNUSED'));
    const rows = await store.db
      .selectFrom('licenses')
      .innerJoin('credentials', 'credentials.id', 'licenses.credential_id')
      .select(['licenses.uuid', 'credentials.id', 'credentials.parent_id'])
      .where((eb) => eb.or([eb('credentials.id', '=', id), eb('credentials.parent_id', '=', id)]))
      .execute();
    expect(rows).toHaveLength(100);
    const perChild = new Map<string, number>();
    for (const r of rows) if (r.parent_id === id) perChild.set(r.id, (perChild.get(r.id) ?? 0) + 1);
    expect([...perChild.values()]).toEqual(Array(14).fill(7));
    expect((await call(b.url, 'GET', `/v1/admin/credentials/${id}`)).body).toMatchObject({ purchased: 2, counts: { unused: 2 } });
  });

  it('concurrent pulls by six stations through both processes never hand one license to two stations', async () => {
    const id = await credential('p1', 3000);
    await call(a.url, 'POST', `/v1/admin/credentials/${id}/assign`, { factoryId, lineId });
    const tokens: string[] = [];
    for (let i = 0; i < 6; i++) {
      const st = (await call(a.url, 'POST', `/v1/admin/lines/${lineId}/stations`, { name: `S${i}` })).body.id;
      const code = (await call(b.url, 'POST', `/v1/admin/stations/${st}/enrollment-codes`, {})).body.code;
      tokens.push((await call(i % 2 ? a.url : b.url, 'POST', '/v1/station/enroll', { code })).body.token);
    }
    const got = await Promise.all(
      tokens.map(async (token, i) => {
        const uuids: string[] = [];
        let cursor: string | null = null;
        for (let page = 0; ; page++) {
          const r: { status: number; body: { licenses: { uuid: string }[]; cursor: string | null; hasMore: boolean } } = await call(
            (page + i) % 2 ? a.url : b.url,
            'POST',
            '/v1/station/pull',
            { cursor, limit: 150 },
            token,
          );
          expect(r.status).toBe(200);
          uuids.push(...r.body.licenses.map((l) => l.uuid));
          cursor = r.body.cursor;
          if (!r.body.hasMore) return uuids;
        }
      }),
    );
    const all = got.flat();
    expect(all).toHaveLength(3000);
    expect(new Set(all).size).toBe(3000);
    expect(got.filter((g) => g.length > 0).length).toBeGreaterThan(1); // the stations really raced
    const leased = await store.db.selectFrom('licenses').select(['uuid', 'station_id']).where('credential_id', '=', id).execute();
    const owner = new Map(leased.map((l) => [l.uuid, l.station_id]));
    got.forEach((uuids) => expect(new Set(uuids.map((u) => owner.get(u))).size).toBeLessThanOrEqual(1));
  });

  it('a job is worked by one process only, and finished by the other after its process is killed', async () => {
    const id = await credential('p2', 80);
    const job = (await call(a.url, 'POST', `/v1/admin/credentials/${id}/third-party-jobs`, {})).body;
    expect(job.total).toBe(160);
    let row = await store.db.selectFrom('jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    for (let i = 0; i < 300 && row.done_count < 20; i++) {
      await new Promise((r) => setTimeout(r, 20));
      row = await store.db.selectFrom('jobs').selectAll().where('id', '=', job.id).executeTakeFirstOrThrow();
    }
    const owner = row.claimed_by;
    expect(row.done_count).toBeLessThan(160);
    const ids = await Promise.all([a, b].map(async (p) => (await call(p.url, 'GET', '/v1/health')).body.instanceId as string));
    expect(ids).toContain(owner);
    // One process works it: the claim does not move while its holder is alive.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 30));
      expect((await store.db.selectFrom('jobs').select('claimed_by').where('id', '=', job.id).executeTakeFirstOrThrow()).claimed_by).toBe(
        owner,
      );
    }
    // Kill the holder without any chance to clean up; the other one takes over when the lease ends.
    const [victim, survivor] = ids[0] === owner ? [a, b] : [b, a];
    victim.proc.kill('SIGKILL');
    await once(victim.proc, 'exit');
    let done = (await call(survivor.url, 'GET', `/v1/admin/jobs/${job.id}`)).body;
    for (let i = 0; i < 600 && done.state !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      done = (await call(survivor.url, 'GET', `/v1/admin/jobs/${job.id}`)).body;
    }
    expect(done).toMatchObject({ state: 'done', done: 160, total: 160 });
    const made = await store.db.selectFrom('third_party_resources').select(['license_uuid', 'kind']).where('job_id', '=', job.id).execute();
    expect(made).toHaveLength(160);
    expect(new Set(made.map((m) => `${m.license_uuid}/${m.kind}`)).size).toBe(160);
    const after = await store.db.selectFrom('jobs').select('claimed_by').where('id', '=', job.id).executeTakeFirstOrThrow();
    expect(after.claimed_by).toBe(ids[victim === a ? 1 : 0]);
  });
});
