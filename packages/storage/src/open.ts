import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  Kysely,
  type MigrationProvider,
  Migrator,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
} from 'kysely';
import pg from 'pg';

// The one way every Tapkit party opens its database: SQLite (embedded default) or PostgreSQL
// (scale-out) behind the same Kysely query layer, with the party's migrations applied on open.

export type Engine = 'sqlite' | 'postgres';

/** An open database: the Kysely instance, which engine is behind it, and how to close it. */
export interface DbHandle<Schema> {
  readonly db: Kysely<Schema>;
  readonly engine: Engine;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** The party's migrations, applied in name order on open. */
  migrations: MigrationProvider;
  /**
   * Name of the migration bookkeeping table. Parties that share one database (`tapkit up` on PostgreSQL)
   * each need their own, or one party's migrator would see the other's migrations as unknown.
   */
  migrationTableName?: string;
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

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * Opens the database named by `url` and applies pending migrations.
 * `postgres://` or `postgresql://` → PostgreSQL through a pg Pool; `:memory:`, `sqlite:<path>` or a plain
 * path → SQLite through better-sqlite3.
 */
export async function openDatabase<Schema>(
  url: string,
  options: OpenDatabaseOptions,
): Promise<DbHandle<Schema>> {
  const handle = isPostgresUrl(url) ? openPostgres<Schema>(url, options) : openSqlite<Schema>(url, options);
  try {
    await migrate(handle.db, options, handle.engine === 'postgres' ? options.schema : undefined);
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

function openSqlite<Schema>(url: string, options: OpenDatabaseOptions): DbHandle<Schema> {
  const path = sqlitePath(url);
  if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new BetterSqlite3(path === '' ? ':memory:' : path);
  // Money and times are 64-bit; JavaScript numbers would silently round them.
  sqlite.defaultSafeIntegers(true);
  sqlite.pragma('journal_mode = WAL');
  // A SUCCESS sent to a peer must survive a power cut, so every commit waits for the disk.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
  const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: cachingDatabase(sqlite) }) });
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

function openPostgres<Schema>(url: string, options: OpenDatabaseOptions): DbHandle<Schema> {
  const schema = options.schema;
  if (schema !== undefined && !schemaNamePattern.test(schema)) {
    throw new Error(`openDatabase: invalid schema name ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSizeMax ?? 10,
    // int8 columns come back as strings from pg; parse them as bigint, per pool rather than through the
    // global pg.types, so other users of pg in the process are not affected.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === int8Oid ? (value: string) => BigInt(value) : pg.types.getTypeParser(oid, format)) as never,
    },
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
  return { db, engine: 'postgres', close: () => db.destroy() };
}

async function migrate<Schema>(
  db: Kysely<Schema>,
  options: OpenDatabaseOptions,
  schema: string | undefined,
): Promise<void> {
  // With a schema, the migration bookkeeping tables live in it too; otherwise Kysely could find them in
  // another schema of the same database and skip creating its own.
  const migrator = new Migrator({
    db,
    provider: options.migrations,
    ...(options.migrationTableName === undefined
      ? {}
      : {
          migrationTableName: options.migrationTableName,
          migrationLockTableName: `${options.migrationTableName}_lock`,
        }),
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
