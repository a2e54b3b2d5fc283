// A station vault that went back (its WAL deleted after a kill, an older copy restored), put right with the
// hub's word through POST /v1/station/reconcile, against a real hub process: what the hub holds as burned or
// spoiled is never offered again, the outbox the vault kept is pushed once, and no license is burned twice.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../../common/errors';
import { runStationCommand } from '../../../main/cli/station-command';
import { seedFactory, seedGroup, startHubProcess, type HubFixture, type HubProcess } from '../../support/hub-process';
import { burnOne, openTestStation, spoilOne, type TestStation } from '../../support/station';

/** What the hub's own store says about one station: licenses by status, and push items refused. */
function onHub(dbPath: string, stationId: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    const by = (status: string) =>
      db
        .prepare<[string, string], { n: number }>('SELECT count(*) AS n FROM licenses WHERE station_id = ? AND status = ?')
        .get(stationId, status)!.n;
    const refused = db
      .prepare<[string], { code: string | null }>("SELECT code FROM push_items WHERE station_id = ? AND status = 'rejected'")
      .all(stationId)
      .map((r) => r.code);
    const head = db
      .prepare<[string], { audit_seq: number | null }>('SELECT audit_seq FROM stations WHERE id = ?')
      .get(stationId)!.audit_seq;
    return { burned: by('burned'), spoiled: by('spoiled'), unused: by('unused'), refused, head };
  } finally {
    db.close();
  }
}

/** Burns every license the group still offers; the uuids. */
async function burnTheRest(st: TestStation, groupId: string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    try {
      out.push((await burnOne(st.ledger, groupId)).uuid);
    } catch (e) {
      if (isAppError(e, 'NO_LICENSE_AVAILABLE')) return out;
      throw e;
    }
  }
}

