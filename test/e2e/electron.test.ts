import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { _electron as electron } from 'playwright-core';
import { setUpDemo, shot } from './harness';
import { startDemoEnvironment } from '../../scripts/demo';

/**
 * The station UI inside the real Electron shell (dist/electron/main.mjs), on a
 * demo hub and virtual modules,
 * where an Electron binary exists. Machines without one print why it skipped.
 */
const root = resolve(import.meta.dirname, '../..');
const electronDist = join(root, 'node_modules/electron/dist');
const hasElectron = existsSync(electronDist);
if (!hasElectron)
  console.log(
    `SKIP electron e2e: no Electron binary at ${electronDist} (the download is blocked on this machine); the same screens ran in the browser host suite.`,
  );

describe.runIf(hasElectron)('station UI in Electron', () => {
  it('first run and the operator tiles, with contextIsolation and no node in the page', async () => {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
    const demo = await startDemoEnvironment({ licenses: 40 });
    const app = await electron.launch({
      args: [join(root, 'dist/electron/main.mjs'), '--no-sandbox'],
      cwd: root,
      env: {
        ...process.env,
        STATION_DATA_DIR: join(demo.dir, 'station'),
        STATION_DEMO_HUB: JSON.stringify(demo.access),
        STATION_VIRTUAL_PORTS: demo.portDirs.join(':'),
      },
    });
    try {
      const page = await app.firstWindow();
      await page.getByTestId('setup-submit').waitFor();
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
      await setUpDemo(page);
      expect(await page.locator('[data-testid^=slot-]').count()).toBeGreaterThanOrEqual(4);
      await shot(page, 'electron-operator');
    } finally {
      await app.close();
      await demo.close();
    }
  }, 120_000);
});
