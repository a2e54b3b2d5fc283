// Third-party resources: listed and downloaded per credential (route and `hub resources`), divided by a split during
// generation (every license of both groups ends with its resources), and canceled by a change to a product without them.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../common/hub-api';
import type { ResourceList } from '../../../common/console-api';
import { bootHub, makeCredential, seedWorld, targets, type TestHub } from './harness';

const run = promisify(execFile);

async function until(h: TestHub, jobId: string, done: (j: Job) => boolean): Promise<Job> {
  let job: Job = (await h.admin('GET', `/v1/admin/jobs/${jobId}`)).body;
  for (let i = 0; i < 600 && !done(job); i++) {
    await new Promise((r) => setTimeout(r, 20));
    job = (await h.admin('GET', `/v1/admin/jobs/${jobId}`)).body;
  }
  return job;
}

describe.each(targets())('third-party resources on %s', (target) => {
  let h: TestHub | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const list = async (id: string, query = ''): Promise<ResourceList> => {
    const r = await h!.admin<ResourceList>('GET', `/v1/console/credentials/${id}/resources${query}`);
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    return r.body;
  };

  it('lists the resources of every license and hands them out as a CSV file, recorded in the audit log', async () => {
    h = await bootHub(target, { runJobs: true, config: { jobs: { pollMs: 20, chunkSize: 50 } } });
    const world = await seedWorld(h);
    const c = await makeCredential(h, { pid: 'p2', purchased: 3, free: 2 });
    const nothing = await h.call('GET', `/v1/console/credentials/${c.id}/resources/file`, undefined, h.keys.owner);
    expect(nothing.status).toBe(409);
    expect(nothing.body.error.code).toBe('NO_RESOURCES');
    const job = await h.admin('POST', `/v1/admin/credentials/${c.id}/third-party-jobs`, {});
    expect((await until(h, job.body.id, (j) => j.state === 'done')).state).toBe('done');

    const all = await list(c.id, '?pageSize=4');
    expect(all).toMatchObject({ credentialId: c.id, licenses: 5, generated: { homekit: 5, findmy: 5 }, total: 10, page: 1, pageSize: 4 });
    expect(all.rows).toHaveLength(4);
    expect(all.jobs[0]).toMatchObject({ id: job.body.id, state: 'done' });
    const homekit = await list(c.id, '?kind=homekit&pageSize=10');
    expect(homekit.rows.map((r) => r.kind)).toEqual(['homekit', 'homekit', 'homekit', 'homekit', 'homekit']);
    expect(homekit.rows[0]!.fields.setupCode).toMatch(/^\d{3}-\d{2}-\d{3}$/);

    const file = await h.call('GET', `/v1/console/credentials/${c.id}/resources/file`, undefined, h.keys.owner);
    expect(file.status).toBe(200);
    const lines = (file.body as string).trim().split('\n');
    expect(lines[0]).toBe('uuid,mac,kind,setup_code,setup_id,serial_number,pairing_token,created_at');
    expect(lines).toHaveLength(11);
    const uuids = new Set(lines.slice(1).map((l) => l.split(',')[0]));
    expect([...uuids].sort()).toEqual([...c.purchased, ...c.free].map((l) => l.uuid).sort());
    const audit = await h.admin('GET', `/v1/audit?kind=consoleResourcesFile&credential=${c.id}`);
    expect(audit.body.entries.map((e: { outcome: string; actor: { role: string } }) => [e.outcome, e.actor.role])).toEqual([
      ['NO_RESOURCES', 'owner'],
      ['ok', 'owner'],
    ]);

    // The auditor reads the list but takes no file; another factory's manager does not see the credential.
    expect((await h.call('GET', `/v1/console/credentials/${c.id}/resources`, undefined, h.keys.auditor)).status).toBe(200);
    expect((await h.call('GET', `/v1/console/credentials/${c.id}/resources/file`, undefined, h.keys.auditor)).body.error.code).toBe(
      'FORBIDDEN',
    );
    const other = await h.admin('POST', '/v1/admin/factories', { name: 'Other' });
    const outsider = await h.factoryKey(other.body.id);
    expect((await h.call('GET', `/v1/console/credentials/${c.id}/resources/file`, undefined, outsider)).body.error.code).toBe(
      'CREDENTIAL_NOT_FOUND',
    );
    await h.admin('POST', `/v1/admin/credentials/${c.id}/assign`, { factoryId: world.factoryId });
    expect(
      (await h.call('GET', `/v1/console/credentials/${c.id}/resources/file`, undefined, await h.factoryKey(world.factoryId))).status,
    ).toBe(200);
  });

  it('a split during generation divides the job: every license of both groups ends with each of its resources', async () => {
    h = await bootHub(target, { runJobs: true, config: { jobs: { pollMs: 20, chunkSize: 4, itemDelayMs: 15 } } });
    await seedWorld(h);
    const c = await makeCredential(h, { pid: 'p2', purchased: 30, free: 6 });
    const job = await h.admin('POST', `/v1/admin/credentials/${c.id}/third-party-jobs`, {});
    const midway = await until(h, job.body.id, (j) => j.done > 0);
    expect(midway.state).toBe('running');
    expect(midway.done).toBeLessThan(72);
    const split = await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 10, free: 2 });
    expect(split.status).toBe(200);
    const childId = split.body.child.id as string;
    const childJob = (await list(childId)).jobs[0]!;
    expect(childJob).toMatchObject({ kinds: ['homekit', 'findmy'], total: 24 });
    expect(await until(h, job.body.id, (j) => j.state === 'done')).toMatchObject({ state: 'done', total: 48, done: 48 });
    expect(await until(h, childJob.id, (j) => j.state === 'done')).toMatchObject({ state: 'done', total: 24, done: 24 });
    for (const [id, n] of [
      [c.id, 24],
      [childId, 12],
    ] as const) {
      const r = await list(id, '?pageSize=500');
      expect(r).toMatchObject({ licenses: n, generated: { homekit: n, findmy: n } });
      const byLicense = new Map<string, string[]>();
      for (const row of r.rows) byLicense.set(row.uuid, [...(byLicense.get(row.uuid) ?? []), row.kind]);
      expect(byLicense.size).toBe(n);
      for (const kinds of byLicense.values()) expect(kinds.sort()).toEqual(['findmy', 'homekit']);
    }
  });

  it('a change to a product without HomeKit or Find My cancels the job with a notice', async () => {
    h = await bootHub(target);
    await seedWorld(h);
    const c = await makeCredential(h, { pid: 'p2', purchased: 4 });
    const job = await h.admin('POST', `/v1/admin/credentials/${c.id}/third-party-jobs`, {});
    expect(job.body.state).toBe('queued');
    const req = await h.admin('POST', `/v1/admin/credentials/${c.id}/update-requests`, { targetPid: 'p1', deliveryMode: 'credential' });
    // under review the job keeps its place: the change may still be recalled
    expect((await h.admin('GET', `/v1/admin/jobs/${job.body.id}`)).body.state).toBe('queued');
    expect((await h.admin('POST', `/v1/admin/update-requests/${req.body.update.id}/approve`)).body.update.state).toBe('updated');
    const canceled = (await h.admin('GET', `/v1/admin/jobs/${job.body.id}`)).body;
    expect(canceled).toMatchObject({
      state: 'canceled',
      error: expect.stringMatching(/Smart plug \(p1\), which does not support HomeKit and Find My/),
    });
    const notices = await h.admin('GET', '/v1/admin/notices');
    expect(notices.body.notices[0]).toMatchObject({ kind: 'third_party_canceled', jobId: job.body.id, credentialId: c.id });
    // a new job is refused now, for the reason the product gives
    expect((await h.admin('POST', `/v1/admin/credentials/${c.id}/third-party-jobs`, {})).body.error.code).toBe('THIRD_PARTY_NOT_SUPPORTED');
  });

  if (target !== 'sqlite')
    console.log(
      `[hub resources] on ${target}: the hub command case is skipped: it hands the database to the command with --db, which refuses a PostgreSQL URL carrying a password; it runs on SQLite.`,
    );
  it.runIf(target === 'sqlite')('hub resources prints the CSV file; refuses a bad kind and a credential without resources', async () => {
    const booted = await bootHub(target, { keepDb: true });
    h = booted;
    await seedWorld(h);
    const c = await makeCredential(h, { pid: 'p2', purchased: 2 });
    const cli = async (...args: string[]) => {
      try {
        const r = await run(process.execPath, ['--import', 'tsx', 'hub/cli.ts', ...args, '--db', booted.tdb.db]);
        return { code: 0, out: r.stdout, err: r.stderr };
      } catch (e) {
        const x = e as { code: number; stdout: string; stderr: string };
        return { code: x.code, out: x.stdout, err: x.stderr };
      }
    };
    const none = await cli('resources', c.id);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/^error NO_RESOURCES: /);
    expect((await cli('resources', c.id, '--kind', 'zigbee')).err).toMatch(/^error CLI_USAGE: --kind is homekit or findmy/);
    await h.admin('POST', `/v1/admin/credentials/${c.id}/third-party-jobs`, { kinds: ['findmy'] });
    const { startJobRunner } = await import('../../../hub/services/jobs');
    const runner = startJobRunner(h.hub.deps);
    const job = (await list(c.id)).jobs[0]!;
    await until(h, job.id, (j) => j.state === 'done');
    await runner.stop();
    const out = await cli('resources', c.id, '--kind', 'findmy');
    expect(out.code).toBe(0);
    const lines = out.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/,findmy,,,[0-9A-F]{12},[0-9a-f]{32},/);
  });
});
