import { afterAll, describe, expect, it } from 'vitest';
import type { SlotPlace } from '../../main/app';
import { FakeMachine } from '../support/fake-sysfs';
import { browserAndStations, openPage, setUpDemo, shot } from './harness';

/**
 * The Programmers tab in Chromium: the station's USB programmers sit on a fake sysfs tree whose
 * device nodes lead to the demo's virtual modules. A programmer plugged in after the first run is
 * offered as new, assigned to a new slot, and its slot's DTR/RTS reset is turned on, which the
 * tile then shows (a pty has no modem lines), and off again.
 */
const files = browserAndStations();
const machine = FakeMachine.create();
afterAll(() => machine.cleanup());

const jigs = [
  { serial: 'JIG-A', usbPort: '1-1', tty: 'ttyUSB0', demoPort: 0 },
  { serial: 'JIG-B', usbPort: '1-2', tty: 'ttyUSB1', demoPort: 2 },
  { serial: 'JIG-C', usbPort: '1-3', tty: 'ttyUSB2', demoPort: 1 },
] as const;

describe('Programmers tab', () => {
  it('offers a new programmer, assigns it to a new slot, and turns that slot’s reset on and off', async () => {
    let plug = (_i: number): void => undefined;
    const st = await files.station({
      services: (env) => {
        plug = (i) => {
          const j = jigs[i]!;
          machine.plugUsbSerial({
            tty: j.tty,
            usbPort: j.usbPort,
            vid: '10c4',
            pid: 'ea60',
            serial: j.serial,
            driver: 'cp210x',
            devLink: env.ports()[j.demoPort]!.info.hostPath,
          });
        };
        plug(0);
        plug(1);
        return {
          discovery: { sysRoot: machine.sysRoot, devRoot: machine.devRoot, udev: 'off' },
          programmerWatch: { hotplug: 'off', pollMs: 0 },
        };
      },
    });
    const { page, errors } = await openPage(files.browser(), st.host.url);
    await setUpDemo(page);
    expect(await page.getByTestId('slot-3').count()).toBe(0);

    plug(2);
    await page.keyboard.press('F2');
    await page.getByTestId('pin').fill('4321');
    await page.keyboard.press('Enter');
    await page.getByTestId('tab-programmers').click();
    const row = (serial: string) => page.locator(`[data-testid=programmer-row][data-key="10c4:ea60:${serial}"]`);
    await expect.poll(() => row('JIG-C').textContent()).toContain('New');
    expect(await row('JIG-A').textContent()).toContain('Slot 1');
    // a slot's reset is off until a supervisor turns it on; a new programmer has none to turn on
    expect(await row('JIG-A').getByTestId('slot-reset').isChecked()).toBe(false);
    expect(await row('JIG-C').getByTestId('slot-reset').count()).toBe(0);

    await row('JIG-C').getByTestId('assign').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Programmer 10c4:ea60:JIG-C is now slot 3.');
    await expect.poll(() => row('JIG-C').textContent()).toContain('Slot 3');
    await row('JIG-C').getByTestId('slot-reset').click();
    await expect
      .poll(() => page.getByTestId('notice').textContent())
      .toContain('Slot 3 now resets its module through DTR/RTS whenever it opens the port.');
    expect(await row('JIG-C').getByTestId('slot-reset').isChecked()).toBe(true);
    const layout = () => st.app.runtime.settings.get('slotLayout', []) as SlotPlace[];
    expect(layout().map((p) => [p.slotId, p.programmer, p.resetOnOpen === true])).toEqual([
      ['slot-1', '10c4:ea60:JIG-A', false],
      ['slot-2', '10c4:ea60:JIG-B', false],
      ['slot-3', '10c4:ea60:JIG-C', true],
    ]);
    await shot(page, 'supervisor-programmers');

    // Slot 3 on its group: its reset is played when it opens the port, which a pty refuses; the tile says so.
    await page.keyboard.press('F1');
    await page.getByTestId('slot-3').click();
    await page.getByTestId('scope-slot').click();
    await page.locator('[data-testid=group-option]:not([disabled])', { hasText: 'Demo smart plug' }).first().click();
    await expect.poll(() => page.getByTestId('slot-3').getByTestId('slot-group').textContent()).toContain('Demo smart plug');
    await page.getByTestId('start-all').click();
    await expect
      .poll(() => page.getByTestId('slot-3').getByTestId('slot-port').textContent(), { timeout: 20_000 })
      .toMatch(/could not set DTR\/RTS/);
    await page.getByTestId('stop-all').click();
    await expect.poll(() => page.getByTestId('slot-3').getAttribute('data-phase')).not.toBe('waiting');

    // Turned off again (the slot is stopped), slot 3 burns.
    await page.keyboard.press('F2');
    await page.getByTestId('tab-programmers').click();
    await row('JIG-C').getByTestId('slot-reset').click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toContain('Slot 3 no longer resets its module.');
    await page.keyboard.press('F1');
    await page.getByTestId('start-all').click();
    await expect.poll(() => page.getByTestId('slot-3').getAttribute('data-phase'), { timeout: 20_000 }).toBe('done');
    await page.getByTestId('stop-all').click();
    expect(errors).toEqual([]);
  }, 120_000);
});
