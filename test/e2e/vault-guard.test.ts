import { describe, expect, it } from 'vitest';
import { browserAndStations, callService, openPage, overview, setUpDemo, shot } from './harness';

/**
 * A vault that went back, seen and put right in the browser: the hub holds a newer state of this station
 * than its vault (its newest copy had reported burns this one lost), so the station's push is refused; the
 * banner says so on every screen and nothing is offered; a signed-in supervisor reconciles with the hub from
 * the banner, which then says in plain words what was marked; the kept outbox goes to the hub.
 */
const files = browserAndStations();

describe('the vault guard banner', () => {
  it('shows a vault the hub says went back, and a supervisor reconciles it with the hub from the banner', async () => {
    const st = await files.station();
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page, '24680');
    await page.locator('[data-testid=group-option]:not([disabled])', { hasText: 'Demo smart plug' }).first().click();
    const group = (await overview(st)).slots.find((s) => s.slotId === 'slot-1')!.groupId!;
    const station = st.app.runtime.station!;
    const sync = st.app.runtime.sync!;
    await callService(st, 'sync.syncNow');
    expect(await page.getByTestId('vault-guard').count()).toBe(0);

    // One module burned at the station: its record waits in the outbox.
    await callService(st, 'station.start', { slotIds: ['slot-1'] });
    await expect.poll(() => station.counts(group).burned, { timeout: 20_000 }).toBe(1);
    await callService(st, 'station.stop', {});
    expect(sync.status().outbox).toBe(1);

    // Meanwhile the hub heard of a newer state of this station: two of the licenses this vault still offers were
    // burned by its newest copy, which reported up to entry 99,999 (this vault is an older copy put back).
    const lost = station.vault.db
      .prepare<[], { uuid: string }>("SELECT uuid FROM licenses WHERE state = 'available' ORDER BY uuid LIMIT 2")
      .all()
      .map((r) => r.uuid);
    const hub = st.env.hub.store.db;
    await hub.updateTable('licenses').set({ status: 'burned', burned_at: new Date().toISOString() }).where('uuid', 'in', lost).execute();
    await hub
      .updateTable('stations')
      .set({ audit_seq: 99_999, audit_hash: 'f'.repeat(64) })
      .where('id', '=', sync.stationId!)
      .execute();

    await page.getByRole('button', { name: 'Sync now' }).click();
    const banner = page.getByTestId('vault-guard');
    await expect.poll(() => banner.getAttribute('data-state'), { timeout: 15_000 }).toBe('hub-rolled-back');
    expect(await banner.textContent()).toMatch(
      /^The hub says this vault is older than what it reported before \(entry [\d,]+ of 99,999\): a supervisor must reconcile with the hub\. Nothing is offered meanwhile; the outbox is kept\.A supervisor signs in \(F2\) to reconcile with the hub\.$/,
    );
    expect(await page.getByTestId('vault-guard-reconcile').count()).toBe(0);
    // Said once, by the banner (no second notice of the refused sync).
    expect(await page.getByTestId('notice').count()).toBe(0);
    await shot(page, 'vault-guard-hub-rolled-back');
    // Nothing is offered, the outbox is kept.
    await expect(callService(st, 'station.start', { slotIds: ['slot-1'] })).rejects.toThrow(
      /The hub says this vault is older than what it reported before/,
    );
    expect(sync.status().outbox).toBe(1);

    // The supervisor signs in; the banner stays on their console, with the button.
    await page.keyboard.press('F2');
    await page.getByTestId('pin').fill('24680');
    await page.keyboard.press('Enter');
    await page.getByTestId('vault-guard-reconcile').click();
    const result = page.getByTestId('vault-guard-result');
    await result.waitFor({ timeout: 15_000 });
    expect(await result.textContent()).toBe(
      'Reconciled with the hub by Station supervisor: 2 burned, 0 spoiled and 0 rejected licenses will never be offered again (0 more were already used here). Burning can start again.',
    );
    await shot(page, 'vault-guard-reconciled');
    for (const uuid of lost) expect(station.ledger.license(uuid).state).toBe('reported');

    // The kept outbox goes through now, once; the hub names the supervisor who reconciled.
    await callService(st, 'sync.syncNow');
    expect(sync.status()).toMatchObject({ outbox: 0, lastError: null });
    const audit = await hub.selectFrom('audit_log').select(['actor_via', 'outcome']).where('kind', '=', 'stationReconcile').execute();
    expect(audit).toEqual([{ actor_via: 'Station supervisor', outcome: 'ok' }]);
    expect(
      (await hub.selectFrom('licenses').select('status').where('station_id', '=', sync.stationId!).where('status', '=', 'burned').execute())
        .length,
    ).toBe(3);
    await page.getByRole('button', { name: 'OK' }).click();
    await expect.poll(() => page.getByTestId('vault-guard').count()).toBe(0);
    expect(errors).toEqual([]);
  }, 120_000);
});
