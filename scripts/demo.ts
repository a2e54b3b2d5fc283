/**
 * `npm run demo` / `npm start`: a hub on SQLite seeded with demo products and
 * credentials, four virtual modules on ptys (2 tuya-auc, 2 tuyaopen-cli, at
 * 115200 baud), and the station app enrolled, synced and ready to burn:
 * Electron where its binary exists, else the browser host (URL printed).
 * Burned modules are swapped for blank ones, so burning goes on. Ctrl-C stops it all.
 *
 * The hub serves its console at /console/ (built first when missing); the
 * demo prints its address and one account per role.
 *
 * Options: --dir DIR (keep hub and station data there; default a temp dir),
 * --browser (the browser host even where Electron exists), --port N (browser host port).
 *
 * The e2e suite starts the same environment with `startDemoEnvironment()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pino from 'pino';
import { logRedactPaths, silentLogger, type Logger } from '../common/log';
import { startHub, type RunningHub } from '../hub/server';
import { seedDemo, type DemoSeed } from '../hub/demo';
import type { CodeSender } from '../hub/services/sender';
import { Fleet, type FleetPortInfo } from '../native/sim/fleet';
import type { FaultSet } from '../native/sim/types';
import { openStationApp, type DemoHubAccess } from '../main/app';
import type { StationApp } from '../main/api/app';
import type { StationRuntime } from '../main/app';
import { builtRenderer } from '../main/host/built-renderer';
import { startBrowserHost, type BrowserHost } from '../main/host/server';

const root = resolve(import.meta.dirname, '..');

export interface DemoPort {
  fleet: Fleet;
  index: number;
  info: FleetPortInfo;
}

export interface DemoEnvironment {
  dir: string;
  hub: RunningHub;
  seed: DemoSeed;
  /** What a station's "start the demo" is given. */
  access: DemoHubAccess;
  fleets: Fleet[];
  /** Every virtual module's port, in slot order. */
  ports(): DemoPort[];
  /** The port a station opens at `hostPath`. */
  portAt(hostPath: string): DemoPort | undefined;
  /** Puts a blank module on the port (an operator placing the next one). */
  swap(hostPath: string, faults?: FaultSet): Promise<void>;
  /** One-time codes the hub sent, newest last. */
  hubCodes: { purpose: string; code: string }[];
  portDirs: string[];
  close(): Promise<void>;
}

/** Hub + seed + fleets, without the station. */
export async function startDemoEnvironment(
  options: { dir?: string; licenses?: number; logger?: Logger; onCode?: (purpose: string, code: string, destination: string) => void } = {},
): Promise<DemoEnvironment> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'credential-demo-'));
  mkdirSync(dir, { recursive: true });
  const hubCodes: { purpose: string; code: string }[] = [];
  const sender: CodeSender = {
    send: ({ code, purpose, destination }) => {
      hubCodes.push({ purpose, code });
      options.onCode?.(purpose, code, destination);
      return Promise.resolve();
    },
  };
  const hub = await startHub({
    db: join(dir, 'hub.sqlite'),
    port: 0,
    logger: options.logger ?? silentLogger,
    sender,
    config: { jobs: { pollMs: 200, itemDelayMs: 2 } },
  });
  const fleets: Fleet[] = [];
  try {
    const seed = await seedDemo(hub.deps, { licensesPerCredential: options.licenses ?? 200 });
    // one directory per protocol; the station numbers slots in the order of the paths
    const portDirs = [join(dir, 'ports-1-auc'), join(dir, 'ports-2-cli')];
    for (const d of portDirs) {
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d, { recursive: true });
    }
    fleets.push(await Fleet.start({ protocol: 'tuya-auc', count: 2, dir: portDirs[0] }));
    fleets.push(await Fleet.start({ protocol: 'tuyaopen-cli', count: 2, dir: portDirs[1] }));
    const ports = (): DemoPort[] => fleets.flatMap((fleet) => fleet.portList.map((info) => ({ fleet, index: info.index, info })));
    const portAt = (hostPath: string): DemoPort | undefined => ports().find((p) => p.info.hostPath === hostPath);
    return {
      dir,
      hub,
      seed,
      fleets,
      hubCodes,
      portDirs,
      ports,
      portAt,
      access: { hubUrl: hub.url, enrollmentCode: seed.enrollmentCode.code },
      swap: async (hostPath, faults) => {
        const p = portAt(hostPath);
        if (!p) throw new Error(`no virtual module at ${hostPath}`);
        await p.fleet.swap(p.index, faults ? { faults } : {});
      },
      close: async () => {
        for (const f of fleets) await f.stop().catch(() => undefined);
        await hub.close();
        if (ownDir) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    for (const f of fleets) await f.stop().catch(() => undefined);
    await hub.close();
    throw e;
  }
}

