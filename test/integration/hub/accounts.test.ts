// People on the hub: accounts and roles, sign-in with cookie sessions and CSRF, lockout, expiry, TOTP, API keys,
// and who may call which route (a factory account only within its factory).
import { afterEach, describe, expect, it } from 'vitest';
import { csrfHeader, hubRoutes, sessionCookie, type HubRouteDef } from '../../../common/hub-api';
import { totpNow } from '../../../hub/services/accounts';
import { registerSecret } from '../../support/log-sink';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type Reply, type TestHub } from './harness';

interface Signed {
  cookie: string;
  csrf: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

describe.each(targets())('hub accounts on %s', (target) => {
  let h: TestHub;
  afterEach(async () => {
    await h?.close();
  });

  /** Signs in through the API; answers the cookie and the CSRF token. */
  async function signIn(
    name: string,
    password: string,
    totp?: string,
    address = '10.0.0.1',
  ): Promise<Signed & { status: number; setCookie: string }> {
    const res = await h.hub.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { name, password, ...(totp ? { totp } : {}) },
      remoteAddress: address,
    });
    const setCookie = String(res.headers['set-cookie'] ?? '');
    const token = new RegExp(`${sessionCookie}=([^;]*)`).exec(setCookie)?.[1] ?? '';
    const body = JSON.parse(res.body);
    registerSecret(token);
    registerSecret(password);
    return { status: res.statusCode, setCookie, cookie: `${sessionCookie}=${token}`, csrf: body.csrfToken ?? '', body };
  }
  const as = (
    s: Pick<Signed, 'cookie' | 'csrf'>,
    method: 'GET' | 'POST',
    url: string,
    body?: unknown,
    csrf: string | null = s.csrf,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<Reply<any>> => h.call(method, url, body, null, { cookie: s.cookie, ...(csrf !== null ? { [csrfHeader]: csrf } : {}) });

  /** A new account through the platform's API; answers its one-time password. */
  async function addUser(name: string, role: string, extra: Record<string, unknown> = {}): Promise<{ id: string; password: string }> {
    const r = await h.call('POST', '/v1/admin/users', { name, role, ...extra }, h.keys.platform);
    expect(r.status).toBe(200);
    return { id: r.body.account.id, password: r.body.oneTimePassword };
  }

  /** An owner who changed the one-time password: a session with nothing pending. */
  async function readyOwner(name = 'olivia'): Promise<Signed & { password: string }> {
    const { password: once } = await addUser(name, 'owner', { email: `${name}@brand.example` });
    const first = await signIn(name, once);
    expect(first.body.pending).toEqual(['change_password']);
    const password = 'a much longer secret phrase';
    expect((await as(first, 'POST', '/v1/account/password', { currentPassword: once, newPassword: password })).body.pending).toEqual([]);
    return { ...first, password };
  }

  it('signs in with a one-time password into an httpOnly SameSite=Strict cookie, and must change it first', async () => {
    h = await bootHub(target);
    const { password } = await addUser('olivia', 'owner');
    expect(password).toMatch(/^[A-Za-z2-9]{5}(-[A-Za-z2-9]{5}){3}$/);
    const s = await signIn('olivia', password);
    expect(s.status).toBe(200);
    expect(s.setCookie).toMatch(/HttpOnly/);
    expect(s.setCookie).toMatch(/SameSite=Strict/);
    expect(s.setCookie).not.toMatch(/Secure/); // plain HTTP on loopback; under TLS it is Secure
    expect(s.body).toMatchObject({ account: { name: 'olivia', role: 'owner', mustChangePassword: true }, pending: ['change_password'] });
    // nothing but its own sign-in until the password is changed
    expect((await as(s, 'GET', '/v1/admin/credentials')).body.error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await as(s, 'GET', '/v1/auth/session')).status).toBe(200);
    expect(
      (await as(s, 'POST', '/v1/account/password', { currentPassword: 'wrong-password', newPassword: 'another long password' })).body.error
        .code,
    ).toBe('PASSWORD_WRONG');
    expect((await as(s, 'POST', '/v1/account/password', { currentPassword: password, newPassword: 'short' })).body.error.code).toBe(
      'OUT_OF_RANGE',
    );
    const changed = await as(s, 'POST', '/v1/account/password', { currentPassword: password, newPassword: 'olivia-is-my-name-123' });
    expect(changed.body.error.code).toBe('PASSWORD_WEAK');
    expect(
      (await as(s, 'POST', '/v1/account/password', { currentPassword: password, newPassword: 'a much longer secret phrase' })).body.pending,
    ).toEqual([]);
    expect((await as(s, 'GET', '/v1/admin/credentials')).status).toBe(200);
    // the one-time password is spent
    expect((await signIn('olivia', password)).body.error.code).toBe('SIGN_IN_FAILED');
    // the hub keeps a scrypt hash, never the password
    const row = await h.store.db.selectFrom('accounts').select('password_hash').where('name', '=', 'olivia').executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$\d+\$8\$1\$/);
    expect(row.password_hash).not.toContain('a much longer secret phrase');
  });

  it("refuses a state-changing request made with the cookie but without the session's CSRF token", async () => {
    h = await bootHub(target);
    await seedWorld(h);
    const s = await readyOwner();
    const factory = { name: 'Plant 9' };
    expect((await as(s, 'POST', '/v1/admin/factories', factory, null)).body.error.code).toBe('CSRF_INVALID');
    expect((await as(s, 'POST', '/v1/admin/factories', factory, 'x'.repeat(43))).body.error.code).toBe('CSRF_INVALID');
    const other = await readyOwner('oscar');
    expect((await as(s, 'POST', '/v1/admin/factories', factory, other.csrf)).body.error.code).toBe('CSRF_INVALID');
    expect((await h.admin('GET', '/v1/admin/factories')).body.factories.map((f: { name: string }) => f.name)).not.toContain('Plant 9');
    expect((await as(s, 'POST', '/v1/admin/factories', factory)).status).toBe(200);
    // reads need no CSRF token; an API key needs none (it is not sent by a browser on its own)
    expect((await as(s, 'GET', '/v1/admin/factories', undefined, null)).status).toBe(200);
  });

  it('locks an account name after repeated failures, with a lock that doubles; and an address trying many names', async () => {
    h = await bootHub(target, { config: { auth: { accountFailures: 3, addressFailures: 6, lockBaseMs: 10_000, lockMaxMs: 600_000 } } });
    const { password } = await addUser('olivia', 'owner');
    for (let i = 0; i < 3; i++) expect((await signIn('olivia', 'wrong')).body.error.code).toBe('SIGN_IN_FAILED');
    const locked = await signIn('olivia', password);
    expect([locked.status, locked.body.error.code, locked.body.error.details.retryAfterSeconds]).toEqual([429, 'SIGN_IN_LOCKED', 10]);
    h.clock.advance(10_001);
    expect((await signIn('olivia', 'wrong')).status).toBe(401); // the 4th failure: locked for 20 s
    h.clock.advance(10_001);
    expect((await signIn('olivia', password)).body.error.code).toBe('SIGN_IN_LOCKED');
    h.clock.advance(10_000);
    expect((await signIn('olivia', password)).status).toBe(200); // unlocked; success clears the count
    // an unknown name is answered like a wrong password, and counts too
    expect((await signIn('nobody-here', 'x', undefined, '10.0.0.9')).body.error).toMatchObject({
      code: 'SIGN_IN_FAILED',
      message: 'The name or the password is wrong (or the account is disabled).',
    });
    // one address guessing many names is locked, whatever the name
    for (let i = 0; i < 5; i++) await signIn(`guess${i}`, 'x', undefined, '10.0.0.9');
    expect((await signIn('olivia', password, undefined, '10.0.0.9')).body.error.code).toBe('SIGN_IN_LOCKED');
    expect((await signIn('olivia', password, undefined, '10.0.0.10')).status).toBe(200);
  });

  it('ends a session when idle too long, and at its absolute limit however busy', async () => {
    h = await bootHub(target, { config: { auth: { sessionIdleMs: 60_000, sessionMaxMs: 300_000 } } });
    const s = await readyOwner();
    h.clock.advance(59_000);
    expect((await as(s, 'GET', '/v1/admin/products')).status).toBe(200);
    h.clock.advance(59_000); // idle 59 s since the last request: still fine
    expect((await as(s, 'GET', '/v1/admin/products')).status).toBe(200);
    h.clock.advance(61_000);
    expect((await as(s, 'GET', '/v1/admin/products')).body.error).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Your session has expired: sign in again.',
    });
    const busy = await signIn('olivia', s.password);
    for (let i = 0; i < 5; i++) {
      h.clock.advance(50_000);
      expect((await as(busy, 'GET', '/v1/admin/products')).status).toBe(200);
    }
    h.clock.advance(51_000); // 301 s after sign-in, 51 s after the last request
    expect((await as(busy, 'GET', '/v1/admin/products')).status).toBe(401);
  });

  it('signs out one session, or every session of the account', async () => {
    h = await bootHub(target);
    const a = await readyOwner();
    const b = await signIn('olivia', a.password);
    const c = await signIn('olivia', a.password);
    const out = await as(a, 'POST', '/v1/auth/logout');
    expect(out.body).toEqual({ ok: true, sessionsEnded: 1 });
    expect((await as(a, 'GET', '/v1/admin/products')).status).toBe(401);
    expect((await as(b, 'GET', '/v1/admin/products')).status).toBe(200);
    expect((await as(b, 'POST', '/v1/auth/logout-all')).body).toEqual({ ok: true, sessionsEnded: 2 });
    expect((await as(b, 'GET', '/v1/admin/products')).status).toBe(401);
    expect((await as(c, 'GET', '/v1/admin/products')).status).toBe(401);
  });

  it('requires a second factor for platform accounts: set up, then asked at every sign-in, each code once', async () => {
    h = await bootHub(target);
    const { password: once } = await addUser('paula', 'platform');
    const s = await signIn('paula', once);
    await as(s, 'POST', '/v1/account/password', { currentPassword: once, newPassword: 'platform password 2026' });
    expect((await as(s, 'GET', '/v1/auth/session')).body.pending).toEqual(['setup_totp']);
    expect((await as(s, 'GET', '/v1/admin/users')).body.error.code).toBe('TOTP_SETUP_REQUIRED');
    const setup = await as(s, 'POST', '/v1/account/totp');
    expect(setup.body.uri).toMatch(/^otpauth:\/\/totp\/Credential%20hub:paula\?/);
    expect(
      (
        await as(s, 'POST', '/v1/account/totp/confirm', {
          code: '000000' === totpNow(setup.body.secret, h.clock.now()) ? '111111' : '000000',
        })
      ).body.error.code,
    ).toBe('TOTP_WRONG');
    expect((await as(s, 'POST', '/v1/account/totp/confirm', { code: totpNow(setup.body.secret, h.clock.now()) })).body.pending).toEqual([]);
    expect((await as(s, 'GET', '/v1/admin/users')).status).toBe(200);
    // signing in now needs the code
    expect((await signIn('paula', 'platform password 2026')).body.error.code).toBe('SECOND_FACTOR_REQUIRED');
    h.clock.advance(30_000);
    const code = totpNow(setup.body.secret, h.clock.now());
    expect((await signIn('paula', 'platform password 2026', code)).status).toBe(200);
    expect((await signIn('paula', 'platform password 2026', code)).body.error.code).toBe('SIGN_IN_FAILED'); // a code is used once
    // optional for the other roles
    const owner = await readyOwner();
    expect((await as(owner, 'GET', '/v1/auth/session')).body.pending).toEqual([]);
  });

  it('API keys: named, shown once, kept hashed, bound to the role, last use recorded, revocable; managed from a session only', async () => {
    h = await bootHub(target);
    const s = await readyOwner();
    const made = await as(s, 'POST', '/v1/account/api-keys', { name: 'nightly report' });
    expect(made.body.key).toMatch(/^hk_[A-Za-z0-9_-]{43}$/); // 256 random bits
    const key: string = made.body.key;
    registerSecret(key);
    const rows = await h.store.db.selectFrom('api_keys').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(key);
    expect((await h.call('GET', '/v1/admin/credentials', undefined, key)).status).toBe(200);
    expect((await h.call('POST', '/v1/admin/update-requests/00000000-0000-4000-8000-000000000000/approve', {}, key)).body.error.code).toBe(
      'FORBIDDEN',
    ); // an owner's key is an owner
    const listed = await as(s, 'GET', '/v1/account/api-keys');
    expect(listed.body.apiKeys).toEqual([
      expect.objectContaining({
        name: 'nightly report',
        prefix: key.slice(0, 10),
        lastUsedAt: new Date(h.clock.now()).toISOString(),
        revokedAt: null,
      }),
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(key);
    // a key cannot make keys, change the password or sign out
    expect((await h.call('POST', '/v1/account/api-keys', { name: 'more' }, key)).body.error.code).toBe('SESSION_REQUIRED');
    expect((await as(s, 'POST', `/v1/account/api-keys/${made.body.apiKey.id}/revoke`)).body.revokedAt).not.toBeNull();
    expect((await h.call('GET', '/v1/admin/credentials', undefined, key)).status).toBe(401);
  });

  it('accounts: list, disable (sessions and keys stop), reset password (one-time again), set role; the last platform account stays', async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const s = await readyOwner();
    const key = (await as(s, 'POST', '/v1/account/api-keys', { name: 'k' })).body.key;
    const olivia = (await h.call('GET', '/v1/admin/users', undefined, h.keys.auditor)).body.accounts.find(
      (a: { name: string }) => a.name === 'olivia',
    );
    expect(olivia).toMatchObject({ role: 'owner', email: 'olivia@brand.example', emailVerified: false, disabled: false });
    expect((await h.call('POST', `/v1/admin/users/${olivia.id}/disable`, {}, h.keys.auditor)).body.error.code).toBe('FORBIDDEN');
    expect((await h.call('POST', `/v1/admin/users/${olivia.id}/disable`, {}, h.keys.platform)).body.disabled).toBe(true);
    expect((await as(s, 'GET', '/v1/admin/products')).status).toBe(401);
    expect((await h.call('GET', '/v1/admin/products', undefined, key)).status).toBe(401);
    expect((await signIn('olivia', s.password)).body.error.code).toBe('SIGN_IN_FAILED');
    const reset = await h.call('POST', `/v1/admin/users/${olivia.id}/reset-password`, {}, h.keys.platform);
    expect(reset.body.account.mustChangePassword).toBe(true);
    const role = await h.call('POST', `/v1/admin/users/${olivia.id}/role`, { role: 'factory', factoryId: w.factoryId }, h.keys.platform);
    expect(role.body).toMatchObject({ role: 'factory', factoryId: w.factoryId });
    expect((await h.call('POST', `/v1/admin/users/${olivia.id}/role`, { role: 'factory' }, h.keys.platform)).body.error.code).toBe(
      'INVALID_REQUEST',
    );
    expect((await h.call('POST', '/v1/admin/users', { name: 'olivia', role: 'auditor' }, h.keys.platform)).body.error.code).toBe(
      'ACCOUNT_NAME_TAKEN',
    );
    // the platform key's own account is the only platform account
    const me = (await h.call('GET', '/v1/admin/users', undefined, h.keys.platform)).body.accounts.find(
      (a: { role: string }) => a.role === 'platform',
    );
    expect((await h.call('POST', `/v1/admin/users/${me.id}/disable`, {}, h.keys.platform)).body.error.code).toBe('LAST_PLATFORM_ACCOUNT');
    expect((await h.call('POST', `/v1/admin/users/${me.id}/role`, { role: 'auditor' }, h.keys.platform)).body.error.code).toBe(
      'LAST_PLATFORM_ACCOUNT',
    );
  });

  it('every account route is refused to the roles it is not for, before anything is read or changed', async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const factoryKey = await h.factoryKey(w.factoryId);
    const keyOf = { platform: h.keys.platform, owner: h.keys.owner, auditor: h.keys.auditor, factory: factoryKey };
    const routes = (Object.entries(hubRoutes) as [string, HubRouteDef][]).filter(([, r]) => r.auth === 'account');
    let refusals = 0;
    for (const [name, r] of routes) {
      for (const role of ['platform', 'owner', 'factory', 'auditor'] as const) {
        if (r.roles!.includes(role)) continue;
        const res = await h.call(
          r.method,
          r.url.replace(':id', '00000000-0000-4000-8000-000000000000'),
          r.method === 'POST' ? {} : undefined,
          keyOf[role],
        );
        expect([name, role, res.status, res.body.error?.code]).toEqual([name, role, 403, 'FORBIDDEN']);
        refusals++;
      }
    }
    expect(refusals).toBeGreaterThan(60);
    // the auditor changes nothing
    const writes = routes.filter(([, r]) => r.method === 'POST');
    expect(writes.filter(([, r]) => r.roles!.includes('auditor'))).toEqual([]);
    // approve and pay are the platform's alone; the credential work is the owner's
    expect(hubRoutes.approveUpdate.roles).toEqual(['platform']);
    expect(hubRoutes.payUpdate.roles).toEqual(['platform']);
    for (const n of ['split', 'requestUpdate', 'download', 'startThirdPartyJob', 'confirmCredential'] as const)
      expect(hubRoutes[n].roles).toEqual(['owner']);
  });

  it('a factory account sees and changes only its own factory', async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const other = (await h.admin('POST', '/v1/admin/factories', { name: 'Elsewhere' })).body.id as string;
    const otherLine = (await h.admin('POST', `/v1/admin/factories/${other}/lines`, { name: 'X' })).body.id as string;
    const otherStation = (await h.admin('POST', `/v1/admin/lines/${otherLine}/stations`, { name: 'X-1' })).body.id as string;
    const mine = await makeCredential(h);
    const theirs = await makeCredential(h);
    await h.admin('POST', `/v1/admin/credentials/${mine.id}/assign`, { factoryId: w.factoryId });
    await h.admin('POST', `/v1/admin/credentials/${theirs.id}/assign`, { factoryId: other });
    const fk = await h.factoryKey(w.factoryId);
    const f = (method: 'GET' | 'POST', url: string, body?: unknown) => h.call(method, url, body, fk);
    expect((await f('GET', '/v1/admin/credentials')).body.credentials.map((c: { id: string }) => c.id)).toEqual([mine.id]);
    expect((await f('GET', '/v1/admin/factories')).body.factories.map((x: { id: string }) => x.id)).toEqual([w.factoryId]);
    expect((await f('GET', `/v1/admin/credentials/${theirs.id}`)).body.error.code).toBe('CREDENTIAL_NOT_FOUND');
    expect((await f('GET', `/v1/admin/credentials/${theirs.id}/history`)).body.error.code).toBe('CREDENTIAL_NOT_FOUND');
    expect((await f('GET', '/v1/admin/reports/stations')).body.rows.map((r: { stationId: string }) => r.stationId).sort()).toEqual(
      [w.s1, w.s2, w.s3].sort(),
    );
    // within its factory: lines, stations, enrollment, revocation, assignment to its lines and stations
    expect((await f('POST', `/v1/admin/factories/${w.factoryId}/lines`, { name: 'Line C' })).status).toBe(200);
    expect(
      (await f('POST', `/v1/admin/credentials/${mine.id}/assign`, { factoryId: w.factoryId, stationId: w.s1 })).body.assignment.stationId,
    ).toBe(w.s1);
    expect((await f('POST', `/v1/admin/stations/${w.s2}/enrollment-codes`, {})).status).toBe(200);
    expect((await f('POST', `/v1/admin/stations/${w.s2}/revoke`)).status).toBe(200);
    // outside it: as if it did not exist
    expect((await f('POST', `/v1/admin/factories/${other}/lines`, { name: 'Mine now' })).body.error.code).toBe('FACTORY_NOT_FOUND');
    expect((await f('POST', `/v1/admin/lines/${otherLine}/stations`, { name: 'Mine now' })).body.error.code).toBe('LINE_NOT_FOUND');
    expect((await f('POST', `/v1/admin/stations/${otherStation}/enrollment-codes`, {})).body.error.code).toBe('STATION_NOT_FOUND');
    expect((await f('POST', `/v1/admin/stations/${otherStation}/revoke`)).body.error.code).toBe('STATION_NOT_FOUND');
    expect((await f('POST', `/v1/admin/credentials/${theirs.id}/assign`, { factoryId: w.factoryId })).body.error.code).toBe(
      'CREDENTIAL_NOT_FOUND',
    );
    expect((await f('POST', `/v1/admin/credentials/${mine.id}/assign`, { factoryId: other })).body.error.code).toBe('FACTORY_NOT_FOUND');
    expect((await h.admin('GET', `/v1/admin/credentials/${theirs.id}`)).body.assignment.factoryId).toBe(other);
    expect((await h.admin('GET', '/v1/admin/factories')).body.factories.find((x: { id: string }) => x.id === other).lines).toHaveLength(1);
  });

  it('the station keeps its token; the supervisor it names is checked and recorded', async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const t = await enrollStation(h, w.s1);
    expect((await h.call('GET', '/v1/station/me', undefined, t, { 'x-station-supervisor': 'Wang Li #7' })).status).toBe(200);
    expect((await h.call('GET', '/v1/station/me', undefined, t, { 'x-station-supervisor': 'x'.repeat(121) })).body.error.code).toBe(
      'INVALID_REQUEST',
    );
    expect((await h.call('GET', '/v1/station/me', undefined, t, { 'x-station-supervisor': 'a<script>' })).body.error.code).toBe(
      'INVALID_REQUEST',
    );
  });
});
