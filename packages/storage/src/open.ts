import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import {
  type DatabaseIntrospector,
  Kysely,
  type MigrationProvider,
  Migrator,
  PostgresAdapter,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
  sql,
} from 'kysely';
import type pg from 'pg';
import { loadDriver } from './driver.ts';

// The one way every Tapkit party opens its database: SQLite (embedded default) or PostgreSQL
// (scale-out) behind the same Kysely query layer, with the party's migrations applied on open.

type PgDriver = typeof pg;
type SqliteDriver = typeof BetterSqlite3;

export type Engine = 'sqlite' | 'postgres';

/**
 * The driver behind the Kysely instance, for the few hot paths that run their own prepared statements
 * instead of building a query per request (the MPP's pay). Statements run here bypass Kysely: on SQLite
 * they share its one connection (run them only inside a transaction Kysely holds, or alone), on
 * PostgreSQL each pool.query is its own transaction unless it runs on a checked-out client.
 */
export type NativeDriver =
  | { readonly engine: 'sqlite'; readonly database: BetterSqlite3.Database }
  | { readonly engine: 'postgres'; readonly pool: pg.Pool };

/** An open database: the Kysely instance, which engine is behind it, and how to close it. */
export interface DbHandle<Schema> {
  readonly db: Kysely<Schema>;
  readonly engine: Engine;
  readonly native: NativeDriver;
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
  /**
   * PostgreSQL only: the schema to work in (search_path), created on open if it does not exist yet, so
   * several parties can share one database each in its own schema (`tapkit up --db postgres://...`).
   */
  schema?: string;
  /** PostgreSQL pool size. */
  poolSizeMax?: number;
  /** SQLite: how long a writer waits for a lock held by another process. */
  busyTimeoutMs?: number;
  /**
   * PostgreSQL: told about every lost connection (terminated backend, failover, server restart). The
   * error is handled either way: only the queries on that connection fail, the process stays up.
   */
  onConnectionError?: (error: Error) => void;
  /** PostgreSQL: how long acquiring a new connection may take before the query fails. */
  connectTimeoutMs?: number;
}

const int8Oid = 20;
/** (tapkit) A database that does not accept a connection within 5 s is treated as unreachable. */
const connectTimeoutMsDefault = 5_000;
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
  const handle = isPostgresUrl(url)
    ? openPostgres<Schema>(await loadDriver<PgDriver>('pg'), url, options)
    : openSqlite<Schema>(await loadDriver<SqliteDriver>('better-sqlite3'), url, options);
  try {
    if (handle.engine === 'postgres' && options.schema !== undefined)
      await ensureSchema(handle.db, options.schema);
    await migrateToLatest(handle.db, options);
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

function openSqlite<Schema>(
  BetterSqlite3: SqliteDriver,
  url: string,
  options: OpenDatabaseOptions,
): DbHandle<Schema> {
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
  return { db, engine: 'sqlite', native: { engine: 'sqlite', database: sqlite }, close: () => db.destroy() };
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
      const statement = integerBinding(sqlite.prepare(sqlText) as unknown as SqliteStatement);
      if (statements.size >= statementCacheSizeMax) {
        const oldest = statements.keys().next().value;
        if (oldest !== undefined) statements.delete(oldest);
      }
      statements.set(sqlText, statement);
      return statement;
    },
  };
}

/**
 * better-sqlite3 binds every JavaScript number as a REAL; a whole number is bound as a 64-bit integer
 * instead, so what is written is exactly what safeIntegers reads back (bigint in, bigint out).
 */
function integerBinding(statement: SqliteStatement): SqliteStatement {
  const bind = (parameters: ReadonlyArray<unknown>): unknown[] =>
    parameters.map((value) =>
      typeof value === 'number' && Number.isSafeInteger(value) ? BigInt(value) : value,
    );
  return {
    reader: statement.reader,
    all: (parameters) => statement.all(bind(parameters)),
    run: (parameters) => statement.run(bind(parameters)),
    iterate: (parameters) => statement.iterate(bind(parameters)),
  };
}