/**
 * Swaps each burned module for a blank one after `holdMs` (long enough to see
 * the tile turn green; the burn's read-back is long done by then).
 */
function autoSwap(env: DemoEnvironment, holdMs: number): () => void {
  const since = new Map<string, { uuid: string; at: number }>();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      for (const p of env.ports()) {
        const flash = await p.fleet.readFlash(p.index).catch(() => null);
        const key = p.info.hostPath;
        if (!flash?.uuid) {
          since.delete(key);
          continue;
        }
        const seen = since.get(key);
        if (!seen || seen.uuid !== flash.uuid) {
          since.set(key, { uuid: flash.uuid, at: Date.now() });
          continue;
        }
        if (Date.now() - seen.at >= holdMs) {
          since.delete(key);
          await p.fleet.swap(p.index).catch(() => undefined);
        }
      }
    })().finally(() => {
      busy = false;
    });
  }, 200);
  return () => clearInterval(timer);
}

/** The hub's demo accounts, one per role, with the passwords made for this run (and the platform account's second factor). */
function hubAccountLines(env: DemoEnvironment): string[] {
  return [
    `  Hub console:     ${env.hub.url}/console/`,
    '  Hub accounts (sign in at the hub console; passwords are new at every start):',
    ...env.seed.accounts.map(
      (a) => `    ${a.role.padEnd(9)} ${a.name.padEnd(14)} ${a.password}${a.totpSecret ? `   authenticator secret ${a.totpSecret}` : ''}`,
    ),
    '  At the station (from the factory accounts): sign on as an operator with a number or a badge; supervisors pick their name and type their PIN:',
    ...env.seed.floor.operators.map((o) => `    operator  ${o.name.padEnd(14)} number ${o.number}, badge ${o.badge}`),
    `    supervisor ${env.seed.floor.supervisor.name.padEnd(13)} PIN ${env.seed.floor.supervisor.pin}`,
  ];
}

const DEMO_PIN = '2468';
const DEMO_PASSPHRASE = 'demo station passphrase';

/** What the demo started, one line each (the console lists it once everything is up). */
function startedLines(env: DemoEnvironment, station: string): string[] {
  return [
    'Started:',
    `  hub              ${env.hub.url}  (SQLite ${join(env.dir, 'hub.sqlite')}, in this process, pid ${process.pid})`,
    ...env
      .ports()
      .map((p, i) => `  module ${i + 1}         ${p.info.protocol} on ${p.info.hostPath}  (socat pid ${p.info.socatPid ?? 'none'})`),
    `  station          ${station}`,
  ];
}

/**
 * Runs the demo until SIGINT or SIGTERM (or the Electron window closes), then
 * stops the station, the modules (and their socat processes) and the hub, and
 * prints "Stopped.". `npm start` runs it in the process npm started.
 */
