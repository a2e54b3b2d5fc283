// A group's PID set by a person on the hub: the route reuses what the station's `set_pid` sync item does.
// On the hub a group's PID is its product's, so that PID is confirmed (in the group's history and the
// audit log, naming who) and another is refused with PID_IS_PRODUCT; factory accounts only for their groups.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootHub, makeCredential, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('set a group PID on %s', (target) => {
  let h: TestHub;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  beforeEach(async () => {
    h = await bootHub(target);
    world = await seedWorld(h);
  });
  afterEach(async () => h?.close());

  it("confirms the product's PID, refuses another, and records who did it", async () => {
    const c = await makeCredential(h, { pid: 'p1', purchased: 2 });
    const ok = await h.admin('POST', `/v1/admin/credentials/${c.id}/pid`, { pid: 'p1' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: c.id, pid: 'p1' });
    const other = await h.admin('POST', `/v1/admin/credentials/${c.id}/pid`, { pid: 'p2' });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'PID_IS_PRODUCT' });
    expect(other.body.error.message).toBe(
      `Group ${c.id} is product p1 on the hub, not p2: a group's PID is its product's. Ask for a product change on the hub if these modules are another product.`,
    );
    const history = (await h.admin('GET', `/v1/admin/credentials/${c.id}/history`)).body.events as {
      kind: string;
      details: Record<string, unknown>;
    }[];
    const confirmed = history.filter((e) => e.kind === 'pid_confirmed');
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]!.details).toMatchObject({ pid: 'p1', actor: { kind: 'api_key', role: 'owner' } });
    const audit = (await h.call('GET', '/v1/audit', undefined, h.keys.auditor)).body.entries as {
      kind: string;
      outcome: string;
      actor: { kind: string; role: string };
    }[];
    const pidEntries = audit.filter((e) => e.kind === 'setPid');
    expect(pidEntries.map((e) => e.outcome)).toEqual(['ok', 'PID_IS_PRODUCT']);
    expect(pidEntries.map((e) => e.actor)).toEqual([
      expect.objectContaining({ kind: 'api_key', role: 'owner' }),
      expect.objectContaining({ kind: 'api_key', role: 'owner' }),
    ]);
  });

  it('refuses a malformed PID, an unknown group, and a factory account outside its factory', async () => {
    const c = await makeCredential(h, { pid: 'p1', purchased: 1 });
    expect((await h.admin('POST', `/v1/admin/credentials/${c.id}/pid`, { pid: '' })).status).toBe(400);
    expect((await h.admin('POST', `/v1/admin/credentials/${c.id}/pid`, { pid: 'p1', extra: 1 })).status).toBe(400);
    expect((await h.admin('POST', '/v1/admin/credentials/0b5e3c1e-8a43-4c52-9a0e-000000000001/pid', { pid: 'p1' })).status).toBe(404);
    const factory = await h.factoryKey(world.factoryId);
    const outside = await h.call('POST', `/v1/admin/credentials/${c.id}/pid`, { pid: 'p1' }, factory);
    expect([403, 404]).toContain(outside.status);
  });
});
