/** Numbered migrations; each runs on SQLite and PostgreSQL alike. Never edit a released one: add the next number. */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations speak to the schema as it was then, not the current types */
type AnyDb = Kysely<any>;

export type StoreDialect = 'sqlite' | 'postgres';

const m001 = (dialect: StoreDialect): Migration => ({
  async up(db: AnyDb) {
    await db.schema
      .createTable('products')
      .addColumn('pid', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('price_cents', 'integer', (c) => c.notNull())
      .addColumn('homekit', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('findmy', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('factories')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('lines')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('factory_id', 'text', (c) => c.notNull().references('factories.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('stations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('factory_id', 'text', (c) => c.notNull().references('factories.id'))
      .addColumn('line_id', 'text', (c) => c.notNull().references('lines.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text', (c) => c.unique())
      .addColumn('hostname', 'text')
      .addColumn('enrolled_at', 'text')
      .addColumn('revoked_at', 'text')
      .addColumn('last_seen_at', 'text')
      .addColumn('lease_counter', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('enrollment_codes')
      .addColumn('code_hash', 'text', (c) => c.primaryKey())
      .addColumn('station_id', 'text', (c) => c.notNull().references('stations.id'))
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('credentials')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('pid', 'text', (c) => c.notNull().references('products.pid'))
      .addColumn('owner', 'text', (c) => c.notNull())
      .addColumn('customer_name', 'text')
      .addColumn('confirmed_at', 'text')
      .addColumn('delivery_mode', 'text', (c) => c.notNull())
      .addColumn('purchased_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('free_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('firmware_key', 'text', (c) => c.notNull())
      .addColumn('chip', 'text', (c) => c.notNull())
      .addColumn('parent_id', 'text', (c) => c.references('credentials.id'))
      .addColumn('origin', 'text', (c) => c.notNull())
      .addColumn('factory_id', 'text', (c) => c.references('factories.id'))
      .addColumn('line_id', 'text', (c) => c.references('lines.id'))
      .addColumn('station_id', 'text', (c) => c.references('stations.id'))
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addCheckConstraint('credentials_counts_ck', sql`purchased_count >= 0 and free_count >= 0`)
      .execute();
    await db.schema.createIndex('credentials_station_ix').on('credentials').columns(['station_id']).execute();
    await db.schema.createIndex('credentials_line_ix').on('credentials').columns(['line_id']).execute();
    await db.schema
      .createTable('licenses')
      .addColumn('uuid', 'text', (c) => c.primaryKey())
      .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id'))
      .addColumn('authkey', 'text', (c) => c.notNull())
      .addColumn('mac', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('station_id', 'text', (c) => c.references('stations.id'))
      .addColumn('lease_seq', 'integer')
      .addColumn('burned_at', 'text')
      .addColumn('burned_pid', 'text')
      .addColumn('burned_mac', 'text')
      .addColumn('spoiled_reason', 'text')
      .addColumn('imported_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('licenses_credential_ix')
      .on('licenses')
      .columns(['credential_id', 'status', 'station_id', 'uuid'])
      .execute();
    await db.schema.createIndex('licenses_lease_ix').on('licenses').columns(['station_id', 'lease_seq', 'uuid']).execute();
    await db.schema
      .createTable('update_requests')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id'))
      .addColumn('from_pid', 'text', (c) => c.notNull())
      .addColumn('to_pid', 'text', (c) => c.notNull())
      .addColumn('from_mode', 'text', (c) => c.notNull())
      .addColumn('to_mode', 'text', (c) => c.notNull())
      .addColumn('license_count', 'integer', (c) => c.notNull())
      .addColumn('price_diff_cents', 'integer', (c) => c.notNull())
      .addColumn('prev_state', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('approved_at', 'text')
      .addColumn('paid_at', 'text')
      .addColumn('payment_ref', 'text')
      .addColumn('completed_at', 'text')
      .addColumn('recalled_at', 'text')
      .execute();
    await db.schema.createIndex('update_requests_credential_ix').on('update_requests').columns(['credential_id', 'created_at']).execute();
    await db.schema
      .createTable('credential_events')
      .addColumn('seq', 'integer', (c) =>
        dialect === 'postgres' ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
      )
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('credential_id', 'text', (c) => c.notNull())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('credential_events_credential_ix').on('credential_events').columns(['credential_id', 'seq']).execute();
    await db.schema
      .createTable('push_items')
      .addColumn('station_id', 'text', (c) => c.notNull())
      .addColumn('idem_key', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('code', 'text')
      .addColumn('reason', 'text')
      .addColumn('at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('push_items_pk', ['station_id', 'idem_key'])
      .execute();
    await db.schema
      .createTable('download_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id'))
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('destination', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: AnyDb) {
    for (const t of [
      'download_codes',
      'push_items',
      'credential_events',
      'update_requests',
      'licenses',
      'credentials',
      'enrollment_codes',
      'stations',
      'lines',
      'factories',
      'products',
    ]) {
      await db.schema.dropTable(t).execute();
    }
  },
});

const m002: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('kinds', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .addColumn('done_count', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('claimed_by', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('started_at', 'text')
      .addColumn('finished_at', 'text')
      .addColumn('error', 'text')
      .execute();
    await db.schema.createIndex('jobs_state_ix').on('jobs').columns(['state', 'created_at']).execute();
    await db.schema
      .createTable('third_party_resources')
      .addColumn('license_uuid', 'text', (c) => c.notNull().references('licenses.uuid'))
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('third_party_resources_pk', ['license_uuid', 'kind'])
      .execute();
    await db.schema
      .createTable('notices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text')
      .addColumn('job_id', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
  async down(db: AnyDb) {
    for (const t of ['notices', 'third_party_resources', 'jobs']) await db.schema.dropTable(t).execute();
  },
};

/** Where the hub sends a station's download codes: set by the hub operator, never by the station. */
const m003: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('stations').addColumn('contact_channel', 'text').execute();
    await db.schema.alterTable('stations').addColumn('contact_destination', 'text').execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('stations').dropColumn('contact_destination').execute();
    await db.schema.alterTable('stations').dropColumn('contact_channel').execute();
  },
};

/**
 * Leasing on pull starts from the groups a station may lease from: per group, its unleased licenses in uuid order.
 * Partial, so leased / burned / exported licenses are not in it and other groups' unleased licenses are never read.
 */
const m004: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createIndex('licenses_unleased_ix')
      .on('licenses')
      .columns(['credential_id', 'uuid'])
      .where(sql.ref('station_id'), 'is', null)
      .where(sql.ref('status'), '=', sql.lit('unused'))
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('licenses_unleased_ix').execute();
  },
};

/** A transfer bundle claimed by its target (transfer_in applied), keyed by bundle id; was found by searching event details. */
const m005: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('transfer_claims')
      .addColumn('bundle_id', 'text', (c) => c.primaryKey())
      .addColumn('credential_id', 'text', (c) => c.notNull().references('credentials.id'))
      .addColumn('source_station_id', 'text', (c) => c.notNull())
      .addColumn('target_station_id', 'text', (c) => c.notNull())
      .addColumn('claimed_at', 'text', (c) => c.notNull())
      .execute();
    // Claims made before this table existed are the transfer_in events.
    const events = await db
      .selectFrom('credential_events')
      .select(['credential_id', 'details', 'at'])
      .where('kind', '=', 'transfer_in')
      .orderBy('seq')
      .execute();
    for (const e of events as { credential_id: string; details: string; at: string }[]) {
      const d = JSON.parse(e.details) as { bundleId?: string; fromStationId?: string; toStationId?: string };
      if (!d.bundleId) continue;
      await db
        .insertInto('transfer_claims')
        .values({
          bundle_id: d.bundleId,
          credential_id: e.credential_id,
          source_station_id: d.fromStationId ?? '',
          target_station_id: d.toStationId ?? '',
          claimed_at: e.at,
        })
        .onConflict((oc) => oc.column('bundle_id').doNothing())
        .execute();
    }
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('transfer_claims').execute();
  },
};

/**
 * When the hub leased each license to a station: a burn is checked against the hub's own record, not the
 * station's clock. Licenses held before this column existed get their import time (the earliest they can have been leased).
 */
const m006: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('licenses').addColumn('leased_at', 'text').execute();
    await db
      .updateTable('licenses')
      .set({ leased_at: sql.ref('imported_at') })
      .where('station_id', 'is not', null)
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('licenses').dropColumn('leased_at').execute();
  },
};

/**
 * A license a station set aside before sending any byte of it (status `rejected`): why, in the station's words.
 * The status column is free text, so the new status needs no other change; pulls lease only `unused` licenses.
 */
const m007: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('licenses').addColumn('rejected_reason', 'text').execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('licenses').dropColumn('rejected_reason').execute();
  },
};

/**
 * People on the hub: accounts with roles, their sessions and API keys (hashes only), the sign-in
 * throttle, and the hash-chained audit log with its head (one row, locked by every append).
 */
const m008: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('factory_id', 'text', (c) => c.references('factories.id'))
      .addColumn('email', 'text')
      .addColumn('email_verified_at', 'text')
      .addColumn('phone', 'text')
      .addColumn('phone_verified_at', 'text')
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('must_change_password', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('totp_secret', 'text')
      .addColumn('totp_enabled_at', 'text')
      .addColumn('totp_last_step', 'integer')
      .addColumn('disabled_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addCheckConstraint(
        'accounts_role_ck',
        sql`role in ('platform', 'owner', 'factory', 'auditor') and ((role = 'factory') = (factory_id is not null))`,
      )
      .execute();
    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('address', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .execute();
    await db.schema.createIndex('sessions_account_ix').on('sessions').columns(['account_id']).execute();
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('prefix', 'text', (c) => c.notNull())
      .addColumn('key_hash', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_used_at', 'text')
      .addColumn('revoked_at', 'text')
      .execute();
    await db.schema.createIndex('api_keys_account_ix').on('api_keys').columns(['account_id']).execute();
    await db.schema
      .createTable('auth_throttle')
      .addColumn('key', 'text', (c) => c.primaryKey())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('locked_until', 'text')
      .addColumn('last_failure_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('audit_log')
      .addColumn('seq', 'integer', (c) => c.primaryKey())
      .addColumn('at', 'text', (c) => c.notNull())
      .addColumn('actor_kind', 'text', (c) => c.notNull())
      .addColumn('actor_id', 'text')
      .addColumn('actor_name', 'text')
      .addColumn('actor_role', 'text')
      .addColumn('actor_via', 'text')
      .addColumn('address', 'text')
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('credential_id', 'text')
      .addColumn('target', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('audit_log_credential_ix').on('audit_log').columns(['credential_id', 'seq']).execute();
    await db.schema.createIndex('audit_log_actor_ix').on('audit_log').columns(['actor_id', 'seq']).execute();
    await db.schema.createIndex('audit_log_at_ix').on('audit_log').columns(['at']).execute();
    await db.schema
      .createTable('audit_head')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await db
      .insertInto('audit_head')
      .values({ id: 1, seq: 0, hash: '0'.repeat(64) })
      .execute();
  },
  async down(db: AnyDb) {
    for (const t of ['audit_head', 'audit_log', 'auth_throttle', 'api_keys', 'sessions', 'accounts'])
      await db.schema.dropTable(t).execute();
  },
};

/**
 * People at the stations: a factory account may carry an operator number and a badge (an operator signs on at
 * the factory's stations with either) and a station PIN hash (it is a supervisor there). Stations get them on pull.
 */
const m009: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('accounts').addColumn('operator_number', 'text').execute();
    await db.schema.alterTable('accounts').addColumn('badge', 'text').execute();
    await db.schema.alterTable('accounts').addColumn('station_pin_hash', 'text').execute();
    await db.schema.createIndex('accounts_operator_number_ux').on('accounts').columns(['factory_id', 'operator_number']).unique().execute();
    await db.schema.createIndex('accounts_badge_ux').on('accounts').columns(['factory_id', 'badge']).unique().execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('accounts_badge_ux').execute();
    await db.schema.dropIndex('accounts_operator_number_ux').execute();
    for (const c of ['station_pin_hash', 'badge', 'operator_number']) await db.schema.alterTable('accounts').dropColumn(c).execute();
  },
};

/**
 * The hub console's credentials page: a credential has a name and an order number to search by, and the page
 * filters one tab (owner) by state, product, factory or delivery mode and sorts by creation, so each has an index.
 */
const m010: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('credentials').addColumn('name', 'text').execute();
    await db.schema.alterTable('credentials').addColumn('order_no', 'text').execute();
    await db.schema.createIndex('credentials_owner_created_ix').on('credentials').columns(['owner', 'created_at', 'id']).execute();
    await db.schema.createIndex('credentials_owner_state_ix').on('credentials').columns(['owner', 'state', 'created_at']).execute();
    await db.schema.createIndex('credentials_owner_pid_ix').on('credentials').columns(['owner', 'pid', 'created_at']).execute();
    await db.schema.createIndex('credentials_factory_ix').on('credentials').columns(['factory_id', 'owner', 'created_at']).execute();
    await db.schema.createIndex('credentials_owner_mode_ix').on('credentials').columns(['owner', 'delivery_mode', 'created_at']).execute();
    await db.schema.createIndex('jobs_credential_ix').on('jobs').columns(['credential_id', 'state']).execute();
  },
  async down(db: AnyDb) {
    for (const ix of [
      'jobs_credential_ix',
      'credentials_owner_mode_ix',
      'credentials_factory_ix',
      'credentials_owner_pid_ix',
      'credentials_owner_state_ix',
      'credentials_owner_created_ix',
    ])
      await db.schema.dropIndex(ix).execute();
    await db.schema.alterTable('credentials').dropColumn('order_no').execute();
    await db.schema.alterTable('credentials').dropColumn('name').execute();
  },
};

/**
 * Prices: a product's advanced features (HomeKit, Find My) each cost per license on top of the license price; an
 * update request records how many of its licenses were purchased (only those are charged a price difference).
 */
const m011: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .alterTable('products')
      .addColumn('homekit_price_cents', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .alterTable('products')
      .addColumn('findmy_price_cents', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('update_requests').addColumn('charged_count', 'integer').execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('update_requests').dropColumn('charged_count').execute();
    await db.schema.alterTable('products').dropColumn('findmy_price_cents').execute();
    await db.schema.alterTable('products').dropColumn('homekit_price_cents').execute();
  },
};

/** The fleet view: what each station says about itself on pull and push, and burns found by time. */
const m012: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('stations').addColumn('outbox_length', 'integer').execute();
    await db.schema.alterTable('stations').addColumn('suspect_count', 'integer').execute();
    await db.schema.alterTable('stations').addColumn('status_at', 'text').execute();
    await db.schema.createIndex('licenses_burned_at_ix').on('licenses').columns(['burned_at', 'station_id', 'credential_id']).execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('licenses_burned_at_ix').execute();
    for (const c of ['status_at', 'suspect_count', 'outbox_length']) await db.schema.alterTable('stations').dropColumn(c).execute();
  },
};

/** An account's email or phone is verified by a one-time code sent to it (stored as an HMAC, like download codes). */
const m013: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('contact_codes')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('channel', 'text', (c) => c.notNull())
      .addColumn('destination', 'text', (c) => c.notNull())
      .addColumn('code_hash', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('used_at', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('contact_codes_account_ix').on('contact_codes').columns(['account_id', 'created_at']).execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('contact_codes').execute();
  },
};

/**
 * The newest audit head each station reported with a push (its audit sequence and that entry's hash): a station
 * whose head goes backwards was restored from an older copy or lost its newest writes, and is refused until it is
 * put right (push.ts, STATION_ROLLED_BACK).
 */
const m014: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('stations').addColumn('audit_seq', 'bigint').execute();
    await db.schema.alterTable('stations').addColumn('audit_hash', 'text').execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('stations').dropColumn('audit_hash').execute();
    await db.schema.alterTable('stations').dropColumn('audit_seq').execute();
  },
};

/** The platform rejects a product change with a reason: when, and why (shown to the credential manager and the station). */
const m015: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('update_requests').addColumn('rejected_at', 'text').execute();
    await db.schema.alterTable('update_requests').addColumn('reject_reason', 'text').execute();
  },
  async down(db: AnyDb) {
    await db.schema.alterTable('update_requests').dropColumn('reject_reason').execute();
    await db.schema.alterTable('update_requests').dropColumn('rejected_at').execute();
  },
};

