import { describe, expect, it } from 'vitest';
import type { OfflineOutcome } from '../../common/api/schemas';
import { generateDemoLicenses } from '../../hub/demo';
import { importLicenses } from '../../hub/services/credentials';
import { browserAndStations, callService, openPage, overview, setUpDemo, shot } from './harness';

/**
 * The supervisor's download in Chromium on the real services and the demo hub: the panel says how many licenses a
 * download would hand out before any code is asked for; with none it says why and sends no code; a code typed a
 * second time is answered "already used". In English and Chinese.
 */
const files = browserAndStations();

describe('download at the station, in the browser', () => {
  it('shows what a download would hand out before a code; none is explained and uses no code; a used code says so', async () => {
    const st = await files.station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321');
    await page.keyboard.press('F2');
    await page.getByTestId('pin').fill('4321');
    await page.getByTestId('pin').press('Enter');
    const plug = (await overview(st)).groups.find((g) => g.productName === 'Demo smart plug' && g.blocked === null)!;
    const row = page.getByTestId('group-row').filter({ hasText: plug.name });
    await row.click();
    const panel = page.getByTestId('download-panel');
    // every unused license of the group is held by this station: nothing to hand out, no code to ask for
    await expect
      .poll(() => panel.getByTestId('download-preview').textContent())
      .toMatch(/^Nothing to download: all \d+ unused licenses of this group are held by stations, which burn them\. No code is sent\.$/);
    expect(await panel.getByTestId('download-request').isDisabled()).toBe(true);
    await shot(page, 'supervisor-download-nothing');
    await page.getByTestId('lang-zh').click();
    await expect.poll(() => panel.getByTestId('download-preview').textContent()).toMatch(/^没有可下载的授权/);
    await shot(page, 'supervisor-download-nothing-zh');
    expect(st.env.hubCodes.filter((c) => c.purpose === 'license download')).toEqual([]);

    // the brand adds 3 licenses on the hub that no station holds (after the station's last sync, which would lease
    // them): the panel says so when the group is opened again
    await callService(st, 'supervisor.login', { pin: '4321' });
    await callService(st, 'supervisor.split', { groupId: plug.id, purchased: 2, free: 0, name: 'Another group' });
    await expect.poll(async () => (await callService<OfflineOutcome[]>(st, 'sync.outcomes'))[0]?.status).toBe('applied');
    // the split's sync may still be pulling (a slow machine): one more sync waits for it, so none leases the 3 below
    await callService(st, 'sync.syncNow');
    await importLicenses(st.env.hub.deps, plug.id, 'purchased', generateDemoLicenses(3, 'dlzz'));
    await page.getByTestId('group-row').filter({ hasText: 'Another group' }).click();
    await row.click();
    await expect.poll(() => panel.getByTestId('download-preview').textContent()).toMatch(/3 个授权/);
    await panel.getByTestId('download-request').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('一次性验证码已发送至 s***@factory.local');
    const code = st.env.hubCodes.at(-1)!.code;
    await panel.locator('input[name=downloadCode]').fill(code);
    await panel.getByRole('button', { name: '下载', exact: true }).click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toMatch(/^3 个授权已写入 .*licenses-.*\.csv/);
    // what it handed out is gone from the count at once
    await expect.poll(() => panel.getByTestId('download-preview').textContent()).toMatch(/^没有可下载的授权/);
    await shot(page, 'supervisor-download-done-zh');
    // the same code again: the hub says it was used, in the screen's language
    await panel.locator('input[name=downloadCode]').fill(code);
    await panel.getByRole('button', { name: '下载', exact: true }).click();
    await expect.poll(() => page.getByTestId('notice').getAttribute('data-code')).toBe('DOWNLOAD_CODE_USED');
    expect(await page.getByTestId('notice').textContent()).toMatch(/[\u4e00-\u9fff]/);
    await page.getByTestId('lang-en').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('This download code was already used: ask for a new code.');
    await shot(page, 'supervisor-download-code-used');
    expect(errors).toEqual([]);
  }, 120_000);
});
