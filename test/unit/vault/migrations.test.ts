import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../common/errors';
import { latestVersion, migrate, migrations, schemaVersion, type VaultDb } from '../../../main/vault';

const tables = (db: VaultDb): string[] =>
  db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);
const fresh = (): VaultDb => new Database(':memory:');

/** Rows that each version can hold, written before the next migration runs. */
const seed: Record<number, (db: VaultDb) => void> = {
  1: (db) => {
    db.prepare(
      'INSERT INTO vault_key (id, wrap, key_check, created_at, updated_at) VALUES (1, \'{"kind":"passphrase"}\', x\'00\', 1, 1)',
    ).run();
    db.prepare("INSERT INTO kv (key, value, updated_at) VALUES ('sync.cursor', '7', 1)").run();
  },
  2: (db) => {
    db.prepare("INSERT INTO credential_groups (id, name, created_at) VALUES ('g1', 'group one', 1)").run();
    db.prepare(
      "INSERT INTO licenses (group_key, uuid, sealed_authkey, created_at, updated_at) VALUES (1, 'abcdefghij0123456789', x'01', 1, 1)",
    ).run();
  },
  3: (db) => {
    db.prepare("INSERT INTO audit_log (seq, at, action, detail, prev_hash, hash) VALUES (1, 1, 'vault.created', '{}', 'p', 'h')").run();
  },
};

