// Property-based: random and hostile bodies, headers and paths on every route, as the hub operator (admin token),
// as a station, with a made-up token and as nobody. Never a 500, never a crash, and never a change made by a caller
// without the right (nobody, a made-up token, a station on an admin route). The hub has no accounts or roles yet
// beyond the admin token and station tokens: when it does, each role joins the callers here.
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubRoutes, type HubRouteDef } from '../../../common/hub-api';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestHub } from './harness';

const routes = Object.values(hubRoutes) as HubRouteDef[];
const tables = ['products', 'factories', 'lines', 'stations', 'enrollment_codes', 'credentials', 'licenses', 'update_requests', 'credential_events', 'push_items', 'download_codes', 'jobs', 'third_party_resources', 'notices', 'transfer_claims'];

const hostileStrings = fc.constantFrom(
  '', ' ', '\u0000', '../../etc/passwd', '%00', '%2e%2e%2f', "' OR 1=1 --", '"; DROP TABLE licenses; --', '__proto__', 'constructor',
  '{"__proto__":{"polluted":1}}', '0x1', '-1', '1e308', 'NaN', 'null', 'true', '\uD800', '\u202Eevil', '😀'.repeat(50), 'A'.repeat(3000),
  '00000000-0000-0000-0000-000000000000', '0000', '9999-99-99T99:99:99Z', '[]', '{}',
);
const anyString = fc.oneof(hostileStrings, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.dictionary(fc.oneof(anyString, fc.constantFrom('code', 'items', 'cursor', 'limit', 'kind', 'uuid', 'burnedAt', 'purchased', 'free', 'factoryId', 'channel', 'destination', '__proto__')), fc.oneof(fc.jsonValue({ maxDepth: 3 }), anyString, fc.integer(), fc.double())),
  fc.record({ items: fc.array(fc.record({ kind: fc.constantFrom('burn', 'spoiled', 'release', 'split', 'reassign', 'transfer_in', 'transfer_out', 'x'), key: anyString, uuid: anyString, burnedAt: anyString, uuids: fc.array(anyString, { maxLength: 3 }) }, { requiredKeys: [] }), { maxLength: 5 }) }),
);
const rawBody = fc.oneof(
  jsonish.map((v) => JSON.stringify(v) ?? 'null'),
  anyString,
  fc.constantFrom('[' .repeat(10_000), '{"a":'.repeat(2000), '{"cursor":null,"limit":1e999}', '{"items":[{"kind":"burn","key":"abcdefgh","uuid":"aaaaaaaaaaaaaaaa","burnedAt":"0000"}]}'),
);
/** A lone surrogate cannot be URI-encoded: it goes as the raw bytes a client could still send. */
const encode = (s: string): string => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', '', 'application/xml');

describe.each(targets())('hostile requests on %s', (target) => {
  let h: TestHub;
  let station: string;
  let ids: string[];

  beforeAll(async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const own = await makeCredential(h, { purchased: 3 });
    const other = await makeCredential(h, { purchased: 3 });
    await h.admin('POST', `/v1/admin/credentials/${own.id}/assign`, { factoryId: w.factoryId, stationId: w.s1 });
    await h.admin('POST', `/v1/admin/credentials/${other.id}/assign`, { factoryId: w.factoryId, stationId: w.s2 });
    station = await enrollStation(h, w.s1);
    await h.call('POST', '/v1/station/pull', { cursor: null }, station);
    ids = [own.id, other.id, w.s1, w.s2, w.lineA, w.factoryId];
  }, 120_000);
  afterAll(async () => h?.close());

  /** Every row of every table: what a caller without the right must leave as it was. */
  const snapshot = async (): Promise<string> => {
    const out: unknown[] = [];
    for (const t of tables) out.push((await sql.raw(`select * from ${t} order by 1`).execute(h.store.db)).rows);
    return JSON.stringify(out);
  };

  it('never answers 500, never crashes, and nothing changes for a caller without the right', async () => {
    const caller = fc.constantFrom('nobody', 'made-up', 'station', 'platform', 'owner', 'auditor');
    const path = fc.oneof(
      fc.record({ route: fc.constantFrom(...routes), id: fc.oneof(fc.constantFrom(...ids), anyString), suffix: fc.constantFrom('', '/', '?x=1', '?owner=%00', '//', '/../admin/products', '?__proto__[a]=1') })
        .map(({ route, id, suffix }) => ({ method: route.method as string, url: route.url.replace(':id', encode(id)) + suffix, auth: route.auth, roles: route.roles ?? [] })),
      fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), tail: fc.array(anyString, { maxLength: 4 }) })
        .map(({ method, tail }) => ({ method, url: `/v1/${tail.map(encode).join('/')}`, auth: 'none' as const, roles: [] as readonly string[] })),
    );
    await fc.assert(
      fc.asyncProperty(caller, path, fc.option(rawBody, { nil: undefined }), contentType, fc.dictionary(fc.constantFrom('x-forwarded-for', 'accept', 'accept-encoding', 'origin', 'cookie', 'x-http-method-override'), fc.string({ maxLength: 30 })), async (who, p, body, ctype, extra) => {
        const token = who === 'platform' || who === 'owner' || who === 'auditor' ? h.keys[who] : who === 'station' ? station : who === 'made-up' ? 'hst_made-up-token-that-is-not-one' : null;
        const headers: Record<string, string> = { ...extra, ...(body !== undefined && ctype ? { 'content-type': ctype } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) };
        const account = who === 'platform' || who === 'owner' || who === 'auditor';
        const withoutRight = who === 'nobody' || who === 'made-up' || (who === 'station' && (p.auth === 'account' || p.auth === 'session'))
          || (account && (p.auth === 'station' || p.auth === 'session' || (p.auth === 'account' && !p.roles.includes(who))));
        const before = withoutRight ? await snapshot() : '';
        let res;
        try {
          res = await h.hub.app.inject({ method: p.method as 'GET', url: p.url, headers, ...(body !== undefined && p.method !== 'GET' ? { payload: body } : {}) });
        } catch (e) {
          // The test client's own refusal of a header it cannot send (never reaches the hub) is not a finding.
          if (/Invalid character|header/i.test((e as Error).message)) return;
          throw e;
        }
        expect(res.statusCode, `${who} ${p.method} ${p.url}`).toBeLessThan(500);
        if (res.statusCode >= 400 && res.body) expect(JSON.parse(res.body), `${who} ${p.method} ${p.url}`).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
        if (withoutRight) expect(await snapshot(), `${who} changed something with ${p.method} ${p.url}`).toBe(before);
      }),
      { numRuns: 250, seed: Number(process.env.FUZZ_SEED ?? 20261204) },
    );
    // The hub still answers: no crash, no stuck state.
    expect((await h.call('GET', '/v1/health')).status).toBe(200);
  }, 300_000);
});
