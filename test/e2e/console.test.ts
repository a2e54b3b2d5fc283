import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoEnvironment, type DemoEnvironment } from '../../scripts/demo';
import { readXlsxSheet } from '../../node/xlsx';
import { generateDemoLicenses } from '../../hub/demo';
import * as hubCredentials from '../../hub/services/credentials';
import * as hubStations from '../../hub/services/stations';
import * as hubUpdates from '../../hub/services/updates';
import { axeViolations, ensureConsoleBuilt, launchBrowser, openPage } from './harness';

/**
 * The hub console in Debian's Chromium, against a real demo hub: each role
 * signs in and walks its screens; the credential manager goes through every
 * operation of the Operation column while the platform approves in another
 * browser; refusals show the hub's reasons. Every screen passes axe-core with
 * no serious or critical violation; screenshots go to docs/screenshots/console-*.png.
 */
const shots = resolve(import.meta.dirname, '../../docs/screenshots');
let env: DemoEnvironment;
let browser: Browser;
const pages: Page[] = [];
/** The platform's approver, signed in in its own browser context. */
let platformPage: Page;
const errors: string[] = [];

beforeAll(async () => {
  await ensureConsoleBuilt();
  env = await startDemoEnvironment({ licenses: 60 });
  browser = await launchBrowser();
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
}, 60_000);

const account = (role: string) => env.seed.accounts.find((a) => a.role === role)!;
/** The whole page; with a dialog open, the window as the user sees it (the dialog's backdrop covers the window). */
const shot = async (page: Page, name: string): Promise<void> => {
  mkdirSync(shots, { recursive: true });
  const dialog = (await page.locator('dialog[open]').count()) > 0;
  await page.screenshot({ path: join(shots, `console-${name}.png`), fullPage: !dialog });
};
/** No serious or critical accessibility violation on what the page shows now. */
const accessible = async (page: Page, screen: string): Promise<void> => {
  expect(await axeViolations(page), screen).toEqual([]);
};

async function signIn(role: string, ctx: { newContext?: boolean } = {}): Promise<Page> {
  const { page, errors: pageErrors } = ctx.newContext
    ? await (async () => {
        const c = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
        const p = await c.newPage();
        const e: string[] = [];
        p.on('pageerror', (x) => e.push(x.message));
        await p.goto(`${env.hub.url}/console/`);
        return { page: p, errors: e };
      })()
    : await openPage(browser, `${env.hub.url}/console/`);
  page.setDefaultTimeout(10_000);
  pages.push(page);
  errors.push(...pageErrors);
  const a = account(role);
  await page.locator('input[name=name]').fill(a.name);
  await page.locator('input[name=password]').fill(a.password);
  await page.getByTestId('sign-in-submit').click();
  if (a.totpSecret) {
    await page.locator('input[name=totp]').waitFor();
    await page.locator('input[name=totp]').fill(new TOTP({ secret: Secret.fromBase32(a.totpSecret) }).generate());
    await page.getByTestId('sign-in-submit').click();
  }
  await page.getByTestId('who').waitFor();
  return page;
}

const row = (page: Page, text: string) => page.getByTestId('credential-row').filter({ hasText: text }).first();
const op = (page: Page, text: string, action: string) => row(page, text).getByTestId(`op-${action}`);
const notice = (page: Page) => page.getByTestId('notice');
const lastCode = (): string => env.hubCodes.at(-1)!.code;

/**
 * Two groups at a station that burns through the hub's own routes (enroll, pull, push): "Hot group" has 4 of 12
 * licenses left after 8 burns in the last hour (dry in 30 minutes: soon), "Cool group" 39 of 40 after one
 * burn (dry in 39 hours). Returns their ids.
 */
