// The token service's database: @tapkit/storage's openDatabase with this package's schema and migrations.
import {
  openDatabase as openStorage,
  type DbHandle as StorageDbHandle,
  type OpenDatabaseOptions as StorageOpenDatabaseOptions,
} from '@tapkit/storage';
import { migrationProvider } from './migrations.ts';
import type { MastercardDatabase } from './schema.ts';

export type { Engine } from '@tapkit/storage';

/** An open database: the Kysely instance, which engine is behind it, and how to close it. */
export type DbHandle = StorageDbHandle<MastercardDatabase>;

export type OpenDatabaseOptions = Pick<
  StorageOpenDatabaseOptions,
  'schema' | 'poolSizeMax' | 'busyTimeoutMs'
>;

// Own bookkeeping tables (ts_migration, ts_migration_lock): the network keeps its own, and a database
// shared with another party's Kysely migrations (one PostgreSQL schema for everything) must not mix the
// lists. The names must stay: existing databases record their migrations there.
const migrationTableName = 'ts_migration';

/**
 * Opens the database named by `url` and applies pending migrations.
 * `postgres://` or `postgresql://` → PostgreSQL through a pg Pool; `:memory:`, `sqlite:<path>` or a plain
 * path → SQLite through better-sqlite3.
 */
export function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<DbHandle> {
  return openStorage<MastercardDatabase>(url, {
    ...options,
    migrations: migrationProvider,
    migrationTableName,
  });
}
