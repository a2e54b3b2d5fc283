import { describe, expect, it } from 'vitest';
import { browserAndStations, callService, openPage, overview, setUpDemo, shot } from './harness';

/**
 * The supervisor settles suspects in the browser the way the headless
 * `station resolve` does: each card names the module of the burn to put back;
 * another module is refused; the module is matched by its scanned label, or
 * confirmed when nothing identifies it; a module holding another license needs
 * the supervisor's choice; a lost module's license is voided with a reason.
 */
const files = browserAndStations();

describe('settling suspects in the supervisor console', () => {
  it('names the module to put back, refuses another one, and settles by label, by confirmation with a choice, or by a void with a reason', async () => {
    const st = await files.station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '86420');
    await page.locator('[data-testid=group-option]:not([disabled])', { hasText: 'Demo smart plug' }).first().click();
    const slots = (await overview(st)).slots.filter((s) => s.number <= 3);
    const ports = slots.map((s) => st.env.portAt(s.port)!);
    // the label of slot 1's next module is scanned; every cable is pulled while its license is written
    await callService(st, 'station.scanSerial', { slotId: 'slot-1', serial: 'SN-0101' });
    for (const p of ports) await p.fleet.setFaults(p.index, { unplugMidFrame: 'write' });
    await callService(st, 'station.start', { slotIds: slots.map((s) => s.slotId) });
    await expect.poll(async () => st.app.runtime.station!.listSuspects().length, { timeout: 30_000 }).toBe(3);
    await callService(st, 'station.stop', {});
    const flashes = await Promise.all(ports.map((p) => p.fleet.readFlash(p.index)));
    const [first, second, third] = st.app.runtime.station!.listSuspects().sort((a, b) => a.slot!.localeCompare(b.slot!));
    // the supervisor took every module out; a blank one sits in each jig now
    for (const p of ports) await p.fleet.swap(p.index);

    await page.keyboard.press('F2');
    await page.getByTestId('pin').fill('86420');
    await page.keyboard.press('Enter');
    await page.getByTestId('tab-suspects').click();
    await expect.poll(() => page.getByTestId('suspect-row').count()).toBe(3);
    const card = (uuid: string) => page.locator(`[data-testid=suspect-row][data-uuid="${uuid}"]`);
    const notice = () => page.getByTestId('notice').textContent();
    // each read-back stops the slot, looks for its programmer and reads the module: seconds on a loaded machine
    const slow = { timeout: 15_000 };
    expect(await card(first!.uuid).getByTestId('suspect-module').textContent()).toMatch(
      /^Put the module from slot 1 at \d\d:\d\d \(serial label SN-0101\) back in its jig, then read it back\.$/,
    );
    await shot(page, 'supervisor-suspects');

    // 1. another module (label SN-0999) is refused; the one labelled SN-0101 settles the license
    await card(first!.uuid).getByTestId('suspect-serial').fill('SN-0999');
    await card(first!.uuid).getByTestId('read-back').click();
    await expect
      .poll(notice, slow)
      .toMatch(/^This is not the module that was in slot 1 at \d\d:\d\d, serial label SN-0101: put that module in the jig\./);
    expect(st.app.runtime.station!.ledger.license(first!.uuid).state).toBe('suspect');
    await ports[0]!.fleet.swap(ports[0]!.index, { flash: flashes[0] ?? {} });
    await card(first!.uuid).getByTestId('suspect-serial').fill('SN-0101');
    await card(first!.uuid).getByTestId('read-back').click();
    const held = flashes[0]?.uuid === first!.uuid;
    await expect.poll(notice, slow).toContain(held ? 'holds this license' : 'does not hold this license');
    expect(st.app.runtime.station!.ledger.license(first!.uuid).state).toBe(held ? 'verified' : 'available');
    await expect.poll(() => card(first!.uuid).count()).toBe(0);

    // 2. nothing identifies slot 2's module: the supervisor confirms it; it holds another license, so a choice is asked first
    await ports[1]!.fleet.swap(ports[1]!.index, { flash: { uuid: 'otherlicense0001', authkey: 'A'.repeat(32), mac: 'D0C0B0FFFF01' } });
    await card(second!.uuid).getByTestId('read-back').click();
    await expect.poll(notice, slow).toMatch(/cannot be identified.*can confirm it\./);
    await card(second!.uuid).getByTestId('suspect-confirm').check();
    await card(second!.uuid).getByTestId('read-back').click();
    await expect.poll(notice, slow).toMatch(/^The module holds another license \(otherlicense0001\), not \S+: choose whether/);
    await card(second!.uuid).getByTestId('suspect-other').selectOption('release');
    await card(second!.uuid).getByTestId('read-back').click();
    await expect.poll(notice, slow).toContain('This license went back to its group');
    expect(st.app.runtime.station!.ledger.license(second!.uuid).state).toBe('available');

    // 3. slot 3's module is lost: void needs a reason, and the hub is told
    await expect.poll(() => card(third!.uuid).getByTestId('void').isDisabled()).toBe(true);
    await card(third!.uuid).getByTestId('void-reason').fill('module dropped and cracked');
    await card(third!.uuid).getByTestId('void').click();
    await expect.poll(notice, slow).toContain('voided');
    expect(st.app.runtime.station!.ledger.license(third!.uuid).state).toBe('void');
    await expect.poll(() => page.getByTestId('suspect-row').count()).toBe(0);
    expect(flashes.length).toBe(3);
    expect(errors).toEqual([]);
  }, 120_000);
});