describe('vault migrations', () => {
  it('are numbered 1..N without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(latestVersion()).toBe(migrations.length);
  });

  for (const m of migrations) {
    it(`migration ${m.version} (${m.name}) upgrades a version ${m.version - 1} vault and keeps its rows`, () => {
      const db = fresh();
      migrate(db, { target: m.version - 1 });
      expect(schemaVersion(db)).toBe(m.version - 1);
      for (let v = 1; v < m.version; v++) seed[v]?.(db);
      const schemaBefore = db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all();
      const before = tables(db).map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM "${t}"`).get() as { n: number }).n]);

      expect(migrate(db, { target: m.version })).toEqual({ from: m.version - 1, to: m.version });
      expect(schemaVersion(db)).toBe(m.version);
      for (const [t, n] of before) expect((db.prepare(`SELECT count(*) AS n FROM "${t as string}"`).get() as { n: number }).n).toBe(n);
      expect(db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all()).not.toEqual(schemaBefore);
      // The new schema accepts what it is for.
      seed[m.version]?.(db);
      db.close();
    });
  }

  it('runs each migration once: migrating an up-to-date vault changes nothing', () => {
    const db = fresh();
    migrate(db);
    const schema = db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all();
    expect(migrate(db)).toEqual({ from: latestVersion(), to: latestVersion() });
    expect(db.prepare('SELECT sql FROM sqlite_master ORDER BY name').all()).toEqual(schema);
    db.close();
  });

  it('rolls a failing migration back and leaves the version where it was', () => {
    const db = fresh();
    const broken = [
      ...migrations,
      {
        version: migrations.length + 1,
        name: 'broken',
        up: (d: VaultDb) => d.exec('CREATE TABLE outbox (id INTEGER PRIMARY KEY); SELECT * FROM no_such_table;'),
      },
    ];
    expect(() => migrate(db, { list: broken })).toThrow();
    expect(schemaVersion(db)).toBe(latestVersion());
    expect(tables(db)).not.toContain('outbox');
    db.close();
  });

  it('accepts appended migrations (how sync adds its outbox)', () => {
    const db = fresh();
    migrate(db);
    const extended = [
      ...migrations,
      {
        version: migrations.length + 1,
        name: 'outbox',
        up: (d: VaultDb) => d.exec('CREATE TABLE outbox (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT'),
      },
    ];
    expect(migrate(db, { list: extended })).toEqual({ from: latestVersion(), to: latestVersion() + 1 });
    expect(tables(db)).toContain('outbox');
    db.close();
  });

  it('refuses a vault written by a newer version with VAULT_TOO_NEW', () => {
    const db = fresh();
    db.pragma(`user_version = ${latestVersion() + 1}`);
    let code = '';
    try {
      migrate(db);
    } catch (e) {
      if (isAppError(e)) code = e.code;
    }
    expect(code).toBe('VAULT_TOO_NEW');
    db.close();
  });

  it('migration 5 rebuilds licenses with every row and column as it was, and still refuses an unknown state', () => {
    const db = fresh();
    migrate(db, { target: 4 });
    db.prepare("INSERT INTO credential_groups (id, name, created_at) VALUES ('g1', 'group one', 1)").run();
    const insert = db.prepare(
      'INSERT INTO licenses (id, group_key, uuid, sealed_authkey, mac, pid, state, slot, attempt, module_mac, module_serial, spoiled_reported_at, created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const states = ['available', 'reserved', 'sending', 'written', 'verified', 'reported', 'suspect', 'void'];
    // Ids with gaps: the rebuild keeps them (burn records and the audit name licenses by uuid, the outbox by id).
    states.forEach((state, i) =>
      insert.run(
        10 * i + 3,
        `uuid${i}abcdefghij012345`,
        Buffer.from([i, 1, 2]),
        i % 2 ? 'A0B0C0000001' : null,
        i % 3 ? 'pid1' : null,
        state,
        `s${i}`,
        `a${i}`,
        i > 3 ? 'A0B0C0000009' : null,
        i > 4 ? `SN${i}` : null,
        state === 'void' ? 5 : null,
        100 + i,
        200 + i,
      ),
    );
    const all = (): unknown[] => db.prepare('SELECT * FROM licenses ORDER BY id').all();
    const before = all();

    migrate(db, { target: 5 });

    expect(all()).toEqual(before);
    const indexes = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'licenses' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((r) => r.name);
    expect(indexes).toEqual(['licenses_by_group_state', 'licenses_spoiled_unreported', 'licenses_unsettled']);
    const unsettled = db
      .prepare<[], { n: number }>(
        "SELECT count(*) AS n FROM licenses INDEXED BY licenses_unsettled WHERE state = 'reserved' OR state = 'sending' OR state = 'written' OR state = 'suspect'",
      )
      .get();
    expect(unsettled?.n).toBe(4);
    expect(() =>
      insert.run(1000, 'uuidxabcdefghij012345', Buffer.from([1]), null, null, 'burned', null, null, null, null, null, 1, 1),
    ).toThrow(/CHECK constraint failed/);
    expect(() => insert.run(1001, states[0], Buffer.from([1]), null, null, 'available', null, null, null, null, null, 1, 1)).not.toThrow();
    expect(() =>
      insert.run(1002, 'uuid0abcdefghij012345', Buffer.from([1]), null, null, 'available', null, null, null, null, null, 1, 1),
    ).toThrow(/UNIQUE constraint failed: licenses.uuid/);
    db.close();
  });

  it('migration 7 adds rejected licenses and burn records, keeps every row and the outbox triggers, and queues a rejected license of a hub group', () => {
    const db = fresh();
    migrate(db, { target: 6 });
    db.prepare("INSERT INTO credential_groups (id, name, hub_credential_id, created_at) VALUES ('g1', 'hub group', 'g1', 1)").run();
    db.prepare("INSERT INTO credential_groups (id, name, created_at) VALUES ('g2', 'local group', 1)").run();
    const license = db.prepare(
      "INSERT INTO licenses (group_key, uuid, sealed_authkey, state, created_at, updated_at) VALUES (?, ?, x'01', ?, 1, 1)",
    );
    license.run(1, 'aaaaaaaaaaaaaaaa', 'verified');
    license.run(1, 'bbbbbbbbbbbbbbbb', 'reserved');
    license.run(2, 'cccccccccccccccc', 'reserved');
    const burn = db.prepare('INSERT INTO burn_records (uuid, group_id, result, reason, at) VALUES (?, ?, ?, ?, 5)');
    burn.run('aaaaaaaaaaaaaaaa', 'g1', 'verified', null);
    const rows = (t: string): unknown[] => db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all();
    const before = { licenses: rows('licenses'), burns: rows('burn_records'), outbox: rows('sync_outbox') };
    expect(before.outbox).toHaveLength(1);

    migrate(db, { target: 7 });

    expect({ licenses: rows('licenses'), burns: rows('burn_records'), outbox: rows('sync_outbox') }).toEqual(before);
    db.prepare("UPDATE licenses SET state = 'rejected' WHERE uuid IN ('bbbbbbbbbbbbbbbb', 'cccccccccccccccc')").run();
    burn.run('bbbbbbbbbbbbbbbb', 'g1', 'rejected', 'no PID');
    burn.run('cccccccccccccccc', 'g2', 'rejected', 'no PID');
    burn.run('aaaaaaaaaaaaaaaa', 'g1', 'released', 'held nothing');
    const outbox = db
      .prepare<[], { idem_key: string; kind: string; payload: string }>('SELECT idem_key, kind, payload FROM sync_outbox ORDER BY seq')
      .all();
    expect(outbox.map((o) => [o.idem_key, o.kind])).toEqual([
      ['burn-aaaaaaaaaaaaaaaa', 'burn'],
      ['rejected-bbbbbbbbbbbbbbbb', 'rejected'],
    ]);
    expect(JSON.parse(outbox[1]!.payload)).toEqual({ at: 5, reason: 'no PID' });
    // The void trigger came back with the table.
    burn.run('aaaaaaaaaaaaaaaa', 'g1', 'void', 'scrapped');
    expect(db.prepare("SELECT count(*) AS n FROM sync_outbox WHERE kind = 'spoiled'").get()).toEqual({ n: 1 });
    expect(() => db.prepare("UPDATE licenses SET state = 'gone' WHERE id = 1").run()).toThrow(/CHECK constraint failed/);
    expect(() => burn.run('aaaaaaaaaaaaaaaa', 'g1', 'lost', null)).toThrow(/CHECK constraint failed/);
    const plan = db
      .prepare<[], { detail: string }>("EXPLAIN QUERY PLAN SELECT id FROM licenses WHERE state = 'rejected'")
      .all()
      .map((r) => r.detail)
      .join(' ');
    expect(plan).toContain('licenses_rejected');
    const indexes = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'burn_records' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .map((r) => r.name);
    expect(indexes).toEqual(['burn_records_by_group', 'burn_records_by_time', 'burn_records_unreported']);
    db.close();
  });
});
