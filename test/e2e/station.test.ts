import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import NodeWebSocket from 'ws';
import type { Page } from 'playwright-core';
import { browserAndStations, callService, openPage, overview, scanBurst, setUpDemo, shot } from './harness';
import { hubAdmin } from './hub-admin';

/**
 * The real UI in Chromium against the browser host, over the station's real
 * services: a hub on SQLite (demo seed), four virtual modules on ptys
 * (2 tuya-auc, 2 tuyaopen-cli at 115200 baud), the vault, ledger, slots and sync.
 */
const files = browserAndStations();
const station = files.station;
const count = async (page: Page, kind: string): Promise<number> =>
  Number(await page.getByTestId(`count-${kind}`).locator('.n').textContent());
const pickPlugGroup = (page: Page) =>
  page.locator('[data-testid=group-option]:not([disabled])', { hasText: 'Demo smart plug' }).first().click();

describe('station UI in the browser host, on the real services', () => {
  it('first run: enrolls with the demo hub, then shows a tile for each virtual module with its protocol', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
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
    expect(await page.getByTestId('slot-1').textContent()).toContain('tuya-auc');
    expect(await page.getByTestId('slot-4').textContent()).toContain('tuyaopen-cli');
    expect(await page.locator('[data-testid=group-option]', { hasText: 'Demo smart plug' }).count()).toBe(1);
    await expect.poll(() => page.getByTestId('sync-status').textContent()).toMatch(/online/i);
    await shot(page, 'operator-ready');
    expect(errors).toEqual([]);
  }, 60_000);

  it('switches between English and Simplified Chinese at run time', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page);
    await page.getByTestId('lang-zh').click();
    await expect.poll(() => page.getByTestId('slot-1').textContent()).toContain('工位 1');
    expect(await page.getByTestId('start-all').textContent()).toContain('全部开始');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await shot(page, 'operator-zh');
    // the choice is the station's: a new page opens in Chinese
    const again = await openPage(files.browser(), st.host.url);
    await expect.poll(() => again.page.getByTestId('slot-1').textContent()).toContain('工位 1');
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.getByTestId('slot-1').textContent()).toContain('Slot 1');
    expect(errors).toEqual([]);
  }, 60_000);

  it('the API refuses a bad payload and a connection without the launch secret', async () => {
    const st = await station();
    const { page } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page);
    // from inside the page, as a compromised renderer would
    const answer = await page.evaluate(
      async (url) =>
        new Promise<unknown>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () =>
            ws.send(JSON.stringify({ id: 1, channel: 'station.scanSerial', payload: { slotId: 'slot-1', serial: 'x'.repeat(500) } }));
          ws.onmessage = (m) => {
            const msg = JSON.parse(String(m.data));
            if (msg.id === 1) resolve(msg.result);
          };
        }),
      `ws://127.0.0.1:${st.host.port}/api?k=${st.host.secret}`,
    );
    expect(answer).toEqual({
      ok: false,
      error: { code: 'BAD_REQUEST', message: 'The request was refused: serial: a serial number is at most 64 characters.' },
    });
    // a supervisor call without the PIN never reaches the vault
    const split = await page.evaluate(
      async (url) =>
        new Promise<unknown>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () =>
            ws.send(JSON.stringify({ id: 2, channel: 'supervisor.resolveSuspect', payload: { uuid: 'demoaaaaaaaaaaaa', action: 'void' } }));
          ws.onmessage = (m) => {
            const msg = JSON.parse(String(m.data));
            if (msg.id === 2) resolve(msg.result);
          };
        }),
      `ws://127.0.0.1:${st.host.port}/api?k=${st.host.secret}`,
    );
    expect(split).toMatchObject({ ok: false, error: { code: 'SUPERVISOR_REQUIRED' } });
    const refused = (url: string, headers: Record<string, string> = {}): Promise<number> =>
      new Promise((resolve) => {
        const ws = new NodeWebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => resolve(-1));
      });
    expect(await refused(`ws://127.0.0.1:${st.host.port}/api`)).toBe(401);
    expect(await refused(`ws://127.0.0.1:${st.host.port}/api?k=wrong`)).toBe(401);
    expect(await refused(`ws://127.0.0.1:${st.host.port}/api?k=${st.host.secret}`, { Origin: 'http://evil.example' })).toBe(401);
    expect(await refused(`ws://127.0.0.1:${st.host.port}/api?k=${st.host.secret}`)).toBe(101);
  }, 60_000);

  it('an operator burns 20 modules on 4 slots from the keyboard; counts, tiles and the hub agree; a scanned serial lands in the burn record', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page);
    await pickPlugGroup(page);
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    // scanner on slot 2: select it with "2", then the wedge types fast and ends with Enter
    await page.keyboard.press('2');
    await expect.poll(() => page.getByTestId('slot-2').getAttribute('aria-current')).toBe('true');
    await scanBurst(page, 'SN-0042-XY');
    await expect.poll(() => page.getByTestId('slot-2').textContent()).toContain('SN-0042-XY');
    const swapper = st.swapBurned(20);
    await page.keyboard.press('s');
    await expect.poll(() => count(page, 'burned'), { timeout: 60_000 }).toBe(20);
    await shot(page, 'operator-burning');
    // each slot now holds a burned module and waits for a blank one: nothing more is burned
    await page.waitForTimeout(500);
    expect(await count(page, 'burned')).toBe(20);
    await page.keyboard.press('x');
    await expect.poll(async () => page.locator('[data-phase=burning]').count()).toBe(0);
    swapper.stop();
    const tiles = await Promise.all(
      [1, 2, 3, 4].map(async (n) => Number(/(\d+) this shift/.exec((await page.getByTestId(`slot-${n}`).textContent()) ?? '')?.[1] ?? -1)),
    );
    expect(tiles.reduce((a, b) => a + b, 0)).toBe(20);
    expect(tiles.every((n) => n >= 1)).toBe(true);
    const plug = (await overview(st)).groups.find((g) => g.productName === 'Demo smart plug')!;
    expect(plug.counts).toMatchObject({ burned: 20, suspect: 0, left: plug.counts.total - 20 });
    expect(await count(page, 'left')).toBe(plug.counts.left);
    // the burn record of the next module on slot 2 carries the scanned serial
    const records = st.app.runtime.station!.ledger.burnRecords();
    expect(records.filter((r) => r.result === 'verified')).toHaveLength(20);
    expect(records.find((r) => r.moduleSerial === 'SN-0042-XY')?.slot).toBe('slot-2');
    // after a sync the hub counts the same 20 burns for this station and this credential
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(async () => (await callService<{ outbox: number }>(st, 'sync.status')).outbox).toBe(0);
    const hub = hubAdmin(st.env.hub);
    const row = (await hub.credentialReport()).rows.find((r) => r.credentialId === plug.id)!;
    expect(row.counts.burned).toBe(20);
    expect((await hub.stationReport()).rows.find((r) => r.stationId === st.env.seed.stationIds[0])?.burned).toBe(20);
    // and every burned module holds what the ledger says
    for (const p of st.env.ports()) {
      const flash = await p.fleet.readFlash(p.index);
      expect(records.some((r) => r.uuid === flash?.uuid && r.result === 'verified')).toBe(true);
    }
    await shot(page, 'operator-station');
    expect(errors).toEqual([]);
  }, 120_000);

  it('a module unplugged mid-burn shows the plain-words error, the license becomes suspect, and the slot burns again after Retry', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page);
    await pickPlugGroup(page);
    const slot2 = (await overview(st)).slots.find((s) => s.number === 2)!;
    const port = st.env.portAt(slot2.port)!;
    await port.fleet.setFaults(port.index, { unplugMidFrame: 'write' });
    await page.getByTestId('start-all').click();
    await expect.poll(() => page.getByTestId('slot-2').getAttribute('data-phase'), { timeout: 20_000 }).toBe('failed');
    const tileError = page.getByTestId('slot-2').getByTestId('slot-error');
    const error = (await tileError.textContent())!;
    // a suspect's tile gives one instruction: set the module aside for a supervisor, naming the license, slot and time
    expect(error).toMatch(
      /^✖ Set this module aside for a supervisor \(license \S+, slot 2, \d\d:\d\d\), then burn the next one with Retry\.$/,
    );
    expect(error).toContain(`${st.app.runtime.station!.listSuspects()[0]!.uuid}`);
    expect(error).not.toMatch(/read the module back|check that/);
    // the cause, in the station's words (main/station/messages.ts), on hover: the unplug, or (when the read deadline comes first) no answer
    expect(await tileError.getAttribute('title')).toMatch(/(unplugged|disconnected) during the burn|No answer from the module on slot 2/);
    await expect.poll(() => count(page, 'suspect')).toBe(1);
    await shot(page, 'operator-fault');
    await page.getByTestId('lang-zh').click();
    await expect
      .poll(() => tileError.textContent())
      .toMatch(/^✖ 请把这个模组放在一边交给主管（授权 \S+，工位 2，\d\d:\d\d），然后按“重试”烧录下一个。$/);
    await shot(page, 'operator-fault-zh');
    await page.getByTestId('lang-en').click();
    const suspects = st.app.runtime.station!.listSuspects();
    expect(suspects).toHaveLength(1);
    expect(suspects[0]!.slot).toBe('slot-2');
    // the operator puts a blank module in the replugged jig and presses Retry, keyboard only
    await st.env.swap(slot2.port);
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.press('2');
    await page.waitForTimeout(100);
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('slot-2').getAttribute('data-phase'), { timeout: 20_000 }).toBe('done');
    expect(await count(page, 'suspect')).toBe(1);
    await page.keyboard.press('x');
    expect(errors).toEqual([]);
  }, 60_000);

  it('a product change under review stops a running slot before its next license: the tile says why, in English and Simplified Chinese', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page);
    await pickPlugGroup(page);
    await page.getByTestId('start-all').click();
    await expect.poll(async () => (await overview(st)).slots.filter((s) => s.phase === 'done').length, { timeout: 20_000 }).toBe(4);
    // the hub puts the group under review; the station learns it with the next sync
    const slot1 = (await overview(st)).slots.find((s) => s.number === 1)!;
    const hub = hubAdmin(st.env.hub);
    await hub.requestUpdate(slot1.groupId!, { targetPid: 'demobulb01', deliveryMode: 'credential' });
    await callService(st, 'sync.syncNow');
    // the next module comes: slot 1 stops before it reserves a license
    const burned = st.app.runtime.station!.counts(slot1.groupId!).burned;
    await st.env.swap(slot1.port);
    const tile = page.getByTestId('slot-1');
    await expect.poll(() => tile.getByTestId('slot-stop').count(), { timeout: 20_000 }).toBe(1);
    const name = st.app.runtime.station!.group(slot1.groupId!).name;
    expect(await tile.getByTestId('slot-stop').textContent()).toBe(
      `Group ${name} is blocked: a product change is under review on the hub. Pick another group or ask a supervisor.`,
    );
    // the burn before the block is still shown, and nothing more was burned
    expect(await tile.getByTestId('slot-result').textContent()).toContain('Verified');
    expect(await tile.getAttribute('data-phase')).toBe('idle');
    // stopped by itself, and the badge says so
    expect(await tile.getByTestId('slot-phase').textContent()).toBe('Stopped');
    expect((await overview(st)).slots.find((s) => s.number === 1)).toMatchObject({ running: false, stopReason: { code: 'GROUP_BLOCKED' } });
    expect(st.app.runtime.station!.counts(slot1.groupId!).burned).toBe(burned);
    await page.waitForTimeout(300);
    await shot(page, 'operator-group-blocked');
    await page.getByTestId('lang-zh').click();
    await expect
      .poll(() => tile.getByTestId('slot-stop').textContent())
      .toBe(`分组“${name}”已锁定：产品更换正在中心审核中。请选择其他分组或联系主管。`);
    // the group picker gives the same cause in Chinese
    expect(await page.locator('[data-testid=group-option][disabled]', { hasText: name }).textContent()).toContain('产品更换正在中心审核中');
    expect(await tile.getByTestId('slot-phase').textContent()).toBe('已停止');
    await shot(page, 'operator-group-blocked-zh');
    await page.getByTestId('lang-en').click();
    await page.getByTestId('stop-all').click();
    // the platform rejects the change with a reason: the group is free again, and the supervisor reads why
    const request = (await hub.listUpdates(slot1.groupId!)).updates.find((u) => u.state === 'confirming_update')!;
    await hub.rejectUpdate(request.id, 'The bulb needs its own certification first');
    await callService(st, 'sync.syncNow');
    await expect.poll(() => page.locator('[data-testid=group-option][disabled]', { hasText: name }).count()).toBe(0);
    await page.keyboard.press('F2');
    await page.getByTestId('pin').fill('4321');
    await page.getByTestId('pin').press('Enter');
    await page.getByTestId('group-row').filter({ hasText: name }).click();
    // only a rejected request carries a reason
    const reason = page.getByTestId('request-reason');
    await expect.poll(() => reason.textContent()).toBe('The platform says: The bulb needs its own certification first');
    expect(await page.getByTestId('request-row').filter({ has: reason }).textContent()).toContain('Rejected');
    await page.getByTestId('lang-zh').click();
    await expect.poll(() => reason.textContent()).toBe('平台的理由：The bulb needs its own certification first');
    await shot(page, 'supervisor-change-rejected-zh');
    await page.getByTestId('lang-en').click();
    expect(errors).toEqual([]);
  }, 90_000);

  it('a supervisor splits a group, changes its product and recalls the request, resolves a suspect by reading the module back, and exports a report', async () => {
    const st = await station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '97531');
    await pickPlugGroup(page);
    // a suspect on slot 1: the cable is pulled while the license is written
    const slot1 = (await overview(st)).slots.find((s) => s.number === 1)!;
    const port = st.env.portAt(slot1.port)!;
    await port.fleet.setFaults(port.index, { unplugMidFrame: 'write' });
    await page.getByTestId('start-all').click();
    await expect.poll(() => page.getByTestId('slot-1').getAttribute('data-phase'), { timeout: 20_000 }).toBe('failed');
    await page.getByTestId('stop-all').click();
    await expect.poll(async () => (await overview(st)).slots.filter((s) => s.running).length).toBe(0);
    // the supervisor puts the same module back in the jig of slot 1
    const flash = await port.fleet.readFlash(port.index);
    await port.fleet.swap(port.index, { flash: flash ?? {} });

    await page.keyboard.press('F2');
    await page.getByTestId('pin').fill('11111');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('notice').getAttribute('data-code')).toBe('WRONG_PIN');
    await page.waitForTimeout(1100);
    await page.getByTestId('pin').fill('97531');
    await page.keyboard.press('Enter');
    await page.getByTestId('groups-table').waitFor();

    const plugRow = () => page.getByTestId('group-row').filter({ hasText: 'Demo smart plug ·' }).first();
    await plugRow().click();
    await page.locator('input[name=purchased]').fill('20');
    await page.locator('input[name=free]').fill('2');
    await page.locator('input[name=splitName]').fill('Plug · line 2');
    await page.getByTestId('split-panel').getByRole('button').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('22 licenses');
    await expect.poll(() => page.getByTestId('group-row').filter({ hasText: 'Plug · line 2' }).count()).toBe(1);
    // the hub applied the split: it knows the new group with its 22 licenses
    const hub = hubAdmin(st.env.hub);
    await expect
      .poll(async () => (await hub.listCredentials()).credentials.filter((c) => c.origin === 'split').map((c) => c.purchased + c.free), {
        timeout: 10_000,
      })
      .toEqual([22]);

    await plugRow().click();
    const change = page.getByTestId('change-panel');
    await change.locator('select[name=targetPid]').selectOption('demobulb01');
    await change.getByRole('button', { name: 'Request the change' }).click();
    await expect.poll(() => plugRow().textContent()).toContain('Under review');
    await shot(page, 'supervisor-change-requested');
    // on the operator screen the group cannot be picked, and says why
    await page.keyboard.press('F1');
    const blocked = page.locator('[data-testid=group-option][disabled]', { hasText: 'Demo smart plug' });
    await expect.poll(() => blocked.count()).toBe(1);
    expect(await blocked.textContent()).toContain('under review');
    await page.keyboard.press('F2');
    await plugRow().click();
    await change.getByTestId('recall').first().click();
    await expect.poll(() => plugRow().textContent()).toContain('Valid');
    expect((await hub.listUpdates(slot1.groupId!)).updates.map((u) => u.state)).toEqual(['recalled']);
    // the notice that said "under review" is replaced
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Change recalled');
    expect(await page.getByTestId('notice').textContent()).not.toContain('under review');
    // the history reads as sentences, with product names, in both languages; no ids, no keys
    const history = page.getByTestId('history-entry');
    await expect
      .poll(() => history.allTextContents())
      .toEqual(
        expect.arrayContaining([
          'Product change recalled',
          expect.stringMatching(/^Product change requested: Demo smart plug to Demo HomeKit bulb for \d+ licenses/),
        ]),
      );
    const groupIds = (await overview(st)).groups.map((g) => g.id);
    for (const text of await history.allTextContents()) for (const id of groupIds) expect(text).not.toContain(id);
    await page.getByTestId('lang-zh').click();
    await expect
      .poll(() => history.allTextContents())
      .toEqual(expect.arrayContaining(['产品更换已撤回', expect.stringMatching(/^申请更换产品：Demo smart plug 改为 Demo HomeKit bulb/)]));
    await shot(page, 'supervisor-history-zh');
    await page.getByTestId('lang-en').click();

    await page.getByTestId('tab-suspects').click();
    await expect.poll(() => page.getByTestId('suspect-row').count()).toBe(1);
    const suspect = st.app.runtime.station!.listSuspects()[0]!;
    await page.getByTestId('read-back').click();
    await expect.poll(() => page.getByTestId('suspect-row').count()).toBe(0);
    // the ledger settles it by what the module really holds
    const settled = st.app.runtime.station!.ledger.license(suspect.uuid).state;
    expect(settled).toBe(flash?.uuid === suspect.uuid ? 'verified' : 'void');
    expect(await page.getByTestId('notice').textContent()).toContain(
      settled === 'verified' ? 'holds this license' : 'does not hold this license',
    );

    await page.getByTestId('tab-audit').click();
    await page.getByTestId('audit-check').click();
    await expect
      .poll(() => page.getByTestId('audit-result').textContent())
      .toMatch(/The audit chain is intact: \d+ entries checked, and all \d+ licenses agree with it\./);
    await page.getByTestId('report-code').click();
    await expect.poll(() => st.codes.get('report_export')).toBeDefined();
    await page.locator('input[name=reportCode]').fill(st.codes.get('report_export')!);
    await page.getByTestId('report-export').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('rows written to');
    const path = (await page.getByTestId('notice').textContent())!.match(/written to (\S+\.csv)/)![1]!;
    const csv = readFileSync(path, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('uuid,module_mac,module_serial,slot,time,result,reason,group,operator');
    expect(csv).toContain('DISCONNECTED');
    expect(csv).not.toMatch(/(^|,)[0-9A-Za-z]{32}(,|$)/m);
    // the slot by its number, the group by its name
    const rows = csv.trim().split('\r\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/^[0-9a-z]{16},[^,]*,[^,]*,[1-4],/);
    const groups = (await overview(st)).groups;
    for (const g of groups) expect(csv).not.toContain(g.id);
    // the group by its name, then the operator who burned (signed on by setUpDemo) by name and number
    expect(groups.some((g) => csv.includes(`,${g.name},demo-operator (101)\r\n`))).toBe(true);
    await page.getByTestId('tab-groups').click();
    await plugRow().click();
    await page.waitForTimeout(300);
    await shot(page, 'supervisor-console');

    await page.keyboard.press('F3');
    await page.getByTestId('dashboard-totals').waitFor();
    await page.waitForTimeout(300);
    // the header is the sum of the hours and of the reasons
    const d = await callService<{
      totals: { verified: number; failed: number; suspect: number };
      burnsPerHour: { verified: number; failed: number; suspect: number }[];
      failuresBySlot: { reasons: { count: number }[] }[];
      failuresByGroup: { reasons: { count: number }[] }[];
    }>(st, 'reports.dashboard', { range: 'shift' });
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    for (const k of ['verified', 'failed', 'suspect'] as const) expect(sum(d.burnsPerHour.map((h) => h[k]))).toBe(d.totals[k]);
    expect(sum(d.failuresBySlot.flatMap((x) => x.reasons.map((r) => r.count)))).toBe(d.totals.failed + d.totals.suspect);
    expect(sum(d.failuresByGroup.flatMap((x) => x.reasons.map((r) => r.count)))).toBe(d.totals.failed + d.totals.suspect);
    expect(d.totals.verified).toBeGreaterThan(0);
    expect(await page.getByTestId('dashboard-totals').textContent()).toContain(`Verified: ${d.totals.verified}`);
    await shot(page, 'dashboard');
    expect(errors).toEqual([]);
  }, 90_000);
});