export async function runDemo(args: readonly string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const dirArg = arg('--dir');
  const dir = dirArg ? resolve(dirArg) : undefined;
  const log = pino({ level: process.env.DEMO_LOG_LEVEL ?? 'warn', redact: { paths: logRedactPaths, censor: '[redacted]' } });
  let env: DemoEnvironment | null = null;
  let stopSwap = (): void => undefined;
  let app: (StationApp & { runtime: StationRuntime }) | null = null;
  let host: BrowserHost | null = null;
  let electron: ChildProcess | null = null;
  let stopping = false;
  let starting: Promise<unknown> = Promise.resolve();

  const stop = async (code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    // a signal during start-up: let the step under way finish, then undo everything
    await starting.catch(() => undefined);
    stopSwap();
    if (electron && electron.exitCode === null && electron.signalCode === null) {
      electron.kill('SIGTERM');
      await new Promise((r) => electron!.once('exit', r));
    }
    await host?.close().catch(() => undefined);
    await app?.close().catch(() => undefined);
    await env?.close().catch(() => undefined);
    console.log('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  const step = <T>(p: Promise<T>): Promise<T> => {
    starting = p;
    return p;
  };

  try {
    // the hub serves the console from dist/console: build it first when it is missing
    await step(builtRenderer(root, console.log, 'console'));
    if (stopping) return;
    console.log('Starting the demo hub and four virtual modules…');
    env = await step(
      startDemoEnvironment({
        ...(dir ? { dir } : {}),
        logger: log,
        onCode: (purpose, code, destination) => console.log(`\n  [hub] one-time ${purpose} code for ${destination}: ${code}\n`),
      }),
    );
    if (stopping) return;
    const stationDir = join(env.dir, 'station');
    const useElectron = existsSync(join(root, 'node_modules/electron/dist')) && !args.includes('--browser');
    stopSwap = autoSwap(env, 1200);

    if (useElectron) {
      console.log('Building the Electron app…');
      await step(
        new Promise<void>((ok, fail) =>
          spawn(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' }).once('exit', (c) =>
            c === 0 ? ok() : fail(new Error(`build failed (${c})`)),
          ),
        ),
      );
      if (stopping) return;
      // the Electron binary itself, not its node launcher: a signal to it reaches the app
      const electronBin = join(
        root,
        'node_modules/electron/dist',
        process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron',
      );
      electron = spawn(electronBin, [join(root, 'dist/electron/main.mjs')], {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...process.env,
          STATION_DATA_DIR: stationDir,
          STATION_DEMO_HUB: JSON.stringify(env.access),
          STATION_VIRTUAL_PORTS: env.portDirs.join(':'),
        },
      });
      electron.once('exit', () => void stop());
      console.log(
        [
          '',
          ...startedLines(env, `Electron, pid ${electron.pid ?? '?'} (data in ${stationDir})`),
          '',
          'On the first screen choose "Start the demo"; a supervisor PIN of your choice.',
          ...hubAccountLines(env),
          'Press Ctrl+C here to stop everything.',
          '',
        ].join('\n'),
      );
      return;
    }

    const staticDir = await step(builtRenderer(root, console.log));
    if (stopping) return;
    const demoEnv = env;
    app = await step(
      openStationApp({
        dataDir: stationDir,
        logger: log,
        demoHub: () => Promise.resolve(demoEnv.access),
        syncIntervalMs: 10_000,
        discovery: { virtualDirs: env.portDirs, udev: 'off' },
        sendCode: (purpose, code) => {
          console.log(`\n  [station] one-time ${purpose} code: ${code}\n`);
          return 'the demo console';
        },
      }),
    );
    if (stopping) return;
    const ctx = { sessionKey: 'demo-setup' };
    const setup = await app.dispatcher.dispatch('setup.state', {}, ctx);
    if (setup.ok && (setup.value as { stage: string }).stage === 'new') {
      console.log('Enrolling the station with the demo hub and pulling its licenses…');
      const r = await step(
        app.dispatcher.dispatch(
          'setup.startDemo',
          { keyProtection: { kind: 'passphrase', passphrase: DEMO_PASSPHRASE }, supervisorPin: DEMO_PIN },
          ctx,
        ),
      );
      if (!r.ok) throw new Error(r.error.message);
    } else if (setup.ok && (setup.value as { stage: string }).stage === 'locked') {
      const r = await step(app.dispatcher.dispatch('setup.unlock', { passphrase: DEMO_PASSPHRASE }, ctx));
      if (!r.ok) throw new Error(r.error.message);
    }
    if (stopping) return;
    host = await step(startBrowserHost({ dispatcher: app.dispatcher, staticDir, port: Number(arg('--port') ?? 0), log }));
    if (stopping) return;
    console.log(
      [
        '',
        'Credential Station demo is ready.',
        '',
        ...startedLines(env, `${host.url}  (browser host, in this process; data in ${stationDir})`),
        '',
        `  Open:            ${host.url}`,
        `  Supervisor PIN:  ${DEMO_PIN}      (F2 on the station: "Station supervisor", the PIN set at first run)`,
        ...hubAccountLines(env),
        `  Data:            ${env.dir}`,
        '',
        `Sign on (operator number ${env.seed.floor.operators[1]!.number}), pick the group, press "Start all" (or S): four virtual modules burn; each burned module is swapped for a blank one.`,
        'Press Ctrl+C to stop everything.',
        '',
      ].join('\n'),
    );
  } catch (e) {
    if (stopping) return;
    console.error(`The demo could not start: ${e instanceof Error ? e.message : String(e)}`);
    await stop(1);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  void runDemo(process.argv.slice(2));
}
