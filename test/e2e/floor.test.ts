import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { GroupSummary, SlotState } from '../../common/api/schemas';
import { ensureRendererBuilt, launchBrowser, openPage, setUpDemo, shot, startStation, type Station } from './harness';

/**
 * The operator's screen as the floor uses it, in Chromium on the real services
 * (hub on SQLite, four virtual modules on ptys): the keyboard, the slot tiles.
 */
let browser: Browser;
const stations: Station[] = [];
const station = async (): Promise<Station> => { const s = await startStation(); stations.push(s); return s; };

beforeAll(async () => {
  await ensureRendererBuilt();
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  for (const s of stations) await s.close();
}, 60_000);

const api = async <T>(st: Station, channel: string, payload: unknown = {}): Promise<T> => {
  const r = await st.app.dispatcher.dispatch(channel, payload, { sessionKey: 'test-check' });
  if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
  return r.value as T;
};
const overview = (st: Station) => api<{ groups: GroupSummary[]; slots: SlotState[] }>(st, 'station.overview');
const running = async (st: Station, n: number): Promise<boolean> => (await overview(st)).slots.find((s) => s.number === n)!.running;
const plugCard = (page: Page) => page.locator('[data-testid=group-option]', { hasText: 'Demo smart plug' }).first();

describe('operator keyboard', () => {
  it('Space starts and stops the selected slot wherever focus is; picking the picked group again is no error; Stop all only while something runs', async () => {
    const st = await station();
    const { page, errors } = await openPage(browser, st.host.url);
    await setUpDemo(page);
    expect(await page.getByTestId('stop-all').isDisabled()).toBe(true);
    // the group card keeps the focus after the click
    await plugCard(page).click();
    await expect.poll(async () => (await overview(st)).slots.every((s) => s.groupId !== null)).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('group-option');
    await page.keyboard.press('2');
    await page.keyboard.press(' ');
    await expect.poll(() => running(st, 2)).toBe(true);
    expect(await running(st, 1)).toBe(false);
    expect(await page.getByTestId('stop-all').isDisabled()).toBe(false);
    // the picked group, picked again while its slot burns: nothing to change, nothing to complain about
    await plugCard(page).click();
    await page.waitForTimeout(300);
    expect(await page.getByTestId('notice').count()).toBe(0);
    expect(await running(st, 2)).toBe(true);
    // focus on a slot's own Start button: Space is still the selected slot's
    await page.getByTestId('slot-3').getByRole('button', { name: 'Start' }).focus();
    await page.keyboard.press(' ');
    await expect.poll(() => running(st, 2)).toBe(false);
    expect(await running(st, 3)).toBe(false);
    await expect.poll(() => page.getByTestId('stop-all').isDisabled()).toBe(true);
    await shot(page, 'operator-keyboard');
    expect(errors).toEqual([]);
  }, 60_000);
});
