// Property-based: random and hostile bodies, headers and paths on every route, as every role (API keys of a
// platform, an owner, an auditor, a factory account of the world's factory and one of another factory), as a
// signed-in owner (cookie with its CSRF token, and the cookie without it), as a station, with a made-up token and as
// nobody. Never a 500, never a crash, and never a change made by a caller without the right: nobody, a made-up token,
// a station on an account route, a role the route does not list, the other factory's manager (every id it can name
// is the world factory's), and a cookie without its CSRF token.
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfHeader, hubRoutes, sessionCookie, type HubRouteDef, type Role } from '../../../common/hub-api';
import { createAccount, createApiKey } from '../../../hub/services/accounts';
import { registerSecret } from '../../support/log-sink';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestHub } from './harness';

const routes = Object.values(hubRoutes) as HubRouteDef[];
const tables = [
  'accounts',
  'sessions',
  'contact_codes',
  'products',
  'factories',
  'lines',
  'stations',
  'enrollment_codes',
  'credentials',
  'licenses',
  'update_requests',
  'credential_events',
  'push_items',
  'download_codes',
  'jobs',
  'third_party_resources',
  'notices',
  'transfer_claims',
];

const hostileStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  "' OR 1=1 --",
  '"; DROP TABLE licenses; --',
  '__proto__',
  'constructor',
  '{"__proto__":{"polluted":1}}',
  '0x1',
  '-1',
  '1e308',
  'NaN',
  'null',
  'true',
  '\uD800',
  '\u202Eevil',
  '😀'.repeat(50),
  'A'.repeat(3000),
  '00000000-0000-0000-0000-000000000000',
  '0000',
  '9999-99-99T99:99:99Z',
  '[]',
  '{}',
);
const anyString = fc.oneof(hostileStrings, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(
    fc.oneof(
      anyString,
      fc.constantFrom(
        'code',
        'items',
        'cursor',
        'limit',
        'kind',
        'uuid',
        'burnedAt',
        'purchased',
        'free',
        'factoryId',
        'channel',
        'destination',
        '__proto__',
      ),
    ),
    fc.oneof(fc.jsonValue({ maxDepth: 3 }), anyString, fc.integer(), fc.double()),
  ),
  fc.record({
    items: fc.array(
      fc.record(
        {
          kind: fc.constantFrom('burn', 'spoiled', 'release', 'split', 'reassign', 'transfer_in', 'transfer_out', 'x'),
          key: anyString,
          uuid: anyString,
          burnedAt: anyString,
          uuids: fc.array(anyString, { maxLength: 3 }),
        },
        { requiredKeys: [] },
      ),
      { maxLength: 5 },
    ),
  }),
);
const rawBody = fc.oneof(
  jsonish.map((v) => JSON.stringify(v) ?? 'null'),
  anyString,
  fc.constantFrom(
    '['.repeat(10_000),
    '{"a":'.repeat(2000),
    '{"cursor":null,"limit":1e999}',
    '{"items":[{"kind":"burn","key":"abcdefgh","uuid":"aaaaaaaaaaaaaaaa","burnedAt":"0000"}]}',
  ),
);
/** A lone surrogate cannot be URI-encoded: it goes as the raw bytes a client could still send. */
const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  '',
  'application/xml',
);

