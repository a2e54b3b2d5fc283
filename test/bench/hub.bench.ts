// Hub benchmarks, on loopback (127.0.0.1), over real HTTP:
//   hub_pull_100k_s[_pg]       one station pulls a 100k-license group (pages of 5000, leasing included)
//   hub_pull_100k_crowded_s[_pg]  the same while another station's 100k-license group lies unleased on the hub
//   hub_pull_100k[_crowded]_hub_cpu_s[_pg]  the hub process's CPU over that pull
//   hub_push_p99_ms_{sqlite,pg} and hub_push_per_s_{sqlite,pg}
//                              50 stations at once, each pushing 200 burn records in batches of 10
//   hub_soak_500_*_{sqlite,pg} 500 stations for HUB_SOAK_SECONDS (default 120): each pushes 5 burn records every 2 s
//                              and pulls a page of 20 when it holds fewer than 5; p99 of pushes and of pulls,
//                              records/s, the hub's RSS at start and end, records lost and doubled counted on the hub
// The hub runs in its own process (`hub start`), seeded beforehand through the services; the clients run here,
// over kept-alive node:http connections (test/support/hub-fleet.ts).
// PostgreSQL: HUB_TEST_PG_URL if set, else a throwaway cluster from scripts/ci-postgres.sh when PostgreSQL is installed.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { silentLogger } from '../../common/log';
import type { License } from '../../common/license';
import type { PullResponse, PushResponse } from '../../common/hub-api';
import { systemClock } from '../../common/clock';
import { defaultHubConfig, type HubDeps } from '../../hub/services/context';
import { newMasterKeyText, resolveKeyring } from '../../hub/services/authkeys';
import * as credentials from '../../hub/services/credentials';
import * as products from '../../hub/services/products';
import * as stations from '../../hub/services/stations';
import { openStore } from '../../hub/store';
import { burnItems, pullAll, pullPage, PushLedger, stationCall, tallyOnHub, type FleetStation } from '../support/hub-fleet';
import { seededRandom } from '../support/seeded-random';

const bench = (name: string, value: number, unit: string): void => console.log(`BENCH ${name} ${Number(value.toFixed(3))} ${unit}`);

let serial = 0;
function licenses(n: number): License[] {
  const tag = randomBytes(2).toString('hex');
  return Array.from({ length: n }, () => {
    serial++;
    return {
      uuid: `b${tag}${serial.toString(36).padStart(11, '0')}`,
      authkey: randomBytes(24)
        .toString('base64')
        .replace(/[^0-9A-Za-z]/g, 'q')
        .slice(0, 32),
      mac: serial.toString(16).padStart(12, '0'),
    };
  });
}

interface Hub {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** CPU time (user + system) a process has used so far, in ms (Linux; clock ticks of 10 ms). */
const cpuMsOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};

// One master key for the seeding (this process) and the hub it spawns (which inherits the environment).
process.env.HUB_MASTER_KEY ??= newMasterKeyText();

async function seeded(db: string, schema: string | undefined, fn: (deps: HubDeps) => Promise<void>): Promise<void> {
  const store = await openStore({ db, ...(schema ? { schema } : {}) });
  try {
    await fn({
      instanceId: 'bench-seed',
      store,
      clock: systemClock,
      logger: silentLogger,
      sender: { send: async () => undefined },
      keyring: resolveKeyring(store),
      config: defaultHubConfig,
    });
  } finally {
    await store.close();
  }
}

async function spawnHub(db: string, schema: string | undefined): Promise<Hub> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'hub/cli.ts', 'start', '--port', '0', ...(schema ? ['--schema', schema] : [])], {
    env: { ...process.env, HUB_LOG_LEVEL: 'error', HUB_DATABASE_URL: db },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += String(d);
      const m = /hub listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`hub exited (${code})`)));
  });
  return {
    url,
    pid: proc.pid!,
    stop: () =>
      new Promise<void>((r) => {
        proc.once('exit', () => r());
        proc.kill('SIGTERM');
      }),
  };
}

