import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFactory, seedGroup, startHubProcess, type HubFixture, type HubProcess } from '../../support/hub-process';
import { burnOne, openTestStation, type TestStation } from '../../support/station';

const cheap = { N: 1024, r: 8, p: 1 };

describe('transfer bundles between two offline stations', () => {
  let dir: string;
  let hub: HubProcess;
  let fx: HubFixture;
  let src: TestStation;
  let dst: TestStation;
  let third: TestStation;
  let group: { id: string; uuids: string[] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-bundle-'));
    hub = await startHubProcess(join(dir, 'hub.sqlite'));
    fx = await seedFactory(hub, 3);
    group = await seedGroup(hub, fx, { purchased: 30, free: 4, stationId: fx.stationIds[0]! });
    src = await openTestStation(dir, 'src');
    dst = await openTestStation(dir, 'dst');
    third = await openTestStation(dir, 'third');
    await src.sync.enroll(hub.url, fx.codes[0]!);
    await dst.sync.enroll(hub.url, fx.codes[1]!);
    await third.sync.enroll(hub.url, fx.codes[2]!);
    await src.sync.syncNow();
    await dst.sync.syncNow();
    await third.sync.syncNow();
    // from here on both stations work offline: no sync until the reconciliation test
  }, 60_000);

  afterAll(async () => {
    await src?.close();
    await dst?.close();
    await third?.close();
    await hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let file: string;
  let passphrase: string;
  let bundleId: string;

  it('exports part of a group as an encrypted file and tombstones the licenses at the source in the same transaction', async () => {
    file = join(dir, 'bundle-1.cstb');
    const before = src.ledger.counts(group.id).available;
    const r = await src.sync.exportBundle({ groupId: group.id, count: 10, filePath: file, cost: cheap });
    ({ passphrase, bundleId } = r);
    expect(r.licenses).toBe(10);
    expect(passphrase).toMatch(/^([A-HJKMNP-Z2-9]{4}-){5}[A-HJKMNP-Z2-9]{4}$/);
    expect(src.ledger.counts(group.id).available).toBe(before - 10);
    expect(src.sync.store.tombstoneCount(bundleId)).toBe(10);
    // the file reveals no authkey and no uuid
    const text = readFileSync(file, 'utf8');
    const hubDb = new Database(hub.dbPath, { readonly: true });
    const rows = hubDb
      .prepare<[string], { uuid: string; authkey: string }>('SELECT uuid, authkey FROM licenses WHERE credential_id = ?')
      .all(group.id);
    hubDb.close();
    for (const l of rows) {
      expect(text.includes(l.authkey)).toBe(false);
      expect(text.includes(l.uuid)).toBe(false);
    }
    // a pull at the source never takes tombstoned licenses back in
    await src.sync.syncNow().catch(() => undefined);
    expect(src.ledger.counts(group.id).total).toBe(34 - 10);
  });

  it('refuses a tampered bundle and a wrong passphrase', async () => {
    const original = JSON.parse(readFileSync(file, 'utf8'));
    const body = Buffer.from(original.ciphertext, 'base64');
    body[5] = body[5]! ^ 1;
    const flipped = { ...original, ciphertext: body.toString('base64') };
    const bad1 = join(dir, 'tampered-body.cstb');
    writeFileSync(bad1, JSON.stringify(flipped));
    await expect(dst.sync.importBundle(bad1, passphrase)).rejects.toMatchObject({ code: 'BUNDLE_TAMPERED' });
    const bad2 = join(dir, 'tampered-header.cstb');
    writeFileSync(bad2, JSON.stringify({ ...original, header: { ...original.header, licenses: 11 } }));
    await expect(dst.sync.importBundle(bad2, passphrase)).rejects.toMatchObject({
      code: expect.stringMatching(/BUNDLE_TAMPERED|BUNDLE_PASSPHRASE_WRONG/),
    });
    const bad3 = join(dir, 'truncated.cstb');
    writeFileSync(bad3, readFileSync(file, 'utf8').slice(0, 200));
    await expect(dst.sync.importBundle(bad3, passphrase)).rejects.toMatchObject({ code: 'BUNDLE_TAMPERED' });
    await expect(dst.sync.importBundle(file, 'AAAA-BBBB-CCCC-DDDD-EEEE-FFFF')).rejects.toMatchObject({ code: 'BUNDLE_PASSPHRASE_WRONG' });
    expect(dst.sync.transfers()).toHaveLength(0);
  });

  it('imports the bundle once at the target, re-sealed with its own key; a second import is refused', async () => {
    const r = await dst.sync.importBundle(file, passphrase.toLowerCase().replace(/-/g, ' '));
    expect(r).toMatchObject({ bundleId, licenses: 10, sourceStationId: fx.stationIds[0]! });
    expect(dst.ledger.counts(r.groupId).available).toBe(10);
    await expect(dst.sync.importBundle(file, passphrase)).rejects.toMatchObject({ code: 'BUNDLE_ALREADY_IMPORTED' });
    expect(dst.ledger.counts(r.groupId).available).toBe(10);
    // the source cannot take its own bundle back
    await expect(src.sync.importBundle(file, passphrase)).rejects.toMatchObject({ code: 'BUNDLE_OWN' });
    // the target burns from it while offline
    await burnOne(dst.ledger, r.groupId);
    await burnOne(dst.ledger, r.groupId);
    expect(dst.ledger.counts(r.groupId)).toMatchObject({ burned: 2, available: 8 });
  });

  it('hub reconciliation: both ends are reported, the burns count for the target, and a copy used elsewhere is refused', async () => {
    // a copy of the same file imported at a third station
    const copy = await third.sync.importBundle(file, passphrase);
    await burnOne(third.ledger, copy.groupId);
    // the target syncs first: its import is accepted and its burns count
    await dst.sync.syncNow();
    const inOp = dst.sync.transfers().find((t) => t.kind === 'transfer_in')!;
    expect(inOp.status).toBe('applied');
    expect(dst.sync.status().outbox).toBe(0);
    // the source's end arrives later and is accepted too
    await src.sync.syncNow();
    expect(src.sync.transfers().find((t) => t.kind === 'transfer_out')!.status).toBe('applied');
    // the third station's copy is refused: its licenses were used meanwhile
    await third.sync.syncNow();
    const refused = third.sync.transfers().find((t) => t.kind === 'transfer_in')!;
    expect(refused).toMatchObject({ status: 'rejected' });
    expect(refused.reason).toBeTruthy();
    expect(third.vault.getGroup(copy.groupId).state).toBe('blocked');
    expect(third.ledger.counts(copy.groupId).available).toBe(0);
    expect(third.sync.store.rejectedItems().some((r) => r.kind === 'burn')).toBe(true);
    const rep = await hub.admin('GET', '/v1/admin/reports/stations');
    const byStation = new Map(rep.rows.map((r: { stationId: string }) => [r.stationId, r]));
    expect(byStation.get(fx.stationIds[1]!)).toMatchObject({ burned: 2, leased: 8 });
    expect(byStation.get(fx.stationIds[2]!)).toMatchObject({ burned: 0 });
  });

  it('hub reconciliation the other way round: the source reports first, then the target', async () => {
    const f2 = join(dir, 'bundle-2.cstb');
    const out = await src.sync.exportBundle({ groupId: group.id, count: 5, filePath: f2, cost: cheap });
    await src.sync.syncNow();
    expect(src.sync.transfers().find((t) => t.detail.bundleId === out.bundleId)).toMatchObject({ status: 'applied' });
    const got = await dst.sync.importBundle(f2, out.passphrase);
    await burnOne(dst.ledger, got.groupId);
    await dst.sync.syncNow();
    expect(dst.sync.transfers().find((t) => t.detail.bundleId === out.bundleId)).toMatchObject({ status: 'applied' });
    expect(dst.sync.status().outbox).toBe(0);
    const history = await hub.admin('GET', `/v1/admin/credentials/${group.id}/history`);
    const kinds = history.events
      .filter((e: { details: { bundleId?: string } }) => e.details.bundleId === out.bundleId)
      .map((e: { kind: string }) => e.kind);
    expect(kinds).toEqual(['transfer_out', 'transfer_in']);
  });
});
