import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../common/api/schemas';
import { assignCredential } from '../../hub/services/credentials';
import { browserAndStations, callService, openPage, overview, setUpDemo, shot } from './harness';

/**
 * A third-party resources job started from the supervisor's Groups tab in Simplified Chinese, in Chromium on the
 * real station services and the demo hub: the button, the job's progress and its end read in Chinese, named from
 * the job's resource and the group (the hub's own notice is English, and stays off the Chinese screen).
 */
const files = browserAndStations();

describe('third-party resources in Chinese', () => {
  it('a HomeKit job started in zh-CN shows its progress and its end in Chinese', async () => {
    const st = await files.station();
    // the demo's HomeKit bulb comes to this station (enrolled as the demo's first station)
    const bulb = st.env.seed.credentials.find((c) => c.pid === 'demobulb01')!;
    await assignCredential(st.env.hub.deps, bulb.id, { factoryId: st.env.seed.factoryId, stationId: st.env.seed.stationIds[0]! });
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '4321');
    await callService(st, 'sync.syncNow');
    const group = (await overview(st)).groups.find((g) => g.id === bulb.id)!;
    const jobs: JobProgress[] = [];
    st.app.dispatcher.subscribe((event, payload) => {
      if (event === 'onJobProgress') jobs.push(payload as JobProgress);
    });

    await page.getByTestId('lang-zh').click();
    await page.keyboard.press('F2');
    await page.getByTestId('pin').fill('4321');
    await page.getByTestId('pin').press('Enter');
    await page.getByTestId('tab-groups').click();
    await page.getByTestId('group-row').filter({ hasText: group.name }).click();
    // the product supports HomeKit only: the button for it, in Chinese, and none for Find My
    expect(await page.getByRole('button', { name: '生成 Find My' }).count()).toBe(0);
    await page.getByRole('button', { name: '生成 HomeKit' }).click();

    const job = page.getByTestId('job');
    const named = `为“${group.name}”生成 HomeKit 资源`;
    await expect.poll(() => job.count()).toBe(1);
    expect(await job.textContent()).toContain(named);
    // the end: 100 %, the job's name and "generated" in Chinese; the hub's English notice is not shown
    await expect.poll(() => job.textContent(), { timeout: 30_000 }).toBe(`100% — ${named} · 已生成：中心会随授权一起交付。`);
    const done = jobs.find((j) => j.state === 'done')!;
    expect(done).toMatchObject({ kind: 'third_party_resources', resource: 'homekit', groupId: bulb.id, progress: 1 });
    expect(done.message).toMatch(/are ready/);
    expect(await page.locator('body').innerText()).not.toContain(done.message!);
    expect(await page.locator('body').innerText()).not.toContain(done.label);
    await shot(page, 'supervisor-resources-zh');
    expect(errors).toEqual([]);
  });
});
