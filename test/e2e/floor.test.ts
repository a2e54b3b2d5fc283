import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { GroupSummary } from '../../common/api/schemas';
import { join } from 'node:path';
import { browserAndStations, openPage, overview, screenshotDir, setUpDemo, shot, type Station } from './harness';

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
    for (const n of [1, 2, 3, 4])
      await expect
        .poll(() => page.getByTestId(`slot-${n}`).getByTestId('slot-group').textContent())
        .toMatch(new RegExp(`^${plug.name} · Demo smart plug · \\d+ left$`));
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
    // the watcher's next rescan (every 2 s) may already call the programmer missing: either way, no Done
    await expect.poll(() => page.getByTestId('slot-1').getByTestId('slot-phase').textContent()).toMatch(/^(无端口|烧录器未插上)$/);
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
    const split = await st.app.dispatcher.dispatch(
      'supervisor.split',
      { groupId: plug.id, purchased: 5, free: 0, name: 'Plug for slot 2' },
      ctx,
    );
    expect(split.ok).toBe(true);
    const child = (split as { value: { group: GroupSummary } }).value.group;
    const none = await st.app.dispatcher.dispatch('supervisor.reassign', { groupId: child.id, slotIds: [] }, ctx);
    expect(none).toMatchObject({ ok: false, error: { code: 'SLOTS_REQUIRED' } });
    const slot2 = (await overview(st)).slots.find((s) => s.number === 2)!;
    expect((await st.app.dispatcher.dispatch('supervisor.reassign', { groupId: child.id, slotIds: [slot2.slotId] }, ctx)).ok).toBe(true);
    await expect
      .poll(() => page.getByTestId('slot-2').getByTestId('slot-group').textContent())
      .toMatch(/^Plug for slot 2 · Demo smart plug · 5 left$/);
    expect(await page.getByTestId('slot-1').getByTestId('slot-group').textContent()).toContain(plug.name);
    await shot(page, 'operator-reassigned');
    expect(errors).toEqual([]);
  }, 90_000);

  it('a slot never burns a group not assigned to it or to its line, in English and Chinese; a group is not reassigned away from a slot that burns it', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321');
    await plugCard(page).click();
    const ctx = { sessionKey: 'test-supervisor' };
    const sv = async <T>(channel: string, payload: unknown): Promise<T> => {
      const r = await st.app.dispatcher.dispatch(channel, payload, ctx);
      if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code });
      return r.value as T;
    };
    await sv('supervisor.login', { pin: '4321' });
    const plug = (await overview(st)).groups.find((g) => g.productName === 'Demo smart plug' && g.blocked === null)!;
    const forSlot2 = (
      await sv<{ group: GroupSummary }>('supervisor.split', { groupId: plug.id, purchased: 4, free: 0, name: 'Slot 2 only' })
    ).group;
    const line2 = (await sv<{ group: GroupSummary }>('supervisor.split', { groupId: plug.id, purchased: 4, free: 0, name: 'Line 2 group' }))
      .group;
    await sv('supervisor.reassign', { groupId: forSlot2.id, slotIds: ['slot-2'] });
    // a group left with no slot keeps its line: Line 2, and this station is on Line 1
    await sv('supervisor.reassign', { groupId: line2.id, slotIds: ['slot-3'], line: 'Line 2' });
    await sv('supervisor.reassign', { groupId: forSlot2.id, slotIds: ['slot-2', 'slot-3'] });
    await expect.poll(() => page.getByTestId('slot-3').getByTestId('slot-group').textContent()).toContain('Slot 2 only');

    // the operator picks them for slot 1: refused, in plain words, and slot 1 keeps its group
    await page.getByTestId('slot-1').click();
    await page.getByTestId('scope-slot').click();
    await page.locator('[data-testid=group-option]', { hasText: 'Slot 2 only' }).click();
    await expect.poll(() => page.getByTestId('notice').getAttribute('data-code')).toBe('GROUP_NOT_FOR_SLOT');
    expect(await page.getByTestId('notice').textContent()).toContain(
      'Group "Slot 2 only" is assigned to slots 2, 3, not to slot 1: pick another group for slot 1, or ask a supervisor to reassign it.',
    );
    // the picker stays on the group the slot has
    expect(await page.locator('[data-testid=group-option][aria-checked=true]').textContent()).toContain(plug.name);
    await shot(page, 'operator-group-not-for-slot');
    await page.getByTestId('lang-zh').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('该分组没有分配给这个工位或它的产线');
    await shot(page, 'operator-group-not-for-slot-zh');
    await page.getByTestId('lang-en').click();
    await page.locator('[data-testid=group-option]', { hasText: 'Line 2 group' }).click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain('Group "Line 2 group" is assigned to Line 2, and slot 1 is on Line 1');
    expect((await overview(st)).slots.find((s) => s.number === 1)!.groupId).toBe(plug.id);
    // the headless route refuses the same: a start of slot 2 with a group moved off it
    await sv('supervisor.reassign', { groupId: forSlot2.id, slotIds: ['slot-3'] });
    await expect(sv('station.start', { slotIds: ['slot-2'] })).rejects.toMatchObject({ code: 'GROUP_NOT_FOR_SLOT' });

    // slot 1 burns the plug group: the group cannot be taken to slot 4 alone while slot 1 burns it
    await page.keyboard.press('1');
    await page.waitForTimeout(100);
    await page.keyboard.press(' ');
    await expect.poll(() => running(st, 1)).toBe(true);
    await expect(sv('supervisor.reassign', { groupId: plug.id, slotIds: ['slot-4'] })).rejects.toMatchObject({
      code: 'SLOT_RUNNING',
      message: `Slot 1 is burning group "${plug.name}": stop it before you reassign the group to other slots.`,
    });
    expect(await running(st, 1)).toBe(true);
    await page.keyboard.press('x');
    await expect.poll(() => running(st, 1)).toBe(false);
    await sv('supervisor.reassign', { groupId: plug.id, slotIds: ['slot-4'] });
    await expect(sv('station.start', { slotIds: ['slot-1'] })).rejects.toMatchObject({ code: 'GROUP_NOT_FOR_SLOT' });
    expect(errors).toEqual([]);
  }, 120_000);

  it('the header keeps to one row at 1280×800 and to two at 1024×768, nothing cut off, in English and Chinese', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321');
    await plugCard(page).click();
    for (const [width, height, rows] of [
      [1280, 800, 1],
      [1024, 768, 2],
    ] as const) {
      await page.setViewportSize({ width, height });
      for (const lang of ['en', 'zh'] as const) {
        await page.getByTestId(`lang-${lang}`).click();
        await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(lang === 'en' ? 'en' : 'zh-CN');
        const header = await page.locator('header.topbar').evaluate((h) => {
          // rows: each child starts a new one when it sits below the bottom of the row before
          const items = [...h.children]
            .map((c) => c.getBoundingClientRect())
            .filter((r) => r.width > 0)
            .sort((a, b) => a.top - b.top);
          const tops = items.reduce<DOMRect[]>(
            (rows, r) => (rows.length > 0 && r.top < rows[rows.length - 1]!.bottom - 2 ? rows : [...rows, r]),
            [],
          );
          const clipped = [...h.querySelectorAll('*')]
            .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflow !== 'visible' && !e.matches('.station'))
            .map((e) => e.className || e.tagName);
          return { height: h.getBoundingClientRect().height, rows: tops.length, clipped, overflow: h.scrollWidth > h.clientWidth };
        });
        console.log(`[header] ${width}x${height} ${lang}: ${JSON.stringify(header)}`);
        await page.screenshot({
          path: join(screenshotDir, `header-${width}-${lang}.png`),
          clip: { x: 0, y: 0, width, height: Math.ceil(header.height) + 8 },
        });
        expect(header.rows, `${width} ${lang}`).toBeLessThanOrEqual(rows);
        expect(header.overflow).toBe(false);
        expect(header.clipped).toEqual([]);
      }
    }
    await page.getByTestId('lang-en').click();
    await page.setViewportSize({ width: 1024, height: 768 });
    await shot(page, 'operator-1024');
    expect(errors).toEqual([]);
  }, 90_000);
});