describe.each(targets())('hostile requests on %s', (target) => {
  let h: TestHub;
  let station: string;
  let ids: string[];
  const factoryKeys: Record<'factory' | 'other-factory', string> = { factory: '', 'other-factory': '' };
  let ownerSession: { cookie: string; csrf: string };
  /** Bodies a route could take: random bodies seldom get past validation, these reach the rules of who may change what. */
  let plausible: Record<string, unknown>[];

  beforeAll(async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const own = await makeCredential(h, { purchased: 3 });
    const other = await makeCredential(h, { purchased: 3 });
    await h.admin('POST', `/v1/admin/credentials/${own.id}/assign`, { factoryId: w.factoryId, stationId: w.s1 });
    await h.admin('POST', `/v1/admin/credentials/${other.id}/assign`, { factoryId: w.factoryId, stationId: w.s2 });
    station = await enrollStation(h, w.s1);
    await h.call('POST', '/v1/station/pull', { cursor: null }, station);
    const otherFactory = await h.admin('POST', '/v1/admin/factories', { name: 'Plant 2' });
    const account = async (name: string, role: Role, factoryId?: string) => {
      const password = `${name} fuzz password 2026`;
      registerSecret(password);
      const { account: a } = await createAccount(
        h.hub.deps,
        { name, role, ...(factoryId ? { factoryId } : {}) },
        { trusted: { password } },
      );
      return { id: a.id, password, key: (await createApiKey(h.hub.deps, a.id, 'fuzz')).key };
    };
    const manager = await account('fuzz-factory', 'factory', w.factoryId);
    const stranger = await account('fuzz-other-factory', 'factory', otherFactory.body.id as string);
    factoryKeys.factory = manager.key;
    factoryKeys['other-factory'] = stranger.key;
    [manager.key, stranger.key].forEach(registerSecret);
    const owner = await account('fuzz-owner', 'owner');
    const login = await h.hub.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { name: 'fuzz-owner', password: owner.password },
    });
    const cookie = new RegExp(`${sessionCookie}=[^;]*`).exec(String(login.headers['set-cookie']))![0];
    registerSecret(cookie);
    ownerSession = { cookie, csrf: JSON.parse(login.body).csrfToken as string };
    ids = [own.id, other.id, w.s1, w.s2, w.lineA, w.factoryId, manager.id, stranger.id, owner.id];
    plausible = [
      {},
      { name: 'Fuzz line' },
      { ttlMinutes: 60 },
      { channel: 'email', destination: 'fuzz@example.com' },
      { channel: 'sms', destination: '+15550009999' },
      { factoryId: w.factoryId, lineId: w.lineA, stationId: w.s1 },
      { factoryId: w.factoryId, lineId: w.lineB, stationId: null },
      { factoryId: null },
      { pid: 'p1' },
      { purchased: 1, free: 0 },
      { operatorNumber: '42', badge: 'B-42' },
      { clearStationPin: true },
      { role: 'auditor' },
      { targetPid: 'p2', deliveryMode: 'credential' },
      { kinds: ['homekit'] },
      { reference: 'PAY-1' },
      { name: 'fuzz-new', role: 'owner' },
    ];
  }, 120_000);
  afterAll(async () => h?.close());

  /** Every row of every table: what a caller without the right must leave as it was. */
  const snapshot = async (): Promise<string> => {
    const out: unknown[] = [];
    for (const t of tables) out.push((await sql.raw(`select * from ${t} order by 1`).execute(h.store.db)).rows);
    return JSON.stringify(out);
  };

  it('never answers 500, never crashes, and nothing changes for a caller without the right', async () => {
    const caller = fc.constantFrom(
      'nobody',
      'made-up',
      'station',
      'platform',
      'owner',
      'auditor',
      'factory',
      'other-factory',
      'owner-session',
      'owner-cookie-no-csrf',
    );
    const path = fc.oneof(
      fc
        .record({
          route: fc.constantFrom(...routes),
          id: fc.oneof(fc.constantFrom(...ids), anyString),
          suffix: fc.constantFrom('', '/', '?x=1', '?owner=%00', '//', '/../admin/products', '?__proto__[a]=1'),
        })
        .map(({ route, id, suffix }) => ({
          method: route.method as string,
          url: route.url.replace(':id', encode(id)) + suffix,
          auth: route.auth,
          roles: route.roles ?? [],
        })),
      fc
        .record({
          method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
          tail: fc.array(anyString, { maxLength: 4 }),
        })
        .map(({ method, tail }) => ({
          method,
          url: `/v1/${tail.map(encode).join('/')}`,
          auth: 'none' as const,
          roles: [] as readonly string[],
        })),
    );
    await fc.assert(
      fc.asyncProperty(
        caller,
        path,
        fc.option(rawBody, { nil: undefined }),
        contentType,
        fc.dictionary(
          fc.constantFrom('x-forwarded-for', 'accept', 'accept-encoding', 'origin', 'cookie', 'x-http-method-override'),
          fc.string({ maxLength: 30 }),
        ),
        async (who, p, body, ctype, extra) => {
          const token =
            who === 'platform' || who === 'owner' || who === 'auditor'
              ? h.keys[who]
              : who === 'factory' || who === 'other-factory'
                ? factoryKeys[who]
                : who === 'station'
                  ? station
                  : who === 'made-up'
                    ? 'hst_made-up-token-that-is-not-one'
                    : null;
          const session: Record<string, string> =
            who === 'owner-session'
              ? { cookie: ownerSession.cookie, [csrfHeader]: ownerSession.csrf }
              : who === 'owner-cookie-no-csrf'
                ? { cookie: ownerSession.cookie }
                : {};
          const headers: Record<string, string> = {
            ...extra,
            ...session,
            ...(body !== undefined && ctype ? { 'content-type': ctype } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          };
          // What role the caller acts with on an account route (an API key: never on a session route).
          const role =
            who === 'owner-session'
              ? 'owner'
              : who === 'factory'
                ? 'factory'
                : who === 'platform' || who === 'owner' || who === 'auditor'
                  ? who
                  : null;
          const withoutRight =
            who === 'nobody' ||
            who === 'made-up' ||
            who === 'other-factory' ||
            who === 'owner-cookie-no-csrf' ||
            (who === 'station' && (p.auth === 'account' || p.auth === 'session')) ||
            (role !== null &&
              (p.auth === 'station' ||
                (p.auth === 'session' && who !== 'owner-session') ||
                (p.auth === 'account' && !p.roles.includes(role))));
          const before = withoutRight ? await snapshot() : '';
          let res;
          try {
            res = await h.hub.app.inject({
              method: p.method as 'GET',
              url: p.url,
              headers,
              ...(body !== undefined && p.method !== 'GET' ? { payload: body } : {}),
            });
          } catch (e) {
            // The test client's own refusal of a header it cannot send (never reaches the hub) is not a finding.
            if (/Invalid character|header/i.test((e as Error).message)) return;
            throw e;
          }
          expect(res.statusCode, `${who} ${p.method} ${p.url}`).toBeLessThan(500);
          if (res.statusCode >= 400 && res.body)
            expect(JSON.parse(res.body), `${who} ${p.method} ${p.url}`).toMatchObject({
              error: { code: expect.any(String), message: expect.any(String) },
            });
          if (withoutRight) expect(await snapshot(), `${who} changed something with ${p.method} ${p.url}`).toBe(before);
        },
      ),
      { numRuns: 400, seed: Number(process.env.FUZZ_SEED ?? 20261204) },
    );
    // The hub still answers: no crash, no stuck state.
    expect((await h.call('GET', '/v1/health')).status).toBe(200);
  }, 300_000);

  it("a factory's manager changes nothing of another factory, and a cookie without its CSRF token nothing at all, with bodies the routes take", async () => {
    const writes = routes.filter((r) => r.method === 'POST' && (r.auth === 'account' || r.auth === 'session'));
    const factoryRoutes = writes.filter((r) => r.roles?.includes('factory'));
    let changedByManager = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('factory', 'other-factory', 'owner-cookie-no-csrf'),
        fc.oneof(fc.constantFrom(...factoryRoutes), fc.constantFrom(...writes)),
        fc.constantFrom(...ids),
        fc.constantFrom(...plausible),
        async (who, route, id, body) => {
          const url = route.url.replace(':id', id);
          const auth = who === 'owner-cookie-no-csrf' ? { cookie: ownerSession.cookie } : { authorization: `Bearer ${factoryKeys[who]}` };
          const before = await snapshot();
          const res = await h.hub.app.inject({
            method: 'POST',
            url,
            headers: { ...auth, 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
          expect(res.statusCode, `${who} POST ${url}`).toBeLessThan(500);
          const after = await snapshot();
          if (who === 'factory') {
            if (after !== before) changedByManager++;
            return;
          }
          expect(res.statusCode, `${who} POST ${url} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
          expect(after, `${who} changed something with POST ${url} ${JSON.stringify(body)}`).toBe(before);
        },
      ),
      { numRuns: 300, seed: Number(process.env.FUZZ_SEED ?? 20261205) },
    );
    // The same bodies do reach changes when the caller has the right: the refusals above are the rules, not bad bodies.
    expect(changedByManager).toBeGreaterThan(0);
  }, 300_000);
});
