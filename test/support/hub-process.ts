/**
 * The real hub as a child process (`hub start` from hub/cli.ts) on a SQLite
 * file that survives restarts (or a PostgreSQL schema: `options.schema`), plus the hub operators' calls tests need to set
 * up products, stations, credentials and licenses (API keys of a platform, an
 * owner and an auditor account, made on the file before the hub starts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { keyFor, operatorKeysOn, type OperatorKeys } from './hub-accounts';
import { processLogLines, registerSecret, registerSecretsIn } from './log-sink';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** Every hub child this module started and that has not exited yet: teardown kills them all. */
const owned = new Set<ChildProcess>();
const alive = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;

/** SIGKILL to the child's whole process group (it leads its own group: spawned detached). */
function killGroup(c: ChildProcess): void {
  if (c.pid === undefined || !alive(c)) return;
  try {
    process.kill(-c.pid, 'SIGKILL');
  } catch {
    try {
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

async function killAndWait(c: ChildProcess): Promise<void> {
  if (!alive(c)) return;
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  killGroup(c);
  await exited;
}

/** Kills every hub process started here that is still running (for afterEach / afterAll). */
export async function stopAllHubProcesses(): Promise<void> {
  await Promise.all([...owned].map(killAndWait));
}

/** Pids of the hub processes started here that are still running. */
export const runningHubPids = (): number[] => [...owned].filter(alive).map((c) => c.pid!);

// A test runner that exits (or a failed test file) must not leave a hub behind: detached children outlive us otherwise.
process.once('exit', () => {
  for (const c of owned) killGroup(c);
});

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export interface HubProcess {
  url: string;
  port: number;
  keys: OperatorKeys;
  dbPath: string;
  running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  admin<T = any>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface HubProcessOptions {
  port?: number;
  /** A PostgreSQL schema: `dbPath` is then the database URL, passed in HUB_DATABASE_URL (a password never goes on the command line). */
  schema?: string;
  /** More environment for the hub (HUB_MASTER_KEY, HUB_PUSH_WINDOW_MS, ...). */
  env?: Record<string, string>;
  /** The hub's log level (default debug: everything it writes joins the suite's log sink, searched for secrets). */
  logLevel?: string;
}

export async function startHubProcess(dbPath: string, options: HubProcessOptions = {}): Promise<HubProcess> {
  const keys = await operatorKeysOn(dbPath, options.schema);
  for (const k of Object.values(keys)) registerSecret(k);
  for (const v of Object.values(options.env ?? {})) if (/^[0-9a-f]{64}$/i.test(v)) registerSecret(v); // a master key given in HUB_MASTER_KEY
  const store = options.schema ? ['--schema', options.schema] : ['--db', dbPath];
  const storeEnv = options.schema ? { HUB_DATABASE_URL: dbPath } : {};
  const port = options.port ?? (await freePort());
  let child: ChildProcess | null = null;
  let stderr = '';
  const hub: HubProcess = {
    url: `http://127.0.0.1:${port}`,
    port,
    keys,
    dbPath,
    running: false,
    async start() {
      // Already running: a second process would lose the port race and the first would be left unowned (the old leak).
      if (child && alive(child)) return;
      stderr = '';
      const c = spawn(
        process.execPath,
        ['--import', 'tsx', join(root, 'hub', 'cli.ts'), 'start', ...store, '--port', String(port), '--host', '127.0.0.1'],
        {
          cwd: root,
          env: { ...process.env, HUB_LOG_LEVEL: options.logLevel ?? 'debug', ...storeEnv, ...options.env },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        },
      );
      child = c;
      owned.add(c);
      c.once('exit', () => owned.delete(c));
      // Everything the hub writes (its pino log on stdout, errors on stderr) joins the suite's log sink: a secret in
      // it fails the test file, as for hubs run in the test's own process.
      const out = processLogLines();
      const err = processLogLines();
      c.stdout?.on('data', (d: Buffer) => out.write(d));
      c.stdout?.on('end', () => out.end());
      c.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        err.write(d);
      });
      c.stderr?.on('end', () => err.end());
      const deadline = Date.now() + 20_000;
      try {
        for (;;) {
          if (!alive(c)) throw new Error(`hub exited (${c.exitCode ?? c.signalCode}): ${stderr}`);
          try {
            const r = await fetch(`${hub.url}/v1/health`);
            if (r.ok) break;
          } catch {
            /* not up yet */
          }
          if (Date.now() > deadline) throw new Error(`hub did not start: ${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      } catch (e) {
        await killAndWait(c); // a start that failed leaves nothing running
        throw e;
      }
      hub.running = true;
    },
    async stop() {
      // A crash, not a clean shutdown: SQLite (WAL) must still hold every acknowledged item.
      if (child) await killAndWait(child);
      hub.running = false;
    },
    async admin(method, path, body) {
      const r = await fetch(hub.url + path, {
        method,
        headers: {
          authorization: `Bearer ${keyFor(keys, method, path)}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await r.json()) as unknown;
      registerSecretsIn(json);
      if (!r.ok) throw new Error(`${method} ${path} -> ${r.status} ${JSON.stringify(json)}`);
      return json as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    },
  };
  await hub.start();
  return hub;
}

const alphabet = '0123456789abcdefghijklmnopqrstuvwxyz';
const keyAlphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const pick = (a: string, n: number): string => Array.from(randomBytes(n), (b) => a[b % a.length]).join('');
export const makeLicenses = (n: number): { uuid: string; authkey: string }[] =>
  Array.from({ length: n }, () => {
    const authkey = pick(keyAlphabet, 32);
    registerSecret(authkey);
    return { uuid: pick(alphabet, 20), authkey };
  });

export interface HubFixture {
  factoryId: string;
  lineId: string;
  stationIds: string[];
  codes: string[];
  pid: string;
}

/** A product, a factory with one line and `stations` stations, and an enrollment code for each. */
export async function seedFactory(hub: HubProcess, stations = 1): Promise<HubFixture> {
  const pid = `p${randomBytes(3).toString('hex')}`;
  await hub.admin('POST', '/v1/admin/products', { pid, name: 'Smart plug', priceCents: 100 });
  await hub.admin('POST', '/v1/admin/products', { pid: `${pid}x`, name: 'Smart plug XL', priceCents: 150 });
  const factory = await hub.admin('POST', '/v1/admin/factories', { name: 'Plant 1' });
  const line = await hub.admin('POST', `/v1/admin/factories/${factory.id}/lines`, { name: 'Line A' });
  const stationIds: string[] = [];
  const codes: string[] = [];
  for (let i = 0; i < stations; i++) {
    const st = await hub.admin('POST', `/v1/admin/lines/${line.id}/stations`, { name: `Station ${i + 1}` });
    stationIds.push(st.id);
    codes.push((await hub.admin('POST', `/v1/admin/stations/${st.id}/enrollment-codes`, { ttlMinutes: 60 })).code);
  }
  return { factoryId: factory.id, lineId: line.id, stationIds, codes, pid };
}

/** A credential with `purchased` (+ `free`) licenses, assigned to a station (or the line when stationId is null). */
export async function seedGroup(
  hub: HubProcess,
  fx: HubFixture,
  opts: { purchased: number; free?: number; stationId: string | null },
): Promise<{ id: string; uuids: string[] }> {
  const cred = await hub.admin('POST', '/v1/admin/credentials', {
    pid: fx.pid,
    owner: 'mine',
    deliveryMode: 'credential',
    firmwareKey: 'fw-key-1',
    chip: 'BK7231N',
  });
  const bought = makeLicenses(opts.purchased);
  for (let i = 0; i < bought.length; i += 100_000)
    await hub.admin('POST', `/v1/admin/credentials/${cred.id}/licenses`, { kind: 'purchased', licenses: bought.slice(i, i + 100_000) });
  const free = makeLicenses(opts.free ?? 0);
  if (free.length > 0) await hub.admin('POST', `/v1/admin/credentials/${cred.id}/licenses`, { kind: 'free', licenses: free });
  await hub.admin('POST', `/v1/admin/credentials/${cred.id}/assign`, {
    factoryId: fx.factoryId,
    lineId: fx.lineId,
    stationId: opts.stationId,
  });
  return { id: cred.id, uuids: [...bought, ...free].map((l) => l.uuid) };
}
