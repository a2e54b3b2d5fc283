import { existsSync, mkdirSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { GroupSummary, SlotState } from '../../common/api/schemas';
import type { Clock } from '../../common/clock';
import { openStationApp, type StationServicesOptions } from '../../main/app';
import { startBrowserHost, type BrowserHost } from '../../main/host/server';
import { startDemoEnvironment, type DemoEnvironment } from '../../scripts/demo';

/**
 * The end-to-end harness: builds the renderer once, starts a real hub, virtual
 * modules on ptys and the station's real services behind the browser host
 * in-process, and drives Debian's Chromium with playwright-core. Each test
 * saves screenshots under test-results/screenshots/.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const root = resolve(import.meta.dirname, '../..');
export const rendererDir = join(root, 'dist/renderer');
export const screenshotDir = join(root, 'test-results/screenshots');

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs),
    0,
  );

/** Builds dist/renderer when it is missing or older than renderer/ or common/api/. */
export async function ensureRendererBuilt(): Promise<void> {
  const index = join(rendererDir, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(newest(join(root, 'renderer')), newest(join(root, 'common/api')))) return;
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.config.ts'), logLevel: 'error' });
}

/** Builds dist/console (the hub console) when it is missing or older than console/ or common/. */
export async function ensureConsoleBuilt(): Promise<void> {
  const index = join(root, 'dist/console/index.html');
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(newest(join(root, 'console')), newest(join(root, 'common')))) return;
  const { build } = await import('vite');
  await build({ configFile: join(root, 'vite.console.config.ts'), logLevel: 'error' });
}

/** axe-core's serious and critical violations on the page as it is now (run through the debugger protocol, so the page's CSP stays on). */
export async function axeViolations(page: Page): Promise<{ id: string; impact: string; help: string; targets: string[] }[]> {
  const source = readFileSync(join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(source);
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }>;
        };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact!, help: v.help, targets: v.nodes.map((n) => String(n.target[0])) }));
  });
}

export interface Station {
  env: DemoEnvironment;
  host: BrowserHost;
  /** One-time codes the station sent, by purpose (the test reads them like a supervisor reads a text message). */
  codes: Map<string, string>;
  app: Awaited<ReturnType<typeof openStationApp>>;
  /** Puts a blank module in each jig whose module was just burned (as an operator does), until `limit` burns. */
  swapBurned(limit: number): { burned: () => number; stop: () => void };
  close(): Promise<void>;
}

/**
 * One Chromium for a test file and the stations its tests start, all closed after the file.
 * Call at the top of the file; `browser()` is the browser once the file's tests run.
 */
export function browserAndStations(): { browser: () => Browser; station: (options?: StationOptions) => Promise<Station> } {
  let browser: Browser | undefined;
  const stations: Station[] = [];
  beforeAll(async () => {
    await ensureRendererBuilt();
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    for (const s of stations) await s.close();
  }, 60_000);
  return {
    browser: () => browser!,
    station: async (options?: StationOptions) => {
      const s = await startStation(options);
      stations.push(s);
      return s;
    },
  };
}

/** A station service called as the UI calls it; a refusal fails the test with its message. */
export async function callService<T>(st: Station, channel: string, payload: unknown = {}): Promise<T> {
  const r = await st.app.dispatcher.dispatch(channel, payload, { sessionKey: 'test-check' });
  if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
  return r.value as T;
}

export const overview = (st: Station) => callService<{ groups: GroupSummary[]; slots: SlotState[] }>(st, 'station.overview');

/**
 * A real station: a hub on SQLite seeded with the demo data, four virtual
 * modules on ptys (2 tuya-auc, 2 tuyaopen-cli at 115200 baud), and the
 * station's real services behind the browser host.
 */
export interface StationOptions {
  /** The station's clock (a test moves it on to make an operator idle). */
  clock?: Clock;
  /** How often the station looks for an idle operator. */
  idleCheckMs?: number;
  /** More options of the station's services, given the demo environment (e.g. programmers on a fake sysfs tree leading to its modules). */
  services?: (env: DemoEnvironment) => Partial<StationServicesOptions>;
}

export async function startStation(options: StationOptions = {}): Promise<Station> {
  const env = await startDemoEnvironment({ licenses: 60 });
  const codes = new Map<string, string>();
  const app = await openStationApp({
    dataDir: join(env.dir, 'station'),
    demoHub: () => Promise.resolve(env.access),
    discovery: { virtualDirs: env.portDirs, udev: 'off' },
    sendCode: (purpose, code) => {
      codes.set(purpose, code);
      return 'the test phone';
    },
    // a quick key derivation: the tests are not about scrypt's cost
    scrypt: { N: 2 ** 12, r: 8, p: 1 },
    syncIntervalMs: 60_000,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.idleCheckMs !== undefined ? { idleCheckMs: options.idleCheckMs } : {}),
    ...options.services?.(env),
  });
  const host = await startBrowserHost({ dispatcher: app.dispatcher, staticDir: rendererDir });
  const swapBurned = (limit: number): { burned: () => number; stop: () => void } => {
    const seen = new Set<string>();
    // the jigs start with one blank module each: swap in only as many more as make `limit`
    let modules = env.ports().length;
    const unsubscribe = app.dispatcher.subscribe((event, payload) => {
      if (event !== 'onSlotState') return;
      const s = payload as SlotState;
      if (s.phase !== 'done' || s.lastResult?.ok !== true || seen.has(s.lastResult.uuid)) return;
      seen.add(s.lastResult.uuid);
      if (modules < limit) {
        modules++;
        void env.swap(s.port);
      }
    });
    return { burned: () => seen.size, stop: unsubscribe };
  };
  return {
    env,
    host,
    app,
    codes,
    swapBurned,
    close: async () => {
      await host.close();
      await app.close();
      await env.close();
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs });
}

export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(url);
  return { page, errors };
}

export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  // from the top: scrolled, the sticky header would be drawn across the middle of a full-page shot
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The demo's operator (a hub factory account with an operator number) signs on by typing the number. */
export const DEMO_OPERATOR = '101';

export async function signOn(page: Page, code = DEMO_OPERATOR): Promise<void> {
  await page.getByTestId('sign-on-code').fill(code);
  await page.getByTestId('sign-on').click();
  await page.getByTestId('operator-on').waitFor();
}

/** Runs the first-run form for the demo with a passphrase and the given PIN, then signs the demo operator on (unless told not to). */
export async function setUpDemo(page: Page, pin = '4321', options: { signOn?: boolean } = {}): Promise<void> {
  await page.getByTestId('choose-demo').click();
  await page.locator('input[name=passphrase]').fill('correct horse battery');
  await page.locator('input[name=passphrase2]').fill('correct horse battery');
  await page.locator('input[name=pin]').fill(pin);
  await page.locator('input[name=pin2]').fill(pin);
  await page.getByTestId('setup-submit').click();
  await page.getByTestId('slot-1').waitFor();
  if (options.signOn !== false) await signOn(page);
}

/**
 * A barcode scanner's burst: its keys, then Enter, a few microseconds apart, as a
 * scanner sends them. Typed from the test process they can arrive 50 ms apart on a
 * loaded machine, which is a person typing, not a scan.
 */
export async function scanBurst(page: Page, text: string): Promise<void> {
  await page.evaluate(
    (keys) => {
      for (const key of [...keys, 'Enter']) window.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true }));
    },
    [...text],
  );
}
