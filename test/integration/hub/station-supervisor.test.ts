// The station's supervisor routes: the station's own token, only its own groups; the admin API stays out of reach.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hubRoutes, type Factory, type HubRouteDef, type Station } from '../../../common/hub-api';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('station supervisor routes on %s', (target) => {
  let h: TestHub;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  let t1: string;
  let t2: string;
  beforeEach(async () => {
    h = await bootHub(target);
    world = await seedWorld(h);
    t1 = await enrollStation(h, world.s1);
    t2 = await enrollStation(h, world.s2);
  });
  afterEach(async () => h?.close());

  const assign = (id: string, stationId: string | null, lineId: string | null = null) =>
    h.admin('POST', `/v1/admin/credentials/${id}/assign`, { factoryId: world.factoryId, lineId, stationId });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const st = <T = any>(token: string, method: 'GET' | 'POST', url: string, body?: unknown) =>
    h.call<T>(method, url, method === 'POST' ? (body ?? {}) : undefined, token);
  const contact = (stationId: string, destination = 'line-a-boss@example.com') =>
    h.admin('POST', `/v1/admin/stations/${stationId}/download-contact`, { channel: 'email', destination });
  /** A group of `stationId`'s (product p2 supports HomeKit and Find My). */
  const groupOf = async (stationId: string, o: { pid?: string; purchased?: number } = {}) => {
    const c = await makeCredential(h, { pid: o.pid ?? 'p2', purchased: o.purchased ?? 6 });
    expect((await assign(c.id, stationId)).status).toBe(200);
    return c.id;
  };
  const state = async (id: string) => (await h.admin('GET', `/v1/admin/credentials/${id}`)).body.state as string;

  it('lists products to pick the target of a change', async () => {
    const r = await st(t1, 'GET', '/v1/station/products');
    expect(r.status).toBe(200);
    expect(r.body.products.map((p: { pid: string }) => p.pid)).toEqual(['p0', 'p1', 'p2']);
  });

  it('changes the product of its own group: request, list, details, history, recall; approve and pay stay with the hub operator', async () => {
    const id = await groupOf(world.s1, { pid: 'p1' });
    const req = await st(t1, 'POST', `/v1/station/credentials/${id}/update-requests`, { targetPid: 'p2', deliveryMode: 'license_list' });
    expect(req.status).toBe(200);
    expect(req.body.update).toMatchObject({
      fromPid: 'p1',
      toPid: 'p2',
      toDeliveryMode: 'license_list',
      state: 'confirming_update',
      priceDifferenceCents: 500 * 6,
    });
    expect(await state(id)).toBe('confirming_update');
    const list = await st(t1, 'GET', `/v1/station/credentials/${id}/update-requests`);
    expect(list.body.updates.map((u: { id: string }) => u.id)).toEqual([req.body.update.id]);
    const details = await st(t1, 'GET', `/v1/station/update-requests/${req.body.update.id}`);
    expect(details.status).toBe(200);
    expect(details.body.events.map((e: { kind: string }) => e.kind)).toEqual(['update_requested']);
    // approve is not a station's: the admin route does not take the station token
    expect((await st(t1, 'POST', `/v1/admin/update-requests/${req.body.update.id}/approve`)).status).toBe(401);
    const recall = await st(t1, 'POST', `/v1/station/update-requests/${req.body.update.id}/recall`);
    expect(recall.body.update.state).toBe('recalled');
    expect(await state(id)).toBe('valid');
    const history = await st(t1, 'GET', `/v1/station/credentials/${id}/history`);
    expect(history.body.events.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(['created', 'assigned', 'update_requested', 'update_recalled']),
    );

    // a second request, approved and paid by the hub operator, is seen from the station as it goes
    h.clock.advance(1000); // the history lists requests by time; at the same instant their order would be the ids' (random)
    const again = await st(t1, 'POST', `/v1/station/credentials/${id}/update-requests`, { targetPid: 'p2', deliveryMode: 'credential' });
    expect((await h.admin('POST', `/v1/admin/update-requests/${again.body.update.id}/approve`)).body.update.state).toBe('being_paid');
    expect((await st(t1, 'GET', `/v1/station/update-requests/${again.body.update.id}`)).body.update.state).toBe('being_paid');
    await h.admin('POST', `/v1/admin/update-requests/${again.body.update.id}/pay`, { paymentReference: 'INV-7' });
    expect(
      (await st(t1, 'GET', `/v1/station/credentials/${id}/update-requests`)).body.updates.map((u: { state: string }) => u.state),
    ).toEqual(['recalled', 'updated']);
    // the lifecycle's refusals come through unchanged
    const done = await st(t1, 'POST', `/v1/station/update-requests/${again.body.update.id}/recall`);
    expect(done.status).toBe(409);
    expect(done.body.error.code).toBe('UPDATE_NOT_RECALLABLE');
  });

  it('starts a third-party job on its own group, reads its progress and only its own notices', async () => {
    await h.close();
    h = await bootHub(target, { runJobs: true, config: { jobs: { pollMs: 20, chunkSize: 2 } } });
    world = await seedWorld(h);
    t1 = await enrollStation(h, world.s1);
    t2 = await enrollStation(h, world.s2);
    const mine = await groupOf(world.s1, { purchased: 3 });
    const theirs = await groupOf(world.s2, { purchased: 2 });
    const job = await st(t1, 'POST', `/v1/station/credentials/${mine}/third-party-jobs`, { kinds: ['homekit'] });
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ credentialId: mine, kinds: ['homekit'], total: 3 });
    const other = await st(t2, 'POST', `/v1/station/credentials/${theirs}/third-party-jobs`, {});
    expect(other.status).toBe(200);
    let progress = job.body;
    for (let i = 0; i < 200 && progress.state !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      progress = (await st(t1, 'GET', `/v1/station/jobs/${job.body.id}`)).body;
    }
    expect(progress).toMatchObject({ state: 'done', done: 3, total: 3 });
    await expect.poll(async () => (await st(t2, 'GET', `/v1/station/jobs/${other.body.id}`)).body.state, { timeout: 5000 }).toBe('done');
    const n1 = await st(t1, 'GET', '/v1/station/notices');
    expect(n1.body.notices.map((n: { jobId: string }) => n.jobId)).toEqual([job.body.id]);
    expect(n1.body.notices[0]).toMatchObject({ kind: 'third_party_done', credentialId: mine });
    // the other station's job is neither readable nor in the list
    const refused = await st(t1, 'GET', `/v1/station/jobs/${other.body.id}`);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('NOT_YOUR_GROUP');
    expect((await st(t2, 'GET', '/v1/station/notices')).body.notices.map((n: { jobId: string }) => n.jobId)).toEqual([other.body.id]);
  });

  describe('download with a one-time code', () => {
    it("the contact's address must fit its channel: an email address, or a phone in international form (spaces and dashes dropped)", async () => {
      const set = (channel: string, destination: string) =>
        h.admin('POST', `/v1/admin/stations/${world.s1}/download-contact`, { channel, destination });
      for (const [channel, destination, code] of [
        ['email', 'boss at example.com', 'CONTACT_EMAIL_INVALID'],
        ['email', '+8613800138000', 'CONTACT_EMAIL_INVALID'],
        ['sms', 'boss@example.com', 'CONTACT_PHONE_INVALID'],
        ['sms', '13800138000', 'CONTACT_PHONE_INVALID'],
        ['sms', '+86 138', 'CONTACT_PHONE_INVALID'],
        ['sms', '+1234567890123456', 'CONTACT_PHONE_INVALID'],
      ]) {
        const r = await set(channel!, destination!);
        expect(r.status, destination).toBe(400);
        expect(r.body.error.code, destination).toBe(code);
      }
      // a refusal stores nothing
      const stations = (await h.admin('GET', '/v1/admin/factories')).body.factories.flatMap((f: Factory) =>
        f.lines.flatMap((l) => l.stations),
      ) as Station[];
      expect(stations.find((x) => x.id === world.s1)?.downloadContact).toBeNull();
      const phone = await set('sms', ' +86 138-0013 8000 ');
      expect(phone.status).toBe(200);
      expect(phone.body.downloadContact).toEqual({ channel: 'sms', destination: '+8613800138000' });
      expect((await set('email', 'Line-A.Boss@factory.example')).body.downloadContact).toEqual({
        channel: 'email',
        destination: 'Line-A.Boss@factory.example',
      });
    });

    it('the hub sends the code to the contact its operator set; the answer never holds it; used once', async () => {
      const id = await groupOf(world.s1, { pid: 'p1', purchased: 4 });
      const missing = await st(t1, 'POST', `/v1/station/credentials/${id}/download-codes`);
      expect(missing.status).toBe(409);
      expect(missing.body.error.code).toBe('DOWNLOAD_CONTACT_MISSING');
      expect((await contact(world.s1)).body.downloadContact).toEqual({ channel: 'email', destination: 'line-a-boss@example.com' });
      // the station cannot name where the code goes
      const named = await st(t1, 'POST', `/v1/station/credentials/${id}/download-codes`, {
        channel: 'email',
        destination: 'thief@example.com',
      });
      expect(named.status).toBe(400);
      expect(named.body.error.code).toBe('UNKNOWN_FIELD');
      const sent = await st(t1, 'POST', `/v1/station/credentials/${id}/download-codes`);
      expect(sent.status).toBe(200);
      expect(sent.body.sentTo).toBe('l***@example.com');
      expect(h.sent).toHaveLength(1);
      expect(h.sent[0]!.destination).toBe('line-a-boss@example.com');
      const code = h.sent[0]!.code;
      expect(JSON.stringify(sent.body)).not.toContain(code);
      const wrong = code === '000000' ? '000001' : '000000';
      expect(
        (await st(t1, 'POST', `/v1/station/credentials/${id}/download`, { codeId: sent.body.codeId, code: wrong })).body.error.code,
      ).toBe('DOWNLOAD_CODE_WRONG');
      const d = await st(t1, 'POST', `/v1/station/credentials/${id}/download`, { codeId: sent.body.codeId, code });
      expect(d.status).toBe(200);
      expect(d.body.licenses).toHaveLength(4);
      const again = await st(t1, 'POST', `/v1/station/credentials/${id}/download`, { codeId: sent.body.codeId, code });
      expect(again.status).toBe(403);
      expect(again.body.error.code).toBe('DOWNLOAD_CODE_USED');
    });

    it('says how many licenses a download would hand out before any code; with none, it explains and sends no code', async () => {
      const id = await groupOf(world.s1, { pid: 'p1', purchased: 4 });
      await contact(world.s1);
      expect((await st(t1, 'GET', `/v1/station/credentials/${id}/download-preview`)).body).toEqual({
        credentialId: id,
        licenses: 4,
        heldByStations: 0,
        deliveryMode: 'credential',
      });
      // the station pulls: its licenses are leased to it (it burns them), so a download hands out nothing
      expect((await st(t1, 'POST', '/v1/station/pull', { cursor: null })).status).toBe(200);
      expect((await st(t1, 'GET', `/v1/station/credentials/${id}/download-preview`)).body).toMatchObject({
        licenses: 0,
        heldByStations: 4,
      });
      const before = h.sent.length;
      const refused = await st(t1, 'POST', `/v1/station/credentials/${id}/download-codes`);
      expect(refused.body.error.code).toBe('DOWNLOAD_NOTHING');
      expect(refused.body.error.message).toBe(
        `Credential ${id} has no license to download: its 4 unused licenses are held by stations, which burn them. No code was sent.`,
      );
      expect(h.sent).toHaveLength(before);
    });

    it('codes expire and are rate-limited per group', async () => {
      const id = await groupOf(world.s1, { pid: 'p1', purchased: 2 });
      await contact(world.s1);
      const sent = await st(t1, 'POST', `/v1/station/credentials/${id}/download-codes`);
      h.clock.advance(11 * 60_000);
      expect(
        (await st(t1, 'POST', `/v1/station/credentials/${id}/download`, { codeId: sent.body.codeId, code: h.sent.at(-1)!.code })).body.error
          .code,
      ).toBe('DOWNLOAD_CODE_EXPIRED');
      // the expired one counts too: five codes per group in 15 minutes
      for (let i = 0; i < 4; i++) expect((await st(t1, 'POST', `/v1/station/credentials/${id}/download-codes`)).status).toBe(200);
      const limited = await st(t1, 'POST', `/v1/station/credentials/${id}/download-codes`);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('DOWNLOAD_CODE_RATE_LIMITED');
    });

    it("a code sent for the station's group does not open another station's group", async () => {
      const mine = await groupOf(world.s1, { pid: 'p1', purchased: 2 });
      const theirs = await groupOf(world.s2, { pid: 'p1', purchased: 2 });
      await contact(world.s1);
      const sent = await st(t1, 'POST', `/v1/station/credentials/${mine}/download-codes`);
      const r = await st(t1, 'POST', `/v1/station/credentials/${theirs}/download`, { codeId: sent.body.codeId, code: h.sent.at(-1)!.code });
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe('NOT_YOUR_GROUP');
      expect((await h.admin('GET', `/v1/admin/credentials/${theirs}`)).body.counts.exported).toBe(0);
    });
  });

  it('every route refuses a group of another station with NOT_YOUR_GROUP, the same as a group that does not exist, and changes nothing', async () => {
    await contact(world.s1);
    const theirs = await groupOf(world.s2);
    const update = (
      await h.admin('POST', `/v1/admin/credentials/${theirs}/update-requests`, { targetPid: 'p1', deliveryMode: 'credential' })
    ).body.update.id as string;
    const job = (await st(t2, 'POST', `/v1/station/credentials/${await groupOf(world.s2)}/third-party-jobs`, {})).body.id as string;
    const ghost = randomUUID();
    const calls: [string, 'GET' | 'POST', (id: string) => string, unknown?][] = [
      [
        'request a change',
        'POST',
        (id) => `/v1/station/credentials/${id}/update-requests`,
        { targetPid: 'p1', deliveryMode: 'credential' },
      ],
      ['list updates', 'GET', (id) => `/v1/station/credentials/${id}/update-requests`],
      ['history', 'GET', (id) => `/v1/station/credentials/${id}/history`],
      ['third-party job', 'POST', (id) => `/v1/station/credentials/${id}/third-party-jobs`, {}],
      ['download code', 'POST', (id) => `/v1/station/credentials/${id}/download-codes`, {}],
      ['download', 'POST', (id) => `/v1/station/credentials/${id}/download`, { codeId: randomUUID(), code: '123456' }],
    ];
    const byId: [string, 'GET' | 'POST', (id: string) => string, string][] = [
      ['update details', 'GET', (id) => `/v1/station/update-requests/${id}`, update],
      ['recall', 'POST', (id) => `/v1/station/update-requests/${id}/recall`, update],
      ['job progress', 'GET', (id) => `/v1/station/jobs/${id}`, job],
    ];
    for (const [what, method, url, body] of calls) {
      const r = await st(t1, method, url(theirs), body);
      const none = await st(t1, method, url(ghost), body);
      expect([what, r.status, r.body.error?.code]).toEqual([what, 403, 'NOT_YOUR_GROUP']);
      // nothing tells the two apart but the id in the words
      expect([what, none.status, none.body.error.code, none.body.error.message.replace(ghost, 'X')]).toEqual([
        what,
        403,
        'NOT_YOUR_GROUP',
        r.body.error.message.replace(theirs, 'X'),
      ]);
    }
    for (const [what, method, url, id] of byId) {
      const r = await st(t1, method, url(id));
      const none = await st(t1, method, url(ghost));
      expect([what, r.status, r.body.error?.code]).toEqual([what, 403, 'NOT_YOUR_GROUP']);
      expect([what, none.status, none.body.error.code, none.body.error.message.replace(ghost, 'X')]).toEqual([
        what,
        403,
        'NOT_YOUR_GROUP',
        r.body.error.message.replace(id, 'X'),
      ]);
    }
    // the other station's request is still under review, and no code was sent
    expect(await state(theirs)).toBe('confirming_update');
    expect(h.sent).toHaveLength(0);
    // the owner may do what the neighbour could not
    expect((await st(t2, 'POST', `/v1/station/update-requests/${update}/recall`)).body.update.state).toBe('recalled');
  });

  it('a group its line shares: the station reads it, but only the hub operator (or its own station) changes it', async () => {
    const shared = await makeCredential(h, { pid: 'p2', purchased: 3 });
    await assign(shared.id, null, world.lineA);
    expect((await st(t1, 'GET', `/v1/station/credentials/${shared.id}/update-requests`)).status).toBe(200);
    expect((await st(t1, 'GET', `/v1/station/credentials/${shared.id}/history`)).status).toBe(200);
    const change = await st(t1, 'POST', `/v1/station/credentials/${shared.id}/update-requests`, {
      targetPid: 'p1',
      deliveryMode: 'credential',
    });
    expect(change.status).toBe(403);
    expect(change.body.error.code).toBe('NOT_YOUR_GROUP');
    expect((await st(t1, 'POST', `/v1/station/credentials/${shared.id}/third-party-jobs`, {})).body.error.code).toBe('NOT_YOUR_GROUP');
    // a station of another line does not even read it
    const t3 = await enrollStation(h, world.s3);
    expect((await st(t3, 'GET', `/v1/station/credentials/${shared.id}/history`)).body.error.code).toBe('NOT_YOUR_GROUP');
  });

  it('a group moved to another station is refused from then on', async () => {
    const id = await groupOf(world.s1, { pid: 'p1' });
    expect((await st(t1, 'GET', `/v1/station/credentials/${id}/history`)).status).toBe(200);
    await assign(id, world.s2);
    expect(
      (await st(t1, 'POST', `/v1/station/credentials/${id}/update-requests`, { targetPid: 'p2', deliveryMode: 'credential' })).body.error
        .code,
    ).toBe('NOT_YOUR_GROUP');
    expect(
      (await st(t2, 'POST', `/v1/station/credentials/${id}/update-requests`, { targetPid: 'p2', deliveryMode: 'credential' })).status,
    ).toBe(200);
  });

  const stationSupervisorRoutes = (Object.entries(hubRoutes) as [string, HubRouteDef][]).filter(([, r]) =>
    r.tags.includes('station supervisor'),
  );
  const concrete = (url: string) => url.replace(/:id/g, randomUUID());
  const bodyFor = (r: HubRouteDef) => (r.method === 'POST' ? {} : undefined);

  it('a revoked token or no token is refused on every station supervisor route', async () => {
    expect(stationSupervisorRoutes.length).toBe(12);
    const id = await groupOf(world.s1, { pid: 'p1' });
    await h.admin('POST', `/v1/admin/stations/${world.s1}/revoke`);
    for (const [name, r] of stationSupervisorRoutes) {
      const url = r.url.replace(/:id/g, id);
      const revoked = await h.call(r.method, url, bodyFor(r), t1);
      const none = await h.call(r.method, url, bodyFor(r), null);
      expect([name, revoked.status, revoked.body.error.code]).toEqual([name, 401, 'UNAUTHORIZED']);
      expect([name, none.status, none.body.error.code]).toEqual([name, 401, 'UNAUTHORIZED']);
    }
    expect(await state(id)).toBe('valid');
  });

  it("nothing of the accounts' API answers a station token", async () => {
    const admin = (Object.entries(hubRoutes) as [string, HubRouteDef][]).filter(([, r]) => r.auth === 'account' || r.auth === 'session');
    expect(admin.length).toBeGreaterThan(25);
    for (const [name, r] of admin) {
      const res = await h.call(r.method, concrete(r.url), bodyFor(r), t1);
      expect([name, res.status, res.body.error?.code]).toEqual([name, 401, 'UNAUTHORIZED']);
    }
  });

  it('the OpenAPI page lists the station supervisor routes under the station token', async () => {
    const doc = (await h.call('GET', '/docs/json')).body as {
      paths: Record<string, Record<string, { security?: unknown; tags?: string[] }>>;
    };
    for (const [, r] of stationSupervisorRoutes) {
      const op = doc.paths[r.url.replace(/:id/g, '{id}')]?.[r.method.toLowerCase()];
      expect(op?.security).toEqual([{ station: [] }]);
      expect(op?.tags).toEqual(['station supervisor']);
    }
  });
});
