import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../../common/api/schemas';
import { TOKEN_SECRET } from '../../../main/sync';
import { seedFactory, seedGroup, startHubProcess, type HubFixture, type HubProcess } from '../../support/hub-process';
import { burnOne, openTestStation, spoilOne, type TestStation } from '../../support/station';

describe('station sync against a real hub process', () => {
  let dir: string;
  let hub: HubProcess;
  let fx: HubFixture;
  let st: TestStation;
  let group: { id: string; uuids: string[] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-basic-'));
    hub = await startHubProcess(join(dir, 'hub.sqlite'));
    fx = await seedFactory(hub, 1);
    group = await seedGroup(hub, fx, { purchased: 40, free: 10, stationId: fx.stationIds[0]! });
    st = await openTestStation(dir, 'station');
  }, 60_000);

  afterAll(async () => {
    await st?.close();
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a wrong enrollment code with the hub's reason and stays unenrolled", async () => {
    await expect(st.sync.enroll(hub.url, 'AAAA-BBBB-CCCC')).rejects.toMatchObject({ code: 'ENROLLMENT_CODE_INVALID' });
    expect(st.sync.status().enrolled).toBe(false);
  });

  it('enrolls with a one-time code and keeps the token sealed in the vault', async () => {
    const events: SyncStatus[] = [];
    st.sync.subscribe((e, p) => {
      if (e === 'onSyncStatus') events.push(p as SyncStatus);
    });
    const status = await st.sync.enroll(hub.url, fx.codes[0]!);
    expect(status).toMatchObject({ enrolled: true, online: true, hubUrl: hub.url });
    expect(events.at(-1)?.enrolled).toBe(true);
    const token = st.vault.getSecret(TOKEN_SECRET)!;
    expect(token).toMatch(/^hst_/);
    const row = st.vault.db
      .prepare<[string], { value: string | null; sealed: Buffer | null }>('SELECT value, sealed FROM kv WHERE key = ?')
      .get(TOKEN_SECRET)!;
    expect(row.value).toBeNull();
    st.vault.checkpoint();
    expect(readFileSync(st.vault.path).includes(Buffer.from(token))).toBe(false);
    // the code is one-time
    await expect(st.sync.enroll(hub.url, fx.codes[0]!)).rejects.toMatchObject({ code: 'ENROLLMENT_CODE_USED' });
  });

  it('pulls the group and its licenses into the vault, sealed, and a second pull adds nothing', async () => {
    const report = await st.sync.syncNow();
    expect(report.pulled.licensesAdded).toBe(50);
    const g = st.vault.getGroup(group.id);
    expect(g).toMatchObject({ hubCredentialId: group.id, state: 'active', licenseCount: 50 });
    expect(st.ledger.counts(group.id).available).toBe(50);
    const again = await st.sync.syncNow();
    expect(again.pulled.licensesAdded).toBe(0);
    expect(st.vault.getGroup(group.id).licenseCount).toBe(50);
    st.vault.checkpoint();
    const bytes = readFileSync(st.vault.path);
    // no uuid's authkey is stored in the clear: check against the hub's own copy
    const hubDb = new Database(hub.dbPath, { readonly: true });
    const keys = hubDb.prepare<[string], { authkey: string }>('SELECT authkey FROM licenses WHERE credential_id = ?').all(group.id);
    hubDb.close();
    expect(keys).toHaveLength(50);
    for (const k of keys) expect(bytes.includes(Buffer.from(k.authkey))).toBe(false);
    expect(st.sync.status()).toMatchObject({ online: true, outbox: 0, lastError: null });
    expect(st.sync.status().lastSyncAt).not.toBeNull();
  });

  it('queues burns and voids in the outbox with the ledger change and empties it once the hub acknowledged them', async () => {
    for (let i = 0; i < 5; i++) await burnOne(st.ledger, group.id);
    await spoilOne(st.ledger, group.id);
    st.sync.outboxChanged();
    expect(st.sync.status().outbox).toBe(6);
    const report = await st.sync.syncNow();
    expect(report.pushed).toMatchObject({ applied: 6, rejected: 0 });
    expect(st.sync.status().outbox).toBe(0);
    expect(st.ledger.unreportedBurns().filter((b) => b.result === 'verified')).toHaveLength(0);
    expect(st.ledger.spoiledToReport()).toHaveLength(0);
    expect(st.ledger.counts(group.id)).toMatchObject({ reported: 5, void: 1 });
    const rep = await hub.admin('GET', '/v1/admin/reports/stations');
    expect(rep.rows[0]).toMatchObject({ burned: 5, spoiled: 1 });
    // the station told the hub its outbox and suspects with the sync; the fleet view shows them with the burns
    const fleet = await hub.admin('GET', '/v1/console/fleet');
    expect(fleet.stations[0]).toMatchObject({ outbox: 0, suspects: 0, burnsLastHour: 5 });
    const db = new Database(join(dir, 'hub.sqlite'), { readonly: true });
    try {
      expect(db.prepare('SELECT outbox_length, suspect_count, status_at FROM stations WHERE id = ?').get(fx.stationIds[0])).toMatchObject({
        outbox_length: 0,
        suspect_count: 0,
        status_at: expect.any(String),
      });
    } finally {
      db.close();
    }
  });

  it("an item the hub cannot read is taken out with the hub's reason and does not hold up the others", async () => {
    st.sync.store.enqueue({ key: 'release-broken-item', kind: 'release', payload: { uuids: [] } });
    await burnOne(st.ledger, group.id);
    const report = await st.sync.syncNow();
    expect(report.pushed).toMatchObject({ applied: 1, rejected: 1 });
    expect(st.sync.status().outbox).toBe(0);
    expect(st.sync.store.rejectedItems().find((r) => r.key === 'release-broken-item')).toMatchObject({ code: 'OUT_OF_RANGE' });
    expect(st.ledger.counts(group.id).reported).toBe(6);
  });

  it('starts the pull again from the beginning when the hub does not know the cursor', async () => {
    st.vault.putValue('sync.cursor', 'c1.999999.zzzz');
    const report = await st.sync.syncNow();
    expect(report.pulled.licensesAdded).toBe(0);
    expect(st.vault.getValue('sync.cursor')).not.toBe('c1.999999.zzzz');
    expect(st.sync.status().lastError).toBeNull();
  });

  it('goes offline with a plain reason when the hub is gone, and back online by itself', async () => {
    await st.sync.syncNow();
    const seen: boolean[] = [];
    st.sync.subscribe((e, p) => {
      if (e === 'onSyncStatus') seen.push((p as SyncStatus).online);
    });
    await hub.stop();
    await expect(st.sync.syncNow()).rejects.toMatchObject({ code: 'HUB_UNREACHABLE' });
    expect(st.sync.status()).toMatchObject({ online: false, lastError: { code: 'HUB_UNREACHABLE' } });
    expect(st.sync.status().lastError?.message).toMatch(/keeps working offline/);
    await hub.start();
    st.sync.start(); // syncs at once, then on the timer / backoff
    const end = Date.now() + 10_000;
    while (!st.sync.status().online && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(st.sync.status().online).toBe(true);
    expect(seen).toEqual(expect.arrayContaining([false, true]));
  });
});
