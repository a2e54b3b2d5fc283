// The hub console's credentials page: tabs, search, filters, sort, paging, counts and the actions each role may take.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsoleCredentialPage, ConsoleCredentialRow } from '../../../common/console-api';
import { shortId } from '../../../common/ids';
import { bootHub, enrollStation, makeCredential, makeLicenses, seedWorld, targets, type TestHub } from './harness';

const action = (row: ConsoleCredentialRow, name: string) => row.allowedActions.find((a) => a.action === name)!;

describe.each(targets())('console credentials on %s', (target) => {
  let h: TestHub;
  let world: Awaited<ReturnType<typeof seedWorld>>;
  beforeEach(async () => {
    h = await bootHub(target);
    world = await seedWorld(h);
  });
  afterEach(async () => h?.close());

  const page = async (query: string, key = h.keys.owner): Promise<ConsoleCredentialPage> => {
    const r = await h.call<ConsoleCredentialPage>('GET', `/v1/console/credentials${query}`, undefined, key);
    if (r.status !== 200) throw new Error(JSON.stringify(r.body));
    return r.body;
  };
  const named = async (
    name: string,
    o: { pid?: string; owner?: 'mine' | 'customer'; deliveryMode?: string; orderNo?: string; purchased?: number } = {},
  ) => {
    const r = await h.admin('POST', '/v1/admin/credentials', {
      pid: o.pid ?? 'p1',
      owner: o.owner ?? 'mine',
      deliveryMode: o.deliveryMode ?? 'credential',
      firmwareKey: 'fw',
      chip: 'BK7231N',
      name,
      ...(o.orderNo ? { orderNo: o.orderNo } : {}),
      ...(o.owner === 'customer' ? { customerName: 'Acme' } : {}),
    });
    expect(r.status).toBe(200);
    if ((o.purchased ?? 2) > 0)
      expect(
        (await h.admin('POST', `/v1/admin/credentials/${r.body.id}/licenses`, { licenses: makeLicenses(o.purchased ?? 2) })).status,
      ).toBe(200);
    return r.body.id as string;
  };

  it('pages one tab with its total, newest first, and keeps the tabs apart', async () => {
    for (let i = 0; i < 5; i++) {
      await named(`mine-${i}`);
      h.clock.advance(1000);
    }
    await named('theirs', { owner: 'customer' });
    const first = await page('?tab=mine&pageSize=2');
    expect(first).toMatchObject({ total: 5, page: 1, pageSize: 2 });
    expect(first.rows.map((r) => r.name)).toEqual(['mine-4', 'mine-3']);
    const third = await page('?tab=mine&pageSize=2&page=3');
    expect(third.rows.map((r) => r.name)).toEqual(['mine-0']);
    const customers = await page('?tab=customers');
    expect(customers.total).toBe(1);
    expect(customers.rows[0]).toMatchObject({ name: 'theirs', customerName: 'Acme', confirmed: false });
    expect(first.rows[0]).toMatchObject({ customerName: null, confirmed: true });
    await h.admin('POST', `/v1/admin/credentials/${customers.rows[0]!.id}/confirm`);
    expect((await page('?tab=customers')).rows[0]!.confirmed).toBe(true);
  });

  it('searches by name or order number (wildcards are letters) and filters by state, product, factory and delivery mode', async () => {
    const a = await named('Bulbs for Acme', { pid: 'p2', orderNo: 'PO-2026-001' });
    const b = await named('Plugs 50%', { orderNo: 'PO-2026-002', deliveryMode: 'license_list' });
    await named('Sensors', { pid: 'p0' });
    await h.admin('POST', `/v1/admin/credentials/${b}/assign`, { factoryId: world.factoryId, lineId: world.lineA });
    expect((await page('?q=acme')).rows.map((r) => r.id)).toEqual([a]);
    expect((await page('?q=po-2026-002')).rows.map((r) => r.id)).toEqual([b]);
    expect((await page('?q=50%25')).rows.map((r) => r.id)).toEqual([b]);
    expect((await page('?q=%25')).rows.map((r) => r.id)).toEqual([b]);
    expect((await page('?productId=p2')).rows.map((r) => r.id)).toEqual([a]);
    expect((await page(`?factoryId=${world.factoryId}`)).rows.map((r) => r.id)).toEqual([b]);
    expect((await page('?delivery=license_list')).rows.map((r) => r.id)).toEqual([b]);
    const byFactory = (await page(`?factoryId=${world.factoryId}`)).rows[0]!;
    expect(byFactory.assignment).toEqual({
      factory: { id: world.factoryId, name: 'Shenzhen 1' },
      line: { id: world.lineA, name: 'Line A' },
      station: null,
    });
    await h.admin('POST', `/v1/admin/credentials/${a}/update-requests`, { targetPid: 'p1', deliveryMode: 'credential' });
    expect((await page('?state=confirming_update')).rows.map((r) => r.id)).toEqual([a]);
  });

  it('tells credentials of the same name apart by the short id: its first 8 characters (or the whole id) find the one', async () => {
    const a = await named('twin');
    const b = await named('twin');
    expect((await page('?q=twin')).total).toBe(2);
    for (const id of [a, b]) {
      expect((await page(`?q=${shortId(id)}`)).rows.map((r) => r.id)).toEqual([id]);
      expect((await page(`?q=${id.toUpperCase()}`)).rows.map((r) => r.id)).toEqual([id]);
    }
    // fewer characters than the console shows are no id search (a short hex word would match ids at random)
    expect((await page(`?q=${a.slice(0, 7)}`)).rows.map((r) => r.id)).not.toContain(a);
    // a % or _ in the search is a letter, not a wildcard, for the id too
    expect((await page(`?q=${'_'.repeat(8)}`)).total).toBe(0);
  });

  it('sorts by name, product, totals and license counts, both ways', async () => {
    const small = await named('b-small', { purchased: 1 });
    const big = await named('a-big', { purchased: 5, pid: 'p2' });
    const mid = await named('c-mid', { purchased: 3, pid: 'p0' });
    expect((await page('?sort=name&dir=asc')).rows.map((r) => r.id)).toEqual([big, small, mid]);
    expect((await page('?sort=total&dir=desc')).rows.map((r) => r.id)).toEqual([big, mid, small]);
    expect((await page('?sort=unused&dir=asc')).rows.map((r) => r.id)).toEqual([small, mid, big]);
    expect((await page('?sort=product&dir=asc')).rows.map((r) => r.product.name)).toEqual(['Basic sensor', 'Smart bulb HK', 'Smart plug']);
  });

  it('counts unused, leased, burned and exported licenses per row', async () => {
    const id = await named('counted', { purchased: 6 });
    await h.admin('POST', `/v1/admin/credentials/${id}/assign`, { factoryId: world.factoryId, lineId: world.lineA, stationId: world.s1 });
    const token = await enrollStation(h, world.s1);
    const pulled = await h.call('POST', '/v1/station/pull', { cursor: null, limit: 2 }, token);
    expect(pulled.status).toBe(200);
    const row = (await page('?q=counted')).rows[0]!;
    expect(row.counts).toMatchObject({ unused: 4, leased: 2, burned: 0, exported: 0 });
    expect(row).toMatchObject({ purchased: 6, free: 0, total: 6, product: { pid: 'p1', name: 'Smart plug' } });
  });

  it('offers each role exactly what it may do, with a reason for the rest', async () => {
    const plug = await named('plug');
    const bulb = await named('bulb', { pid: 'p2' });
    const plugRow = (await page('?q=plug')).rows[0]!;
    expect(action(plugRow, 'generate_resources')).toEqual({
      action: 'generate_resources',
      allowed: false,
      reason: "The credential's product supports neither HomeKit nor Find My.",
    });
    expect(action(plugRow, 'split').allowed).toBe(true);
    expect(action(plugRow, 'download').allowed).toBe(true);
    expect(action(plugRow, 'update_details').allowed).toBe(false);
    expect(action(plugRow, 'recall').allowed).toBe(false);
    const bulbRow = (await page('?q=bulb')).rows[0]!;
    expect(action(bulbRow, 'generate_resources').allowed).toBe(true);
    const asAuditor = (await page('?q=bulb', h.keys.auditor)).rows[0]!;
    expect(asAuditor.allowedActions.filter((a) => a.allowed).map((a) => a.action)).toEqual(['update_history']);
    expect(action(asAuditor, 'split').reason).toBe('Only the credential manager splits credentials.');
    expect(action(plugRow, 'assign').allowed).toBe(true);
    expect(action(asAuditor, 'assign').reason).toBe(
      "Only the credential manager or a factory's manager assigns credentials to lines and stations.",
    );

    // Under review: only recall and the update details are offered, split and download say why not.
    await h.admin('POST', `/v1/admin/credentials/${plug}/update-requests`, { targetPid: 'p0', deliveryMode: 'credential' });
    const review = (await page('?q=plug')).rows[0]!;
    expect(review.allowedActions.filter((a) => a.allowed).map((a) => a.action)).toEqual(['update_details', 'update_history', 'recall']);
    expect(action(review, 'split').reason).toMatch(/under review/);
    expect(action(review, 'assign').reason).toMatch(/under review/);

    // A running job: no second one.
    expect((await h.admin('POST', `/v1/admin/credentials/${bulb}/third-party-jobs`, {})).status).toBe(200);
    expect(action((await page('?q=bulb')).rows[0]!, 'generate_resources').reason).toMatch(/being generated now/);
  });

  it('locks split and change product after Confirm to Generate and Download, with the reason', async () => {
    const id = await named('listed', { deliveryMode: 'license_list' });
    const before = (await page('?q=listed')).rows[0]!;
    expect(action(before, 'download').allowed).toBe(false);
    expect(action(before, 'confirm_generate_download').allowed).toBe(true);
    const code = await h.admin('POST', `/v1/admin/credentials/${id}/download-codes`, { channel: 'email' });
    const r = await h.admin('POST', `/v1/admin/credentials/${id}/download`, {
      codeId: code.body.codeId,
      code: h.sent.at(-1)!.code,
      confirmGenerate: true,
    });
    expect(r.status).toBe(200);
    const after = (await page('?q=listed')).rows[0]!;
    for (const a of ['split', 'change_product', 'confirm_generate_download'])
      expect(action(after, a)).toMatchObject({ allowed: false, reason: expect.stringMatching(/locked/) });
  });

  it("a factory's manager sees only its factory's credentials; an unconfirmed customer's credential says why", async () => {
    const inside = await named('inside', { owner: 'customer' });
    await named('outside', { owner: 'customer' });
    await h.admin('POST', `/v1/admin/credentials/${inside}/assign`, { factoryId: world.factoryId });
    const key = await h.factoryKey(world.factoryId);
    const seen = await page('?tab=customers', key);
    expect(seen.rows.map((r) => r.id)).toEqual([inside]);
    const own = (await page('?tab=customers&q=inside')).rows[0]!;
    expect(action(own, 'split').reason).toMatch(/not confirmed/);
  });

  it('refuses a bad query with a stable code, and nobody without an account', async () => {
    await makeCredential(h, {});
    const bad = await h.call('GET', '/v1/console/credentials?pageSize=1000', undefined, h.keys.owner);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('OUT_OF_RANGE');
    const unknown = await h.call('GET', '/v1/console/credentials?sort=price', undefined, h.keys.owner);
    expect(unknown.body.error.code).toBe('INVALID_REQUEST');
    const nobody = await h.call('GET', '/v1/console/credentials');
    expect(nobody.status).toBe(401);
  });
});
