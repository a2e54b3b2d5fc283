import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../../common/api/schemas';
import { seedFactory, seedGroup, startHubProcess, stopAllHubProcesses, type HubProcess } from '../../support/hub-process';
import { burnOne, openTestStation, type TestStation } from '../../support/station';
import { startTcpProxy, type TcpProxy } from '../../support/tcp-proxy';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the hub's own store says about one station's burns. */
function hubBurns(dbPath: string, stationId: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    const burned = db
      .prepare<[string], { n: number }>("SELECT count(*) AS n FROM licenses WHERE station_id = ? AND status = 'burned'")
      .get(stationId)!.n;
    const items = db
      .prepare<[string], { n: number; keys: number }>(
        "SELECT count(*) AS n, count(DISTINCT idem_key) AS keys FROM push_items WHERE station_id = ? AND kind = 'burn' AND status = 'applied'",
      )
      .get(stationId)!;
    const rejected = db
      .prepare<[string], { n: number }>("SELECT count(*) AS n FROM push_items WHERE station_id = ? AND status = 'rejected'")
      .get(stationId)!.n;
    return { burned, applied: items.n, distinctKeys: items.keys, rejected };
  } finally {
    db.close();
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('burn reports survive hub outages and a lossy network', () => {
  let dir: string;
  let hub: HubProcess | undefined;
  let proxy: TcpProxy | undefined;
  let st: TestStation | undefined;

  afterEach(async () => {
    await st?.close();
    await proxy?.close();
    await hub?.stop();
    await stopAllHubProcesses(); // every start of the restarts below, whatever state the test ended in
    rmSync(dir, { recursive: true, force: true });
  });

  it('200 burns while the hub is killed and restarted and the proxy cuts requests: exactly 200 on the hub, none twice, outbox empty', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-outage-'));
    hub = await startHubProcess(join(dir, 'hub.sqlite'));
    const fx = await seedFactory(hub, 1);
    const group = await seedGroup(hub, fx, { purchased: 220, stationId: fx.stationIds[0]! });
    proxy = await startTcpProxy(hub.port);
    st = await openTestStation(dir, 'station', { intervalMs: 150, pushBatchSize: 25, backoff: { baseMs: 40, maxMs: 300 } });
    const seen: SyncStatus[] = [];
    st.sync.subscribe((e, p) => {
      if (e === 'onSyncStatus') seen.push(p as SyncStatus);
    });
    await st.sync.enroll(proxy.url, fx.codes[0]!);
    await st.sync.syncNow();
    expect(st.ledger.counts(group.id).available).toBe(220);

    proxy.chaos.cutAfterRequest = 0.12;
    proxy.chaos.cutDuringResponse = 0.08;
    st.sync.start();
    const h = hub;
    for (let i = 1; i <= 200; i++) {
      await burnOne(st.ledger, group.id, `slot-${i % 4}`);
      if (i % 50 === 10) await h.stop(); // the hub goes away for a while: 3 more outages below
      if (i % 50 === 35) await h.start();
      await sleep(3);
    }
    await h.start(); // no-op when the last restart already brought it back
    proxy.chaos.cutAfterRequest = 0;
    proxy.chaos.cutDuringResponse = 0;
    // The station notices on its own (backoff retry or timer): no syncNow here.
    await until('the outbox to drain', () => {
      st!.sync.outboxChanged();
      return st!.sync.status().outbox === 0 && st!.sync.status().online;
    });

    const onHub = hubBurns(h.dbPath, fx.stationIds[0]!);
    expect(onHub).toEqual({ burned: 200, applied: 200, distinctKeys: 200, rejected: 0 });
    expect(st.ledger.counts(group.id)).toMatchObject({ reported: 200, available: 20 });
    expect(st.ledger.unreportedBurns().filter((b) => b.result === 'verified')).toHaveLength(0);
    // the status went offline during the outages and came back
    expect(seen.some((s) => !s.online)).toBe(true);
    expect(seen.at(-1)?.online).toBe(true);
    expect(proxy.stats.cuts).toBeGreaterThan(0);
    expect(st.ledger.verifyAudit().ok).toBe(true);
  }, 120_000);

  it('duplicate delivery: every request replayed by the proxy, still each burn counted once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-replay-'));
    hub = await startHubProcess(join(dir, 'hub.sqlite'));
    const fx = await seedFactory(hub, 1);
    const group = await seedGroup(hub, fx, { purchased: 60, stationId: fx.stationIds[0]! });
    proxy = await startTcpProxy(hub.port);
    st = await openTestStation(dir, 'station', { pushBatchSize: 10 });
    await st.sync.enroll(proxy.url, fx.codes[0]!);
    proxy.chaos.replayDelayMs = 0;
    await st.sync.syncNow();
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 10; i++) await burnOne(st.ledger, group.id);
      proxy.chaos.replayDelayMs = round % 2 === 0 ? 0 : 25; // at once (racing the original) and later
      await st.sync.syncNow();
    }
    await proxy.replaysAnswered(); // the hub has applied (or refused) every replayed request
    expect(proxy.stats.replays).toBeGreaterThan(0);
    expect(hubBurns(hub.dbPath, fx.stationIds[0]!)).toEqual({ burned: 50, applied: 50, distinctKeys: 50, rejected: 0 });
    const rep = await hub.admin('GET', '/v1/admin/reports/stations');
    expect(rep.rows[0]).toMatchObject({ burned: 50 });
    expect(st.sync.status().outbox).toBe(0);
    expect(st.ledger.counts(group.id)).toMatchObject({ reported: 50, available: 10 });
  }, 60_000);

  it('an interrupted pull resumes from its cursor: every license once, none missing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-resume-'));
    hub = await startHubProcess(join(dir, 'hub.sqlite'));
    const fx = await seedFactory(hub, 1);
    const group = await seedGroup(hub, fx, { purchased: 3000, free: 200, stationId: fx.stationIds[0]! });
    proxy = await startTcpProxy(hub.port);
    st = await openTestStation(dir, 'station', { pullPageSize: 150 });
    await st.sync.enroll(proxy.url, fx.codes[0]!);
    proxy.chaos.cutDuringResponse = 0.3;
    proxy.chaos.cutAfterRequest = 0.1;
    let failures = 0;
    for (;;) {
      try {
        await st.sync.syncNow();
        break;
      } catch (e) {
        expect(e).toMatchObject({ code: 'HUB_UNREACHABLE' });
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
    expect(st.ledger.counts(group.id)).toMatchObject({ total: 3200, available: 3200 });
    expect(st.sync.store.knownUuids(group.uuids).size).toBe(3200);
    const free = st.vault.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sync_free_licenses').get()!.n;
    expect(free).toBe(200);
  }, 60_000);
});
