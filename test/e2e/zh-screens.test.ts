import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserAndStations, callService, openPage, overview, setUpDemo, shot } from './harness';

/**
 * Every screen of the station in Simplified Chinese, in Chromium on the real services and the demo hub: no English
 * sentence is left on any of them. What the station shows as data (group and product names, people, ports, paths,
 * protocol and line names) is taken out first; what remains may not hold three English words in a row.
 */
const files = browserAndStations();

/** Three or more English words in a row, as a sentence left untranslated would have. */
const englishRun = /\b[A-Za-z][A-Za-z'’-]+(?:[ ,:;]+[A-Za-z][A-Za-z'’-]*){2,}/g;

async function englishOn(page: Page, data: readonly string[]): Promise<string[]> {
  let text = await page.locator('body').innerText();
  for (const d of [...data].sort((a, b) => b.length - a.length)) text = text.split(d).join(' ');
  // paths, ports and ids are data too
  text = text.replace(/\/[\w./-]+/g, ' ').replace(/\b[0-9a-f]{8,}\b/gi, ' ');
  return [...text.matchAll(englishRun)].map((m) => m[0]);
}

describe('the station in Chinese', () => {
  it('leaves no English sentence on any screen or tab', async () => {
    const st = await files.station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321');
    await page.getByTestId('lang-zh').click();
    await page.locator('[data-testid=group-option]:not([disabled])').first().click();
    await page.getByTestId('start-all').click();
    await expect.poll(async () => (await overview(st)).slots.some((s) => s.lastResult?.ok === true), { timeout: 30_000 }).toBe(true);
    await page.getByTestId('stop-all').click();
    // an operation for the offline-operations tab
    await callService(st, 'supervisor.login', { pin: '4321' });
    await callService(st, 'supervisor.split', {
      groupId: (await overview(st)).groups.find((g) => g.blocked === null)!.id,
      purchased: 2,
      free: 0,
      name: 'Split for the tab',
    });
    const { groups } = await overview(st);
    const data = [
      ...groups.flatMap((g) => [g.name, g.productName ?? '']),
      'Demo smart plug',
      'Demo HomeKit bulb',
      'Demo',
      'demo-operator',
      'demo-factory',
      'the test phone',
      'Line 1',
      'Line 2',
      'bench 1',
      'tuya-auc',
      'tuyaopen-cli',
      'HomeKit',
      'Find My',
      'Esc',
      'PIN',
      'PID',
      'MAC',
    ].filter((d) => d.length > 0);
    const found = new Map<string, string[]>();
    const look = async (where: string): Promise<void> => {
      const english = await englishOn(page, data);
      if (english.length > 0) found.set(where, english);
    };
    await look('operator');
    await shot(page, 'zh-operator');
    await page.keyboard.press('F3');
    await page
      .getByTestId('dashboard')
      .waitFor()
      .catch(() => undefined);
    await page.waitForLoadState('networkidle').catch(() => undefined);
    await look('dashboard');
    await page.keyboard.press('F2');
    await page.getByTestId('pin').fill('4321');
    await page.getByTestId('pin').press('Enter');
    await page.getByTestId('tab-groups').waitFor();
    for (const tab of ['groups', 'suspects', 'programmers', 'import', 'transfers', 'audit', 'outcomes', 'people']) {
      await page.getByTestId(`tab-${tab}`).click();
      if (tab === 'groups') {
        await page.getByTestId('group-row').first().click();
        await page.getByTestId('download-preview').waitFor();
      }
      if (tab === 'audit') {
        await page.getByTestId('audit-check').click();
        await page.getByTestId('audit-result').waitFor();
        await page.getByTestId('report-code').click();
        await page.getByTestId('notice').waitFor();
      }
      await look(`supervisor ${tab}`);
      await shot(page, `zh-supervisor-${tab}`);
    }
    expect(Object.fromEntries(found)).toEqual({});
    expect(errors).toEqual([]);
  }, 150_000);
});
