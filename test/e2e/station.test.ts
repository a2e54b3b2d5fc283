import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import NodeWebSocket from 'ws';
import type { Browser } from 'playwright-core';
import { ensureRendererBuilt, launchBrowser, openPage, setUpDemo, shot, startStation, type Station } from './harness';

/**
 * The real UI in Chromium against the browser host (in-process) over the
 * station services. Until main/station and main/sync land the services are
 * the in-memory demo station (main/api/demo-station.ts).
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
});

describe('station UI in the browser host', () => {
  it('first run: demo with a passphrase and a PIN, then the operator screen with four slot tiles', async () => {
    const st = await station();
    const { page, errors } = await openPage(browser, st.host.url);
    await page.getByTestId('setup-submit').waitFor();
    await shot(page, 'first-run');
    // a PIN typed twice differently is caught before anything is sent
    await page.getByTestId('choose-demo').click();
    await page.locator('input[name=passphrase]').fill('correct horse battery');
    await page.locator('input[name=passphrase2]').fill('correct horse battery');
    await page.locator('input[name=pin]').fill('4321');
    await page.locator('input[name=pin2]').fill('4322');
    await page.getByTestId('setup-submit').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('The two PINs differ');
    await setUpDemo(page);
    for (const n of [1, 2, 3, 4]) expect(await page.getByTestId(`slot-${n}`).getAttribute('data-phase')).toBe('idle');
    // a blocked group is shown with why, and cannot be picked
    const blocked = page.locator('[data-testid=group-option][disabled]');
    expect(await blocked.count()).toBe(1);
    expect(await blocked.textContent()).toContain('under review');
    await shot(page, 'operator-ready');
    expect(errors).toEqual([]);
  });

  it('switches between English and Simplified Chinese at run time', async () => {
    const st = await station();
    const { page, errors } = await openPage(browser, st.host.url);
    await setUpDemo(page);
    await page.getByTestId('lang-zh').click();
    await expect.poll(() => page.getByTestId('slot-1').textContent()).toContain('工位 1');
    expect(await page.getByTestId('start-all').textContent()).toContain('全部开始');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await shot(page, 'operator-zh');
    // the choice is the station's: a new page opens in Chinese
    const again = await openPage(browser, st.host.url);
    await expect.poll(() => again.page.getByTestId('slot-1').textContent()).toContain('工位 1');
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.getByTestId('slot-1').textContent()).toContain('Slot 1');
    expect(errors).toEqual([]);
  });

  it('the API refuses a bad payload and a connection without the launch secret', async () => {
    const st = await station();
    const { page } = await openPage(browser, st.host.url);
    await setUpDemo(page);
    // from inside the page, as a compromised renderer would
    const answer = await page.evaluate(async (url) => new Promise<unknown>((resolve) => {
      const ws = new WebSocket(url);
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, channel: 'station.scanSerial', payload: { slotId: 'slot-1', serial: 'x'.repeat(500) } }));
      ws.onmessage = (m) => { const msg = JSON.parse(String(m.data)); if (msg.id === 1) resolve(msg.result); };
    }), `ws://127.0.0.1:${st.host.port}/api?k=${st.host.secret}`);
    expect(answer).toEqual({ ok: false, error: { code: 'BAD_REQUEST', message: 'The request was refused: serial: a serial number is at most 64 characters.' } });
    const refused = (url: string, headers: Record<string, string> = {}): Promise<number> => new Promise((resolve) => {
      const ws = new NodeWebSocket(url, { headers });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => { ws.close(); resolve(101); });
      ws.on('error', () => resolve(-1));
    });
    expect(await refused(`ws://127.0.0.1:${st.host.port}/api`)).toBe(401);
    expect(await refused(`ws://127.0.0.1:${st.host.port}/api?k=wrong`)).toBe(401);
    expect(await refused(`ws://127.0.0.1:${st.host.port}/api?k=${st.host.secret}`, { Origin: 'http://evil.example' })).toBe(401);
    expect(await refused(`ws://127.0.0.1:${st.host.port}/api?k=${st.host.secret}`)).toBe(101);
  });

  it('an operator burns from the keyboard; a scanned serial lands in the burn record; a fault shows plain words and the license becomes suspect', async () => {
    const st = await station();
    const { page, errors } = await openPage(browser, st.host.url);
    await setUpDemo(page);
    await page.locator('[data-testid=group-option]:not([disabled])', { hasText: 'Plug EU' }).click();
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    // scanner on slot 2: select it with "2", then the wedge types fast and ends with Enter
    await page.keyboard.press('2');
    await page.waitForTimeout(100);
    await page.keyboard.type('SN-0042-XY', { delay: 5 });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('slot-2').textContent()).toContain('SN-0042-XY');
    st.app.demo.injectFault(3, 'DISCONNECTED');
    await page.keyboard.press('s');
    await expect.poll(() => page.getByTestId('slot-3').getAttribute('data-phase'), { timeout: 10_000 }).toBe('failed');
    const error = await page.getByTestId('slot-3').getByTestId('slot-error').textContent();
    expect(error).toContain('unplugged during the burn');
    expect(error).toContain('press Retry');
    expect(error).toContain('is suspect');
    await expect.poll(async () => Number(await page.getByTestId('count-burned').locator('.n').textContent()), { timeout: 10_000 }).toBeGreaterThanOrEqual(6);
    expect(await page.getByTestId('count-suspect').locator('.n').textContent()).toBe('1');
    await shot(page, 'operator-burning-fault');
    // keyboard only: select slot 3, retry with R
    await page.keyboard.press('3');
    await page.waitForTimeout(100);
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('slot-3').getAttribute('data-phase')).not.toBe('failed');
    await page.keyboard.press('x');
    await expect.poll(async () => (await page.locator('[data-phase=burning]').count())).toBe(0);
    const counts = await st.app.dispatcher.dispatch('station.overview', {}, { sessionKey: 'check' });
    const plug = (counts as { value: { groups: { name: string; counts: { burned: number; suspect: number } }[] } }).value.groups.find((g) => g.name.startsWith('Plug'))!;
    expect(Number(await page.getByTestId('count-burned').locator('.n').textContent())).toBe(plug.counts.burned);
    expect(plug.counts.suspect).toBe(1);
    expect(errors).toEqual([]);
  });

  it('a supervisor splits a group, changes its product and recalls the request, resolves a suspect and exports a report', async () => {
    const st = await station();
    const { page, errors } = await openPage(browser, st.host.url);
    await setUpDemo(page, '97531');
    await page.locator('[data-testid=group-option]:not([disabled])', { hasText: 'Plug EU' }).click();
    st.app.demo.injectFault(1, 'VERIFY_MISMATCH');
    await page.getByTestId('start-all').click();
    await expect.poll(() => page.getByTestId('slot-1').getAttribute('data-phase'), { timeout: 10_000 }).toBe('failed');
    await page.getByTestId('stop-all').click();

    await page.keyboard.press('F2');
    await page.getByTestId('pin').fill('11111');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('notice').getAttribute('data-code')).toBe('WRONG_PIN');
    await page.waitForTimeout(1100);
    await page.getByTestId('pin').fill('97531');
    await page.keyboard.press('Enter');
    await page.getByTestId('groups-table').waitFor();

    await page.getByTestId('group-row').filter({ hasText: 'Plug EU' }).click();
    await page.locator('input[name=purchased]').fill('40');
    await page.locator('input[name=free]').fill('10');
    await page.locator('input[name=splitName]').fill('Plug EU · line 2');
    await page.getByTestId('split-panel').getByRole('button').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('50 licenses');
    await expect.poll(() => page.getByTestId('group-row').filter({ hasText: 'Plug EU · line 2' }).count()).toBe(1);

    const change = page.getByTestId('change-panel');
    await change.locator('select[name=targetPid]').selectOption('k9bulb01');
    await change.getByRole('button', { name: 'Request the change' }).click();
    await expect.poll(() => page.getByTestId('group-row').filter({ hasText: 'Plug EU · batch' }).textContent()).toContain('Under review');
    await shot(page, 'supervisor-change-requested');
    await change.getByTestId('recall').first().click();
    await expect.poll(() => page.getByTestId('group-row').filter({ hasText: 'Plug EU · batch' }).textContent()).toContain('Valid');

    await page.getByTestId('tab-suspects').click();
    await expect.poll(() => page.getByTestId('suspect-row').count()).toBe(1);
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('void').click();
    await expect.poll(() => page.getByTestId('suspect-row').count()).toBe(0);

    await page.getByTestId('tab-audit').click();
    await page.getByTestId('audit-check').click();
    await expect.poll(() => page.getByTestId('audit-result').textContent()).toContain('intact');
    await page.getByTestId('report-code').click();
    await expect.poll(() => st.codes.get('report_export')).toBeDefined();
    await page.locator('input[name=reportCode]').fill(st.codes.get('report_export')!);
    await page.getByTestId('report-export').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('rows written to');
    const path = (await page.getByTestId('notice').textContent())!.match(/written to (\S+\.csv)/)![1]!;
    const csv = readFileSync(path, 'utf8');
    expect(csv.split('\n')[0]).toBe('uuid,module_mac,serial,slot,time,result');
    expect(csv).toContain('VERIFY_MISMATCH');
    expect(csv).not.toMatch(/[0-9A-Za-z]{32}/);
    await shot(page, 'supervisor-console');

    await page.keyboard.press('F3');
    await page.getByTestId('dashboard-totals').waitFor();
    await page.waitForTimeout(300);
    await shot(page, 'dashboard');
    expect(errors).toEqual([]);
  });
});
