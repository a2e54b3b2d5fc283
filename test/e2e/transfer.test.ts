import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { GroupSummary, OfflineOutcome } from '../../common/api/schemas';
import { openStationApp } from '../../main/app';
import { startBrowserHost, type BrowserHost } from '../../main/host/server';
import { startDemoEnvironment, type DemoEnvironment } from '../../scripts/demo';
import { ensureRendererBuilt, launchBrowser, openPage, rendererDir, shot } from './harness';
import { hubAdmin } from './hub-admin';

/**
 * Transfer bundles from the supervisor console, end to end: two stations of
 * the demo factory enrolled on one real hub, each behind its own browser host.
 * Station A exports part of a group (the one-time passphrase shown once),
 * station B imports the file; a wrong passphrase, a second import, a changed
 * file and A taking its own bundle back are refused in plain words with their
 * code; after both sync, the hub has applied both ends; a copy taken in at a
 * third station is refused by the hub, and that station says why.
 */
let env: DemoEnvironment;
let browser: Browser;
const closers: (() => Promise<unknown>)[] = [];

interface App {
  app: Awaited<ReturnType<typeof openStationApp>>;
  host: BrowserHost;
  dir: string;
}

async function stationApp(name: string, enrollmentCode: string): Promise<App> {
  const dir = join(env.dir, name);
  // no programmers: these stations only move licenses, and must not probe the other station's modules
  const noPorts = join(dir, 'no-ports');
  mkdirSync(noPorts, { recursive: true });
  const app = await openStationApp({
    dataDir: dir,
    demoHub: () => Promise.resolve({ hubUrl: env.access.hubUrl, enrollmentCode }),
    discovery: { virtualDirs: [noPorts], udev: 'off' },
    scrypt: { N: 2 ** 12, r: 8, p: 1 },
    syncIntervalMs: 60_000,
  });
  const host = await startBrowserHost({ dispatcher: app.dispatcher, staticDir: rendererDir });
  closers.unshift(async () => {
    await host.close();
    await app.close();
  });
  const r = await app.dispatcher.dispatch(
    'setup.startDemo',
    { keyProtection: { kind: 'passphrase', passphrase: 'correct horse battery' }, supervisorPin: '4321' },
    { sessionKey: 'setup' },
  );
  if (!r.ok) throw new Error(`${name}: ${r.error.message}`);
  return { app, host, dir };
}

const call = async <T>(s: App, channel: string, payload: unknown = {}): Promise<T> => {
  const r = await s.app.dispatcher.dispatch(channel, payload, { sessionKey: 'test-check' });
  if (!r.ok) throw Object.assign(new Error(`${channel}: ${r.error.message}`), { code: r.error.code });
  return r.value as T;
};

async function openConsole(s: App): Promise<{ page: Page; errors: string[] }> {
  const opened = await openPage(browser, s.host.url);
  await opened.page.getByTestId('sync-status').waitFor();
  await opened.page.keyboard.press('F2');
  // The PIN takes one attempt a second (PIN_RATE_LIMITED): a login made through the API just before may still hold it.
  for (let attempt = 0; ; attempt++) {
    await opened.page.getByTestId('pin').fill('4321');
    await opened.page.keyboard.press('Enter');
    const tab = opened.page.getByTestId('tab-transfers');
    if (
      await tab.waitFor({ timeout: 3000 }).then(
        () => true,
        () => false,
      )
    )
      break;
    if (attempt === 2) throw new Error(`the supervisor console did not open: ${await opened.page.locator('body').innerText()}`);
    await opened.page.waitForTimeout(1100);
  }
  await opened.page.getByTestId('tab-transfers').click();
  return opened;
}

async function importBundle(page: Page, source: { path: string } | { upload: Buffer }, passphrase: string): Promise<void> {
  const form = page.getByTestId('bundle-import');
  if ('path' in source) {
    await form.getByTestId('bundle-file').setInputFiles([]);
    await form.locator('input[name=bundlePath]').fill(source.path);
  } else {
    await form.getByTestId('bundle-file').setInputFiles({ name: 'from-a.bundle', mimeType: 'application/json', buffer: source.upload });
  }
  await form.locator('input[name=bundlePassphrase]').fill(passphrase);
  const before = Number(await form.getAttribute('data-answers'));
  await form.getByTestId('bundle-import-submit').click();
  await expect.poll(async () => Number(await form.getAttribute('data-answers')), { timeout: 10_000 }).toBe(before + 1);
}

