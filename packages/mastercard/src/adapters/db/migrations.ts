import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';

// The Mastercard counterpart's schema, created in code and applied on open (Kysely Migrator). One
// schema for SQLite and PostgreSQL: text keys, 64-bit integers for times (epoch ms) and counters.
// Token service tables are prefixed ts_; the network's tables (when it gets some) take their own
// prefix and their own migration, added to `migrations` below with a later name.
//
// ts_registration_nonces  one row per GET_PUBLIC_KEY: single-use nonce for REGISTER_DEVICE by the same
//                         customer, with an expiry; used_at_ms set when consumed. Expired rows are swept in small batches.
// ts_devices              registered devices: the customer id the MPP server vouched for, the device's
//                         RSA-OAEP public key (SPKI base64) credentials are sealed to, its fingerprint.
// ts_tokens               one row per digitized token (tokenUniqueReference): token PAN (unique), PSN,
//                         expiry YYMM, the owner (customer, device), the provisioning task id (unique)
//                         and when its review ends, the state and suspendedBy set, atc_last_issued (the
//                         ATC high-water mark: credentials are only ever issued above it) and a version
//                         for compare-and-set updates. At most one token per device is not DEACTIVATED
//                         (partial unique index). No key is stored: MK is derived from IMK-AC on demand.
// ts_notification_outbox  one row per token state change to tell Alipay+ (notifyTokenUpdated), written in
//                         the same transaction as the change; id '<tokenUniqueReference>:<version>'.
//                         The relay delivers due rows in order per token, reschedules failures with
//                         backoff (attempt_count, next_attempt_at_ms, last_error) and after the attempt
//                         limit sets abandoned_at_ms; delivered_at_ms when Alipay+ confirmed.

const int64 = 'bigint';

const tokenService: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ts_registration_nonces')
      .addColumn('nonce', 'text', (c) => c.primaryKey())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', int64, (c) => c.notNull())
      .addColumn('expires_at_ms', int64, (c) => c.notNull())
      .addColumn('used_at_ms', int64)
      .execute();
    await db.schema
      .createIndex('ts_registration_nonces_expiry')
      .on('ts_registration_nonces')
      .column('expires_at_ms')
      .execute();

    await db.schema
      .createTable('ts_devices')
      .addColumn('device_id', 'text', (c) => c.primaryKey())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('public_key_spki', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', int64, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('ts_tokens')
      .addColumn('token_unique_reference', 'text', (c) => c.primaryKey())
      .addColumn('token_pan', 'text', (c) => c.notNull().unique())
      .addColumn('psn', 'text', (c) => c.notNull())
      .addColumn('expiry_yymm', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull().references('ts_devices.device_id'))
      .addColumn('task_id', 'text', (c) => c.notNull().unique())
      .addColumn('state', 'text', (c) =>
        c.notNull().check(sql`state in ('INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED')`),
      )
      .addColumn('suspended_by', 'text', (c) => c.notNull())
      .addColumn('provision_ready_at_ms', int64, (c) => c.notNull())
      .addColumn('atc_last_issued', int64, (c) => c.notNull().check(sql`atc_last_issued between 0 and 65535`))
      .addColumn('version', int64, (c) => c.notNull())
      .addColumn('created_at_ms', int64, (c) => c.notNull())
      .addColumn('updated_at_ms', int64, (c) => c.notNull())
      .addCheckConstraint('ts_tokens_suspended_by', sql`(state = 'SUSPENDED') = (suspended_by <> '')`)
      .execute();
    await db.schema
      .createIndex('ts_tokens_live_device')
      .on('ts_tokens')
      .column('device_id')
      .unique()
      .where(sql.ref('state'), '<>', 'DEACTIVATED')
      .execute();
  },
};

const notificationOutbox: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('ts_notification_outbox')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_unique_reference', 'text', (c) =>
        c.notNull().references('ts_tokens.token_unique_reference'),
      )
      .addColumn('token_version', int64, (c) => c.notNull())
      .addColumn('update_json', 'text', (c) => c.notNull())
      .addColumn('attempt_count', int64, (c) => c.notNull())
      .addColumn('next_attempt_at_ms', int64, (c) => c.notNull())
      .addColumn('delivered_at_ms', int64)
      .addColumn('abandoned_at_ms', int64)
      .addColumn('last_error', 'text')
      .addColumn('created_at_ms', int64, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('ts_notification_outbox_due')
      .on('ts_notification_outbox')
      .columns(['next_attempt_at_ms', 'created_at_ms'])
      .where(sql.ref('delivered_at_ms'), 'is', null)
      .execute();
  },
};

const migrations: Record<string, Migration> = {
  '0001_token_service': tokenService,
  '0002_token_notification_outbox': notificationOutbox,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
