import { randomBytes } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { migrateNetworkSchema } from '../../src/network/adapters/migrations.ts';

// The engines the network's storage tests run on, after packages/mpp-server/tests/support/engines.ts:
// SQLite always, PostgreSQL when TAPKIT_TEST_POSTGRES_URL is set, PostgreSQL alone when
// TAPKIT_TEST_ENGINES=postgres. Each PostgreSQL database lives in a fresh schema, dropped on close.

export interface NetworkTestDb {
  readonly db: Kysely<unknown>;
  close(): Promise<void>;
}

export interface NetworkTestEngine {
  readonly name: 'sqlite' | 'postgres';
  open(): Promise<NetworkTestDb>;
}

const postgresUrl = process.env.TAPKIT_TEST_POSTGRES_URL;
const only = process.env.TAPKIT_TEST_ENGINES;

const sqliteEngine: NetworkTestEngine = {
  name: 'sqlite',
  async open() {
    const sqlite = new BetterSqlite3(':memory:');
    sqlite.defaultSafeIntegers(true);
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
    await migrateNetworkSchema(db);
    return { db, close: () => db.destroy() };
  },
};

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

const postgresEngine = (url: string): NetworkTestEngine => ({
  name: 'postgres',
  async open() {
    const schema = `tapkit_mc_test_${randomBytes(8).toString('hex')}`;
    await adminQuery(url, `create schema ${schema}`);
    const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${schema}` });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    await migrateNetworkSchema(db);
    return {
      db,
      async close() {
        await db.destroy();
        await adminQuery(url, `drop schema ${schema} cascade`);
      },
    };
  },
});

export function networkTestEngines(): NetworkTestEngine[] {
  if (postgresUrl === undefined || postgresUrl === '') {
    if (only === 'postgres') throw new Error('TAPKIT_TEST_ENGINES=postgres needs TAPKIT_TEST_POSTGRES_URL');
    console.warn('\n*** TAPKIT_TEST_POSTGRES_URL is not set: network storage tests run on SQLite ONLY ***\n');
    return [sqliteEngine];
  }
  if (only === 'postgres') return [postgresEngine(postgresUrl)];
  return [sqliteEngine, postgresEngine(postgresUrl)];
}