/**
 * Burns found by time only ever ask for burned licenses (`burned_at >= since` implies `burned_at is not null`), so the
 * index holds those only: a lease (pull) changes `station_id` on licenses never burned and so writes no entry of it,
 * one index entry fewer per leased license on both stores.
 */
const m016: Migration = {
  async up(db: AnyDb) {
    await db.schema.dropIndex('licenses_burned_at_ix').execute();
    await db.schema
      .createIndex('licenses_burned_at_ix')
      .on('licenses')
      .columns(['burned_at', 'station_id', 'credential_id'])
      .where(sql.ref('burned_at'), 'is not', null)
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('licenses_burned_at_ix').execute();
    await db.schema.createIndex('licenses_burned_at_ix').on('licenses').columns(['burned_at', 'station_id', 'credential_id']).execute();
  },
};

/**
 * PostgreSQL checked the foreign key licenses.station_id -> stations on every lease, one lookup of the station per
 * leased license (20-60 ms per 5,000-license page). Every write of the column names a station the same transaction
 * has just read (the pulling station, locked; a reassign's or a transfer's target, read first), and stations are
 * never deleted (revoked only), so the check can never fail: the constraint goes. SQLite keeps it (its check is a
 * primary-key probe inside the same statement, and dropping it there means rebuilding the table).
 */
