import type { Migration } from './db';

/**
 * The sync tables (appended to the vault's migration list as one numbered
 * migration). Burns and voids reach the outbox through triggers on
 * burn_records: the row is written by the same statement, in the same
 * transaction, as the ledger's burn record, so a record can be neither missed
 * nor doubled (the idempotency key is unique and derived from the uuid).
 */
export const syncMigration: Omit<Migration, 'version'> = {
  name: 'sync: outbox, hub groups, offline operations, transfer bundles',
  up(db) {
    db.exec(`
      CREATE TABLE sync_outbox (
        seq INTEGER PRIMARY KEY,           -- push order
        idem_key TEXT NOT NULL UNIQUE,     -- the hub applies each key once
        kind TEXT NOT NULL CHECK (kind IN ('burn', 'spoiled', 'release', 'split', 'reassign', 'transfer_out', 'transfer_in')),
        uuid TEXT,
        ref_id INTEGER,                    -- burn_records.id of a burn or a void
        op_id TEXT,                        -- sync_operations.id of a supervisor operation or transfer
        payload TEXT NOT NULL,             -- JSON: the rest of the push item; never an authkey
        created_at INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      ) STRICT;

      -- What the hub last said about each group this station holds, and the station's own assignment of it.
      CREATE TABLE sync_groups (
        group_id TEXT PRIMARY KEY,
        hub_state TEXT NOT NULL,
        usable INTEGER NOT NULL,
        assigned_to_you INTEGER NOT NULL,
        sync_block TEXT,                   -- the reason when sync blocked the group (NULL: sync did not block it)
        product_name TEXT NOT NULL,
        delivery_mode TEXT NOT NULL,
        purchased INTEGER NOT NULL,
        free INTEGER NOT NULL,
        parent_id TEXT,
        hub_line_id TEXT,
        hub_station_id TEXT,
        firmware_key TEXT NOT NULL,
        chip TEXT NOT NULL,
        slot_ids TEXT NOT NULL DEFAULT '[]',
        local_line TEXT,
        updated_at INTEGER NOT NULL
      ) STRICT;

      -- License kind from the hub; a license not listed here is purchased.
      CREATE TABLE sync_free_licenses (uuid TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;

      CREATE TABLE sync_operations (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('split', 'reassign', 'transfer_out', 'transfer_in')),
        group_id TEXT NOT NULL,
        summary TEXT NOT NULL,
        detail TEXT NOT NULL,              -- JSON: what to undo if the hub refuses
        status TEXT NOT NULL CHECK (status IN ('pending', 'applied', 'rejected')),
        code TEXT,
        reason TEXT,
        local_action TEXT,
        created_at INTEGER NOT NULL,
        settled_at INTEGER
      ) STRICT;
      CREATE INDEX sync_operations_by_time ON sync_operations (created_at);

      -- Burns, voids and releases the hub refused: kept for the supervisor.
      CREATE TABLE sync_rejected (
        idem_key TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        uuid TEXT,
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;

      -- Licenses that left in a transfer bundle: never taken back in by a pull.
      CREATE TABLE transfer_tombstones (
        uuid TEXT PRIMARY KEY,
        bundle_id TEXT NOT NULL,
        group_id TEXT NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE transfer_imports (
        bundle_id TEXT PRIMARY KEY,
        source_station_id TEXT NOT NULL,
        group_id TEXT NOT NULL,
        licenses INTEGER NOT NULL,
        at INTEGER NOT NULL
      ) STRICT;

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

      -- Burns and voids recorded before this migration and not yet reported.
      INSERT OR IGNORE INTO sync_outbox (idem_key, kind, uuid, ref_id, payload, created_at)
        SELECT CASE b.result WHEN 'verified' THEN 'burn-' ELSE 'spoiled-' END || b.uuid,
               CASE b.result WHEN 'verified' THEN 'burn' ELSE 'spoiled' END,
               b.uuid, b.id,
               CASE b.result WHEN 'verified' THEN json_object('at', b.at, 'mac', b.module_mac) ELSE json_object('at', b.at, 'reason', coalesce(b.reason, 'voided at the station')) END,
               b.at
        FROM burn_records b JOIN credential_groups g ON g.id = b.group_id
        WHERE g.hub_credential_id IS NOT NULL
          AND ((b.result = 'verified' AND b.reported_at IS NULL)
            OR (b.result = 'void' AND EXISTS (SELECT 1 FROM licenses l WHERE l.uuid = b.uuid AND l.state = 'void' AND l.spoiled_reported_at IS NULL)))
        ORDER BY b.id;
    `);
  },
};