function openPostgres<Schema>(pg: PgDriver, url: string, options: OpenDatabaseOptions): DbHandle<Schema> {
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
    connectionTimeoutMillis: options.connectTimeoutMs ?? connectTimeoutMsDefault,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  handleConnectionErrors(pool, options.onConnectionError ?? (() => undefined));
  const db = new Kysely<Schema>({ dialect: new SchemaScopedPostgresDialect({ pool }) });
  return { db, engine: 'postgres', native: { engine: 'postgres', pool }, close: () => db.destroy() };
}

/**
 * A pg Pool or Client without an `error` listener turns a lost connection into an uncaught exception,
 * which ends the process. The pool emits it for idle connections; a connection checked out by Kysely
 * (between two queries of a transaction) emits it on the client, which Kysely does not listen to. So every
 * client gets a listener for its whole life: the query in flight (or the next one) fails, the transaction
 * rolls back, the broken client is discarded, and the pool opens a fresh one for the next request.
 */
function handleConnectionErrors(pool: pg.Pool, onError: (error: Error) => void): void {
  pool.on('error', (error) => onError(error));
  pool.on('connect', (client) => {
    client.on('error', (error) => onError(error));
  });
}

/**
 * Kysely's Migrator asks the introspector whether its bookkeeping tables exist. The stock PostgreSQL
 * introspector reads every table and column of every schema, which fails when another process drops a
 * schema at that moment (parallel test files do, one schema each). This one reads plain catalog rows of
 * the current schema only.
 */
class SchemaScopedPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return {
      async getSchemas() {
        const { rows } = await sql<{
          name: string;
        }>`select nspname as name from pg_catalog.pg_namespace`.execute(db);
        return rows;
      },
      async getTables() {
        const { rows } = await sql<{ name: string; schema: string; kind: string }>`
          select c.relname as name, n.nspname as schema, c.relkind as kind
          from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v')`.execute(db);
        return rows.map((row) => ({
          name: row.name,
          schema: row.schema,
          isView: row.kind === 'v',
          columns: [],
        }));
      },
      async getMetadata() {
        return { tables: await this.getTables() };
      },
    };
  }
}

/**
 * Creates the working schema if it is missing. Two processes opening the same new schema at once (two MPP
 * instances starting together) can both pass IF NOT EXISTS and one then fails on the catalog's unique
 * index; the schema exists by then, which is all that is asked, so that error is taken as success.
 */
async function ensureSchema<Schema>(db: Kysely<Schema>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    if ((error as { code?: unknown }).code !== pgUniqueViolation) throw error;
  }
}

/** The schema unqualified names resolve to (search_path), where the migrations create the tables. */
async function currentSchema<Schema>(db: Kysely<Schema>): Promise<string> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null)
    throw new Error('openDatabase: no current schema (empty search_path?)');
  return schema;
}

/** What migrateToLatest needs: the migrations and, for parties sharing a database, their own table. */
export type MigrateOptions = Pick<OpenDatabaseOptions, 'migrations' | 'migrationTableName' | 'schema'>;

/**
 * The one migration runner of every party: applies the pending migrations of `options.migrations` in
 * name order (Kysely's Migrator, serialised across processes by its lock table), or throws naming the
 * migration that failed. openDatabase calls it on open; a party that opens its Kysely instance another
 * way (a test's own dialect, a second set of tables in a shared database) calls it directly.
 */
export async function migrateToLatest<Schema>(db: Kysely<Schema>, options: MigrateOptions): Promise<void> {
  const isPostgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const schema = isPostgres ? (options.schema ?? (await currentSchema(db))) : undefined;
  // On PostgreSQL the migration bookkeeping tables live in the working schema too; unqualified, Kysely
  // would find them in any other schema of the same database (another Tapkit, a test run) and skip
  // creating its own.
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
    // Belt and braces: the schema-scoped introspector above no longer reads other schemas, but should a
    // schema dropped meanwhile by another user of the database (parallel test files drop theirs all the
    // time) still fail a catalog read with 3F000 undefined_schema, a second look no longer sees it.
    if (attempt < migrateAttemptsMax && (error as { code?: unknown }).code === pgUndefinedSchema) continue;
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`openDatabase: migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}

const pgUndefinedSchema = '3F000';
const pgUniqueViolation = '23505';
const migrateAttemptsMax = 4;
