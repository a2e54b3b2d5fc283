// The HTTP boundary: validation answers, authentication, rate limits, the OpenAPI page, and logs without secrets.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { logRedactPaths } from '../../../common/log';
import { handlers } from '../../../hub/http/handlers';
import { seedFactory, seedGroup, startHubProcess, stopAllHubProcesses } from '../../support/hub-process';
import { findSecretsInLog, forgetSecret, registerSecret, resetLogSink, sinkLogger } from '../../support/log-sink';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('hub HTTP boundary on %s', (target) => {
  let h: TestHub | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers bad JSON, unknown fields and out-of-range values with 400 and a stable code', async () => {
    h = await bootHub(target);
    const bad = await h.hub.app.inject({
      method: 'POST',
      url: '/v1/admin/products',
      headers: { authorization: `Bearer ${h.keys.platform}`, 'content-type': 'application/json' },
      payload: '{"pid": "p1",',
    });
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ error: { code: 'BAD_JSON', message: expect.any(String) } });
    const unknown = await h.admin('POST', '/v1/admin/products', { pid: 'p1', name: 'x', priceCents: 1, colour: 'red' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('UNKNOWN_FIELD');
    expect(unknown.body.error.message).toContain('colour');
    const range = await h.admin('POST', '/v1/admin/products', { pid: 'p1', name: 'x', priceCents: -5 });
    expect(range.status).toBe(400);
    expect(range.body.error.code).toBe('OUT_OF_RANGE');
    const wrongType = await h.admin('POST', '/v1/admin/products', { pid: 'p1', name: 'x', priceCents: 'ten' });
    expect(wrongType.body.error.code).toBe('INVALID_REQUEST');
    const pull = await h.call('POST', '/v1/station/pull', { cursor: null, limit: 100000 }, 'whatever');
    expect(pull.status).toBe(401); // auth comes first; validation after
    const badParam = await h.admin('GET', '/v1/admin/credentials/not-a-uuid');
    expect(badParam.status).toBe(400);
    expect((await h.admin('GET', '/v1/admin/credentials?owner=somebody')).status).toBe(400);
    expect((await h.admin('GET', '/v1/nope')).body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('station payloads: an out-of-range pull limit and an unknown push kind are 400s', async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const t = await enrollStation(h, w.s1);
    const r1 = await h.call('POST', '/v1/station/pull', { cursor: null, limit: 100000 }, t);
    expect(r1.body.error.code).toBe('OUT_OF_RANGE');
    const r2 = await h.call('POST', '/v1/station/push', { items: [{ kind: 'teleport', key: 'abcdefgh1' }] }, t);
    expect(r2.status).toBe(400);
    const r3 = await h.call('POST', '/v1/station/push', { items: [] }, t);
    expect(r3.body.error.code).toBe('OUT_OF_RANGE');
  });

  it('account routes need a session or an API key; a station token is not one', async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const t = await enrollStation(h, w.s1);
    expect((await h.call('GET', '/v1/admin/products')).status).toBe(401);
    expect((await h.call('GET', '/v1/admin/products', undefined, 'wrong')).status).toBe(401);
    expect((await h.call('GET', '/v1/admin/products', undefined, 'hk_wrong')).status).toBe(401);
    expect((await h.call('GET', '/v1/admin/products', undefined, t)).status).toBe(401);
    expect((await h.call('GET', '/v1/health')).body).toMatchObject({ ok: true, store: target });
  });

  it('serves the OpenAPI document of every route from the zod schemas', async () => {
    h = await bootHub(target);
    const res = await h.hub.app.inject({ method: 'GET', url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = JSON.parse(res.body);
    expect(doc.openapi).toBe('3.0.3');
    const push = doc.paths['/v1/station/push'].post;
    expect(push.requestBody.content['application/json'].schema.properties.items.type).toBe('array');
    expect(doc.paths['/v1/admin/products'].post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(Object.keys(doc.paths).length).toBeGreaterThan(25);
    expect(push.responses['4XX'] ?? push.responses['4xx']).toBeDefined();
    expect((await h.hub.app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('limits bodies per route: enrollment and unknown paths 4 KiB, push 1 MiB, imports as configured, the rest 64 KiB', async () => {
    h = await bootHub(target, { bodyLimits: { import: 200 * 1024 } });
    const w = await seedWorld(h);
    const t = await enrollStation(h, w.s1);
    const post = (url: string, bytes: number, token?: string) =>
      h!.hub.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        payload: `{"pad":"${'x'.repeat(bytes - 10)}"}`,
      });
    const status = async (url: string, bytes: number, token?: string) => (await post(url, bytes, token)).statusCode;
    expect(await status('/v1/station/enroll', 4 * 1024)).toBe(400); // read, then refused by its schema
    const big = await post('/v1/station/enroll', 4 * 1024 + 1);
    expect(big.statusCode).toBe(413);
    expect(JSON.parse(big.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(await status('/v1/nowhere', 4 * 1024 + 1)).toBe(413);
    expect(await status('/v1/station/push', 1024 * 1024, t)).toBe(400);
    expect(await status('/v1/station/push', 1024 * 1024 + 1, t)).toBe(413);
    expect(await status('/v1/station/push', 2 * 1024 * 1024)).toBe(401); // nobody: refused before the body is read
    const c = await makeCredential(h, { purchased: 0 });
    expect(await status(`/v1/admin/credentials/${c.id}/licenses`, 200 * 1024, h.keys.owner)).toBe(400);
    expect(await status(`/v1/admin/credentials/${c.id}/import`, 200 * 1024 + 1, h.keys.owner)).toBe(413);
    expect(await status('/v1/admin/products', 64 * 1024, h.keys.platform)).toBe(400);
    expect(await status('/v1/admin/products', 64 * 1024 + 1, h.keys.platform)).toBe(413);
  });

  it('serializes replies through their schemas: a column a service returns by mistake never leaves the hub', async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const token = await enrollStation(h, w.s1);
    const real = handlers.stationSelf;
    // A service that leaks its row: the station's token hash, and a nested authkey.
    handlers.stationSelf = (async (deps, ctx) => ({
      ...(await real(deps, ctx)),
      token_hash: 'leaked-hash',
      extra: { authkey: 'leaked-key' },
    })) as typeof real;
    try {
      const r = await h.hub.app.inject({ method: 'GET', url: '/v1/station/me', headers: { authorization: `Bearer ${token}` } });
      expect(r.statusCode).toBe(200);
      expect(r.body).not.toContain('leaked');
      expect(JSON.parse(r.body)).toEqual({ stationId: w.s1, stationName: 'A-1', factoryId: w.factoryId, lineId: w.lineA });
    } finally {
      handlers.stationSelf = real;
    }
  });

  it('rate-limits enrollment attempts', async () => {
    h = await bootHub(target, { rateLimits: { enrollPerMinute: 3 } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await h.call('POST', '/v1/station/enroll', { code: 'AAAA-BBBB-CCCC' })).status);
    expect(codes).toEqual([403, 403, 403, 429]);
    expect((await h.call('POST', '/v1/station/enroll', { code: 'AAAA-BBBB-CCCC' })).body.error.code).toBe('RATE_LIMITED');
  });

  it("the suite's log sink catches a registered secret in any line", () => {
    registerSecret('hst_pretend-token-123');
    sinkLogger().info({ note: 'a careless line with hst_pretend-token-123 in it' }, 'oops');
    expect(findSecretsInLog()).toEqual([{ secret: 'hs…(21)', line: expect.stringContaining('oops') }]);
    resetLogSink(); // this file's own check after all its tests must still pass
  });

  it('never writes an authkey or a token to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ level: 'debug', redact: { paths: logRedactPaths, censor: '[redacted]' } }, sink);
    h = await bootHub(target, { logger });
    const w = await seedWorld(h);
    const token = await enrollStation(h, w.s1);
    const c = await makeCredential(h, { purchased: 3 });
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: w.factoryId, stationId: w.s1 });
    await h.call('POST', '/v1/station/pull', { cursor: null, limit: 2 }, token); // one license stays at the hub to download
    const dc = await h.admin('POST', `/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email' });
    const d = await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: dc.body.codeId, code: h.sent.at(-1)!.code });
    expect(d.body.licenses).toHaveLength(1);
    await h.admin('GET', '/v1/admin/nothing-here');
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(5);
    for (const l of c.purchased) expect(log).not.toContain(l.authkey);
    expect(log).not.toContain(token);
    for (const key of Object.values(h.keys)) expect(log).not.toContain(key);
  });
});

describe('a hub run as a child process', () => {
  it("writes its log into the suite's sink, so the secrets check covers it too", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-child-log-'));
    try {
      const hub = await startHubProcess(join(dir, 'hub.sqlite'));
      const fx = await seedFactory(hub, 1);
      const group = await seedGroup(hub, fx, { purchased: 3, stationId: fx.stationIds[0]! });
      const enrolled = await fetch(`${hub.url}/v1/station/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: fx.codes[0] }),
      });
      const { token } = (await enrolled.json()) as { token: string };
      registerSecret(token);
      const pulled = await fetch(`${hub.url}/v1/station/pull`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ cursor: null }),
      });
      expect(((await pulled.json()) as { licenses: unknown[] }).licenses).toHaveLength(group.uuids.length);
      await hub.stop();
      // The child's own lines are in the sink: its "station enrolled" line names the station id, found when registered.
      const probe = fx.stationIds[0]!;
      registerSecret(probe);
      expect(findSecretsInLog().some((l) => l.line.includes('station enrolled'))).toBe(true);
      forgetSecret(probe);
      // ... and nothing it wrote holds a key, a code, a token or an authkey (the file's check says so again after all its tests).
      expect(findSecretsInLog()).toEqual([]);
    } finally {
      await stopAllHubProcesses();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