const m017 = (dialect: StoreDialect): Migration => ({
  async up(db: AnyDb) {
    if (dialect === 'postgres') await sql`alter table licenses drop constraint licenses_station_id_fkey`.execute(db);
  },
  async down(db: AnyDb) {
    if (dialect === 'postgres')
      await sql`alter table licenses add constraint licenses_station_id_fkey foreign key (station_id) references stations (id)`.execute(db);
  },
});

/**
 * licenses_lease_ix holds leased licenses only. A lease used to move a license's entry from the (null, null) end of
 * the index to its station's range, a delete and an insert; now it only inserts (about 0.2 s of the SQL of a
 * 100,000-license pull on SQLite). Every reader of the index asks for one station (`station_id = ?`), which both
 * stores see implies `station_id is not null`; unleased licenses are found on licenses_unleased_ix (004).
 */
const m018: Migration = {
  async up(db: AnyDb) {
    await db.schema.dropIndex('licenses_lease_ix').execute();
    await db.schema
      .createIndex('licenses_lease_ix')
      .on('licenses')
      .columns(['station_id', 'lease_seq', 'uuid'])
      .where(sql.ref('station_id'), 'is not', null)
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('licenses_lease_ix').execute();
    await db.schema.createIndex('licenses_lease_ix').on('licenses').columns(['station_id', 'lease_seq', 'uuid']).execute();
  },
};

