import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type DbHandle, type Engine, openDatabase } from '../../src/adapters/db/open.ts';

// The storage engines a `*.db.test.ts` file runs against: SQLite always, PostgreSQL when
// TAPKIT_TEST_POSTGRES_URL is set. TAPKIT_TEST_ENGINES=postgres (the `pg` vitest project) keeps only
// PostgreSQL. Each PostgreSQL database gets a fresh schema of its own, dropped on close, so test files
// running in parallel never see each other's rows.

export interface TestEngine {
  readonly name: Engine;
  /** Opens a fresh, migrated, empty database. Close it when done (drops the PostgreSQL schema). */
  open(): Promise<DbHandle>;
  /**
   * A fresh empty database that other processes can open too (a SQLite file, a PostgreSQL schema):
   * the URL and schema to pass to openDatabase, and how to remove it.
   */
  location(): Promise<{ url: string; schema?: string; remove(): Promise<void> }>;
}

const postgresUrl = process.env.TAPKIT_TEST_POSTGRES_URL;
const only = process.env.TAPKIT_TEST_ENGINES;

const sqliteEngine: TestEngine = {
  name: 'sqlite',
  open: () => openDatabase(':memory:'),
  async location() {
    const dir = await mkdtemp(join(tmpdir(), 'tapkit-test-'));
    return { url: join(dir, 'mpp.db'), remove: () => rm(dir, { recursive: true, force: true }) };
  },
};

const postgresEngine = (url: string): TestEngine => ({
  name: 'postgres',
  async open() {
    const schema = `tapkit_test_${randomBytes(8).toString('hex')}`;
    await adminQuery(url, `create schema ${schema}`);
    const handle = await openDatabase(url, { schema, poolSizeMax: 20 });
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
});

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export function testEngines(): TestEngine[] {
  if (postgresUrl === undefined || postgresUrl === '') {
    if (only === 'postgres') throw new Error('TAPKIT_TEST_ENGINES=postgres needs TAPKIT_TEST_POSTGRES_URL');
    console.warn(
      '\n*** TAPKIT_TEST_POSTGRES_URL is not set: storage tests run on SQLite ONLY, PostgreSQL is NOT tested ***\n',
    );
    return [sqliteEngine];
  }
  if (only === 'postgres') return [postgresEngine(postgresUrl)];
  return [sqliteEngine, postgresEngine(postgresUrl)];
}
