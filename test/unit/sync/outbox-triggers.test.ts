import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ledger } from '../../../main/ledger';
import { migrate, openDatabase, Vault } from '../../../main/vault';
import { migrations } from '../../../main/vault/migrations';
import { SyncStore } from '../../../main/vault/sync-store';
import { burnOne, spoilOne, testWrapper } from '../../support/station';

const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ uuid: `lic${String(i).padStart(13, '0')}`, authkey: 'A'.repeat(32) }));

describe('the outbox is fed by the ledger in the same transaction', () => {
  let dir: string;
  let vault: Vault;
  let ledger: Ledger;
  let store: SyncStore;
  let hubGroup: string;
  let fileGroup: string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sync-outbox-'));
    vault = await Vault.create({ path: join(dir, 'v.vault'), wrapper: testWrapper() });
    ledger = new Ledger(vault);
    store = new SyncStore(vault);
    hubGroup = '3f0c2a52-7d3b-4a57-9a5e-0f1a2b3c4d5e';
    store.tx(() => {
      store.createHubGroup(hubGroup, 'from the hub', 'p1', 'hub');
      store.insertLicenses(
        hubGroup,
        rows(5).map((r) => ({ uuid: r.uuid, sealed: vault.sealAuthkey(r.uuid, r.authkey), mac: null, pid: null, free: false })),
      );
    });
    const imported = await vault.importRows(
      rows(3).map((r) => ({ ...r, uuid: r.uuid.replace('lic', 'fil') })),
      { groupName: 'from a file' },
    );
    if (!imported.ok) throw new Error('import failed');
    fileGroup = imported.groupId;
  });
  afterEach(() => {
    vault.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues one burn item per verified burn and one spoiled item per void, keyed by uuid', async () => {
    const a = await burnOne(ledger, hubGroup);
    const b = await spoilOne(ledger, hubGroup);
    expect(store.outboxBatch(10).map((r) => [r.kind, r.idemKey, r.uuid])).toEqual([
      ['burn', `burn-${a.uuid}`, a.uuid],
      ['spoiled', `spoiled-${b.uuid}`, b.uuid],
    ]);
  });

  it('queues nothing for licenses imported from a file (the hub never leased them)', async () => {
    await burnOne(ledger, fileGroup);
    expect(store.outboxCount()).toBe(0);
  });

  it('a ledger transaction that rolls back leaves no outbox row', async () => {
    const r = ledger.reserve(hubGroup, { slot: 's' });
    await ledger.beforeWrite(r)({ uuid: null, authkey: null, mac: null });
    ledger.markWritten(r.uuid, r.attempt);
    expect(() =>
      vault.db.transaction(() => {
        ledger.markVerified(r.uuid, r.attempt);
        expect(store.outboxCount()).toBe(1);
        throw new Error('power cut before commit');
      })(),
    ).toThrow('power cut');
    expect(store.outboxCount()).toBe(0);
    expect(ledger.license(r.uuid).state).toBe('written');
  });

  it('a failed attempt (nothing sent) or a suspect is not reported as burned', async () => {
    const r = ledger.reserve(hubGroup, { slot: 's' });
    ledger.finishBurn(r, {
      ok: false,
      exposure: 'nothing-sent',
      step: 'check',
      error: { code: 'TIMEOUT', message: 'no answer' },
      durationMs: 0,
    });
    const s = ledger.reserve(hubGroup, { slot: 's' });
    await ledger.beforeWrite(s)({ uuid: null, authkey: null, mac: null });
    ledger.finishBurn(s, {
      ok: false,
      exposure: 'sent-outcome-unknown',
      step: 'write',
      error: { code: 'DISCONNECTED', message: 'unplugged' },
      durationMs: 0,
    });
    expect(store.outboxCount()).toBe(0);
    // the supervisor reads the module back: now it is a burn, reported once
    ledger.resolveSuspect(s.uuid, { uuid: s.uuid, authkey: s.authkey, mac: null });
    expect(store.outboxBatch(10).map((x) => x.idemKey)).toEqual([`burn-${s.uuid}`]);
  });

  it('migration 4 queues burns and voids recorded before it and not yet reported', async () => {
    const path = join(dir, 'old.vault');
    const db = openDatabase(path);
    migrate(db, { target: 3 });
    const now = Date.now();
    db.prepare(
      "INSERT INTO credential_groups (id, name, hub_credential_id, state, license_count, created_at) VALUES ('g1', 'g', 'g1', 'active', 3, ?)",
    ).run(now);
    for (const [uuid, state] of [
      ['aaaaaaaaaaaaaaaa', 'verified'],
      ['bbbbbbbbbbbbbbbb', 'void'],
      ['cccccccccccccccc', 'reported'],
    ] as const) {
      db.prepare(
        "INSERT INTO licenses (group_key, uuid, sealed_authkey, state, created_at, updated_at) VALUES ((SELECT key FROM credential_groups WHERE id = 'g1'), ?, x'00', ?, ?, ?)",
      ).run(uuid, state, now, now);
      db.prepare("INSERT INTO burn_records (uuid, group_id, result, at, reported_at) VALUES (?, 'g1', ?, ?, ?)").run(
        uuid,
        state === 'reported' ? 'verified' : state,
        now,
        state === 'reported' ? now : null,
      );
    }
    migrate(db, { target: migrations.length });
    expect(db.prepare('SELECT kind, uuid FROM sync_outbox ORDER BY seq').all()).toEqual([
      { kind: 'burn', uuid: 'aaaaaaaaaaaaaaaa' },
      { kind: 'spoiled', uuid: 'bbbbbbbbbbbbbbbb' },
    ]);
    db.close();
  });
});
