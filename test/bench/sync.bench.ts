// Station sync figures against a real hub process (SQLite store):
// - sync_pull_100k_s: a station pulls a 100k-license group end to end (HTTP pages,
//   validation, sealing every authkey with the station key, vault writes, cursor).
// - sync_pull_vs_hub_pull: that time over the hub's raw pull of another 100k group in
//   the same run (a plain HTTP client paging with the same page size, storing nothing).
// - sync_outbox_drain_10k_s: 10k burn records pushed after an outage.
// Run: npm run bench -- sync
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedFactory, seedGroup, startHubProcess } from '../support/hub-process';
import { openTestStation } from '../support/station';

const bench = (name: string, value: number, unit: string): void => console.log(`BENCH ${name} ${Number(value.toPrecision(4))} ${unit}`);
const dir = mkdtempSync(join(tmpdir(), 'sync-bench-'));
const PAGE = 5000;
const hub = await startHubProcess(join(dir, 'hub.sqlite'), { logLevel: 'warn' }); // as before: a debug log would cost the figures

try {
  const fx = await seedFactory(hub, 3);
  const [raw, station, drain] = fx.stationIds as [string, string, string];
  // Each group is seeded just before it is pulled, so both pulls meet the same hub (before
  // migration 004 the hub's lease query read every unleased license on the hub).
  const d = await seedGroup(hub, fx, { purchased: 10_000, stationId: drain });

  // warm-up (JIT, SQLite caches): the drain station pulls its 10k group first
  const dst = await openTestStation(dir, 'drain', { pullPageSize: PAGE });
  await dst.sync.enroll(hub.url, fx.codes[2]!);
  await dst.sync.syncNow();

  await seedGroup(hub, fx, { purchased: 100_000, stationId: raw });
  // the hub's own pull: a bare client, same page size
  const enroll = await fetch(`${hub.url}/v1/station/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code: fx.codes[0] }),
  });
  const { token } = (await enroll.json()) as { token: string };
  let t = performance.now();
  let cursor: string | null = null;
  let rawCount = 0;
  for (;;) {
    const res = await fetch(`${hub.url}/v1/station/pull`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ cursor, limit: PAGE }),
    });
    const page = (await res.json()) as { licenses: unknown[]; cursor: string | null; hasMore: boolean };
    rawCount += page.licenses.length;
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  const hubPull = (performance.now() - t) / 1000;
  if (rawCount !== 100_000) throw new Error(`raw pull got ${rawCount}`);
  console.log(`# hub raw pull of 100k: ${hubPull.toFixed(2)} s`);

  const g = await seedGroup(hub, fx, { purchased: 100_000, stationId: station });
  const st = await openTestStation(dir, 'station', { pullPageSize: PAGE });
  await st.sync.enroll(hub.url, fx.codes[1]!);
  t = performance.now();
  const report = await st.sync.syncNow();
  const stationPull = (performance.now() - t) / 1000;
  if (report.pulled.licensesAdded !== 100_000 || st.ledger.counts(g.id).available !== 100_000) throw new Error('station pull incomplete');
  bench('sync_pull_100k_s', stationPull, 's');
  bench('sync_pull_vs_hub_pull', stationPull / hubPull, 'ratio');
  await st.close();

  // 10k burns made while the hub is away, then one sync drains them
  await hub.stop();
  dst.vault.db.pragma('synchronous = NORMAL'); // setup only: 40k ledger commits without an fsync each
  for (let i = 0; i < 10_000; i++) {
    const r = dst.ledger.reserve(d.id, { slot: `slot-${i % 8}` });
    dst.ledger.markSending(r.uuid, r.attempt);
    dst.ledger.markWritten(r.uuid, r.attempt);
    dst.ledger.markVerified(r.uuid, r.attempt, { moduleMac: null, moduleSerial: `SN-${i}` });
  }
  dst.vault.db.pragma('synchronous = FULL');
  await dst.sync.syncNow().catch(() => undefined); // offline: nothing leaves
  if (dst.sync.store.outboxCount() !== 10_000) throw new Error(`outbox holds ${dst.sync.store.outboxCount()}`);
  await hub.start();
  t = performance.now();
  const drained = await dst.sync.syncNow();
  const drainS = (performance.now() - t) / 1000;
  if (drained.pushed.applied !== 10_000 || dst.sync.store.outboxCount() !== 0) throw new Error('drain incomplete');
  bench('sync_outbox_drain_10k_s', drainS, 's');
  await dst.close();
} finally {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
}
