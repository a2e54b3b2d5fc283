import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { GroupSummary } from '../../common/api/schemas';
import { browserAndStations, openPage, overview, setUpDemo, shot, type Station } from './harness';

/**
 * The operator's screen as the floor uses it, in Chromium on the real services
 * (hub on SQLite, four virtual modules on ptys): the keyboard, the slot tiles.
 */
const files = browserAndStations();
const station = files.station;
const running = async (st: Station, n: number): Promise<boolean> => (await overview(st)).slots.find((s) => s.number === n)!.running;
const plugCard = (page: Page) => page.locator('[data-testid=group-option]', { hasText: 'Demo smart plug' }).first();

describe('operator keyboard', () => {
  it('Space starts and stops the selected slot wherever focus is; picking the picked group again is no error; Stop all only while something runs', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page);
    expect(await page.getByTestId('stop-all').isDisabled()).toBe(true);
    // the group card keeps the focus after the click
    await plugCard(page).click();
    await expect.poll(async () => (await overview(st)).slots.every((s) => s.groupId !== null)).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('group-option');
    await page.keyboard.press('2');
    await page.waitForTimeout(100);
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

  it('each tile shows its group; a slot whose port vanished never shows Done, and Retry says why instead of doing nothing', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page);
    expect(await page.getByTestId('slot-1').getByTestId('slot-group').textContent()).toBe('no group');
    await plugCard(page).click();
    const plug = (await overview(st)).groups.find((g) => g.productName === 'Demo smart plug' && g.blocked === null)!;
    for (const n of [1, 2, 3, 4]) await expect.poll(() => page.getByTestId(`slot-${n}`).getByTestId('slot-group').textContent()).toMatch(new RegExp(`^${plug.name} · Demo smart plug · \\d+ left$`));
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    // keys far enough apart not to read as a scanner
    await page.keyboard.press('1');
    await page.waitForTimeout(100);
    await page.keyboard.press(' ');
    await expect.poll(() => page.getByTestId('slot-1').getAttribute('data-look'), { timeout: 15_000 }).toBe('done');
    // the programmer is pulled while the slot waits for the next module
    const slot1 = (await overview(st)).slots.find((s) => s.number === 1)!;
    const port = st.env.portAt(slot1.port)!;
    await port.fleet.unplug(port.index);
    await expect.poll(() => page.getByTestId('slot-1').getAttribute('data-look'), { timeout: 15_000 }).toBe('noport');
    expect(await page.getByTestId('slot-1').getByTestId('slot-phase').textContent()).toBe('No port');
    // nor a green progress bar
    expect(await page.getByTestId('slot-1').getByRole('progressbar').getAttribute('class')).toBe('bar');
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Slot 1 has no programmer port');
    await shot(page, 'operator-no-port');
    await page.getByTestId('lang-zh').click();
    await expect.poll(() => page.getByTestId('slot-1').getByTestId('slot-phase').textContent()).toBe('无端口');
    await shot(page, 'operator-no-port-zh');
    await page.getByTestId('lang-en').click();
    expect(errors).toEqual([]);
  }, 90_000);

  it('a supervisor reassigns a group to one slot: the tile shows it at once; a reassignment to no slot is refused', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321');
    await plugCard(page).click();
    const ctx = { sessionKey: 'test-supervisor' };
    expect((await st.app.dispatcher.dispatch('supervisor.login', { pin: '4321' }, ctx)).ok).toBe(true);
    const plug = (await overview(st)).groups.find((g) => g.productName === 'Demo smart plug' && g.blocked === null)!;
    const split = await st.app.dispatcher.dispatch('supervisor.split', { groupId: plug.id, purchased: 5, free: 0, name: 'Plug for slot 2' }, ctx);
    expect(split.ok).toBe(true);
    const child = (split as { value: { group: GroupSummary } }).value.group;
    const none = await st.app.dispatcher.dispatch('supervisor.reassign', { groupId: child.id, slotIds: [] }, ctx);
    expect(none).toMatchObject({ ok: false, error: { code: 'SLOTS_REQUIRED' } });
    const slot2 = (await overview(st)).slots.find((s) => s.number === 2)!;
    expect((await st.app.dispatcher.dispatch('supervisor.reassign', { groupId: child.id, slotIds: [slot2.slotId] }, ctx)).ok).toBe(true);
    await expect.poll(() => page.getByTestId('slot-2').getByTestId('slot-group').textContent()).toMatch(/^Plug for slot 2 · Demo smart plug · 5 left$/);
    expect(await page.getByTestId('slot-1').getByTestId('slot-group').textContent()).toContain(plug.name);
    await shot(page, 'operator-reassigned');
    expect(errors).toEqual([]);
  }, 90_000);
});