beforeAll(async () => {
  await ensureRendererBuilt();
  env = await startDemoEnvironment({ licenses: 30 });
  closers.push(() => env.close());
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const close of closers) await close().catch(() => undefined);
}, 60_000);

describe('transfer bundles in the supervisor console', () => {
  it('exports part of a group at one station with a one-time passphrase and imports it once at another', async () => {
    const hub = hubAdmin(env.hub);
    const a = await stationApp('station-a', env.access.enrollmentCode);
    const b = await stationApp('station-b', (await hub.createEnrollmentCode(env.seed.stationIds[1]!)).code);
    const plug = (await call<{ groups: GroupSummary[] }>(a, 'station.overview')).groups.find((g) => g.name.startsWith('Demo smart plug'))!;
    const left = plug.counts.left;
    expect(left).toBeGreaterThan(5);

    // ---- station A: export 5 of its unused licenses ----
    const pa = await openConsole(a);
    const exportForm = pa.page.getByTestId('bundle-export');
    await exportForm.locator('select[name=bundleGroup]').selectOption(plug.id);
    await exportForm.locator('input[name=bundleAll]').uncheck();
    await exportForm.locator('input[name=bundleCount]').fill('5');
    await exportForm.getByTestId('bundle-export-submit').click();
    const dialog = pa.page.getByTestId('bundle-dialog');
    await dialog.waitFor();
    const passphrase = (await dialog.getByTestId('bundle-passphrase').textContent())!;
    expect(passphrase).toMatch(/^[A-Z2-9]{24}$/);
    const filePath = (await dialog.getByTestId('bundle-path').textContent())!;
    expect(dirname(filePath)).toBe(join(a.dir, 'exports'));
    expect(existsSync(filePath)).toBe(true);
    const fileText = readFileSync(filePath, 'utf8');
    expect(JSON.parse(fileText)).toMatchObject({ format: 'credential-station-transfer', header: { licenses: 5 } });
    expect(fileText).not.toContain(passphrase.slice(0, 8));
    expect(await dialog.textContent()).toContain(`${left - 5} unused licenses left`);
    await shot(pa.page, 'transfer-export-passphrase');
    // the licenses left the group at once, the screen says so, and the passphrase is gone when the dialog closes
    expect((await call<{ groups: GroupSummary[] }>(a, 'station.overview')).groups.find((g) => g.id === plug.id)!.counts.left).toBe(
      left - 5,
    );
    await dialog.getByTestId('bundle-dialog-close').click();
    await expect.poll(() => exportForm.locator(`option[value="${plug.id}"]`).textContent()).toContain(`${left - 5} unused`);
    expect(await pa.page.locator('body').textContent()).not.toContain(passphrase);
    expect(await pa.page.getByTestId('notice').textContent()).toContain('5 licenses sent in a transfer bundle');

    // ---- station B: wrong passphrase, then the right one, then a second time ----
    const pb = await openConsole(b);
    const importForm = pb.page.getByTestId('bundle-import');
    const wrong = (passphrase[0] === 'A' ? 'B' : 'A') + passphrase.slice(1);
    await importBundle(pb.page, { path: filePath }, wrong);
    expect(await importForm.getByTestId('bundle-import-error').getAttribute('data-code')).toBe('BUNDLE_PASSPHRASE_WRONG');
    expect(await importForm.getByTestId('bundle-import-error').textContent()).toContain('The passphrase does not open this bundle');

    await importBundle(pb.page, { path: filePath }, passphrase.toLowerCase().replace(/(.{4})(?!$)/g, '$1 '));
    expect(await importForm.getByTestId('bundle-import-ok').textContent()).toContain('5 licenses imported into the new group');
    const imported = (await call<{ groups: GroupSummary[] }>(b, 'station.overview')).groups.filter((g) => g.name.includes(' · from '));
    expect(imported.map((g) => [g.name, g.counts.left, g.blocked])).toEqual([[`${plug.name} · from Line 1 / bench 1`, 5, null]]);

    await importBundle(pb.page, { path: filePath }, passphrase);
    const again = importForm.getByTestId('bundle-import-error');
    expect(await again.getAttribute('data-code')).toBe('BUNDLE_ALREADY_IMPORTED');
    expect(await again.textContent()).toMatch(
      /BUNDLE_ALREADY_IMPORTED.*This bundle was already imported on .* \(5 licenses\): a bundle is accepted once\./,
    );
    await pb.page.getByTestId('lang-zh').click();
    await expect.poll(() => again.textContent()).toContain('每个转移包只能导入一次');
    expect(await again.textContent()).toContain('BUNDLE_ALREADY_IMPORTED');
    await shot(pb.page, 'transfer-import-refused-zh');
    await pb.page.getByTestId('lang-en').click();

    // a changed file, uploaded: refused as tampered
    const changed = JSON.parse(fileText) as { ciphertext: string };
    const body = changed.ciphertext;
    changed.ciphertext = `${body.slice(0, 10)}${body[10] === 'A' ? 'B' : 'A'}${body.slice(11)}`;
    await importBundle(pb.page, { upload: Buffer.from(JSON.stringify(changed)) }, passphrase);
    expect(await importForm.getByTestId('bundle-import-error').getAttribute('data-code')).toBe('BUNDLE_TAMPERED');
    expect(await importForm.getByTestId('bundle-import-error').textContent()).toContain('changed after it was made');

    // station A cannot take its own bundle back
    await importBundle(pa.page, { path: filePath }, passphrase);
    expect(await pa.page.getByTestId('bundle-import-error').getAttribute('data-code')).toBe('BUNDLE_OWN');
    expect(await pa.page.getByTestId('bundle-import-error').textContent()).toContain('This station made the bundle');

    // ---- the offline-operations tab: both ends applied by the hub ----
    // (both stations reach the hub here, so each end is pushed right after it is made; a sync settles any left)
    await pb.page.getByTestId('tab-outcomes').click();
    const inRow = pb.page.locator('[data-testid=outcome-row][data-kind=transfer_in]');
    expect(await inRow.textContent()).toContain('Bundle received');
    await call(a, 'sync.syncNow');
    await call(b, 'sync.syncNow');
    await expect.poll(() => inRow.getAttribute('data-status')).toBe('applied');
    expect((await call<OfflineOutcome[]>(a, 'sync.outcomes')).filter((o) => o.kind === 'transfer_out').map((o) => o.status)).toEqual([
      'applied',
    ]);
    expect(await pb.page.getByTestId('refused-reports').textContent()).toContain('The hub refused no report.');
    // an empty outbox takes no room in the status
    await expect.poll(() => pb.page.getByTestId('sync-status').textContent()).toMatch(/^Online(?!.*outbox)/);
    await shot(pb.page, 'transfer-outcomes');

    // a copy of the file taken in at a third station: the station cannot know, the hub can — refused, shown with the hub's reason and what the station did
    const c = await stationApp('station-c', (await hub.createEnrollmentCode(env.seed.stationIds[2]!)).code);
    await call(c, 'supervisor.login', { pin: '4321' });
    expect(await call(c, 'supervisor.importBundle', { filePath, passphrase })).toMatchObject({ licenses: 5 });
    await call(c, 'sync.syncNow');
    const pc = await openConsole(c);
    await pc.page.getByTestId('tab-outcomes').click();
    const refusedRow = pc.page.locator('[data-testid=outcome-row][data-kind=transfer_in]');
    await expect.poll(() => refusedRow.getAttribute('data-status')).toBe('rejected');
    expect(await refusedRow.textContent()).toMatch(
      /Rejected.*5 licenses in this bundle were used meanwhile.*Bundle group blocked; 5 unused licenses removed from this station\./,
    );
    await shot(pc.page, 'transfer-outcome-rejected');
    expect([...pa.errors, ...pb.errors, ...pc.errors]).toEqual([]);
  }, 60_000);
});
