// The MPP server's database: @tapkit/storage's openDatabase with this package's schema and migrations.
import {
  openDatabase as openStorage,
  type DbHandle as StorageDbHandle,
  type OpenDatabaseOptions as StorageOpenDatabaseOptions,
} from '@tapkit/storage';
import { migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';

export type { Engine } from '@tapkit/storage';

/** An open database: the Kysely instance, which engine is behind it, and how to close it. */
export type DbHandle = StorageDbHandle<Database>;

export type OpenDatabaseOptions = Pick<
  StorageOpenDatabaseOptions,
  'schema' | 'poolSizeMax' | 'busyTimeoutMs' | 'onConnectionError'
>;

/**
 * Opens the database named by `url` and applies pending migrations.
 * `postgres://` or `postgresql://` → PostgreSQL through a pg Pool; `:memory:`, `sqlite:<path>` or a plain
 * path → SQLite through better-sqlite3.
 */
export function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<DbHandle> {
  return openStorage<Database>(url, { ...options, migrations: migrationProvider });
}
