// The third-party resources job keeps its progress across a hub restart and is finished by the next hub, each resource made once.
import { afterEach, describe, expect, it } from 'vitest';
import { bootHub, makeCredential, seedWorld, targets, testDb, TestClock, type TestHub } from './harness';

describe.each(targets())('third-party job across a restart on %s', (target) => {
  const hubs: TestHub[] = [];
  afterEach(async () => {
    for (const h of hubs.splice(0)) await h.close();
  });

  it('resumes where the stopped hub left off once its lease ends', async () => {
    const tdb = await testDb(target);
    const clock = new TestClock();
    const jobs = { pollMs: 10, chunkSize: 4, itemDelayMs: 3, leaseMs: 60_000 };
    const a = await bootHub(target, { tdb, keepDb: true, clock, runJobs: true, config: { jobs } });
    hubs.push(a);
    await seedWorld(a);
    const c = await makeCredential(a, { pid: 'p2', purchased: 30 });
    const job = (await a.admin('POST', `/v1/admin/credentials/${c.id}/third-party-jobs`, {})).body;
    expect(job.total).toBe(60);
    let seen = job;
    while (seen.done < 8) {
      await new Promise((r) => setTimeout(r, 10));
      seen = (await a.admin('GET', `/v1/admin/jobs/${job.id}`)).body;
    }
    await a.close(); // hub A goes away mid-job, holding the lease
    hubs.pop();

    const b = await bootHub(target, { tdb, clock, runJobs: true, config: { jobs } });
    hubs.push(b);
    const before = (await b.admin('GET', `/v1/admin/jobs/${job.id}`)).body;
    expect(before.state).toBe('running');
    expect(before.done).toBeGreaterThanOrEqual(8);
    expect(before.done).toBeLessThan(60);
    // Within A's lease, B leaves the job alone.
    await new Promise((r) => setTimeout(r, 80));
    expect((await b.admin('GET', `/v1/admin/jobs/${job.id}`)).body.done).toBe(before.done);
    clock.advance(61_000);
    let now = before;
    for (let i = 0; i < 500 && now.state !== 'done'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const next = (await b.admin('GET', `/v1/admin/jobs/${job.id}`)).body;
      expect(next.done).toBeGreaterThanOrEqual(now.done); // progress never goes back
      now = next;
    }
    expect(now).toMatchObject({ state: 'done', done: 60, total: 60 });
    const rows = await b.store.db.selectFrom('third_party_resources').select(['license_uuid', 'kind']).execute();
    expect(rows).toHaveLength(60);
    expect(new Set(rows.map((r) => `${r.license_uuid}/${r.kind}`)).size).toBe(60);
    expect((await b.admin('GET', '/v1/admin/notices')).body.notices).toEqual([
      expect.objectContaining({ jobId: job.id, kind: 'third_party_done' }),
    ]);
  });
});
