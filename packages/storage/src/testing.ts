import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MigrationProvider } from 'kysely';
import type pg from 'pg';
import { loadDriver } from './driver.ts';
import { type DbHandle, type Engine, type OpenDatabaseOptions, openDatabase } from './open.ts';

export type EngineOptions = Pick<OpenDatabaseOptions, 'migrations' | 'migrationTableName'> & {
  /** File name of the SQLite database `location()` creates in a fresh temporary directory. */
  sqliteFileName?: string;
};

// The storage engines a `*.db.test.ts` file runs against: SQLite always, PostgreSQL when
// TAPKIT_TEST_POSTGRES_URL is set. TAPKIT_TEST_ENGINES=postgres (the `pg` vitest project) keeps only
// PostgreSQL. Each PostgreSQL database gets a fresh schema of its own, dropped on close, so test files
// running in parallel never see each other's rows.

/** Where a database lives, for openDatabase in this or another process, and how to remove it. */
export interface TestLocation {
  readonly url: string;
  readonly schema?: string;
  remove(): Promise<void>;
}

export interface TestEngine<Schema> {
  readonly name: Engine;
  /** Opens a fresh, migrated, empty database. Close it when done (drops the PostgreSQL schema). */
  open(): Promise<DbHandle<Schema>>;
  /**
   * A fresh empty database that other processes can open too (a SQLite file, a PostgreSQL schema):
   * the URL and schema to pass to openDatabase, and how to remove it.
   */
  location(): Promise<TestLocation>;
}

// pg is an optional peer: it is loaded only when a PostgreSQL engine runs, so a SQLite-only install can
// import this module.
async function adminQuery(url: string, text: string): Promise<void> {
  const driver = await loadDriver<typeof pg>('pg');
  const client = new driver.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

function openOptions(options: EngineOptions): Pick<OpenDatabaseOptions, 'migrations' | 'migrationTableName'> {
  return {
    migrations: options.migrations,
    ...(options.migrationTableName === undefined ? {} : { migrationTableName: options.migrationTableName }),
  };
}

function sqliteEngine<Schema>(options: EngineOptions): TestEngine<Schema> {
  return {
    name: 'sqlite',
    open: () => openDatabase<Schema>(':memory:', openOptions(options)),
    async location() {
      const dir = await mkdtemp(join(tmpdir(), 'tapkit-test-'));
      const url = join(dir, options.sqliteFileName ?? 'db.sqlite');
      return { url, remove: () => rm(dir, { recursive: true, force: true }) };
    },
  };
}

function postgresEngine<Schema>(url: string, options: EngineOptions): TestEngine<Schema> {
  return {
    name: 'postgres',
    async open() {
      const schema = `tapkit_test_${randomBytes(8).toString('hex')}`;
      await adminQuery(url, `create schema ${schema}`);
      const handle = await openDatabase<Schema>(url, { ...openOptions(options), schema, poolSizeMax: 20 });
      return {
        ...handle,
        async close() {
          await handle.close();
          await adminQuery(url, `drop schema ${schema} cascade`);
        },
      };
    },
    async location() {
      const schema = `tapkit_test_${randomBytes(8).toString('hex')}`;
      await adminQuery(url, `create schema ${schema}`);
      return { url, schema, remove: () => adminQuery(url, `drop schema ${schema} cascade`) };
    },
  };
}

/** The engines to test: pass the party's migrations (and its bookkeeping table name, if it has one). */
export function testEngines<Schema>(
  migrationsOrOptions: MigrationProvider | EngineOptions,
): TestEngine<Schema>[] {
  const options: EngineOptions =
    'getMigrations' in migrationsOrOptions ? { migrations: migrationsOrOptions } : migrationsOrOptions;
  const postgresUrl = process.env.TAPKIT_TEST_POSTGRES_URL;
  const only = process.env.TAPKIT_TEST_ENGINES;
  if (postgresUrl === undefined || postgresUrl === '') {
    if (only === 'postgres') throw new Error('TAPKIT_TEST_ENGINES=postgres needs TAPKIT_TEST_POSTGRES_URL');
    console.warn(
      '\n*** TAPKIT_TEST_POSTGRES_URL is not set: storage tests run on SQLite ONLY, PostgreSQL is NOT tested ***\n',
    );
    return [sqliteEngine(options)];
  }
  if (only === 'postgres') return [postgresEngine(postgresUrl, options)];
  return [sqliteEngine(options), postgresEngine(postgresUrl, options)];
}
