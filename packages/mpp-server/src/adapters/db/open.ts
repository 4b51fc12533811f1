import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  type DatabaseIntrospector,
  Kysely,
  Migrator,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  type SqliteStatement,
  sql,
} from 'kysely';
import pg from 'pg';
import { migrationProvider } from './migrations.ts';
import type { Database } from './schema.ts';

export type Engine = 'sqlite' | 'postgres';

/** An open database: the Kysely instance, which engine is behind it, and how to close it. */
export interface DbHandle {
  readonly db: Kysely<Database>;
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
    await migrate(
      handle.db,
      handle.engine === 'postgres' ? (options.schema ?? (await currentSchema(handle.db))) : undefined,
    );
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
  // A SUCCESS sent to Alipay+ must survive a power cut, so every commit waits for the disk.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5_000)}`);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingDatabase(sqlite) }) });
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
  const db = new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }) });
  return { db, engine: 'postgres', close: () => db.destroy() };
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

/** The schema unqualified names resolve to (search_path), where the migrations create the tables. */
async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null)
    throw new Error('openDatabase: no current schema (empty search_path?)');
  return schema;
}

async function migrate(db: Kysely<Database>, schema: string | undefined): Promise<void> {
  // The migration bookkeeping tables live in the working schema too; unqualified, Kysely would find them
  // in any other schema of the same database (another Tapkit, a test run) and skip creating its own.
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`openDatabase: migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}
