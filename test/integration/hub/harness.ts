/**
 * Boots the real hub (store + app) for a test, on SQLite or on PostgreSQL,
 * and talks to it with `app.inject()`. PostgreSQL runs when HUB_TEST_PG_URL is
 * set (scripts/ci-postgres.sh sets it); each hub gets its own schema, dropped
 * afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Clock } from '../../../common/clock';
import type { License } from '../../../common/license';
import type { Logger } from '../../../common/log';
import { registerSecret, registerSecretsIn, sinkLogger } from '../../support/log-sink';
import { keyring, masterKey } from '../../../hub/services/authkeys';
import { createHub, type StartHubOptions } from '../../../hub/server';
import { apiKeyFor, keyFor, operatorKeys, routeOf, testAuthConfig, type OperatorKeys } from '../../support/hub-accounts';
import { openStore, type Store } from '../../../hub/store';

export type Target = 'sqlite' | 'postgres';
/** One master key for every test hub (a hub restarted on the same store reads what it sealed). */
export const testKeyring = keyring(masterKey(Buffer.alloc(32, 7)));
export const pgUrl = process.env.HUB_TEST_PG_URL;

/** The stores every hub test runs on; says once why PostgreSQL is left out. */
export function targets(): Target[] {
  if (!pgUrl) {
    if (!(globalThis as { __hubPgNoted?: boolean }).__hubPgNoted) {
      console.log(
        '[hub tests] PostgreSQL skipped: HUB_TEST_PG_URL is not set (source scripts/ci-postgres.sh to run the suite on PostgreSQL too).',
      );
      (globalThis as { __hubPgNoted?: boolean }).__hubPgNoted = true;
    }
    return ['sqlite'];
  }
  return ['sqlite', 'postgres'];
}