/**
 * Rebuilds SQLite's licenses table from its own definition, edited by `edit`, with its rows and indexes: SQLite
 * cannot drop a column's constraint in place. migrate() runs SQLite's migrations with foreign keys off, as the
 * rebuild needs (third_party_resources refers to licenses), and checks every reference afterwards.
 */
async function rebuildLicenses(db: AnyDb, edit: (definition: string) => string): Promise<void> {
  const { rows } = await sql<{
    type: string;
    sql: string;
  }>`select type, sql from sqlite_master where tbl_name = 'licenses' and sql is not null order by type desc`.execute(db);
  const [table, ...indexes] = rows;
  const definition = edit(table!.sql);
  if (definition === table!.sql) throw new Error('the licenses table is not in the form this migration expects');
  await sql.raw(definition.replace(/^CREATE TABLE "licenses"/, 'CREATE TABLE "licenses_rebuilt"')).execute(db);
  await sql`insert into licenses_rebuilt select * from licenses`.execute(db);
  await sql`drop table licenses`.execute(db);
  await sql`alter table licenses_rebuilt rename to licenses`.execute(db);
  for (const index of indexes) await sql.raw(index.sql).execute(db);
}

const stationReference = ' references "stations" ("id")';

/**
 * 017 on SQLite: SQLite checked the foreign key licenses.station_id -> stations on every lease, a probe of the
 * stations' key per leased license (about 0.07 s of a 100,000-license pull). As on PostgreSQL (017), every write of
 * the column names a station its transaction has just read, and stations are never deleted, so the check can never
 * fail. The table is rebuilt without it, once (0.57 s for 100,000 licenses here).
 */
