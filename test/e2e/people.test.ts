import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { GroupSummary, OfflineOutcome } from '../../common/api/schemas';
import { silentLogger } from '../../common/log';
import { startHub } from '../../hub/server';
import { DEMO_OPERATOR, browserAndStations, callService, openPage, overview, setUpDemo, shot, signOn } from './harness';

/**
 * Who is at the station, in Chromium on the real services and the demo hub: an operator signs on with a
 * number or a badge before anything burns, the header names them in both languages, signing off stops
 * everything; supervisors sign in by their own PIN and name and keep the station's own people; the operator
 * picks a group for every slot or for the selected slot only.
 */
const files = browserAndStations();

describe('people at the station, in the browser', () => {
  it('no burn starts until an operator signs on (typed number or scanned badge); the header names them; signing off stops it all', async () => {
    const st = await files.station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321', { signOn: false });
    await page.getByTestId('sign-on-panel').waitFor();
    await page.locator('[data-testid=group-option]:not([disabled])', { hasText: 'Demo smart plug' }).first().click();
    await page.getByTestId('start-all').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Nobody is signed on at this station');
    expect((await overview(st)).slots.every((s) => !s.running)).toBe(true);
    await shot(page, 'sign-on');
    // an unknown number is refused in plain words
    await page.getByTestId('sign-on-code').fill('999');
    await page.getByTestId('sign-on').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('No operator has this number or badge');
    await signOn(page, DEMO_OPERATOR);
    expect(await page.getByTestId('operator-on').textContent()).toContain('Operator demo-operator (101)');
    expect(await page.getByTestId('sign-on-panel').count()).toBe(0);
    await page.getByTestId('start-all').click();
    await expect.poll(async () => (await overview(st)).slots.some((s) => s.running)).toBe(true);
    await page.getByTestId('lang-zh').click();
    await expect.poll(() => page.getByTestId('operator-on').textContent()).toContain('操作员 demo-operator（101）');
    await page.getByTestId('sign-off').click();
    await expect.poll(async () => (await overview(st)).slots.every((s) => !s.running)).toBe(true);
    await expect.poll(() => page.getByTestId('sign-on-panel').textContent()).toContain('请刷工牌或输入操作员编号');
    await shot(page, 'sign-on-zh');
    // a badge scanner types fast and ends with Enter: the field takes it
    await page.getByTestId('sign-on-code').focus();
    await page.keyboard.type('BADGE-0100', { delay: 5 });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('operator-on').textContent()).toContain('demo-factory（100）');
    await page.getByTestId('lang-en').click();
    expect(errors).toEqual([]);
  }, 90_000);

  it("a supervisor signs in by name and PIN, is named in the console, and keeps the station's own operators", async () => {
    const st = await files.station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321');
    await page.keyboard.press('F2');
    // the hub's supervisor (a factory account with a station PIN) and the first-run PIN
    await page.getByTestId('supervisor-name').waitFor();
    const names = await page.getByTestId('supervisor-name').locator('option').allTextContents();
    expect(names).toEqual(['Known by the PIN', 'Station supervisor (shared PIN)', 'demo-factory']);
    await page.getByTestId('supervisor-name').selectOption({ label: 'demo-factory' });
    await page.getByTestId('pin').fill(st.env.seed.floor.supervisor.pin);
    await page.getByTestId('pin').press('Enter');
    await expect.poll(() => page.getByTestId('supervisor-me').textContent()).toContain('Signed in: demo-factory');
    await page.getByTestId('tab-people').click();
    await page.getByTestId('operators-table').waitFor();
    await page.getByTestId('op-number').fill('7');
    await page.getByTestId('op-name').fill('Zhao Min');
    await page.getByTestId('op-add').click();
    await expect.poll(() => page.getByTestId('operators-table').textContent()).toContain('Zhao Min');
    expect(await page.getByTestId('supervisors-table').textContent()).toContain('demo-factory');
    await shot(page, 'supervisor-people');
    await page.getByTestId('lang-zh').click();
    await expect.poll(() => page.getByTestId('supervisor-me').textContent()).toContain('已登录：demo-factory');
    await expect.poll(() => page.getByTestId('operators-table').textContent()).toContain('中心账户');
    await shot(page, 'supervisor-people-zh');
    await page.getByTestId('lang-en').click();
    // the new operator signs on at once, also offline of the hub
    await page.getByTestId('logout').click();
    await page.getByTestId('sign-off').click();
    await signOn(page, '7');
    expect(await page.getByTestId('operator-on').textContent()).toContain('Zhao Min (7)');
    expect(errors).toEqual([]);
  }, 90_000);

  it('the operator picks a group for all slots or for the selected slot only', async () => {
    const st = await files.station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321');
    const plug = (await overview(st)).groups.find((g) => g.name.includes('Demo smart plug') && g.blocked === null)!;
    await callService(st, 'supervisor.login', { pin: '4321' });
    const split = (
      await callService<{ group: GroupSummary }>(st, 'supervisor.split', { groupId: plug.id, purchased: 5, free: 0, name: 'Plug split' })
    ).group;
    await page.locator('[data-testid=group-option]', { hasText: 'Demo smart plug' }).first().click();
    await expect.poll(() => page.getByTestId('slot-4').getByTestId('slot-group').textContent()).toContain(plug.name);
    await page.getByTestId('slot-2').click();
    await page.getByTestId('scope-slot').click();
    expect(await page.getByTestId('scope-slot').textContent()).toContain('Slot 2 only');
    await page.locator('[data-testid=group-option]', { hasText: 'Plug split' }).first().click();
    await expect.poll(() => page.getByTestId('slot-2').getByTestId('slot-group').textContent()).toContain('Plug split');
    for (const n of [1, 3, 4]) expect(await page.getByTestId(`slot-${n}`).getByTestId('slot-group').textContent()).toContain(plug.name);
    expect((await overview(st)).slots.map((s) => s.groupId)).toEqual([plug.id, split.id, plug.id, plug.id]);
    await shot(page, 'group-per-slot');
    // back to every slot
    await page.getByTestId('scope-all').click();
    await page.locator('[data-testid=group-option]', { hasText: 'Plug split' }).first().click();
    await expect.poll(async () => (await overview(st)).slots.every((s) => s.groupId === split.id)).toBe(true);
    expect(errors).toEqual([]);
  }, 90_000);

  it("a supervisor the station keeps may have a Chinese name; the hub's audit names them on a product change and on a split and a reassignment queued while the hub was down", async () => {
    const st = await files.station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321');
    await page.getByTestId('lang-zh').click();
    await page.keyboard.press('F2');
    await page.getByTestId('supervisor-name').selectOption({ value: 'station' });
    await page.getByTestId('pin').fill('4321');
    await page.getByTestId('pin').press('Enter');
    await page.getByTestId('tab-people').click();
    // the name is trimmed; one letter, or a sign that is no letter, is refused
    await page.getByTestId('sup-name').fill('  王芳 ');
    await page.getByTestId('sup-pin').fill('8642');
    await page.getByTestId('sup-add').click();
    await expect.poll(() => page.getByTestId('supervisors-table').textContent()).toContain('王芳');
    for (const name of ['王', '王芳<b>', 'x'.repeat(65)]) {
      const r = await st.app.dispatcher.dispatch('supervisor.addSupervisor', { name, pin: '9753' }, { sessionKey: 'test-check' });
      expect(r, name).toMatchObject({ ok: false, error: { code: expect.stringMatching(/BAD_REQUEST|SUPERVISOR_REQUIRED/) } });
    }
    await page.getByTestId('logout').click();
    // F2 only once the supervisor screen is gone: pressed earlier, the sign-in dialog would open on the screen that is closing
    await page.getByTestId('supervisor-me').waitFor({ state: 'detached' });
    // and a second after the last PIN: the station takes one PIN attempt a second (PIN_RATE_LIMITED)
    await page.waitForTimeout(1100);
    await page.keyboard.press('F2');
    await page.getByTestId('supervisor-name').selectOption({ label: '王芳' });
    await page.getByTestId('pin').fill('8642');
    await page.getByTestId('pin').press('Enter');
    await expect.poll(() => page.getByTestId('supervisor-me').textContent()).toBe('已登录：王芳');
    await shot(page, 'supervisor-unicode-name-zh');
    const plug = (await overview(st)).groups.find((g) => g.productName === 'Demo smart plug' && g.blocked === null)!;

    // online: a product change carries the name in x-station-supervisor (percent-encoded: a header is bytes)
    await page.getByTestId('group-row').filter({ hasText: plug.name }).click();
    await page.getByTestId('change-panel').getByRole('button', { name: '申请更换' }).click();
    await expect.poll(() => page.getByTestId('request-row').count()).toBe(1);
    await page.getByTestId('recall').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('已撤回');

    // the hub goes away: a split and a reassignment are queued here, and sent when it is back
    const hubUrl = new URL(st.env.hub.url);
    await st.env.hub.close();
    await callService(st, 'sync.syncNow').catch(() => undefined);
    const panel = page.getByTestId('split-panel');
    await panel.locator('input[name=purchased]').fill('3');
    await panel.locator('input[name=splitName]').fill('王芳的分组');
    await panel.getByRole('button', { name: '拆分' }).click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('已在本地拆分');
    await page.getByTestId('group-row').filter({ hasText: '王芳的分组' }).click();
    await page
      .locator('form', { has: page.getByTestId('reassign') })
      .getByRole('checkbox')
      .nth(1)
      .check();
    await page.getByTestId('reassign-line').selectOption('Line 1');
    await page.getByTestId('reassign').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('已在本地重新分配');
    await expect
      .poll(async () =>
        (await callService<OfflineOutcome[]>(st, 'sync.outcomes'))
          .filter((o) => o.status === 'pending')
          .map((o) => o.kind)
          .sort(),
      )
      .toEqual(['reassign', 'split']);
    const again = await startHub({ db: join(st.env.dir, 'hub.sqlite'), port: Number(hubUrl.port), logger: silentLogger });
    try {
      await callService(st, 'sync.syncNow');
      expect((await callService<OfflineOutcome[]>(st, 'sync.outcomes')).map((o) => o.status)).toEqual(['applied', 'applied']);
      const audited = await again.deps.store.db
        .selectFrom('audit_log')
        .select(['kind', 'actor_kind', 'actor_via', 'outcome'])
        .where('actor_via', '=', '王芳')
        .orderBy('seq')
        .execute();
      expect(audited.map((a) => a.kind)).toEqual(['stationRequestUpdate', 'stationRecallUpdate', 'split', 'assign']);
      expect(audited.every((a) => a.actor_kind === 'station' && a.outcome === 'ok')).toBe(true);
      // the credential's history names them too
      const events = await again.deps.store.db
        .selectFrom('credential_events')
        .select(['kind', 'details'])
        .where('credential_id', '=', plug.id)
        .where('kind', '=', 'split')
        .execute();
      expect(events.map((e) => (JSON.parse(e.details) as { actor?: { via?: string } }).actor?.via)).toEqual(['王芳']);
    } finally {
      await again.close();
    }
    await shot(page, 'supervisor-unicode-name-offline-zh');
    await page.getByTestId('lang-en').click();
    expect(errors).toEqual([]);
  }, 120_000);

  it('an operator idle for the set time is signed off: the slots stop and the screen says why, in English and Chinese', async () => {
    // the station's clock runs ahead when the test says so; it looks for an idle operator every 200 ms
    let ahead = 0;
    const st = await files.station({ clock: { now: () => Date.now() + ahead }, idleCheckMs: 200 });
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321');
    // a supervisor sets the time in the People tab
    await page.getByTestId('lang-zh').click();
    await page.keyboard.press('F2');
    await page.getByTestId('pin').fill('4321');
    await page.getByTestId('pin').press('Enter');
    await page.getByTestId('tab-people').click();
    await page.getByTestId('idle-minutes').fill('5');
    await page.getByRole('button', { name: '保存' }).click();
    await expect.poll(async () => (await callService<{ idleMinutes: number }>(st, 'station.operator')).idleMinutes).toBe(5);
    await page.getByTestId('logout').click();
    await page.getByTestId('lang-en').click();
    // the operator burns the module in each jig, then leaves the station
    await page.locator('[data-testid=group-option]:not([disabled])', { hasText: 'Demo smart plug' }).first().click();
    await page.getByTestId('start-all').click();
    await expect
      .poll(async () => (await overview(st)).slots.every((s) => s.running && s.lastResult?.ok === true), { timeout: 30_000 })
      .toBe(true);
    // four minutes later they are still on
    ahead = 4 * 60_000;
    await st.app.runtime.people.checkIdle();
    expect((await callService<{ operator: unknown }>(st, 'station.operator')).operator).not.toBeNull();
    // six: signed off, the slots stopped, and the screen says why
    ahead = 6 * 60_000;
    await page.getByTestId('sign-on-panel').waitFor();
    expect(await page.getByTestId('sign-on-panel').textContent()).toContain('You were signed off after a while without a burn or a key.');
    expect(await page.getByTestId('operator-on').count()).toBe(0);
    expect((await overview(st)).slots.every((s) => !s.running)).toBe(true);
    await expect(callService(st, 'station.start', {})).rejects.toThrow(/Nobody is signed on/);
    await shot(page, 'operator-idle-signed-off');
    await page.getByTestId('lang-zh').click();
    await expect.poll(() => page.getByTestId('sign-on-panel').textContent()).toContain('长时间没有烧录或按键，您已被自动登出。');
    await shot(page, 'operator-idle-signed-off-zh');
    await page.getByTestId('lang-en').click();
    const audit = st.app.runtime.station!.vault.db.prepare("SELECT detail FROM audit_log WHERE action = 'operator.signed-off'").all() as {
      detail: string;
    }[];
    expect(audit.map((a) => JSON.parse(a.detail) as unknown)).toEqual([{ operator: DEMO_OPERATOR, reason: 'idle' }]);
    // signing on again clears the word
    await signOn(page);
    expect(await page.getByTestId('sign-on-panel').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 120_000);
});
