// A copy of packages/mpp-server/src/adapters/db/open.ts with this package's schema and migrations, same
// API shape, until the lead extracts the shared storage package.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  Kysely,
  Migrator,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.ts';
import type { MastercardDatabase } from './schema.ts';

export type Engine = 'sqlite' | 'postgres';

/** An open database: the Kysely instance, which engine is behind it, and how to close it. */
export interface DbHandle {
  readonly db: Kysely<MastercardDatabase>;
  readonly engine: Engine;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL only: the schema to work in (search_path). Tests use one schema per file. */
  schema?: string;
  /** PostgreSQL pool size. */
  poolSizeMax?: number;
  /** SQLite: how long a writer waits for a lock held by another process. */
  busyTimeoutMs?: number;
}

const int8Oid = 20;
const statementCacheSizeMax = 500;
const schemaNamePattern = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens the database named by `url` and applies pending migrations.
 * `postgres://` or `postgresql://` → PostgreSQL through a pg Pool; `:memory:`, `sqlite:<path>` or a plain
 * path → SQLite through better-sqlite3.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<DbHandle> {
  const handle = /^postgres(ql)?:\/\//.test(url) ? openPostgres(url, options) : openSqlite(url, options);
  try {
    await migrate(handle.db, handle.engine === 'postgres' ? options.schema : undefined);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

function sqlitePath(url: string): string {
  if (url.startsWith('sqlite://')) return url.slice('sqlite://'.length);
  if (url.startsWith('sqlite:')) return url.slice('sqlite:'.length);
  return url;
}

function openSqlite(url: string, options: OpenDatabaseOptions): DbHandle {
  const path = sqlitePath(url);
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path === '' ? ':memory:' : path);
  sqlite.defaultSafeIntegers(true);
  sqlite.pragma('journal_mode = WAL');
  // An ATC high-water mark must survive a power cut (a reused ATC breaks the card), so every commit
  // waits for the disk.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
  const db = new Kysely<MastercardDatabase>({
    dialect: new SqliteDialect({ database: cachingDatabase(sqlite) }),
  });
  return { db, engine: 'sqlite', close: () => db.destroy() };
}

/**
 * Kysely prepares every query afresh; better-sqlite3 statements are reusable, so keep the compiled ones
 * (the hot paths use a handful of distinct SQL texts). Bounded: the oldest entry goes when it is full.
 */
function cachingDatabase(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare: (sqlText: string) => {
      const cached = statements.get(sqlText);
      if (cached !== undefined) return cached;
      const statement = sqlite.prepare(sqlText) as unknown as SqliteStatement;
      if (statements.size >= statementCacheSizeMax) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      statements.set(sqlText, statement);
      return statement;
    },
  };
}

function openPostgres(url: string, options: OpenDatabaseOptions): DbHandle {
  const schema = options.schema;
  if (schema !== undefined && !schemaNamePattern.test(schema)) {
    throw new Error(`openDatabase: invalid schema name ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSizeMax ?? 10,
    // Money and times are int8; pg would hand them back as strings. Parse them as bigint, per pool
    // rather than through the global pg.types, so other users of pg in the process are not affected.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === int8Oid ? (value: string) => BigInt(value) : pg.types.getTypeParser(oid, format)) as never,
    },
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  const db = new Kysely<MastercardDatabase>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: 'postgres', close: () => db.destroy() };
}

async function migrate(db: Kysely<MastercardDatabase>, schema: string | undefined): Promise<void> {
  // With a schema, the migration bookkeeping tables live in it too; otherwise Kysely could find them in
  // another schema of the same database and skip creating its own.
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    // Own bookkeeping tables: the network keeps its own, and a database shared with another party's
    // Kysely migrations (one PostgreSQL schema for everything) must not mix the lists.
    migrationTableName: 'ts_migration',
    migrationLockTableName: 'ts_migration_lock',
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (error === undefined) return;
    // Kysely's table introspection reads every schema of the database; a schema dropped meanwhile by
    // another user of the database (parallel test files do it all the time) fails that read with
    // 3F000 undefined_schema although ours is fine. A second look no longer sees the dropped schema.
    if (attempt < migrateAttemptsMax && (error as { code?: unknown }).code === pgUndefinedSchema) continue;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`openDatabase: migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}

const pgUndefinedSchema = '3F000';
const migrateAttemptsMax = 4;