async function world(deps: HubDeps, stationCount: number) {
  await products.upsertProduct(deps, { pid: 'benchp', name: 'Bench product', priceCents: 100 });
  const f = await stations.createFactory(deps, 'Bench');
  const l = await stations.createLine(deps, f.id, 'L');
  const out: { id: string; token: string }[] = [];
  for (let i = 0; i < stationCount; i++) {
    const s = await stations.createStation(deps, l.id, `S${i}`);
    const code = await stations.createEnrollmentCode(deps, s.id, 60);
    out.push({ id: s.id, token: (await stations.enroll(deps, { code: code.code })).token });
  }
  return { factoryId: f.id, stations: out };
}

async function group(deps: HubDeps, factoryId: string, stationId: string, n: number): Promise<string> {
  const c = await credentials.createCredential(deps, {
    pid: 'benchp',
    owner: 'mine',
    deliveryMode: 'credential',
    firmwareKey: 'k',
    chip: 'c',
  });
  for (let i = 0; i < n; i += 20_000) await credentials.importLicenses(deps, c.id, 'purchased', licenses(Math.min(20_000, n - i)));
  await credentials.assignCredential(deps, c.id, { factoryId, stationId });
  return c.id;
}

async function benchPull(db: string, schema: string | undefined, suffix: string, crowded = false): Promise<void> {
  let w!: Awaited<ReturnType<typeof world>>;
  await seeded(db, schema, async (deps) => {
    w = await world(deps, crowded ? 2 : 1);
    // the other station's group never leased: leasing must not read it
    if (crowded) await group(deps, w.factoryId, w.stations[1]!.id, 100_000);
    await group(deps, w.factoryId, w.stations[0]!.id, 100_000);
  });
  const hub = await spawnHub(db, schema);
  const token = w.stations[0]!.token;
  try {
    await stationCall(hub.url, 'GET', '/v1/station/me', undefined, token);
    const got: string[] = [];
    const hubCpu0 = cpuMsOf(hub.pid);
    const t0 = performance.now();
    for (let cursor: string | null = null; ;) {
      const page: PullResponse = await stationCall<PullResponse>(hub.url, 'POST', '/v1/station/pull', { cursor, limit: 5000 }, token);
      for (const l of page.licenses) got.push(l.uuid);
      cursor = page.cursor;
      if (!page.hasMore) break;
    }
    const s = (performance.now() - t0) / 1000;
    const hubCpuS = (cpuMsOf(hub.pid) - hubCpu0) / 1000;
    if (new Set(got).size !== 100_000) throw new Error(`pulled ${got.length} licenses, expected 100000`);
    const name = crowded ? 'hub_pull_100k_crowded' : 'hub_pull_100k';
    bench(`${name}_s${suffix}`, s, 's');
    // The hub process's own CPU over the pull (its threads included), beside the wall time.
    bench(`${name}_hub_cpu_s${suffix}`, hubCpuS, 's');
  } finally {
    await hub.stop();
  }
}

const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? NaN;

