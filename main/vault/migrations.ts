import { AppError } from '../../common/errors';
import type { Migration, VaultDb } from './db';
import { syncMigration } from './sync-schema';

/**
 * Numbered schema migrations. Migration N takes a vault from user_version N-1
 * to N in one transaction. Append new ones at the end (sync adds its outbox
 * this way); never edit one that has shipped.
 */

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'vault key and key-value store',
    up(db) {
      db.exec(`
        CREATE TABLE vault_key (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          wrap TEXT NOT NULL,            -- JSON: the wrapped data key and how it was wrapped
          key_check BLOB NOT NULL,       -- a known value sealed with the data key
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE kv (
          key TEXT PRIMARY KEY,
          value TEXT,                    -- plain values
          sealed BLOB,                   -- secrets sealed with the data key (hub token)
          updated_at INTEGER NOT NULL,
          CHECK ((value IS NULL) <> (sealed IS NULL))
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    name: 'credential groups and licenses',
    up(db) {
      db.exec(`
        CREATE TABLE credential_groups (
          key INTEGER PRIMARY KEY,       -- compact local key: every license row and index entry carries it
          id TEXT NOT NULL UNIQUE,
          name TEXT NOT NULL,
          pid TEXT,
          hub_credential_id TEXT UNIQUE,
          state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'blocked')),
          blocked_reason TEXT,
          source TEXT,
          license_count INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL,
          CHECK ((state = 'blocked') = (blocked_reason IS NOT NULL))
        ) STRICT;
        CREATE TABLE licenses (
          id INTEGER PRIMARY KEY,
          group_key INTEGER NOT NULL REFERENCES credential_groups(key),
          uuid TEXT NOT NULL UNIQUE,
          sealed_authkey BLOB NOT NULL,
          mac TEXT,
          pid TEXT,
          state TEXT NOT NULL DEFAULT 'available'
            CHECK (state IN ('available', 'reserved', 'sending', 'written', 'verified', 'reported', 'suspect', 'void')),
          slot TEXT,
          attempt TEXT,
          module_mac TEXT,
          module_serial TEXT,
          spoiled_reported_at INTEGER,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;
        -- reserve: the next available license of a group, in import order
        CREATE INDEX licenses_by_group_state ON licenses (group_key, state);
        -- recovery and the suspect list touch only licenses in flight: a small partial index
        CREATE INDEX licenses_unsettled ON licenses (state) WHERE state IN ('reserved', 'sending', 'written', 'suspect');
        CREATE INDEX licenses_spoiled_unreported ON licenses (id) WHERE state = 'void' AND spoiled_reported_at IS NULL;
      `);
    },
  },
  {
    version: 3,
    name: 'audit chain and burn records',
    up(db) {
      db.exec(`
        CREATE TABLE audit_log (
          seq INTEGER PRIMARY KEY,
          at INTEGER NOT NULL,
          action TEXT NOT NULL,
          group_id TEXT,
          license_uuid TEXT,
          from_state TEXT,
          to_state TEXT,
          detail TEXT NOT NULL,          -- canonical JSON; never an authkey
          prev_hash TEXT NOT NULL,
          hash TEXT NOT NULL
        ) STRICT;
        CREATE INDEX audit_by_license ON audit_log (license_uuid, seq) WHERE license_uuid IS NOT NULL;
        -- the chain's last link, so cutting entries off the end is noticed too
        CREATE TABLE audit_head (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          seq INTEGER NOT NULL,
          hash TEXT NOT NULL
        ) STRICT;
        CREATE TABLE burn_records (
          id INTEGER PRIMARY KEY,
          uuid TEXT NOT NULL,
          group_id TEXT NOT NULL,
          slot TEXT,
          attempt TEXT,
          module_mac TEXT,
          module_serial TEXT,
          result TEXT NOT NULL CHECK (result IN ('verified', 'failed', 'suspect', 'void')),
          reason TEXT,
          at INTEGER NOT NULL,
          reported_at INTEGER
        ) STRICT;
        CREATE INDEX burn_records_by_group ON burn_records (group_id, id);
        CREATE INDEX burn_records_unreported ON burn_records (id) WHERE reported_at IS NULL;
      `);
    },
  },
  { version: 4, ...syncMigration },
  {
    version: 5,
    name: 'license state checks without IN lists',
    // SQLite evaluates a CHECK or partial-index condition written as `state IN (...)`
    // through a small temporary index on every inserted row; the same test written
    // as equalities joined by OR costs a comparison or two. On a 100k-row import this
    // was a third of the insert time. The conditions mean exactly what they meant;
    // a CHECK can only change by rebuilding the table (SQLite's documented way:
    // create, copy, drop, rename), so ids and every column are copied as they are.
    up(db) {
      db.exec(`
        CREATE TABLE licenses_v5 (
          id INTEGER PRIMARY KEY,
          group_key INTEGER NOT NULL REFERENCES credential_groups(key),
          uuid TEXT NOT NULL UNIQUE,
          sealed_authkey BLOB NOT NULL,
          mac TEXT,
          pid TEXT,
          state TEXT NOT NULL DEFAULT 'available'
            CHECK (state = 'available' OR state = 'reserved' OR state = 'sending' OR state = 'written'
                   OR state = 'verified' OR state = 'reported' OR state = 'suspect' OR state = 'void'),
          slot TEXT,
          attempt TEXT,
          module_mac TEXT,
          module_serial TEXT,
          spoiled_reported_at INTEGER,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;
        INSERT INTO licenses_v5 SELECT * FROM licenses ORDER BY id;
        DROP TABLE licenses;
        ALTER TABLE licenses_v5 RENAME TO licenses;
        CREATE INDEX licenses_by_group_state ON licenses (group_key, state);
        CREATE INDEX licenses_unsettled ON licenses (state)
          WHERE state = 'reserved' OR state = 'sending' OR state = 'written' OR state = 'suspect';
        CREATE INDEX licenses_spoiled_unreported ON licenses (id) WHERE state = 'void' AND spoiled_reported_at IS NULL;
      `);
    },
  },
  {
    version: 6,
    name: 'burn records by time',
    // the dashboard and the shift report read a time range of the burn records (main/ledger/stats.ts);
    // the dashboard's sums read only this index (the reason is null for a verified burn)
    up(db) {
      db.exec('CREATE INDEX burn_records_by_time ON burn_records (at, result, slot, group_id, reason)');
    },
  },
  {
    version: 7,
    name: 'rejected licenses; burn records of rejected and released licenses',
    // `rejected`: refused before any byte was sent because it cannot be burned into these modules
    // (ARCHITECTURE.md "License"). Burn records gain `rejected` and `released` (a suspect settled on
    // its own module, which holds nothing), and a rejected license of a hub group goes to the outbox
    // like a void one. CHECKs change by rebuilding the tables (as migration 5); the rebuilt burn_records
    // gets its indexes (migration 6's time index too) and its outbox triggers back, word for word, plus the one for rejected licenses.
    up(db) {
      db.exec(`
        CREATE TABLE licenses_v7 (
          id INTEGER PRIMARY KEY,
          group_key INTEGER NOT NULL REFERENCES credential_groups(key),
          uuid TEXT NOT NULL UNIQUE,
          sealed_authkey BLOB NOT NULL,
          mac TEXT,
          pid TEXT,
          state TEXT NOT NULL DEFAULT 'available'
            CHECK (state = 'available' OR state = 'reserved' OR state = 'sending' OR state = 'written'
                   OR state = 'verified' OR state = 'reported' OR state = 'suspect' OR state = 'void'
                   OR state = 'rejected'),
          slot TEXT,
          attempt TEXT,
          module_mac TEXT,
          module_serial TEXT,
          spoiled_reported_at INTEGER,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        ) STRICT;
        INSERT INTO licenses_v7 SELECT * FROM licenses ORDER BY id;
        DROP TABLE licenses;
        ALTER TABLE licenses_v7 RENAME TO licenses;
        CREATE INDEX licenses_by_group_state ON licenses (group_key, state);
        CREATE INDEX licenses_unsettled ON licenses (state)
          WHERE state = 'reserved' OR state = 'sending' OR state = 'written' OR state = 'suspect';
        CREATE INDEX licenses_spoiled_unreported ON licenses (id) WHERE state = 'void' AND spoiled_reported_at IS NULL;
        CREATE INDEX licenses_rejected ON licenses (id) WHERE state = 'rejected';

        CREATE TABLE burn_records_v7 (
          id INTEGER PRIMARY KEY,
          uuid TEXT NOT NULL,
          group_id TEXT NOT NULL,
          slot TEXT,
          attempt TEXT,
          module_mac TEXT,
          module_serial TEXT,
          result TEXT NOT NULL
            CHECK (result = 'verified' OR result = 'failed' OR result = 'suspect' OR result = 'void'
                   OR result = 'rejected' OR result = 'released'),
          reason TEXT,
          at INTEGER NOT NULL,
          reported_at INTEGER
        ) STRICT;
        INSERT INTO burn_records_v7 SELECT * FROM burn_records ORDER BY id;
        DROP TABLE burn_records;
        ALTER TABLE burn_records_v7 RENAME TO burn_records;
        CREATE INDEX burn_records_by_group ON burn_records (group_id, id);
        CREATE INDEX burn_records_unreported ON burn_records (id) WHERE reported_at IS NULL;
        CREATE INDEX burn_records_by_time ON burn_records (at, result, slot, group_id, reason);

        CREATE TABLE sync_outbox_v7 (
          seq INTEGER PRIMARY KEY,
          idem_key TEXT NOT NULL UNIQUE,
          kind TEXT NOT NULL CHECK (kind IN ('burn', 'spoiled', 'rejected', 'release', 'split', 'reassign', 'set_pid', 'transfer_out', 'transfer_in')),
          uuid TEXT,
          ref_id INTEGER,
          op_id TEXT,
          payload TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          last_error TEXT
        ) STRICT;
        INSERT INTO sync_outbox_v7 SELECT * FROM sync_outbox ORDER BY seq;
        DROP TABLE sync_outbox;
        ALTER TABLE sync_outbox_v7 RENAME TO sync_outbox;

        CREATE TRIGGER sync_outbox_on_burn AFTER INSERT ON burn_records
          WHEN NEW.result = 'verified' AND EXISTS (SELECT 1 FROM credential_groups g WHERE g.id = NEW.group_id AND g.hub_credential_id IS NOT NULL)
        BEGIN
          INSERT OR IGNORE INTO sync_outbox (idem_key, kind, uuid, ref_id, payload, created_at)
          VALUES ('burn-' || NEW.uuid, 'burn', NEW.uuid, NEW.id, json_object('at', NEW.at, 'mac', NEW.module_mac), NEW.at);
        END;
        CREATE TRIGGER sync_outbox_on_void AFTER INSERT ON burn_records
          WHEN NEW.result = 'void' AND EXISTS (SELECT 1 FROM credential_groups g WHERE g.id = NEW.group_id AND g.hub_credential_id IS NOT NULL)
        BEGIN
          INSERT OR IGNORE INTO sync_outbox (idem_key, kind, uuid, ref_id, payload, created_at)
          VALUES ('spoiled-' || NEW.uuid, 'spoiled', NEW.uuid, NEW.id, json_object('at', NEW.at, 'reason', coalesce(NEW.reason, 'voided at the station')), NEW.at);
        END;
        CREATE TRIGGER sync_outbox_on_rejected AFTER INSERT ON burn_records
          WHEN NEW.result = 'rejected' AND EXISTS (SELECT 1 FROM credential_groups g WHERE g.id = NEW.group_id AND g.hub_credential_id IS NOT NULL)
        BEGIN
          INSERT OR IGNORE INTO sync_outbox (idem_key, kind, uuid, ref_id, payload, created_at)
          VALUES ('rejected-' || NEW.uuid, 'rejected', NEW.uuid, NEW.id, json_object('at', NEW.at, 'reason', coalesce(NEW.reason, 'refused before anything was sent')), NEW.at);
        END;
      `);
    },
  },
  {
    version: 8,
    name: 'the operator of each burn',
    // who was signed on at the station when the license was reserved: kept on the license through its
    // burn and written on each burn record; the dashboard and the reports filter by it through its own index
    // (the same columns as the time index, behind the operator)
    up(db) {
      db.exec(`
        ALTER TABLE licenses ADD COLUMN operator TEXT;
        ALTER TABLE burn_records ADD COLUMN operator TEXT;
        CREATE INDEX burn_records_by_operator ON burn_records (operator, at, result, slot, group_id, reason);
      `);
    },
  },
];

export const latestVersion = (list: readonly Migration[] = migrations): number => list.at(-1)?.version ?? 0;

export function schemaVersion(db: VaultDb): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the schema to `target` (default: the newest), one transaction per migration. */
export function migrate(db: VaultDb, options: { target?: number; list?: readonly Migration[] } = {}): { from: number; to: number } {
  const list = options.list ?? migrations;
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new AppError('INTERNAL', `Migration list is out of order at "${m.name}" (expected version ${i + 1}).`);
  });
  const target = options.target ?? latestVersion(list);
  const from = schemaVersion(db);
  if (from > latestVersion(list)) {
    throw new AppError(
      'VAULT_TOO_NEW',
      `This vault was written by a newer Credential Station (schema ${from}, this one knows ${latestVersion(list)}); update the app before opening it.`,
    );
  }
  for (const m of list) {
    if (m.version <= from || m.version > target) continue;
    db.transaction(() => {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
  return { from, to: Math.max(from, Math.min(target, latestVersion(list))) };
}
