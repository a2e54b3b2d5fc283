// The credential lifecycle of ARCHITECTURE.md "Domain": every state transition and every refusal, on each store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootHub, makeCredential, makeLicenses, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('credential lifecycle on %s', (target) => {
  let h: TestHub;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  beforeEach(async () => {
    h = await bootHub(target);
    world = await seedWorld(h);
  });
  afterEach(async () => h?.close());

  describe('import', () => {
    it('imports purchased and free licenses and counts them', async () => {
      const c = await makeCredential(h, { purchased: 4, free: 3 });
      const got = await h.admin('GET', `/v1/admin/credentials/${c.id}`);
      expect(got.body).toMatchObject({ purchased: 4, free: 3, counts: { unused: 7, leased: 0, burned: 0 } });
    });

    it('refuses a list with a license already on the hub, importing nothing', async () => {
      const a = await makeCredential(h, { purchased: 3 });
      const b = await makeCredential(h, { purchased: 0 });
      const fresh = makeLicenses(2);
      const r = await h.admin('POST', `/v1/admin/credentials/${b.id}/licenses`, { licenses: [...fresh, a.purchased[1]] });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('LICENSE_EXISTS');
      expect((await h.admin('GET', `/v1/admin/credentials/${b.id}`)).body.counts.unused).toBe(0);
    });

    it('refuses a list naming one license twice', async () => {
      const b = await makeCredential(h, { purchased: 0 });
      const [l] = makeLicenses(1);
      const r = await h.admin('POST', `/v1/admin/credentials/${b.id}/licenses`, { licenses: [l, l] });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'DUPLICATE_LICENSE', details: { rows: [1, 2] } });
    });

    it('imports a CSV license list with the shared parser, and names the bad lines of a bad one', async () => {
      const b = await makeCredential(h, { purchased: 0 });
      const ls = makeLicenses(3);
      const csv = ['uuid,authkey,mac', ...ls.map((l) => `${l.uuid},${l.authkey},${l.mac}`)].join('\n');
      const ok = await h.admin('POST', `/v1/admin/credentials/${b.id}/import`, {
        fileName: 'list.csv',
        contentBase64: Buffer.from(csv).toString('base64'),
      });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ imported: 3, purchased: 3 });
      const fresh = makeLicenses(1)[0]!;
      const bad = ['uuid,authkey', 'short,key', `${fresh.uuid},${fresh.authkey}`].join('\n');
      const r = await h.admin('POST', `/v1/admin/credentials/${b.id}/import`, {
        fileName: 'bad.csv',
        contentBase64: Buffer.from(bad).toString('base64'),
      });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('LICENSE_LIST_INVALID');
      expect((r.body.error.details.errors as { line: number }[]).map((e) => e.line)).toContain(2);
      // A well-formed file repeating a license the hub already holds is refused too, naming the line.
      const known = ['uuid,authkey', `${fresh.uuid},${fresh.authkey}`, `${ls[0]!.uuid},${ls[0]!.authkey}`].join('\n');
      const r2 = await h.admin('POST', `/v1/admin/credentials/${b.id}/import`, {
        fileName: 'known.csv',
        contentBase64: Buffer.from(known).toString('base64'),
      });
      expect(r2.body.error.details.errors).toEqual([expect.objectContaining({ line: 3, code: 'KNOWN_UUID' })]);
      expect((await h.admin('GET', `/v1/admin/credentials/${b.id}`)).body.counts.unused).toBe(3);
    });
  });

  describe('customer credentials', () => {
    it('cannot be split before the factory confirms them, and can after', async () => {
      const c = await makeCredential(h, { owner: 'customer', purchased: 4 });
      expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.confirmed).toBe(false);
      const refused = await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 1, free: 0 });
      expect(refused.body.error.code).toBe('CREDENTIAL_NOT_CONFIRMED');
      const conf = await h.admin('POST', `/v1/admin/credentials/${c.id}/confirm`);
      expect(conf.body.confirmed).toBe(true);
      expect((await h.admin('POST', `/v1/admin/credentials/${c.id}/confirm`)).body.error.code).toBe('ALREADY_CONFIRMED');
      expect((await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 1, free: 0 })).status).toBe(200);
    });

    it('lists my credentials apart from customers', async () => {
      await makeCredential(h, { owner: 'customer', purchased: 1 });
      await makeCredential(h, { owner: 'mine', purchased: 1 });
      const mine = await h.admin('GET', '/v1/admin/credentials?owner=mine');
      const theirs = await h.admin('GET', '/v1/admin/credentials?owner=customer');
      expect(mine.body.credentials.map((c: { owner: string }) => c.owner)).toEqual(['mine']);
      expect(theirs.body.credentials.map((c: { owner: string }) => c.owner)).toEqual(['customer']);
    });
  });

  describe('split quantity', () => {
    it('moves P purchased + F free unused licenses to a new credential with the same production details', async () => {
      const c = await makeCredential(h, { purchased: 6, free: 4 });
      const r = await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 2, free: 3 });
      expect(r.status).toBe(200);
      expect(r.body.parent).toMatchObject({ purchased: 4, free: 1, counts: { unused: 5 } });
      expect(r.body.child).toMatchObject({
        purchased: 2,
        free: 3,
        parentId: c.id,
        firmwareKey: 'fwkey-abc',
        chip: 'BK7231N',
        pid: 'p1',
        state: 'valid',
        origin: 'split',
        counts: { unused: 5 },
      });
    });

    it('refuses to split more than the unused licenses, changing nothing', async () => {
      const c = await makeCredential(h, { purchased: 3, free: 1 });
      const r = await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 3, free: 2 });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('SPLIT_EXCEEDS_UNUSED');
      expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body).toMatchObject({ purchased: 3, free: 1, counts: { unused: 4 } });
    });

    it('refuses an empty split as out of range', async () => {
      const c = await makeCredential(h, { purchased: 3 });
      const r = await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 0, free: 0 });
      expect(r.status).toBe(400);
    });

    it('never hands out more than it holds when splits race (same process)', async () => {
      const c = await makeCredential(h, { purchased: 10 });
      const results = await Promise.all(
        Array.from({ length: 6 }, () => h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 3, free: 0 })),
      );
      const ok = results.filter((r) => r.status === 200);
      expect(ok.length).toBe(3);
      expect(results.filter((r) => r.status !== 200).every((r) => r.body.error.code === 'SPLIT_EXCEEDS_UNUSED')).toBe(true);
      const all = (await h.admin('GET', '/v1/admin/credentials')).body.credentials as { id: string; counts: { unused: number } }[];
      expect(all.reduce((n, x) => n + x.counts.unused, 0)).toBe(10);
    });
  });

  describe('change product', () => {
    const request = (id: string, targetPid: string, deliveryMode = 'credential') =>
      h.admin('POST', `/v1/admin/credentials/${id}/update-requests`, { targetPid, deliveryMode });

    it('cheaper or same price: confirming_update -> approve -> updated', async () => {
      const c = await makeCredential(h, { pid: 'p1', purchased: 4 });
      const r = await request(c.id, 'p0', 'credential_auth_only');
      expect(r.status).toBe(200);
      expect(r.body.update).toMatchObject({
        state: 'confirming_update',
        fromPid: 'p1',
        toPid: 'p0',
        licenses: 4,
        priceDifferenceCents: -2000,
      });
      expect(r.body.credential.state).toBe('confirming_update');
      const a = await h.admin('POST', `/v1/admin/update-requests/${r.body.update.id}/approve`);
      expect(a.body.update.state).toBe('updated');
      expect(a.body.credential).toMatchObject({ state: 'updated', pid: 'p0', deliveryMode: 'credential_auth_only' });
    });

    it('dearer: confirming_update -> being_paid -> pay -> updated', async () => {
      const c = await makeCredential(h, { pid: 'p1', purchased: 4 });
      const r = await request(c.id, 'p2');
      expect(r.body.update.priceDifferenceCents).toBe(2000);
      const id = r.body.update.id;
      expect((await h.admin('POST', `/v1/admin/update-requests/${id}/pay`, { paymentReference: 'INV-1' })).body.error.code).toBe(
        'UPDATE_NOT_AWAITING_PAYMENT',
      );
      const a = await h.admin('POST', `/v1/admin/update-requests/${id}/approve`);
      expect(a.body.update.state).toBe('being_paid');
      expect(a.body.credential.state).toBe('being_paid');
      expect((await h.admin('POST', `/v1/admin/update-requests/${id}/approve`)).body.error.code).toBe('UPDATE_NOT_PENDING');
      const p = await h.admin('POST', `/v1/admin/update-requests/${id}/pay`, { paymentReference: 'INV-1' });
      expect(p.body.update).toMatchObject({ state: 'updated', paymentReference: 'INV-1' });
      expect(p.body.credential).toMatchObject({ state: 'updated', pid: 'p2' });
      // Updated is usable again: a further change and a split are allowed.
      expect((await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 1, free: 0 })).status).toBe(200);
    });

    it('recall while confirming or being paid: the credential is usable again in its old state', async () => {
      const c = await makeCredential(h, { pid: 'p1', purchased: 4 });
      const r1 = await request(c.id, 'p0');
      const back = await h.admin('POST', `/v1/admin/update-requests/${r1.body.update.id}/recall`);
      expect(back.body.update.state).toBe('recalled');
      expect(back.body.credential).toMatchObject({ state: 'valid', pid: 'p1' });
      expect((await h.admin('POST', `/v1/admin/update-requests/${r1.body.update.id}/recall`)).body.error.code).toBe(
        'UPDATE_NOT_RECALLABLE',
      );
      expect((await h.admin('POST', `/v1/admin/update-requests/${r1.body.update.id}/approve`)).body.error.code).toBe('UPDATE_NOT_PENDING');
      const r2 = await request(c.id, 'p2');
      await h.admin('POST', `/v1/admin/update-requests/${r2.body.update.id}/approve`);
      const back2 = await h.admin('POST', `/v1/admin/update-requests/${r2.body.update.id}/recall`);
      expect(back2.body.credential).toMatchObject({ state: 'valid', pid: 'p1' });
    });

    it('an updated credential can be changed again; a recall puts it back to updated', async () => {
      const c = await makeCredential(h, { pid: 'p1', purchased: 2 });
      const r1 = await request(c.id, 'p0');
      await h.admin('POST', `/v1/admin/update-requests/${r1.body.update.id}/approve`);
      const r2 = await request(c.id, 'p1', 'credential_auth_only');
      expect(r2.body.credential.state).toBe('confirming_update');
      const back = await h.admin('POST', `/v1/admin/update-requests/${r2.body.update.id}/recall`);
      expect(back.body.credential).toMatchObject({ state: 'updated', pid: 'p0', deliveryMode: 'credential' });
    });

    it('while confirming nothing may be split, changed, assigned, downloaded or given a job', async () => {
      const c = await makeCredential(h, { pid: 'p2', purchased: 4 });
      await request(c.id, 'p1');
      const codes = [
        (await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 1, free: 0 })).body.error.code,
        (await request(c.id, 'p0')).body.error.code,
        (await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: world.factoryId })).body.error.code,
        (await h.admin('POST', `/v1/admin/credentials/${c.id}/download-codes`, { channel: 'email' })).body.error.code,
        (await h.admin('POST', `/v1/admin/credentials/${c.id}/third-party-jobs`, {})).body.error.code,
      ];
      expect(codes).toEqual([
        'CREDENTIAL_UNDER_REVIEW',
        'CREDENTIAL_UNDER_REVIEW',
        'CREDENTIAL_UNDER_REVIEW',
        'CREDENTIAL_UNDER_REVIEW',
        'CREDENTIAL_UNDER_REVIEW',
      ]);
    });

    it('refuses a price increase on a customer credential, but allows a cheaper product', async () => {
      const c = await makeCredential(h, { owner: 'customer', pid: 'p1', purchased: 2 });
      await h.admin('POST', `/v1/admin/credentials/${c.id}/confirm`);
      const r = await request(c.id, 'p2');
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('CUSTOMER_PRICE_INCREASE');
      expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.state).toBe('valid');
      expect((await request(c.id, 'p0')).body.update.state).toBe('confirming_update');
    });

    it('refuses a credential generated by license replacement', async () => {
      const c = await makeCredential(h, { origin: 'replacement', purchased: 2 });
      expect((await request(c.id, 'p0')).body.error.code).toBe('GENERATED_BY_REPLACEMENT');
    });

    it('refuses once the license list was generated', async () => {
      const c = await makeCredential(h, { deliveryMode: 'license_list', purchased: 2 });
      const code = await h.admin('POST', `/v1/admin/credentials/${c.id}/download-codes`, { channel: 'sms' });
      const d = await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, {
        codeId: code.body.codeId,
        code: h.sent.at(-1)!.code,
        confirmGenerate: true,
      });
      expect(d.body.state).toBe('list_generated');
      expect((await request(c.id, 'p0')).body.error.code).toBe('LIST_GENERATED');
      expect((await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 1, free: 0 })).body.error.code).toBe(
        'LIST_GENERATED',
      );
    });

    it('refuses an unknown product and a change to nothing; allows changing only the delivery mode (mixed modes)', async () => {
      const c = await makeCredential(h, { pid: 'p1', purchased: 2 });
      expect((await request(c.id, 'nope')).body.error.code).toBe('PRODUCT_NOT_FOUND');
      expect((await request(c.id, 'p1', 'credential')).body.error.code).toBe('NOTHING_TO_CHANGE');
      // split first: parent and child end up in different delivery modes.
      const s = await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 1, free: 0 });
      const r = await request(s.body.child.id, 'p1', 'license_list');
      await h.admin('POST', `/v1/admin/update-requests/${r.body.update.id}/approve`);
      const modes = (await h.admin('GET', '/v1/admin/credentials')).body.credentials
        .map((x: { deliveryMode: string }) => x.deliveryMode)
        .sort();
      expect(modes).toEqual(['credential', 'license_list']);
    });

    it('keeps the update history and the details of each update', async () => {
      const c = await makeCredential(h, { pid: 'p1', purchased: 2 });
      const r1 = await request(c.id, 'p0');
      await h.admin('POST', `/v1/admin/update-requests/${r1.body.update.id}/recall`);
      h.clock.advance(1000);
      const r2 = await request(c.id, 'p2');
      await h.admin('POST', `/v1/admin/update-requests/${r2.body.update.id}/approve`);
      await h.admin('POST', `/v1/admin/update-requests/${r2.body.update.id}/pay`, { paymentReference: 'PAY-9' });
      const list = await h.admin('GET', `/v1/admin/credentials/${c.id}/update-requests`);
      expect(list.body.updates.map((u: { state: string }) => u.state)).toEqual(['recalled', 'updated']);
      const d = await h.admin('GET', `/v1/admin/update-requests/${r2.body.update.id}`);
      expect(d.body.events.map((e: { kind: string }) => e.kind)).toEqual(['update_requested', 'update_approved', 'update_paid', 'updated']);
      const hist = await h.admin('GET', `/v1/admin/credentials/${c.id}/history`);
      expect(hist.body.events.map((e: { kind: string }) => e.kind)).toContain('update_recalled');
      expect((await h.admin('GET', '/v1/admin/update-requests/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    });
  });

  describe('download', () => {
    const sendCode = (id: string) => h.admin('POST', `/v1/admin/credentials/${id}/download-codes`, { channel: 'email' });

    it('hands out the unused licenses once, with a single-use code', async () => {
      const c = await makeCredential(h, { purchased: 3 });
      const sent = await sendCode(c.id);
      expect(sent.body.sentTo).toBe('t***@test.example');
      const code = h.sent.at(-1)!.code;
      const d = await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code });
      expect(d.status).toBe(200);
      expect(d.body.licenses.map((l: { uuid: string }) => l.uuid).sort()).toEqual(c.purchased.map((l) => l.uuid).sort());
      expect(d.body.state).toBe('valid');
      const again = await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code });
      expect(again.body.error.code).toBe('DOWNLOAD_CODE_USED');
      expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.counts).toMatchObject({ unused: 0, exported: 3 });
    });

    it('refuses a wrong code and locks it after too many tries', async () => {
      const c = await makeCredential(h, { purchased: 1 });
      const sent = await sendCode(c.id);
      const right = h.sent.at(-1)!.code;
      const wrong = right === '000000' ? '111111' : '000000';
      for (let i = 0; i < 5; i++) {
        const r = await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code: wrong });
        expect(r.body.error.code).toBe('DOWNLOAD_CODE_WRONG');
      }
      const r = await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code: right });
      expect(r.body.error.code).toBe('DOWNLOAD_CODE_LOCKED');
    });

    it('refuses an expired code', async () => {
      const c = await makeCredential(h, { purchased: 1 });
      const sent = await sendCode(c.id);
      h.clock.advance(11 * 60_000);
      const r = await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code: h.sent.at(-1)!.code });
      expect(r.body.error.code).toBe('DOWNLOAD_CODE_EXPIRED');
    });

    it('refuses a code of another credential', async () => {
      const a = await makeCredential(h, { purchased: 1 });
      const b = await makeCredential(h, { purchased: 1 });
      const sent = await sendCode(a.id);
      const r = await h.admin('POST', `/v1/admin/credentials/${b.id}/download`, { codeId: sent.body.codeId, code: h.sent.at(-1)!.code });
      expect(r.body.error.code).toBe('DOWNLOAD_CODE_INVALID');
    });

    it('limits how many codes one credential is sent', async () => {
      const c = await makeCredential(h, { purchased: 1 });
      for (let i = 0; i < 5; i++) expect((await sendCode(c.id)).status).toBe(200);
      const r = await sendCode(c.id);
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe('DOWNLOAD_CODE_RATE_LIMITED');
    });

    it('license_list mode needs "confirm to generate", then moves to list_generated and refuses further downloads', async () => {
      const c = await makeCredential(h, { deliveryMode: 'license_list', purchased: 2 });
      const sent = await sendCode(c.id);
      const code = h.sent.at(-1)!.code;
      const noConfirm = await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code });
      expect(noConfirm.body.error.code).toBe('LIST_CONFIRM_REQUIRED');
      const d = await h.admin('POST', `/v1/admin/credentials/${c.id}/download`, { codeId: sent.body.codeId, code, confirmGenerate: true });
      expect(d.body).toMatchObject({ state: 'list_generated', deliveryMode: 'license_list' });
      expect(d.body.licenses).toHaveLength(2);
      expect((await sendCode(c.id)).body.error.code).toBe('DOWNLOAD_NOT_ALLOWED');
    });

    it('refuses an unconfirmed customer credential', async () => {
      const c = await makeCredential(h, { owner: 'customer', purchased: 1 });
      expect((await sendCode(c.id)).body.error.code).toBe('CREDENTIAL_NOT_CONFIRMED');
    });
  });

  describe('assignment', () => {
    it('assigns to a station and refuses an inconsistent line', async () => {
      const c = await makeCredential(h, { purchased: 1 });
      const ok = await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: world.factoryId, stationId: world.s1 });
      expect(ok.body.assignment).toEqual({ factoryId: world.factoryId, lineId: world.lineA, stationId: world.s1 });
      const bad = await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, {
        factoryId: world.factoryId,
        lineId: world.lineB,
        stationId: world.s1,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('ASSIGNMENT_INCONSISTENT');
    });
  });

  describe('third-party resources', () => {
    it('refuses a product without HomeKit or Find My', async () => {
      const c = await makeCredential(h, { pid: 'p1', purchased: 2 });
      const r = await h.admin('POST', `/v1/admin/credentials/${c.id}/third-party-jobs`, {});
      expect(r.body.error.code).toBe('THIRD_PARTY_NOT_SUPPORTED');
    });

    it('runs to the end with progress and leaves a notice', async () => {
      await h.close();
      // Slow enough per item that the second request meets the job still running, however loaded the machine.
      h = await bootHub(target, { runJobs: true, config: { jobs: { pollMs: 20, chunkSize: 4, itemDelayMs: 40 } } });
      await seedWorld(h);
      const c = await makeCredential(h, { pid: 'p2', purchased: 7 });
      const job = await h.admin('POST', `/v1/admin/credentials/${c.id}/third-party-jobs`, {});
      expect(job.body).toMatchObject({ state: 'queued', total: 14, done: 0, kinds: ['homekit', 'findmy'] });
      expect((await h.admin('POST', `/v1/admin/credentials/${c.id}/third-party-jobs`, {})).body.error.code).toBe('JOB_ALREADY_RUNNING');
      let state = job.body;
      for (let i = 0; i < 200 && state.state !== 'done'; i++) {
        await new Promise((r) => setTimeout(r, 25));
        state = (await h.admin('GET', `/v1/admin/jobs/${job.body.id}`)).body;
      }
      expect(state).toMatchObject({ state: 'done', done: 14, total: 14 });
      const notices = await h.admin('GET', '/v1/admin/notices');
      expect(notices.body.notices[0]).toMatchObject({ kind: 'third_party_done', jobId: job.body.id, credentialId: c.id });
    });
  });
});