async function seedBurningGroups(): Promise<{ hot: string; cool: string }> {
  const deps = env.hub.deps;
  const stationId = env.seed.stationIds[1]!;
  const group = async (name: string, n: number): Promise<string> => {
    const c = await hubCredentials.createCredential(deps, {
      pid: env.seed.products[0]!.pid,
      owner: 'mine',
      deliveryMode: 'credential',
      firmwareKey: 'keydemo0fleet001',
      chip: 'BK7231N',
      name,
    });
    await hubCredentials.importLicenses(deps, c.id, 'purchased', generateDemoLicenses(n));
    await hubCredentials.assignCredential(deps, c.id, { factoryId: env.seed.factoryId, stationId });
    return c.id;
  };
  const hot = await group('Hot group', 12);
  const cool = await group('Cool group', 40);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const post = async (path: string, body: unknown, token?: string): Promise<any> => {
    const r = await fetch(`${env.hub.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    expect(r.status, path).toBe(200);
    return r.json();
  };
  const { code } = await hubStations.createEnrollmentCode(deps, stationId, 60);
  const { token } = await post('/v1/station/enroll', { code });
  const pulled = await post('/v1/station/pull', { cursor: null, limit: 100 }, token);
  const of = (id: string): string[] =>
    (pulled.licenses as { uuid: string; credentialId: string }[]).filter((l) => l.credentialId === id).map((l) => l.uuid);
  // burned just after the lease (the hub refuses a burn dated before its license was leased)
  const burn = (uuid: string) => ({ kind: 'burn', key: randomUUID(), uuid, burnedAt: new Date().toISOString() });
  const pushed = await post('/v1/station/push', { items: [...of(hot).slice(0, 8).map(burn), ...of(cool).slice(0, 1).map(burn)] }, token);
  expect(pushed.outcomes.map((o: { status: string; code?: string }) => o.code ?? o.status)).toEqual(Array(9).fill('applied'));
  return { hot, cool };
}

describe('the hub console', { timeout: 120_000 }, () => {
  it('refuses a wrong password and asks the platform account for its second factor', async () => {
    const { page } = await openPage(browser, `${env.hub.url}/console/`);
    pages.push(page);
    await page.locator('input[name=name]').fill('demo-owner');
    await page.locator('input[name=password]').fill('not the password at all');
    await page.getByTestId('sign-in-submit').click();
    await expect.poll(() => page.getByTestId('error').getAttribute('data-code')).toBe('SIGN_IN_FAILED');
    await accessible(page, 'sign-in');
    await shot(page, 'sign-in');

    await page.locator('input[name=name]').fill('demo-platform');
    await page.locator('input[name=password]').fill(account('platform').password);
    await page.getByTestId('sign-in-submit').click();
    await page.locator('input[name=totp]').fill('000000');
    await page.getByTestId('sign-in-submit').click();
    await expect.poll(() => page.getByTestId('error').getAttribute('data-code')).toBe('SIGN_IN_FAILED');
    expect(await page.getByTestId('who').count()).toBe(0);
  });

  it('the credential manager: the page, search, filters, sort, paging, and split', async () => {
    const page = await signIn('owner');
    await row(page, 'Demo smart plug').waitFor();
    expect(await page.getByTestId('credential-row').count()).toBe(2);
    await accessible(page, 'credentials');
    await shot(page, 'credentials');

    // an allowed and an unavailable action, the latter with the hub's reason on hover
    expect(await op(page, 'Demo smart plug', 'split').getAttribute('aria-disabled')).toBe('false');
    expect(await op(page, 'Demo smart plug', 'generate_resources').getAttribute('title')).toMatch(/neither HomeKit nor Find My/);
    await op(page, 'Demo smart plug', 'generate_resources').click({ force: true });
    expect(await page.getByTestId('generate-dialog').count()).toBe(0);

    // search and filters are the hub's
    await page.getByTestId('search').fill('bulb');
    await expect.poll(() => page.getByTestId('credential-row').count()).toBe(1);
    await page.getByTestId('search').fill('');
    await page.getByTestId('filter-product').selectOption('demoplug01');
    await expect.poll(() => page.getByTestId('credential-row').count()).toBe(1);
    await page.getByTestId('filter-product').selectOption('');
    await page.getByTestId('sort-total').click();
    await expect.poll(async () => (await page.getByTestId('credential-row').first().textContent()) ?? '').toContain('Demo HomeKit bulb');
    await page.getByTestId('sort-total').click();
    await expect.poll(async () => (await page.getByTestId('credential-row').first().textContent()) ?? '').toContain('Demo smart plug');

    // Split Quantity: 5 purchased + 1 free into a new credential
    await op(page, 'Demo smart plug', 'split').click();
    await page.getByTestId('split-purchased').fill('5');
    await page.getByTestId('split-free').fill('1');
    await expect.poll(() => page.getByTestId('split-dialog').textContent()).toContain('holds 6 licenses');
    await accessible(page, 'split dialog');
    await shot(page, 'split');
    await page.getByTestId('split-submit').click();
    await expect.poll(() => notice(page).textContent()).toContain('6 licenses');
    await expect.poll(() => page.getByTestId('credential-row').count()).toBe(3);
    // paging: two rows a page
    await page.getByTestId('page-size').selectOption('10');
    expect(await page.getByTestId('total').textContent()).toContain('3');

    // the split-off credential shares its parent's name: the short id under each name tells them apart, and finds each
    const rowIds = () => page.getByTestId('credential-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    const plugIds = (await page
      .getByTestId('credential-row')
      .filter({ hasText: 'Demo smart plug' })
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')!))) as string[];
    expect(plugIds).toHaveLength(2);
    for (const id of plugIds)
      expect(await page.locator(`[data-testid=credential-row][data-id="${id}"]`).getByTestId('short-id').textContent()).toBe(
        `ID ${id.slice(0, 8)}`,
      );
    for (const id of plugIds) {
      await page.getByTestId('search').fill(id.slice(0, 8));
      await expect.poll(rowIds).toEqual([id]);
    }
    await page.getByTestId('search').fill('');
    await expect.poll(() => page.getByTestId('credential-row').count()).toBe(3);

    // a split beyond what is there is refused with the hub's words
    await op(page, 'Demo smart plug', 'split').click();
    await page.getByTestId('split-purchased').fill('100000');
    await page.getByTestId('split-submit').click();
    await expect
      .poll(() => page.getByTestId('split-dialog').getByTestId('error').getAttribute('data-code'))
      .toMatch(/SPLIT_EXCEEDS_UNUSED|OUT_OF_RANGE|INVALID_REQUEST/);
    await page.getByTestId('dialog-close').click();
  });

  it('Change Product, approved and paid by the platform in another browser, then Credential Update Details', async () => {
    const owner = pages.at(-1)!;
    const plug = row(owner, 'Demo smart plug').filter({ hasText: '55' });
    await plug.getByTestId('op-change_product').click();
    await owner.getByTestId('product-search').fill('bulb');
    await owner.getByTestId('pick-demobulb01').click();
    await owner.getByTestId('confirm-update-info').waitFor();
    // the hub's own figure (its update preview): 55 purchased unused licenses x (1.80 - 1.20), free licenses not charged
    await expect.poll(() => owner.getByTestId('price-difference').textContent()).toContain('$33.00 for 55 purchased licenses');
    await accessible(owner, 'confirm update info');
    await shot(owner, 'change-product');
    await owner.getByTestId('change-submit').click();
    await expect.poll(() => notice(owner).textContent()).toContain('sent for approval');
    await expect.poll(() => row(owner, '55').getByTestId('state').textContent()).toBe('Confirming update');
    expect(await row(owner, '55').getByTestId('op-download').getAttribute('title')).toMatch(/under review/);

    // Update Details: the request under review, with Recall
    await row(owner, '55').getByTestId('op-update_details').click();
    await expect.poll(() => owner.getByTestId('update-state').first().textContent()).toBe('Under review');
    expect(await owner.getByTestId('recall').count()).toBe(1);
    await accessible(owner, 'update details');
    await shot(owner, 'update-details');
    await owner.getByTestId('dialog-close').click();

    // the platform's approver, in another browser
    const platform = await signIn('platform', { newContext: true });
    platformPage = platform;
    await platform.getByTestId('nav-approvals').click();
    await platform.getByTestId('approval-row').first().waitFor();
    // the hub's price difference is the one the manager was shown
    expect(await platform.getByTestId('approval-row').first().textContent()).toContain('$33.00');
    await accessible(platform, 'approvals');
    await shot(platform, 'approvals');
    await platform.getByTestId('approve').first().click();
    await platform.getByTestId('payment-row').first().waitFor();
    await platform.getByTestId('payment-ref').first().fill('WIRE-2026-0042');
    await platform.getByTestId('pay').first().click();
    await expect.poll(() => notice(platform).textContent()).toContain('Payment recorded');
    await expect.poll(() => platform.getByTestId('payment-row').count()).toBe(0);
    // the platform reads credentials but has no operation of the credential manager
    await platform.getByTestId('nav-credentials').click();
    await row(platform, '55').waitFor();
    expect(await row(platform, '55').getByTestId('op-split').getAttribute('title')).toMatch(/Only the credential manager/);

    await owner.getByTestId('refresh').click();
    await expect.poll(() => row(owner, '55').getByTestId('state').textContent()).toBe('Updated');
    await row(owner, '55').getByTestId('op-update_history').click();
    await expect.poll(() => owner.getByTestId('update-details').textContent()).toContain('Demo HomeKit bulb');
    expect(await owner.getByTestId('update-details').textContent()).toContain('demobulb01');
    expect(await owner.getByTestId('update-details').textContent()).toContain('HomeKit');
    await shot(owner, 'update-history');
    await owner.getByTestId('dialog-close').click();
  });

  it('Download Credential with the code sent to the account, as XLSX; Generate third-party resources to the end', async () => {
    const owner = pages.at(-2)!;
    await row(owner, '55').getByTestId('op-download').click();
    await owner.getByTestId('send-code').click();
    await owner.getByTestId('code').waitFor();
    // a wrong code is refused
    await owner.getByTestId('code').fill('000000');
    await owner.getByTestId('download-submit').click();
    await expect.poll(() => owner.getByTestId('download-dialog').getByTestId('error').getAttribute('data-code')).toMatch(/CODE/);
    await owner.getByTestId('code').fill(lastCode());
    await owner.getByTestId('format-xlsx').check();
    await accessible(owner, 'download dialog');
    await shot(owner, 'download');
    const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByTestId('download-submit').click()]);
    expect(download.suggestedFilename()).toMatch(/^demobulb01-.*\.xlsx$/);
    const sheet = await readXlsxSheet(new Uint8Array(readFileSync((await download.path())!)));
    expect(sheet[0]!.cells).toEqual(['uuid', 'authkey', 'mac', 'pid']);
    // the unused licenses at the hub: 55 purchased and 2 free
    expect(sheet.length - 1).toBe(57);
    await expect.poll(() => notice(owner).textContent()).toContain('57 licenses');
    await expect
      .poll(() =>
        owner
          .getByTestId('credential-row')
          .filter({ hasText: 'demobulb01' })
          .filter({ hasText: 'Line 1' })
          .locator('td')
          .nth(9)
          .textContent(),
      )
      .toBe('57');

    // third-party resources for the HomeKit bulb
    await op(owner, 'Line 2', 'generate_resources').click();
    await owner.getByTestId('generate-start').click();
    await expect.poll(() => owner.getByTestId('generate-dialog').textContent(), { timeout: 30_000 }).toContain('The resources are ready.');
    // the resources, listed and fetched as a file: one per license
    await expect.poll(() => owner.getByTestId('resources-count').textContent()).toContain('HomeKit: 30 of 30 licenses');
    expect(await owner.getByTestId('resource-row').count()).toBe(5);
    await accessible(owner, 'resources');
    await shot(owner, 'generate');
    const [file] = await Promise.all([owner.waitForEvent('download'), owner.getByTestId('resources-file').click()]);
    const lines = readFileSync((await file.path())!, 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toContain('setup_code');
    expect(lines).toHaveLength(31);
    await owner.getByTestId('dialog-close').click();
  });

  it("a customer's credential: refused until confirmed, then Confirm to Generate and Download locks it", async () => {
    const owner = pages.at(-2)!;
    // a row of the customer's tab (the tab opens on My credentials, whose rows say Demo too)
    const customers = () => owner.getByTestId('credential-row').filter({ hasText: 'Demo customer Ltd' }).first();
    await owner.getByTestId('tab-customers').click();
    await customers().waitFor();
    expect(await customers().getByTestId('op-confirm_generate_download').getAttribute('title')).toMatch(/not confirmed/);
    // whose it is and that it waits for confirmation, on the row itself
    expect(await customers().getByTestId('customer').textContent()).toBe('customer: Demo customer Ltd');
    expect(await customers().getByTestId('unconfirmed').textContent()).toBe('not confirmed yet');
    await owner.getByTestId('nav-approvals').click();
    await owner.getByTestId('confirm-row').waitFor();
    await accessible(owner, 'confirmations');
    await owner.getByTestId('confirm').click();
    await expect.poll(() => notice(owner).textContent()).toContain('Confirmed');
    await owner.getByTestId('nav-credentials').click();
    await owner.getByTestId('tab-customers').click();
    await expect.poll(() => customers().getByTestId('op-confirm_generate_download').getAttribute('aria-disabled')).toBe('false');
    expect(await customers().getByTestId('unconfirmed').count()).toBe(0);
    await customers().getByTestId('op-confirm_generate_download').click();
    expect(await owner.getByTestId('download-dialog').textContent()).toContain('can no longer be split');
    await owner.getByTestId('send-code').click();
    await owner.getByTestId('code').fill(lastCode());
    const [download] = await Promise.all([owner.waitForEvent('download'), owner.getByTestId('download-submit').click()]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(csv[0]).toBe('uuid,authkey,mac,pid');
    expect(csv).toHaveLength(16);
    await expect.poll(() => customers().getByTestId('state').textContent()).toBe('List generated');
    for (const a of ['split', 'change_product']) expect(await customers().getByTestId(`op-${a}`).getAttribute('title')).toMatch(/locked/);
    await shot(owner, 'customers');
  });

  it('Recall: a product change taken back while under review leaves the credential valid; one the platform rejects shows its reason', async () => {
    const owner = await signIn('owner');
    const child = () => owner.getByTestId('credential-row').filter({ hasText: 'demoplug01' }).filter({ hasText: 'any line' }).first();
    await child().waitFor();
    await child().getByTestId('op-change_product').click();
    await owner.getByTestId('pick-demobulb01').click();
    await owner.getByTestId('change-submit').click();
    await expect.poll(() => child().getByTestId('state').textContent()).toBe('Confirming update');
    await child().getByTestId('op-recall').click();
    await owner.getByTestId('recall').click();
    await expect.poll(() => owner.getByTestId('update-state').first().textContent()).toBe('Recalled');
    expect(await owner.getByTestId('recall').count()).toBe(0);
    await owner.getByTestId('dialog-close').click();
    await expect.poll(() => child().getByTestId('state').textContent()).toBe('Valid');
    expect(await child().getByTestId('op-recall').getAttribute('aria-disabled')).toBe('true');

    // asked again; the platform rejects it, saying why (a reason is required)
    await child().getByTestId('op-change_product').click();
    await owner.getByTestId('pick-demobulb01').click();
    await owner.getByTestId('change-submit').click();
    await expect.poll(() => child().getByTestId('state').textContent()).toBe('Confirming update');
    const platform = platformPage;
    await platform.getByTestId('nav-fleet').click();
    await platform.getByTestId('nav-approvals').click();
    await platform.getByTestId('approval-row').first().waitFor();
    await platform.getByTestId('reject').first().click();
    expect(await platform.getByTestId('reject-submit').isDisabled()).toBe(true);
    await platform.getByTestId('reject-reason').fill('The customer has not signed the order for the HomeKit bulb.');
    await accessible(platform, 'reject dialog');
    await shot(platform, 'reject');
    await platform.getByTestId('reject-submit').click();
    await expect.poll(() => notice(platform).textContent()).toContain('Rejected');
    await expect.poll(() => platform.getByTestId('approval-row').count()).toBe(0);

    await owner.getByTestId('refresh').click();
    await expect.poll(() => child().getByTestId('state').textContent()).toBe('Valid');
    expect(await child().getByTestId('op-recall').getAttribute('aria-disabled')).toBe('true');
    await child().getByTestId('op-update_details').click();
    await expect.poll(() => owner.getByTestId('update-state').allTextContents()).toEqual(['Recalled', 'Rejected']);
    expect(await owner.getByTestId('rejection-reason').textContent()).toContain('has not signed the order');
    await owner.getByTestId('dialog-close').click();
    await child().getByTestId('op-update_history').click();
    await expect
      .poll(() => owner.locator('[data-testid=update-details][data-state=rejected]').textContent())
      .toContain('has not signed the order');
    await accessible(owner, 'credential update details, rejected');
    await owner.getByTestId('dialog-close').click();
  });

  it('the factory manager: assigns its credentials to lines and stations; its factory, a new station, an enrollment code as text and QR code, a download contact, revoke; no credential operation', async () => {
    const page = await signIn('factory');
    expect(await page.getByTestId('nav-approvals').count()).toBe(0);
    await row(page, 'Demo smart plug').waitFor();
    expect(await op(page, 'Demo smart plug', 'download').getAttribute('title')).toMatch(/Only the credential manager/);
    // assign the split-off plug credential (its factory's, no line yet) to a line and a station of it
    const childId = (await page
      .getByTestId('credential-row')
      .filter({ hasText: 'any line' })
      .filter({ hasText: 'demoplug01' })
      .first()
      .getAttribute('data-id'))!;
    const byId = () => page.locator(`[data-testid=credential-row][data-id="${childId}"]`);
    // Assign is one of the operations the hub allows: refused while a product change is under review, with the reason
    expect(await byId().getByTestId('op-assign').getAttribute('aria-disabled')).toBe('false');
    const review = await hubUpdates.requestUpdate(env.hub.deps, childId, { targetPid: 'demobulb01', deliveryMode: 'credential' });
    await page.getByTestId('refresh').click();
    await expect.poll(() => byId().getByTestId('op-assign').getAttribute('aria-disabled')).toBe('true');
    expect(await byId().getByTestId('op-assign').getAttribute('title')).toMatch(/under review/);
    await byId().getByTestId('op-assign').click({ force: true });
    expect(await page.getByTestId('assign-dialog').count()).toBe(0);
    await hubUpdates.recallUpdate(env.hub.deps, review.update.id);
    await page.getByTestId('refresh').click();
    await expect.poll(() => byId().getByTestId('op-assign').getAttribute('aria-disabled')).toBe('false');
    await byId().getByTestId('op-assign').click();
    // a factory's manager keeps the credential in its own factory: no other factory, no "not assigned"
    expect(await page.getByTestId('assign-factory').locator('option').allTextContents()).toEqual(['Demo factory']);
    await page.getByTestId('assign-line').selectOption({ label: 'Line 1' });
    await page.getByTestId('assign-station').selectOption({ label: 'Line 1 / bench 2' });
    await accessible(page, 'assign dialog');
    await shot(page, 'assign');
    await page.getByTestId('assign-submit').click();
    await expect.poll(() => notice(page).textContent()).toContain('Line 1 / bench 2');
    await expect.poll(() => byId().locator('td').nth(12).textContent()).toContain('Line 1 · Line 1 / bench 2');
    // and back to the whole line (any station of it)
    await byId().getByTestId('op-assign').click();
    await page.getByTestId('assign-station').selectOption('');
    await page.getByTestId('assign-submit').click();
    await expect.poll(() => byId().locator('td').nth(12).textContent()).toContain('Line 1 · any station');
    await page.getByTestId('nav-factories').click();
    await page.getByTestId('factory').first().waitFor();
    const add = page.getByTestId('add-station').first();
    await add.locator('input').fill('Line 1 / bench 3');
    await add.locator('button').click();
    await page.locator('[data-testid=station-row][data-name="Line 1 / bench 3"]').waitFor();
    await page.locator('[data-testid=station-row][data-name="Line 1 / bench 3"]').getByTestId('enroll-code').click();
    const code = (await page.getByTestId('enrollment-code').textContent())!;
    expect(code.length).toBeGreaterThan(6);
    await page.getByTestId('qr').waitFor();
    await accessible(page, 'enrollment code');
    await shot(page, 'enrollment-code');
    await page.getByTestId('dialog-close').click();
    // the station enrolls with the code; then the manager revokes it
    const enrolled = await fetch(`${env.hub.url}/v1/station/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
    expect(enrolled.status).toBe(200);
    const { token } = (await enrolled.json()) as { token: string };
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('nav-factories').click();
    const bench3 = page.locator('[data-testid=station-row][data-name="Line 1 / bench 3"]');
    await bench3.getByTestId('revoke').click();
    await expect.poll(() => notice(page).textContent()).toContain('revoked');
    await accessible(page, 'factories');
    await shot(page, 'factories');
    expect((await fetch(`${env.hub.url}/v1/station/me`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);

    // where a station's download codes go: set by the factory manager, shown on the station's row
    const bench2 = page.locator('[data-testid=station-row][data-name="Line 1 / bench 2"]');
    expect(await bench2.getByTestId('station-contact').textContent()).toBe('Email: supervisor@factory.local');
    await bench2.getByTestId('set-contact').click();
    await page.getByTestId('contact-sms').check();
    // a phone number without its country code is refused with the hub's words, under the field it names
    await page.getByTestId('contact-destination').fill('13800138000');
    await page.getByTestId('contact-save').click();
    const dialog = page.getByTestId('contact-dialog');
    await expect.poll(() => dialog.getByTestId('error').getAttribute('data-code')).toBe('CONTACT_PHONE_INVALID');
    expect(await dialog.getByTestId('error').textContent()).toMatch(/international form/);
    expect(await page.getByTestId('contact-destination').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('contact-destination').getAttribute('aria-describedby')).toBe(
      await dialog.getByTestId('error').getAttribute('id'),
    );
    expect(await bench2.getByTestId('station-contact').textContent()).toBe('Email: supervisor@factory.local');
    // written as people write it: the hub drops the spaces and dashes
    await page.getByTestId('contact-destination').fill('+86 138-0013-8000');
    expect(await dialog.getByTestId('error').count()).toBe(0);
    await accessible(page, 'download contact dialog');
    await shot(page, 'download-contact');
    await page.getByTestId('contact-save').click();
    await expect.poll(() => notice(page).textContent()).toContain('+8613800138000');
    await expect.poll(() => bench2.getByTestId('station-contact').textContent()).toBe('SMS (text message): +8613800138000');
  });

  it('the auditor: every action above with its actor, filtered, exported as CSV; the fleet', async () => {
    const page = await signIn('auditor');
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-row').first().waitFor();
    await page.getByTestId('audit-kind').fill('approveUpdate');
    await page.getByTestId('audit-apply').click();
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(1);
    expect(await page.getByTestId('audit-row').textContent()).toContain('demo-platform');
    await page.getByTestId('audit-kind').fill('rejectUpdate');
    await page.getByTestId('audit-apply').click();
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(1);
    expect(await page.getByTestId('audit-row').textContent()).toContain('demo-platform');
    await page.getByTestId('audit-kind').fill('');
    await page.getByTestId('audit-actor').fill('demo-owner');
    await page.getByTestId('audit-apply').click();
    for (const kind of ['split', 'requestUpdate', 'recallUpdate', 'download', 'confirmCredential', 'startThirdPartyJob']) {
      await expect.poll(() => page.locator(`[data-testid=audit-row][data-kind=${kind}]`).count(), { message: kind }).toBeGreaterThan(0);
    }
    await accessible(page, 'audit');
    await shot(page, 'audit');
    // the factory manager's assignments and download contact, in the audit with its name
    await page.getByTestId('audit-actor').fill('demo-factory');
    await page.getByTestId('audit-apply').click();
    for (const kind of ['assign', 'setDownloadContact', 'revokeStation']) {
      await expect.poll(() => page.locator(`[data-testid=audit-row][data-kind=${kind}]`).count(), { message: kind }).toBeGreaterThan(0);
    }
    await page.getByTestId('audit-actor').fill('demo-owner');
    await page.getByTestId('audit-apply').click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\n')[0]).toContain('actor_name');
    expect(csv).toContain('demo-owner');
    expect(csv).not.toContain('demo-platform');

    const { hot, cool } = await seedBurningGroups();
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('fleet-group').first().waitFor();
    // the group about to run dry is highlighted and said to run dry soon; the one burning slowly is not
    const hotRow = page.locator(`[data-testid=fleet-group][data-id="${hot}"]`);
    const coolRow = page.locator(`[data-testid=fleet-group][data-id="${cool}"]`);
    expect(await hotRow.getAttribute('data-soon')).toBe('true');
    expect(await hotRow.locator('td').nth(1).textContent()).toBe('4');
    expect(await hotRow.textContent()).toContain('runs dry soon');
    expect(await coolRow.getAttribute('data-soon')).toBe('false');
    expect(await coolRow.textContent()).not.toContain('runs dry soon');
    const background = (row: typeof hotRow) =>
      row
        .locator('td')
        .first()
        .evaluate((td) => getComputedStyle(td).backgroundColor);
    expect(await background(hotRow)).toBe('rgb(61, 46, 5)');
    expect(await background(coolRow)).not.toBe(await background(hotRow));
    // soonest first
    expect(await page.getByTestId('fleet-group').first().getAttribute('data-id')).toBe(hot);
    // the demo factory's three stations (the revoked one is out of the fleet) and its groups with licenses left
    expect(await page.getByTestId('fleet-station').count()).toBe(3);
    expect(await page.getByTestId('fleet-stations').textContent()).toContain('Line 1 / bench 1');
    expect(await page.getByTestId('fleet-groups').textContent()).toContain('demoplug01');
    await accessible(page, 'fleet');
    await shot(page, 'fleet');
  });

  it('Simplified Chinese, sign-out, and a session that ended', async () => {
    const page = pages.at(-1)!;
    await page.getByTestId('nav-credentials').click();
    await page.getByTestId('lang-zh-CN').click();
    await expect.poll(() => page.locator('h1').first().textContent()).toBe('管理凭证');
    await row(page, 'Demo smart plug').waitFor();
    // the hub's reason for an action not allowed, in Chinese too
    expect(await op(page, 'Demo smart plug', 'split').getAttribute('title')).toBe('只有凭证管理员能拆分凭证。');
    expect(await op(page, 'Demo smart plug', 'assign').getAttribute('title')).toBe('只有凭证管理员或工厂管理员能把凭证分配到产线和工位。');
    expect(await row(page, 'Demo smart plug').getByTestId('short-id').textContent()).toMatch(/^编号 [0-9a-f]{8}$/);
    await accessible(page, 'credentials in Chinese');
    await shot(page, 'credentials-zh');
    await page.getByTestId('lang-en').click();
    // the session ends on the hub's side (here: the cookie is gone): the next request brings the sign-in page back
    await page.context().clearCookies();
    await page.getByTestId('refresh').click();
    await expect.poll(() => page.getByTestId('signed-out-reason').textContent()).toContain('session ended');
    const again = await signIn('owner');
    await again.getByTestId('sign-out').click();
    await expect.poll(() => again.getByTestId('signed-out-reason').textContent()).toContain('signed out');
    expect(errors.filter((e) => !/status of 40[14]/.test(e))).toEqual([]);
  });
});
