import { migrateToLatest } from '@tapkit/storage';
import type { Kysely, Migration, MigrationProvider } from 'kysely';

// The network's tables. They and the migration bookkeeping carry their own names
// (mastercard_network_*), so the network can share a database with the token service's tables.

export interface NetworkAtcTable {
  token_unique_reference: string;
  atc: number | bigint;
  seen_at_ms: number | bigint;
}

export interface NetworkAuthorizationTable {
  network_trace_id: string;
  acquirer_key: string;
  /** The entry as JSON (amounts as strings); the two keys above are the only things queried. */
  entry_json: string;
}

export interface NetworkAdviceTable {
  advice_id: string;
  /** The ISO 8583:1987 message, hex. It never holds a PAN: advices go to the issuer, PAN-free. */
  message_hex: string;
  created_at_ms: number | bigint;
  attempt_count: number | bigint;
  acknowledged_at_ms: number | bigint | null;
}

export interface NetworkExpiryTable {
  network_trace_id: string;
  type: string;
  authorized_at_ms: number | bigint;
  expires_at_ms: number | bigint;
  increment_count: number | bigint;
}

export interface NetworkClearingSubmissionTable {
  record_id: string;
  submitted_at_ms: number | bigint;
  /** The presentment record as JSON (amount as a string). */
  record_json: string;
  /** The clearing file the record went into; null while it waits for the end of the day. */
  file_id: string | null;
}

export interface NetworkDatabase {
  mastercard_network_clearing_submission: NetworkClearingSubmissionTable;
  mastercard_network_expiry: NetworkExpiryTable;
  mastercard_network_atc: NetworkAtcTable;
  mastercard_network_authorization: NetworkAuthorizationTable;
  mastercard_network_advice: NetworkAdviceTable;
}

type NetworkMigration = (db: Kysely<unknown>) => Promise<void>;

/** In order; a name is never reused or changed once shipped. */
const migrations: ReadonlyArray<readonly [string, NetworkMigration]> = [
  [
    '0001_network_atc',
    async (db) => {
      await db.schema
        .createTable('mastercard_network_atc')
        .ifNotExists()
        .addColumn('token_unique_reference', 'text', (column) => column.notNull())
        .addColumn('atc', 'integer', (column) => column.notNull())
        .addColumn('seen_at_ms', 'bigint', (column) => column.notNull())
        // The primary key is the replay check: a second insert of the same (token, ATC) does nothing.
        .addPrimaryKeyConstraint('mastercard_network_atc_pk', ['token_unique_reference', 'atc'])
        .execute();
    },
  ],
  [
    '0002_network_authorization_advice',
    async (db) => {
      await db.schema
        .createTable('mastercard_network_authorization')
        .ifNotExists()
        .addColumn('network_trace_id', 'text', (column) => column.primaryKey())
        .addColumn('acquirer_key', 'text', (column) => column.notNull())
        .addColumn('entry_json', 'text', (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex('mastercard_network_authorization_acquirer_key')
        .ifNotExists()
        .on('mastercard_network_authorization')
        .column('acquirer_key')
        .execute();
      await db.schema
        .createTable('mastercard_network_advice')
        .ifNotExists()
        .addColumn('advice_id', 'text', (column) => column.primaryKey())
        .addColumn('message_hex', 'text', (column) => column.notNull())
        .addColumn('created_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('attempt_count', 'integer', (column) => column.notNull())
        .addColumn('acknowledged_at_ms', 'bigint')
        .execute();
    },
  ],
  [
    '0003_network_expiry',
    async (db) => {
      // Only open authorizations have a row: clearing, reversal and expiry delete it.
      await db.schema
        .createTable('mastercard_network_expiry')
        .ifNotExists()
        .addColumn('network_trace_id', 'text', (column) => column.primaryKey())
        .addColumn('type', 'text', (column) => column.notNull())
        .addColumn('authorized_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('expires_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('increment_count', 'integer', (column) => column.notNull())
        .execute();
      await db.schema
        .createIndex('mastercard_network_expiry_expires_at')
        .ifNotExists()
        .on('mastercard_network_expiry')
        .column('expires_at_ms')
        .execute();
    },
  ],
  [
    '0004_network_clearing_submission',
    async (db) => {
      await db.schema
        .createTable('mastercard_network_clearing_submission')
        .ifNotExists()
        .addColumn('record_id', 'text', (column) => column.primaryKey())
        .addColumn('submitted_at_ms', 'bigint', (column) => column.notNull())
        .addColumn('record_json', 'text', (column) => column.notNull())
        .addColumn('file_id', 'text')
        .execute();
      await db.schema
        .createIndex('mastercard_network_clearing_submission_pending')
        .ifNotExists()
        .on('mastercard_network_clearing_submission')
        .columns(['file_id', 'submitted_at_ms', 'record_id'])
        .execute();
    },
  ],
];

/** The network's migrations for the storage runner (Kysely's Migrator), in name order. */
export const NETWORK_MIGRATIONS: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return Object.fromEntries(migrations.map(([name, up]) => [name, { up }]));
  },
};

/**
 * Own bookkeeping tables: the network shares a database with the token service, whose migrations are
 * recorded in ts_migration. (Before the storage runner, the network recorded its migrations in
 * mastercard_network_migration; every migration here creates only what is missing, so a database from
 * then is adopted by running them again once.)
 */
const NETWORK_MIGRATION_TABLE = 'mastercard_network_schema_migration';

/** Applies the network's pending migrations through @tapkit/storage's runner; idempotent. */
export async function migrateNetworkSchema(db: Kysely<unknown>): Promise<void> {
  await migrateToLatest(db, { migrations: NETWORK_MIGRATIONS, migrationTableName: NETWORK_MIGRATION_TABLE });
}
