// The platform rejects a product change with a reason: the request ends `rejected`, the credential is usable again as it was,
// the reason is kept and shown (Update Details, the station's update history), and the audit names who did it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootHub, enrollStation, makeCredential, seedWorld, targets, type TestDb, type TestHub } from './harness';

const run = promisify(execFile);

describe.each(targets())('rejecting a product change on %s', (target) => {
  let h: TestHub & { tdb: TestDb };
  let world: Awaited<ReturnType<typeof seedWorld>>;
  beforeEach(async () => {
    h = await bootHub(target);
    world = await seedWorld(h);
  });
  afterEach(async () => h?.close());

  const request = (id: string, targetPid: string) =>
    h.admin('POST', `/v1/admin/credentials/${id}/update-requests`, { targetPid, deliveryMode: 'credential' });
  const reject = (updateId: string, reason: string, key = h.keys.platform) =>
    h.call('POST', `/v1/admin/update-requests/${updateId}/reject`, { reason }, key);
  const actions = async (credentialId: string) => {
    const page = await h.call('GET', `/v1/console/credentials?q=${credentialId}`, undefined, h.keys.owner);
    return Object.fromEntries(
      (page.body.rows[0].allowedActions as { action: string; allowed: boolean }[]).map((a) => [a.action, a.allowed]),
    );
  };

  it('the platform rejects with a reason: the request is rejected, the credential is as it was, the reason is kept and audited', async () => {
    const c = await makeCredential(h, { pid: 'p1', purchased: 4 });
    const r = await request(c.id, 'p2');
    expect((await actions(c.id)).recall).toBe(true);
    const no = await reject(r.body.update.id, '  The order for the HomeKit bulb is not signed yet.  ');
    expect(no.status).toBe(200);
    expect(no.body.update).toMatchObject({
      state: 'rejected',
      rejectionReason: 'The order for the HomeKit bulb is not signed yet.',
      rejectedAt: expect.any(String),
      completedAt: null,
    });
    expect(no.body.credential).toMatchObject({ state: 'valid', pid: 'p1' });

    // Update Details and the request's own events carry the reason
    const details = await h.admin('GET', `/v1/admin/update-requests/${r.body.update.id}`);
    expect(details.body.update.rejectionReason).toBe('The order for the HomeKit bulb is not signed yet.');
    expect(details.body.events.map((e: { kind: string }) => e.kind)).toEqual(['update_requested', 'update_rejected']);
    expect(details.body.events[1].details).toMatchObject({ reason: 'The order for the HomeKit bulb is not signed yet.', backTo: 'valid' });

    // the Operation column: nothing to recall, the request is in Update Details, the credential can be changed again
    expect(await actions(c.id)).toMatchObject({ recall: false, update_details: true, change_product: true, split: true, download: true });

    // nothing more happens to a rejected request
    const id = r.body.update.id as string;
    expect((await h.admin('POST', `/v1/admin/update-requests/${id}/approve`)).body.error.code).toBe('UPDATE_NOT_PENDING');
    expect((await h.admin('POST', `/v1/admin/update-requests/${id}/recall`)).body.error.code).toBe('UPDATE_NOT_RECALLABLE');
    expect((await reject(id, 'again')).body.error.code).toBe('UPDATE_NOT_REJECTABLE');

    const entries = (await h.call('GET', '/v1/audit?kind=rejectUpdate', undefined, h.keys.auditor)).body.entries as {
      actor: { role: string };
      outcome: string;
      credentialId: string | null;
      target: string;
    }[];
    expect(entries.map((e) => [e.actor.role, e.outcome, e.credentialId, e.target])).toEqual([
      ['platform', 'ok', c.id, id],
      ['platform', 'UPDATE_NOT_REJECTABLE', c.id, id],
    ]);
  });

  it('a rejected change of an updated credential leaves it updated; a new change can be asked for, approved and paid', async () => {
    const c = await makeCredential(h, { pid: 'p1', purchased: 2 });
    await h.admin('POST', `/v1/admin/update-requests/${(await request(c.id, 'p0')).body.update.id}/approve`);
    h.clock.advance(1000);
    const r2 = await request(c.id, 'p1');
    expect((await reject(r2.body.update.id, 'Keep the sensor.')).body.credential).toMatchObject({ state: 'updated', pid: 'p0' });
    h.clock.advance(1000);
    const r3 = await request(c.id, 'p1');
    expect((await h.admin('POST', `/v1/admin/update-requests/${r3.body.update.id}/approve`)).body.credential.state).toBe('being_paid');
    expect(
      (await h.admin('POST', `/v1/admin/update-requests/${r3.body.update.id}/pay`, { paymentReference: 'PAY-3' })).body.credential,
    ).toMatchObject({ state: 'updated', pid: 'p1' });
    const list = await h.admin('GET', `/v1/admin/credentials/${c.id}/update-requests`);
    expect(list.body.updates.map((u: { state: string; rejectionReason: string | null }) => [u.state, u.rejectionReason])).toEqual([
      ['updated', null],
      ['rejected', 'Keep the sensor.'],
      ['updated', null],
    ]);
  });

  it('refuses a blank reason, a request waiting for payment, and anyone but the platform', async () => {
    const c = await makeCredential(h, { pid: 'p1', purchased: 2 });
    const r = await request(c.id, 'p2');
    const id = r.body.update.id as string;
    const blank = await reject(id, '   ');
    expect([blank.status, blank.body.error.code]).toEqual([400, 'REJECT_REASON_REQUIRED']);
    expect((await h.call('POST', `/v1/admin/update-requests/${id}/reject`, {}, h.keys.platform)).status).toBe(400);
    const owner = await reject(id, 'not mine to say', h.keys.owner);
    expect([owner.status, owner.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await reject(id, 'no', await h.factoryKey(world.factoryId))).body.error.code).toBe('FORBIDDEN');
    expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.state).toBe('confirming_update');
    // approved, waiting for payment: the platform no longer rejects it (the credential manager recalls it)
    await h.admin('POST', `/v1/admin/update-requests/${id}/approve`);
    expect((await reject(id, 'too late')).body.error.code).toBe('UPDATE_NOT_REJECTABLE');
    expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.state).toBe('being_paid');
    expect((await reject('00000000-0000-4000-8000-000000000000', 'x')).status).toBe(404);
  });

  it('the station that asked for the change sees it rejected with the reason in its update history', async () => {
    const token = await enrollStation(h, world.s1);
    const c = await makeCredential(h, { pid: 'p1', purchased: 3 });
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: world.factoryId, stationId: world.s1 });
    const asked = await h.call(
      'POST',
      `/v1/station/credentials/${c.id}/update-requests`,
      { targetPid: 'p0', deliveryMode: 'credential' },
      token,
    );
    await reject(asked.body.update.id, 'Line A keeps the smart plug this month.');
    const list = await h.call('GET', `/v1/station/credentials/${c.id}/update-requests`, undefined, token);
    expect(list.body.updates).toMatchObject([{ state: 'rejected', rejectionReason: 'Line A keeps the smart plug this month.' }]);
    const history = await h.call('GET', `/v1/station/credentials/${c.id}/history`, undefined, token);
    expect(history.body.events.at(-1)).toMatchObject({
      kind: 'update_rejected',
      details: { reason: 'Line A keeps the smart plug this month.' },
    });
    // the group can be burned again: it is valid in the station's next pull
    expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.state).toBe('valid');
  });

  if (target !== 'sqlite')
    console.log(
      `[hub reject] on ${target}: the hub command test is skipped here: the command takes the database with --db, which refuses a PostgreSQL URL carrying a password; it runs on SQLite.`,
    );
  it.runIf(target === 'sqlite')(
    'hub update reject <id> <reason...> rejects with the words after the id, recorded as the operating-system user',
    async () => {
      const c = await makeCredential(h, { pid: 'p1', purchased: 2 });
      const r = await request(c.id, 'p0');
      const out = await run(process.execPath, [
        '--import',
        'tsx',
        'hub/cli.ts',
        'update',
        'reject',
        r.body.update.id,
        'Wrong',
        'product',
        'picked',
        '--db',
        h.tdb.db,
      ]);
      expect(JSON.parse(out.stdout)).toMatchObject({
        update: { state: 'rejected', rejectionReason: 'Wrong product picked' },
        credential: { state: 'valid' },
      });
      const entries = (await h.call('GET', '/v1/audit?kind=hub%20update%20reject', undefined, h.keys.auditor)).body.entries as {
        actor: { kind: string };
        outcome: string;
      }[];
      expect(entries).toMatchObject([{ actor: { kind: 'cli' }, outcome: 'ok' }]);
      const missing = await run(process.execPath, [
        '--import',
        'tsx',
        'hub/cli.ts',
        'update',
        'reject',
        r.body.update.id,
        '--db',
        h.tdb.db,
      ]).catch((e: { code: number; stderr: string }) => e);
      expect(missing).toMatchObject({ code: 2, stderr: expect.stringContaining('missing reason') });
    },
    60_000,
  );
});