async function benchPush(db: string, schema: string | undefined, suffix: string): Promise<void> {
  let w!: Awaited<ReturnType<typeof world>>;
  await seeded(db, schema, async (deps) => {
    w = await world(deps, 50);
    for (const s of w.stations) await group(deps, w.factoryId, s.id, 200);
  });
  const hub = await spawnHub(db, schema);
  try {
    const held: string[][] = [];
    for (const s of w.stations) held.push(await pullAll(hub.url, s.token, 1000));
    // Each station opens its connection first (stations keep theirs alive); the figure is the pushes, not TCP set-up.
    await Promise.all(w.stations.map((s) => stationCall(hub.url, 'GET', '/v1/station/me', undefined, s.token)));
    const latencies: number[] = [];
    const cpu0 = { hub: cpuMsOf(hub.pid), bench: process.cpuUsage() };
    const t0 = performance.now();
    await Promise.all(
      w.stations.map(async (s, i) => {
        const uuids = held[i]!;
        for (let j = 0; j < uuids.length; j += 10) {
          const items = uuids
            .slice(j, j + 10)
            .map((uuid) => ({ kind: 'burn', key: randomUUID(), uuid, burnedAt: new Date().toISOString() }));
          const t = performance.now();
          const r = await stationCall<PushResponse>(hub.url, 'POST', '/v1/station/push', { items }, s.token);
          latencies.push(performance.now() - t);
          if (r.outcomes.some((o) => o.status !== 'applied'))
            throw new Error(`push refused: ${JSON.stringify(r.outcomes.find((o) => o.status !== 'applied'))}`);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const benchCpu = process.cpuUsage(cpu0.bench);
    const hubCpuMs = cpuMsOf(hub.pid) - cpu0.hub;
    latencies.sort((a, b) => a - b);
    bench(`hub_push_p50_ms_${suffix}`, latencies[Math.floor(latencies.length / 2)]!, 'ms');
    bench(`hub_push_p99_ms_${suffix}`, percentile(latencies, 0.99), 'ms');
    bench(`hub_push_per_s_${suffix}`, (50 * 200) / seconds, 'records/s');
    // CPU per push request (1,000 of them): the hub's own cost, and the simulated stations' (this process).
    bench(`hub_push_hub_cpu_ms_per_push_${suffix}`, hubCpuMs / latencies.length, 'ms');
    bench(`hub_push_bench_cpu_ms_per_push_${suffix}`, (benchCpu.user + benchCpu.system) / 1000 / latencies.length, 'ms');
  } finally {
    await hub.stop();
  }
}

/** A process's resident set, in MiB (Linux). */
const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

const SOAK_STATIONS = 500;
const SOAK_PERIOD_MS = 2000;
const SOAK_BATCH = 5;
const SOAK_PAGE = 20;

/**
 * 500 stations on the hub at once for a bounded time: each, every 2 s (its phase drawn at random), pushes a batch
 * of burn records of licenses it pulled, and pulls a page when its stock runs low; a station that falls behind
 * goes on at once (no catching up in bursts). Each holds a group big enough for the whole run, so the count is
 * bounded too. Lost and doubled records are counted on the hub's tables afterwards.
 */
async function benchSoak(db: string, schema: string | undefined, suffix: string): Promise<void> {
  const seconds = Number(process.env.HUB_SOAK_SECONDS ?? '120');
  if (!(seconds > 0)) throw new Error(`HUB_SOAK_SECONDS must be a number of seconds above 0, got "${process.env.HUB_SOAK_SECONDS}"`);
  const stock = SOAK_BATCH * Math.ceil((seconds * 1000) / SOAK_PERIOD_MS) + 2 * SOAK_PAGE;
  let w!: Awaited<ReturnType<typeof world>>;
  await seeded(db, schema, async (deps) => {
    w = await world(deps, SOAK_STATIONS);
    for (const s of w.stations) await group(deps, w.factoryId, s.id, stock);
  });
  const hub = await spawnHub(db, schema);
  const ledger = new PushLedger();
  const pullMs: number[] = [];
  let unanswered = 0;
  let rssStart: number;
  let rssEnd: number;
  let elapsed: number;
  try {
    // Warm-up, not measured: each station opens its connection and pulls its first page.
    const stations = w.stations.map((s): FleetStation & { held: string[]; cursor: string | null } => ({ ...s, held: [], cursor: null }));
    for (const part of [stations.slice(0, 250), stations.slice(250)]) {
      await Promise.all(
        part.map(async (s) => {
          const page = await pullPage(hub.url, s.token, null, SOAK_PAGE);
          s.held.push(...page.licenses.map((l) => l.uuid));
          s.cursor = page.cursor;
        }),
      );
    }
    rssStart = rssMiB(hub.pid);
    const random = seededRandom(0x5eed);
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    await Promise.all(
      stations.map(async (s) => {
        let next = t0 + random() * SOAK_PERIOD_MS;
        for (;;) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          if (performance.now() >= end) return;
          next = Math.max(next + SOAK_PERIOD_MS, performance.now());
          if (s.held.length < SOAK_BATCH) {
            const t = performance.now();
            const page = await pullPage(hub.url, s.token, s.cursor, SOAK_PAGE);
            pullMs.push(performance.now() - t);
            s.held.push(...page.licenses.map((l) => l.uuid));
            s.cursor = page.cursor;
          }
          if (s.held.length === 0) return; // its group is used up: the count bound
          if ((await ledger.push(hub.url, s, burnItems(s.held.splice(0, SOAK_BATCH)))) === 'unknown') unanswered++;
        }
      }),
    );
    elapsed = (performance.now() - t0) / 1000;
    rssEnd = rssMiB(hub.pid);
  } finally {
    await hub.stop();
  }
  const store = await openStore({ db, ...(schema ? { schema } : {}), migrate: false });
  const tally = await tallyOnHub(store, ledger).finally(() => store.close());
  const pushes = [...ledger.latenciesMs].sort((a, b) => a - b);
  pullMs.sort((a, b) => a - b);
  bench(`hub_soak_500_push_p50_ms_${suffix}`, percentile(pushes, 0.5), 'ms');
  bench(`hub_soak_500_push_p99_ms_${suffix}`, percentile(pushes, 0.99), 'ms');
  bench(`hub_soak_500_pull_p99_ms_${suffix}`, percentile(pullMs, 0.99), 'ms');
  bench(`hub_soak_500_per_s_${suffix}`, tally.acknowledged / elapsed, 'records/s');
  bench(`hub_soak_500_pushes_${suffix}`, pushes.length, 'requests');
  bench(`hub_soak_500_pulls_${suffix}`, pullMs.length, 'requests');
  bench(`hub_soak_500_rss_start_mib_${suffix}`, rssStart, 'MiB');
  bench(`hub_soak_500_rss_end_mib_${suffix}`, rssEnd, 'MiB');
  bench(`hub_soak_500_rss_growth_pct_${suffix}`, ((rssEnd - rssStart) / rssStart) * 100, '%');
  bench(`hub_soak_500_lost_${suffix}`, tally.lost, 'records');
  bench(`hub_soak_500_doubled_${suffix}`, tally.doubled, 'records');
  bench(`hub_soak_500_unanswered_${suffix}`, unanswered, 'requests');
  console.log(
    `# hub_soak_500 ${suffix}: ${seconds} s asked, ${elapsed.toFixed(1)} s run, ${tally.sent} records sent, ${tally.onHub} on the hub, ${tally.partial} pushes partial, ${tally.strays} strays`,
  );
}

/** A PostgreSQL to measure on: the given URL, or a throwaway cluster that lives as long as the returned stop(). */
async function postgres(): Promise<{ url: string; stop(): Promise<void> } | undefined> {
  const given = process.env.HUB_TEST_PG_URL ?? process.env.HUB_BENCH_PG_URL;
  if (given) return { url: given, stop: async () => undefined };
  const pgRoot = '/usr/lib/postgresql';
  if (!existsSync(pgRoot) || readdirSync(pgRoot).length === 0) return undefined;
  const sh = spawn('bash', ['-c', '. scripts/ci-postgres.sh && echo "URL=$HUB_TEST_PG_URL" && read -r _'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise<string | undefined>((resolve) => {
    let out = '';
    sh.stdout!.on('data', (d) => {
      out += String(d);
      const m = /URL=(\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    sh.once('exit', () => resolve(undefined));
  });
  if (!url) return undefined;
  return {
    url,
    stop: () =>
      new Promise<void>((r) => {
        sh.once('exit', () => r());
        sh.stdin!.end('\n');
      }),
  };
}

async function freshSchema(url: string): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  return {
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

/** HUB_BENCH_CASES=pull,push,soak (comma-separated) runs only those; all by default. */
const cases = new Set((process.env.HUB_BENCH_CASES ?? 'pull,crowded,push,soak').split(','));

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-bench-'));
  try {
    if (cases.has('pull')) await benchPull(join(dir, 'pull.sqlite'), undefined, '');
    if (cases.has('crowded')) await benchPull(join(dir, 'pull-crowded.sqlite'), undefined, '', true);
    if (cases.has('push')) await benchPush(join(dir, 'push.sqlite'), undefined, 'sqlite');
    if (cases.has('soak')) await benchSoak(join(dir, 'soak.sqlite'), undefined, 'sqlite');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const pgdb = await postgres();
  if (!pgdb) {
    console.log('# hub PostgreSQL benchmarks skipped: no HUB_TEST_PG_URL and no PostgreSQL installed');
    return;
  }
  try {
    const runs: [string, (u: string, s: string) => Promise<void>][] = [
      ['pull', (u, s) => benchPull(u, s, '_pg')],
      ['crowded', (u, s) => benchPull(u, s, '_pg', true)],
      ['push', (u, s) => benchPush(u, s, 'pg')],
      ['soak', (u, s) => benchSoak(u, s, 'pg')],
    ];
    for (const [name, run] of runs) {
      if (!cases.has(name)) continue;
      const s = await freshSchema(pgdb.url);
      try {
        await run(pgdb.url, s.schema);
      } finally {
        await s.drop();
      }
    }
  } finally {
    await pgdb.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