export class TestClock implements Clock {
  constructor(public t = Date.parse('2026-01-05T08:00:00.000Z')) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/** A place for one test's data: a temp SQLite file or a fresh PostgreSQL schema. */
export interface TestDb {
  db: string;
  schema?: string;
  drop(): Promise<void>;
}

export async function testDb(target: Target): Promise<TestDb> {
  if (target === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'hub-test-'));
    return { db: join(dir, 'hub.sqlite'), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  return {
    db: pgUrl!,
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
}

export interface TestHub {
  store: Store;
  clock: TestClock;
  /** An API key per role (the factory role: see `factoryKey`). */
  keys: OperatorKeys;
  sent: { destination: string; code: string }[];
  hub: Awaited<ReturnType<typeof createHub>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call<T = any>(
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
    token?: string | null,
    headers?: Record<string, string>,
  ): Promise<Reply<T>>;
  /** As the account whose role the route is for (owner first, then platform, then auditor). */
  admin<T = any>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Reply<T>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** An API key of a new `factory` account of that factory. */
  factoryKey(factoryId: string): Promise<string>;
  close(): Promise<void>;
}

export async function bootHub(
  target: Target,
  opts: Omit<StartHubOptions, 'db' | 'schema'> & { tdb?: TestDb; keepDb?: boolean } = {},
): Promise<TestHub & { tdb: TestDb }> {
  const tdb = opts.tdb ?? (await testDb(target));
  const store = await openStore({ db: tdb.db, ...(tdb.schema ? { schema: tdb.schema } : {}) });
  const clock = opts.clock instanceof TestClock ? opts.clock : new TestClock();
  const sent: { destination: string; code: string }[] = [];
  const logger: Logger = opts.logger ?? sinkLogger();
  const hub = await createHub(store, {
    ...opts,
    config: { ...opts.config, auth: { ...testAuthConfig, ...opts.config?.auth } },
    logger,
    clock,
    sender: opts.sender ?? {
      send: async (m) => {
        registerSecret(m.code);
        sent.push({ destination: m.destination, code: m.code });
      },
    },
    runJobs: opts.runJobs ?? false,
    keyring: opts.keyring ?? testKeyring,
  });
  const call: TestHub['call'] = async (method, url, body, token, headers = {}) => {
    const res = await hub.app.inject({
      method,
      url,
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
    const json = (res.headers['content-type'] ?? '').toString().startsWith('application/json');
    const parsed = res.body && json ? JSON.parse(res.body) : res.body || undefined;
    registerSecretsIn(parsed);
    registerSecretsIn(body);
    // Every 200 reply must match its route's reply schema: the station client parses replies with the same schemas.
    if (res.statusCode === 200) {
      const route = routeOf(method, url);
      if (route) {
        const check = route.reply.safeParse(parsed);
        if (!check.success) throw new Error(`reply of ${method} ${url} does not match its schema: ${check.error.message}`);
      }
    }
    return { status: res.statusCode, body: parsed };
  };
  const keys = await operatorKeys(hub.deps);
  for (const k of Object.values(keys)) registerSecret(k);
  return {
    store,
    clock,
    keys,
    sent,
    hub,
    tdb,
    call,
    admin: (method, url, body) => call(method, url, body, keyFor(keys, method, url)),
    factoryKey: async (factoryId) => {
      const key = await apiKeyFor(hub.deps, 'factory', factoryId);
      registerSecret(key);
      return key;
    },
    async close() {
      await hub.close();
      await store.close();
      if (!opts.keepDb) await tdb.drop();
    },
  };
}

let serial = 0;
/** Licenses with unique, valid uuids (16 chars), authkeys (32 chars) and MACs. */
export function makeLicenses(n: number, withMac = true): License[] {
  const out: License[] = [];
  const tag = randomBytes(3).toString('hex');
  for (let i = 0; i < n; i++) {
    serial++;
    const uuid = `u${tag}${serial.toString(36).padStart(9, '0')}`.slice(0, 16);
    const authkey = randomBytes(24)
      .toString('base64')
      .replace(/[^0-9A-Za-z]/g, 'x')
      .slice(0, 32);
    registerSecret(authkey);
    out.push(withMac ? { uuid, authkey, mac: (0x1c000000000 + serial).toString(16).toUpperCase().padStart(12, '0') } : { uuid, authkey });
  }
  return out;
}

/** Product P1 (10.00), P2 (15.00, HomeKit + Find My), P0 (5.00); a factory with two lines and three stations. */
export async function seedWorld(h: TestHub) {
  const ok = <T>(r: Reply<T>): T => {
    if (r.status !== 200) throw new Error(`seed failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  ok(await h.admin('POST', '/v1/admin/products', { pid: 'p1', name: 'Smart plug', priceCents: 1000 }));
  ok(await h.admin('POST', '/v1/admin/products', { pid: 'p2', name: 'Smart bulb HK', priceCents: 1500, homekit: true, findmy: true }));
  ok(await h.admin('POST', '/v1/admin/products', { pid: 'p0', name: 'Basic sensor', priceCents: 500 }));
  const factory = ok(await h.admin<{ id: string }>('POST', '/v1/admin/factories', { name: 'Shenzhen 1' }));
  const lineA = ok(await h.admin<{ id: string }>('POST', `/v1/admin/factories/${factory.id}/lines`, { name: 'Line A' }));
  const lineB = ok(await h.admin<{ id: string }>('POST', `/v1/admin/factories/${factory.id}/lines`, { name: 'Line B' }));
  const s1 = ok(await h.admin<{ id: string }>('POST', `/v1/admin/lines/${lineA.id}/stations`, { name: 'A-1' }));
  const s2 = ok(await h.admin<{ id: string }>('POST', `/v1/admin/lines/${lineA.id}/stations`, { name: 'A-2' }));
  const s3 = ok(await h.admin<{ id: string }>('POST', `/v1/admin/lines/${lineB.id}/stations`, { name: 'B-1' }));
  return { factoryId: factory.id, lineA: lineA.id, lineB: lineB.id, s1: s1.id, s2: s2.id, s3: s3.id };
}

export async function makeCredential(
  h: TestHub,
  o: { pid?: string; owner?: 'mine' | 'customer'; deliveryMode?: string; purchased?: number; free?: number; origin?: string } = {},
) {
  const c = await h.admin('POST', '/v1/admin/credentials', {
    pid: o.pid ?? 'p1',
    owner: o.owner ?? 'mine',
    deliveryMode: o.deliveryMode ?? 'credential',
    firmwareKey: 'fwkey-abc',
    chip: 'BK7231N',
    ...(o.owner === 'customer' ? { customerName: 'Acme' } : {}),
    ...(o.origin ? { origin: o.origin } : {}),
  });
  if (c.status !== 200) throw new Error(JSON.stringify(c.body));
  const id = c.body.id as string;
  const purchased = makeLicenses(o.purchased ?? 10);
  if (purchased.length > 0) await h.admin('POST', `/v1/admin/credentials/${id}/licenses`, { kind: 'purchased', licenses: purchased });
  const free = makeLicenses(o.free ?? 0);
  if (free.length > 0) await h.admin('POST', `/v1/admin/credentials/${id}/licenses`, { kind: 'free', licenses: free });
  return { id, purchased, free };
}

/** A group of licenses (`makeCredential`) assigned to station s1 of `seedWorld`, and s1 enrolled: the group and s1's token. */
export async function groupAtS1(h: TestHub, w: { factoryId: string; s1: string }, o: Parameters<typeof makeCredential>[1] = {}) {
  const group = await makeCredential(h, o);
  const r = await h.admin('POST', `/v1/admin/credentials/${group.id}/assign`, { factoryId: w.factoryId, stationId: w.s1 });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return { ...group, token: await enrollStation(h, w.s1) };
}

export async function enrollStation(h: TestHub, stationId: string): Promise<string> {
  const code = await h.admin('POST', `/v1/admin/stations/${stationId}/enrollment-codes`, {});
  const r = await h.call('POST', '/v1/station/enroll', { code: code.body.code });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body));
  return r.body.token as string;
}
