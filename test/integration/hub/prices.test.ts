// Prices: a license price plus a price per advanced feature; a product change charges the difference on purchased licenses only,
// and its details name the new product with its price and features.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bootHub, makeCredential, seedWorld, targets, type TestHub } from './harness';

describe.each(targets())('prices on %s', (target) => {
  let h: TestHub;
  beforeEach(async () => {
    h = await bootHub(target);
    await seedWorld(h);
    const p3 = await h.admin('POST', '/v1/admin/products', {
      pid: 'p3',
      name: 'Bulb with everything',
      priceCents: 1000,
      homekit: true,
      findmy: true,
      homekitPriceCents: 300,
      findmyPriceCents: 200,
    });
    expect(p3.body).toMatchObject({ priceCents: 1000, homekitPriceCents: 300, findmyPriceCents: 200, unitPriceCents: 1500 });
  });
  afterEach(async () => h?.close());

  it('a feature the product lacks adds nothing to its unit price', async () => {
    const r = await h.admin('POST', '/v1/admin/products', {
      pid: 'p4',
      name: 'Plug',
      priceCents: 800,
      homekit: false,
      homekitPriceCents: 300,
    });
    expect(r.body).toMatchObject({ unitPriceCents: 800, homekit: false });
  });

  it('charges the difference of unit prices on the purchased licenses only, and the details name the new product', async () => {
    const c = await makeCredential(h, { pid: 'p1', purchased: 4, free: 3 });
    const req = await h.admin('POST', `/v1/admin/credentials/${c.id}/update-requests`, { targetPid: 'p3', deliveryMode: 'credential' });
    expect(req.body.update).toMatchObject({ licenses: 7, chargedLicenses: 4, priceDifferenceCents: (1500 - 1000) * 4 });
    const details = await h.admin('GET', `/v1/admin/update-requests/${req.body.update.id}`);
    expect(details.body.toProduct).toMatchObject({
      pid: 'p3',
      name: 'Bulb with everything',
      priceCents: 1000,
      unitPriceCents: 1500,
      homekit: true,
      findmy: true,
      homekitPriceCents: 300,
      findmyPriceCents: 200,
    });
    expect(details.body.fromProduct).toMatchObject({ pid: 'p1', name: 'Smart plug', unitPriceCents: 1000 });
    expect((await h.admin('POST', `/v1/admin/update-requests/${req.body.update.id}/approve`)).body.update.state).toBe('being_paid');
  });

  it('Confirm Update Info: the preview is the figure the request then records, with its currency; it changes nothing and meets the same refusals', async () => {
    const c = await makeCredential(h, { pid: 'p1', purchased: 4, free: 3 });
    // two purchased licenses leave with a split: the preview counts what is left, as the request will
    await h.admin('POST', `/v1/admin/credentials/${c.id}/split`, { purchased: 2, free: 0 });
    const preview = await h.admin('GET', `/v1/admin/credentials/${c.id}/update-preview?targetPid=p3&deliveryMode=license_list`);
    expect(preview.body).toEqual({
      credentialId: c.id,
      fromPid: 'p1',
      toPid: 'p3',
      deliveryMode: 'license_list',
      licenses: 5,
      chargedLicenses: 2,
      priceDifferenceCents: 1000,
      currency: 'USD',
    });
    expect((await h.admin('GET', `/v1/admin/credentials/${c.id}`)).body.state).toBe('valid');
    expect((await h.admin('GET', `/v1/admin/credentials/${c.id}/update-requests`)).body.updates).toEqual([]);
    const req = await h.admin('POST', `/v1/admin/credentials/${c.id}/update-requests`, { targetPid: 'p3', deliveryMode: 'license_list' });
    expect(req.body.update).toMatchObject({
      licenses: preview.body.licenses,
      chargedLicenses: preview.body.chargedLicenses,
      priceDifferenceCents: preview.body.priceDifferenceCents,
    });
    // under review now: the preview says so, as a second request would
    expect(
      (await h.admin('GET', `/v1/admin/credentials/${c.id}/update-preview?targetPid=p0&deliveryMode=credential`)).body.error.code,
    ).toBe('CREDENTIAL_UNDER_REVIEW');

    const customer = await makeCredential(h, { owner: 'customer', pid: 'p1', purchased: 2 });
    await h.admin('POST', `/v1/admin/credentials/${customer.id}/confirm`);
    const dearer = await h.admin('GET', `/v1/admin/credentials/${customer.id}/update-preview?targetPid=p3&deliveryMode=credential`);
    expect([dearer.status, dearer.body.error.code]).toEqual([409, 'CUSTOMER_PRICE_INCREASE']);
    expect(
      (await h.admin('GET', `/v1/admin/credentials/${customer.id}/update-preview?targetPid=p1&deliveryMode=credential`)).body.error.code,
    ).toBe('NOTHING_TO_CHANGE');
    expect(
      (await h.admin('GET', `/v1/admin/credentials/${customer.id}/update-preview?targetPid=p0&deliveryMode=credential`)).body,
    ).toMatchObject({ chargedLicenses: 2, priceDifferenceCents: -1000 });
    expect(
      (await h.admin('GET', `/v1/admin/credentials/${customer.id}/update-preview?targetPid=nope&deliveryMode=credential`)).body.error.code,
    ).toBe('PRODUCT_NOT_FOUND');
    expect(
      (
        await h.call(
          'GET',
          `/v1/admin/credentials/${customer.id}/update-preview?targetPid=p0&deliveryMode=credential`,
          undefined,
          h.keys.auditor,
        )
      ).body.error.code,
    ).toBe('FORBIDDEN');
  });

  it('free licenses alone cost nothing to change: approved straight to updated', async () => {
    const c = await makeCredential(h, { pid: 'p1', purchased: 0, free: 5 });
    const req = await h.admin('POST', `/v1/admin/credentials/${c.id}/update-requests`, { targetPid: 'p3', deliveryMode: 'credential' });
    expect(req.body.update).toMatchObject({ licenses: 5, chargedLicenses: 0, priceDifferenceCents: 0 });
    expect((await h.admin('POST', `/v1/admin/update-requests/${req.body.update.id}/approve`)).body.update.state).toBe('updated');
  });
});