const m019 = (dialect: StoreDialect): Migration => ({
  async up(db: AnyDb) {
    if (dialect === 'sqlite') await rebuildLicenses(db, (d) => d.replace(`"station_id" text${stationReference}`, '"station_id" text'));
  },
  async down(db: AnyDb) {
    if (dialect === 'sqlite') await rebuildLicenses(db, (d) => d.replace('"station_id" text', `"station_id" text${stationReference}`));
  },
});

export const migrationsFor = (dialect: StoreDialect): Record<string, Migration> => ({
  '001_core': m001(dialect),
  '002_jobs': m002,
  '003_station_contact': m003,
  '004_lease_index': m004,
  '005_transfer_claims': m005,
  '006_license_leased_at': m006,
  '007_rejected_licenses': m007,
  '008_accounts': m008,
  '009_station_people': m009,
  '010_console_credentials': m010,
  '011_feature_prices': m011,
  '012_fleet': m012,
  '013_contact_codes': m013,
  '014_station_audit_head': m014,
  '015_update_rejection': m015,
  '016_burned_index_partial': m016,
  '017_lease_station_unchecked': m017(dialect),
  '018_lease_index_partial': m018,
  '019_lease_station_unchecked_sqlite': m019(dialect),
});

export const migrationProvider = (dialect: StoreDialect): MigrationProvider => ({
  getMigrations: () => Promise.resolve(migrationsFor(dialect)),
});