/** The vault's files as a SIGKILL leaves them on disk (the station still open). */
function crashImage(from: string, to: string): void {
  for (const suffix of ['', '-wal']) {
    rmSync(`${to}${suffix}`, { force: true });
    if (existsSync(`${from}${suffix}`)) copyFileSync(`${from}${suffix}`, `${to}${suffix}`);
  }
}
function putBack(image: string, vaultPath: string, options: { wal: boolean }): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${vaultPath}${suffix}`, { force: true });
  copyFileSync(image, vaultPath);
  if (options.wal && existsSync(`${image}-wal`)) copyFileSync(`${image}-wal`, `${vaultPath}-wal`);
}

describe('a vault that went back, reconciled with a real hub', () => {
  let dir: string;
  let hub: HubProcess;
  let fx: HubFixture;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-rollback-'));
    hub = await startHubProcess(join(dir, 'hub.sqlite'));
    fx = await seedFactory(hub, 3);
  }, 60_000);
  afterAll(async () => {
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("offline: the WAL deleted after a kill; the station's anchor refuses, reconcile marks what the hub holds, nothing is burned twice", async () => {
    const stationId = fx.stationIds[0]!;
    const group = await seedGroup(hub, fx, { purchased: 40, stationId });
    const anchorPath = join(dir, 'state', 'a.anchor');
    const vaultPath = join(dir, 'a.vault');
    let st = await openTestStation(dir, 'a', {}, { anchorPath });
    await st.sync.enroll(hub.url, fx.codes[0]!);
    await st.sync.syncNow();
    st.vault.checkpoint(); // the pulled licenses are in the vault file; what follows lives in the WAL
    const burned: string[] = [];
    for (let i = 0; i < 10; i++) burned.push((await burnOne(st.ledger, group.id)).uuid);
    const spoiled = [(await spoilOne(st.ledger, group.id)).uuid, (await spoilOne(st.ledger, group.id)).uuid];
    await st.sync.syncNow();
    expect(st.sync.status().outbox).toBe(0);
    // The hub holds the head of the last push (the answers recorded after it moved the vault on).
    const newest = st.vault.durableHead()!.seq;
    const pushedHead = onHub(hub.dbPath, stationId).head!;
    expect(pushedHead).toBeGreaterThan(0);
    expect(pushedHead).toBeLessThan(newest);
    expect(onHub(hub.dbPath, stationId)).toMatchObject({ burned: 10, spoiled: 2 });
    crashImage(vaultPath, join(dir, 'a-crash.vault'));
    await st.close();
    putBack(join(dir, 'a-crash.vault'), vaultPath, { wal: false });

    // Behind its anchor: nothing offered, nothing pushed.
    st = await openTestStation(dir, 'a', {}, { anchorPath, reopen: true });
    expect(st.vault.rollback).toMatchObject({ source: 'anchor', anchoredSeq: newest });
    expect(st.ledger.counts(group.id).available).toBe(40);
    expect(() => st.ledger.reserve(group.id, { slot: 'slot-1' })).toThrow(expect.objectContaining({ code: 'VAULT_ROLLED_BACK' }) as Error);
    await expect(st.sync.syncNow()).rejects.toMatchObject({ code: 'VAULT_ROLLED_BACK' });
    expect(st.sync.status().lastError?.code).toBe('VAULT_ROLLED_BACK');

    const report = await st.sync.reconcile('Li Wei');
    expect(report).toMatchObject({
      burned: 10,
      spoiled: 2,
      rejected: 0,
      unchanged: 0,
      source: 'anchor',
      anchoredSeq: newest,
      hubSeq: pushedHead,
    });
    expect(st.vault.rollback).toBeNull();
    expect(
      st.vault.audit
        .entries()
        .filter((e) => e.action === 'vault.reconciled')
        .map((e) => e.detail),
    ).toEqual([expect.objectContaining({ by: 'Li Wei', source: 'anchor', burned: 10, spoiled: 2 })]);
    for (const uuid of burned) expect(st.ledger.license(uuid).state).toBe('reported');
    for (const uuid of spoiled) expect(st.ledger.license(uuid).state).toBe('void');
    expect(onHub(hub.dbPath, stationId).head).toBeNull();
    // A second reconcile is refused before the hub is asked: its head stays as the next push sets it.
    await expect(st.sync.reconcile('Li Wei')).rejects.toMatchObject({ code: 'NOT_ROLLED_BACK' });

    const rest = await burnTheRest(st, group.id);
    expect(rest).toHaveLength(28);
    expect(rest.filter((u) => burned.includes(u) || spoiled.includes(u))).toEqual([]);
    await st.sync.syncNow();
    expect(st.sync.status()).toMatchObject({ outbox: 0, lastError: null });
    expect(st.sync.refusedReports()).toEqual([]);
    expect(onHub(hub.dbPath, stationId)).toMatchObject({ burned: 38, spoiled: 2, unused: 0, refused: [] });
    expect(onHub(hub.dbPath, stationId).head).toBeLessThanOrEqual(st.vault.durableHead()!.seq);
    await st.close();
  }, 60_000);

  it('online: an older copy restored without its anchor; the hub refuses its push, reconcile, then the kept outbox goes through once', async () => {
    const stationId = fx.stationIds[1]!;
    const group = await seedGroup(hub, fx, { purchased: 40, stationId });
    const vaultPath = join(dir, 'b.vault');
    let st = await openTestStation(dir, 'b', {}, { anchorPath: join(dir, 'state', 'b.anchor') });
    await st.sync.enroll(hub.url, fx.codes[1]!);
    await st.sync.syncNow();
    const early: string[] = [];
    for (let i = 0; i < 5; i++) early.push((await burnOne(st.ledger, group.id)).uuid);
    await st.vault.backupTo(join(dir, 'b-yesterday.vault')); // yesterday's copy: 5 burns not yet pushed
    await st.sync.syncNow();
    const later: string[] = [];
    for (let i = 0; i < 10; i++) later.push((await burnOne(st.ledger, group.id)).uuid);
    await st.sync.syncNow();
    const hubHead = onHub(hub.dbPath, stationId).head!;
    expect(hubHead).toBeGreaterThan(0);
    await st.close();

    // The copy is put back on a PC without the station's anchor (a new one is started as it is).
    putBack(join(dir, 'b-yesterday.vault'), vaultPath, { wal: false });
    st = await openTestStation(dir, 'b', {}, { anchorPath: join(dir, 'state', 'b-new-pc.anchor'), reopen: true });
    expect(st.vault.rollback).toBeNull();
    expect(st.sync.status().outbox).toBe(5);
    const refused = await st.sync.syncNow().catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'STATION_ROLLED_BACK' });
    const message = st.vault.rollback!.message;
    expect(message).toMatch(
      /^The hub says this vault is older than what it reported before \(entry [\d,]+ of [\d,]+\): a supervisor must reconcile with the hub\.$/,
    );
    expect(st.vault.rollback).toMatchObject({ source: 'hub', anchoredSeq: hubHead });
    expect(st.sync.status()).toMatchObject({ outbox: 5, lastError: { code: 'STATION_ROLLED_BACK', message } });
    expect(() => st.ledger.reserve(group.id, { slot: 'slot-1' })).toThrow(
      expect.objectContaining({ code: 'VAULT_ROLLED_BACK', message }) as Error,
    );
    // A restart (offline, say) still offers nothing.
    await st.close();
    st = await openTestStation(dir, 'b', {}, { anchorPath: join(dir, 'state', 'b-new-pc.anchor'), reopen: true });
    expect(st.vault.rollback).toMatchObject({ source: 'hub', message });
    await expect(st.sync.syncNow()).rejects.toMatchObject({ code: 'STATION_ROLLED_BACK' });
    expect(st.sync.status().outbox).toBe(5);

    const report = await st.sync.reconcile('王芳');
    // The 10 later burns were available in the copy; the 5 early ones are verified here already.
    expect(report).toMatchObject({ burned: 10, spoiled: 0, unchanged: 5, source: 'hub', hubSeq: hubHead });
    for (const uuid of later) expect(st.ledger.license(uuid).state).toBe('reported');
    await st.sync.syncNow();
    expect(st.sync.status()).toMatchObject({ outbox: 0, lastError: null });
    for (const uuid of early) expect(st.ledger.license(uuid).state).toBe('reported');

    const rest = await burnTheRest(st, group.id);
    expect(rest).toHaveLength(25);
    expect(rest.filter((u) => early.includes(u) || later.includes(u))).toEqual([]);
    await st.sync.syncNow();
    expect(st.sync.refusedReports()).toEqual([]);
    expect(onHub(hub.dbPath, stationId)).toMatchObject({ burned: 40, spoiled: 0, unused: 0, refused: [] });
    expect(onHub(hub.dbPath, stationId).head).toBeLessThanOrEqual(st.vault.durableHead()!.seq);
    // The hub's audit names the supervisor of the reconcile.
    const audit = new Database(hub.dbPath, { readonly: true });
    const entries = audit
      .prepare<[string], { actor_via: string }>("SELECT actor_via FROM audit_log WHERE kind = 'stationReconcile' AND actor_id = ?")
      .all(stationId);
    audit.close();
    expect(entries).toEqual([{ actor_via: '王芳' }]);
    await st.close();
  }, 60_000);

  it('the headless station reconciles with `station reconcile --by`, with its exit codes', async () => {
    const stationId = fx.stationIds[2]!;
    const group = await seedGroup(hub, fx, { purchased: 10, stationId });
    const anchorPath = join(dir, 'state', 'c.anchor');
    const vaultPath = join(dir, 'c.vault');
    let st = await openTestStation(dir, 'c', {}, { anchorPath });
    await st.sync.enroll(hub.url, fx.codes[2]!);
    await st.sync.syncNow();
    st.vault.checkpoint();
    const burned = [
      (await burnOne(st.ledger, group.id)).uuid,
      (await burnOne(st.ledger, group.id)).uuid,
      (await burnOne(st.ledger, group.id)).uuid,
    ];
    await st.sync.syncNow();
    crashImage(vaultPath, join(dir, 'c-crash.vault'));
    await st.close();
    putBack(join(dir, 'c-crash.vault'), vaultPath, { wal: false });

    const cli = async (...argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runStationCommand([argv[0]!, '--vault', vaultPath, ...argv.slice(1)], {
        stdout: (t) => (stdout += t),
        stderr: (t) => (stderr += t),
        env: { CS_PASSPHRASE: 'test station passphrase' },
        stationOptions: { anchorPath },
      });
      return { code, stdout, stderr };
    };
    expect((await cli('reconcile')).code).toBe(2);
    await hub.stop();
    const offline = await cli('reconcile', '--by', 'Li Wei');
    await hub.start();
    expect(offline.code).toBe(8);
    expect(offline.stderr).toMatch(/^The hub at .* cannot be reached/);
    const done = await cli('reconcile', '--by', 'Li Wei');
    expect(done.code).toBe(0);
    expect(done.stdout.split('\n')[0]).toMatch(/^This vault is older than its last known state/);
    expect(done.stdout).toContain(
      'Reconciled with the hub (by Li Wei): 3 license(s) the hub holds as burned, 0 as spoiled and 0 as rejected will not be offered again; 0 more were already used here.',
    );
    const again = await cli('reconcile', '--by', 'Li Wei');
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('This vault is not behind its last known state: there is nothing to reconcile.\n');

    st = await openTestStation(dir, 'c', {}, { anchorPath, reopen: true });
    for (const uuid of burned) expect(st.ledger.license(uuid).state).toBe('reported');
    const rest = await burnTheRest(st, group.id);
    expect(rest.filter((u) => burned.includes(u))).toEqual([]);
    await st.sync.syncNow();
    expect(onHub(hub.dbPath, stationId)).toMatchObject({ burned: 10, unused: 0, refused: [] });
    await st.close();
  }, 60_000);
});
