// People at the stations: a factory account's operator number and badge, its own station PIN (a hash only),
// and the pull that delivers the factory's lines, operators and supervisors to its stations.
import { afterEach, describe, expect, it } from 'vitest';
import { csrfHeader, sessionCookie } from '../../../common/hub-api';
import { verifySecret } from '../../../node/secret-hash';
import { registerSecret } from '../../support/log-sink';
import { bootHub, enrollStation, makeLicenses, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('people at the stations on %s', (target) => {
  let h: TestHub;
  afterEach(async () => {
    await h?.close();
  });

  async function addFactoryUser(name: string, factoryId: string): Promise<{ id: string; password: string }> {
    const r = await h.call('POST', '/v1/admin/users', { name, role: 'factory', factoryId }, h.keys.platform);
    expect(r.status).toBe(200);
    registerSecret(r.body.oneTimePassword);
    return { id: r.body.account.id, password: r.body.oneTimePassword };
  }

  /** Signs in, changes the one-time password: a session that may call its own account routes. */
  async function session(name: string, once: string): Promise<{ cookie: string; csrf: string }> {
    const res = await h.hub.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { name, password: once } });
    const token = new RegExp(`${sessionCookie}=([^;]*)`).exec(String(res.headers['set-cookie'] ?? ''))?.[1] ?? '';
    registerSecret(token);
    const s = { cookie: `${sessionCookie}=${token}`, csrf: JSON.parse(res.body).csrfToken as string };
    const changed = await h.call(
      'POST',
      '/v1/account/password',
      { currentPassword: once, newPassword: 'a long enough new password' },
      null,
      { cookie: s.cookie, [csrfHeader]: s.csrf },
    );
    expect(changed.status).toBe(200);
    return s;
  }

  it("delivers the factory's lines, operators and supervisors (PIN hashes only) on the last page of a pull", async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const li = await addFactoryUser('li.wang', w.factoryId);
    const chen = await addFactoryUser('chen.mei', w.factoryId);
    // an account of another factory is no one here
    const other = (await h.admin('POST', '/v1/admin/factories', { name: 'Elsewhere' })).body.id as string;
    const outsider = await addFactoryUser('outsider', other);

    expect(
      (await h.call('POST', `/v1/admin/users/${li.id}/station-access`, { operatorNumber: '17', badge: 'BADGE-0017' }, h.keys.platform))
        .body,
    ).toMatchObject({ operatorNumber: '17', badge: 'BADGE-0017', stationPin: false });
    await h.call('POST', `/v1/admin/users/${outsider.id}/station-access`, { operatorNumber: '18' }, h.keys.platform);
    // numbers and badges are unique within a factory
    expect(
      (await h.call('POST', `/v1/admin/users/${chen.id}/station-access`, { operatorNumber: '17' }, h.keys.platform)).body.error.code,
    ).toBe('STATION_ACCESS_TAKEN');
    // only factory accounts work at stations
    const ownerId = (await h.call('POST', '/v1/admin/users', { name: 'olivia', role: 'owner' }, h.keys.platform)).body.account.id as string;
    expect(
      (await h.call('POST', `/v1/admin/users/${ownerId}/station-access`, { operatorNumber: '19' }, h.keys.platform)).body.error.code,
    ).toBe('NOT_A_FACTORY_ACCOUNT');
    // a factory manager sets its own factory's people, and does not see another factory's
    const manager = await h.factoryKey(w.factoryId);
    expect((await h.call('POST', `/v1/admin/users/${chen.id}/station-access`, { operatorNumber: '21' }, manager)).status).toBe(200);
    expect((await h.call('POST', `/v1/admin/users/${outsider.id}/station-access`, { operatorNumber: '22' }, manager)).body.error.code).toBe(
      'ACCOUNT_NOT_FOUND',
    );

    // chen sets her own station PIN from her session
    const s = await session('chen.mei', chen.password);
    expect(
      (await h.call('POST', '/v1/account/station-pin', { pin: '12' }, null, { cookie: s.cookie, [csrfHeader]: s.csrf })).body.error.code,
    ).toBe('INVALID_REQUEST');
    const pinned = await h.call('POST', '/v1/account/station-pin', { pin: '4826' }, null, { cookie: s.cookie, [csrfHeader]: s.csrf });
    expect(pinned.body).toMatchObject({ name: 'chen.mei', stationPin: true });

    const token = await enrollStation(h, w.s1);
    const pull = await h.call('POST', '/v1/station/pull', { cursor: null }, token);
    expect(pull.status).toBe(200);
    const people = pull.body.people;
    expect(people.lines.map((l: { name: string }) => l.name)).toEqual(['Line A', 'Line B']);
    expect(people.operators).toEqual([
      { accountId: chen.id, name: 'chen.mei', number: '21', badge: null },
      { accountId: li.id, name: 'li.wang', number: '17', badge: 'BADGE-0017' },
    ]);
    expect(people.supervisors).toHaveLength(1);
    expect(people.supervisors[0]).toMatchObject({ accountId: chen.id, name: 'chen.mei' });
    // a hash the station checks offline; the PIN itself travels nowhere
    expect(JSON.stringify(pull.body)).not.toContain('4826');
    expect(await verifySecret('4826', people.supervisors[0].pinHash)).toBe(true);
    expect(await verifySecret('4827', people.supervisors[0].pinHash)).toBe(false);

    // a disabled account and a removed PIN leave with the next pull
    await h.call('POST', `/v1/admin/users/${li.id}/disable`, undefined, h.keys.platform);
    await h.call('POST', `/v1/admin/users/${chen.id}/station-access`, { clearStationPin: true }, h.keys.platform);
    const again = await h.call('POST', '/v1/station/pull', { cursor: pull.body.cursor }, token);
    expect(again.body.people).toMatchObject({ operators: [{ name: 'chen.mei' }], supervisors: [] });
  });

  it('sends the people only on the last page of a pull', async () => {
    h = await bootHub(target);
    const w = await seedWorld(h);
    const c = await h.admin('POST', '/v1/admin/credentials', {
      pid: 'p1',
      owner: 'mine',
      deliveryMode: 'credential',
      firmwareKey: 'fwkey-abc',
      chip: 'BK7231N',
    });
    await h.admin('POST', `/v1/admin/credentials/${c.body.id}/licenses`, { kind: 'purchased', licenses: makeLicenses(3) });
    await h.admin('POST', `/v1/admin/credentials/${c.body.id}/assign`, { factoryId: w.factoryId, stationId: w.s1 });
    const token = await enrollStation(h, w.s1);
    const first = await h.call('POST', '/v1/station/pull', { cursor: null, limit: 2 }, token);
    expect(first.body.hasMore).toBe(true);
    expect(first.body.people).toBeUndefined();
    const last = await h.call('POST', '/v1/station/pull', { cursor: first.body.cursor, limit: 2 }, token);
    expect(last.body.hasMore).toBe(false);
    expect(last.body.people.lines).toHaveLength(2);
  });
});
