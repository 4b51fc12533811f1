import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type DbHandle, openDatabase } from './open.ts';
import { testEngines } from './testing.ts';

interface Schema {
  money: { id: string; amount_minor: bigint };
}

const createMoney: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('money')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('amount_minor', 'bigint', (c) => c.notNull())
      .execute();
  },
};
const migrations: MigrationProvider = { getMigrations: async () => ({ '0001_money': createMoney }) };

describe.each(testEngines<Schema>(migrations))('openDatabase on $name', (engine) => {
  let handle: DbHandle<Schema> | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });

  it('applies the migrations and keeps 64-bit money exact as bigint', async () => {
    handle = await engine.open();
    const int64Max = 9_223_372_036_854_775_807n;
    await handle.db.insertInto('money').values({ id: 'a', amount_minor: int64Max }).execute();
    const row = await handle.db.selectFrom('money').selectAll().executeTakeFirstOrThrow();
    expect(row.amount_minor).toBe(int64Max);
    expect(typeof row.amount_minor).toBe('bigint');
  });

  it('creates the migrated tables', async () => {
    handle = await engine.open();
    const tables = await handle.db.introspection.getTables();
    expect(tables.map((t) => t.name)).toContain('money');
  });

  it('keeps its migration bookkeeping under the table name it is given', async () => {
    const [named] = testEngines<Schema>({ migrations, migrationTableName: 'xy_migration' }).filter(
      (e) => e.name === engine.name,
    );
    handle = await named!.open();
    const done = await sql<{ name: string }>`select name from xy_migration`.execute(handle.db);
    const locks = await sql<{ id: string }>`select id from xy_migration_lock`.execute(handle.db);
    expect(done.rows.map((r) => r.name)).toEqual(['0001_money']);
    expect(locks.rows).toHaveLength(1);
  });

  // Kysely's stock PostgreSQL introspector lists the tables of every schema, so the Migrator failed with
  // 3F000 whenever a parallel test file dropped its schema mid-read; ours must see its own schema only.
  it.runIf(engine.name === 'postgres')('introspects only its own schema', async () => {
    handle = await engine.open();
    const other = await engine.open();
    try {
      await sql`create table elsewhere (id text)`.execute(other.db);
      const tables = await handle.db.introspection.getTables();
      expect(tables.map((t) => t.name).sort()).toEqual([
        'kysely_migration',
        'kysely_migration_lock',
        'money',
      ]);
    } finally {
      await other.close();
    }
  });
});

const postgresUrl = process.env.TAPKIT_TEST_POSTGRES_URL;

describe.runIf(postgresUrl !== undefined && postgresUrl !== '')('openDatabase schemas on PostgreSQL', () => {
  const dropSchema = async (schema: string) => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      await client.query(`drop schema if exists ${schema} cascade`);
    } finally {
      await client.end();
    }
  };

  // `tapkit up --db postgres://...` gives every party a schema of its own in one database; nobody creates
  // them beforehand, and two MPP instances starting together open the same new schema at the same time.
  it('creates a missing schema, also when several processes open it at once', async () => {
    const schema = `tapkit_test_${randomBytes(8).toString('hex')}`;
    const url = postgresUrl as string;
    try {
      const handles = await Promise.all(
        Array.from({ length: 4 }, () => openDatabase<Schema>(url, { migrations, schema })),
      );
      try {
        await handles[0]!.db.insertInto('money').values({ id: 'a', amount_minor: 5n }).execute();
        const seen = await handles[3]!.db.selectFrom('money').selectAll().execute();
        expect(seen).toEqual([{ id: 'a', amount_minor: 5n }]);
        const where = await sql<{ schema: string }>`select current_schema() as schema`.execute(
          handles[1]!.db,
        );
        expect(where.rows[0]?.schema).toBe(schema);
      } finally {
        await Promise.all(handles.map((h) => h.close()));
      }
    } finally {
      await dropSchema(schema);
    }
  });
});

describe('openDatabase on a SQLite file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('uses WAL and synchronous=FULL, and reopening keeps the data without re-running migrations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapkit-storage-'));
    dirs.push(dir);
    const path = join(dir, 'db.sqlite');
    const first = await openDatabase<Schema>(path, { migrations });
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(first.db);
    const sync = await sql<{ synchronous: bigint }>`pragma synchronous`.execute(first.db);
    await first.db.insertInto('money').values({ id: 'kept', amount_minor: 1n }).execute();
    await first.close();
    const second = await openDatabase<Schema>(path, { migrations });
    const rows = await second.db.selectFrom('money').selectAll().execute();
    await second.close();
    expect(mode.rows[0]?.journal_mode).toBe('wal');
    expect(sync.rows[0]?.synchronous).toBe(2n);
    expect(rows).toEqual([{ id: 'kept', amount_minor: 1n }]);
  });
});
