import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createDemoStationApp } from '../../main/api/app';
import { startBrowserHost, type BrowserHost } from '../../main/host/server';

/**
 * The end-to-end harness: builds the renderer once, starts the browser host
 * in-process over the station services, and drives Debian's Chromium with
 * playwright-core. Each test saves screenshots under test-results/screenshots/.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const root = resolve(import.meta.dirname, '../..');
export const rendererDir = join(root, 'dist/renderer');
export const screenshotDir = join(root, 'test-results/screenshots');

const newest = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);

/** Builds dist/renderer when it is missing or older than renderer/ or common/api/. */
export async function ensureRendererBuilt(): Promise<void> {
  const index = join(rendererDir, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(newest(join(root, 'renderer')), newest(join(root, 'common/api')))) return;
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'error' });
}

export interface Station {
  host: BrowserHost;
  /** One-time codes the station sent, by purpose (the test reads them like a supervisor reads a text message). */
  codes: Map<string, string>;
  app: ReturnType<typeof createDemoStationApp>;
  exportDir: string;
  close(): Promise<void>;
}

export async function startStation(options: { stepMs?: number; swapMs?: number } = {}): Promise<Station> {
  const exportDir = mkdtempSync(join(tmpdir(), 'station-e2e-'));
  const codes = new Map<string, string>();
  const app = createDemoStationApp({ exportDir, stepMs: options.stepMs ?? 60, swapMs: options.swapMs ?? 120, sendCode: (purpose, code) => { codes.set(purpose, code); return 'the test phone'; } });
  const host = await startBrowserHost({ dispatcher: app.dispatcher, staticDir: rendererDir });
  return { host, app, exportDir, codes, close: async () => { app.close(); await host.close(); rmSync(exportDir, { recursive: true, force: true }); } };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs });
}

export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  return { page, errors };
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Runs the first-run form for the demo with a passphrase and the given PIN. */
export async function setUpDemo(page: Page, pin = '4321'): Promise<void> {
  await page.getByTestId('choose-demo').click();
  await page.locator('input[name=passphrase]').fill('correct horse battery');
  await page.locator('input[name=passphrase2]').fill('correct horse battery');
  await page.locator('input[name=pin]').fill(pin);
  await page.locator('input[name=pin2]').fill(pin);
  await page.getByTestId('setup-submit').click();
  await page.getByTestId('slot-1').waitFor();
}
