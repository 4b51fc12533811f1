import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '@tapkit/protocol';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/adapters/db/ledger-repository.ts';
import { openDatabase } from '../src/adapters/db/open.ts';
import type { Database } from '../src/adapters/db/schema.ts';
import { createCustomer, topUp } from '../src/customers.ts';
import { testEngines } from './support/engines.ts';

describe.each(testEngines())('openDatabase on $name', (engine) => {
  it('hands back 64-bit integers as bigint, exactly', async () => {
    const store = await engine.open();
    try {
      const big = 9_223_372_036_854_775_000n;
      await store.db
        .insertInto('customers')
        .values({ id: 'C1', status: 'ACTIVE', created_at_ms: big, updated_at_ms: 1 })
        .execute();
      const row = await store.db.selectFrom('customers').selectAll().executeTakeFirstOrThrow();
      expect(row.created_at_ms).toBe(big);
      expect(row.updated_at_ms).toBe(1n);
    } finally {
      await store.close();
    }
  });

  it('migrates once: opening the same database again changes nothing', async () => {
    const location = await engine.location();
    try {
      const options = location.schema ? { schema: location.schema } : {};
      const first = await openDatabase(location.url, options);
      await first.db
        .insertInto('customers')
        .values({ id: 'C1', status: 'ACTIVE', created_at_ms: 1, updated_at_ms: 1 })
        .execute();
      await first.close();
      const second = await openDatabase(location.url, options);
      const rows = await second.db.selectFrom('customers').select('id').execute();
      expect(rows).toEqual([{ id: 'C1' }]);
      await second.close();
    } finally {
      await location.remove();
    }
  });
});

// SQLite-only by nature; the `pg` project (TAPKIT_TEST_ENGINES=postgres) tests PostgreSQL alone.
describe.skipIf(process.env.TAPKIT_TEST_ENGINES === 'postgres')('openDatabase on a SQLite file', () => {
  it('accepts sqlite: URLs, creates the directory and sets the durability pragmas', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tapkit-open-'));
    try {
      const store = await openDatabase(`sqlite:${join(dir, 'nested', 'mpp.db')}`);
      const pragma = async (name: string) => {
        const row = (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(store.db)).rows[0];
        return row === undefined ? undefined : Object.values(row)[0];
      };
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(2n); // FULL
      expect(await pragma('foreign_keys')).toBe(1n);
      expect(await pragma('busy_timeout')).toBe(5000n);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// Migration 0003 rebuilds every SQLite table with CHECK(typeof(col) = 'integer'); a database written by
// 0001-0002 keeps its rows, indexes and foreign keys through it.
describe.skipIf(process.env.TAPKIT_TEST_ENGINES === 'postgres')(
  'migration 0003 on an existing SQLite file',
  () => {
    it('keeps the rows and adds the integer checks', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tapkit-0003-'));
      try {
        const path = join(dir, 'mpp.db');
        const { openDatabase: openStorage } = await import('@tapkit/storage');
        const { migrations } = await import('../src/adapters/db/migrations.ts');
        const early = await openStorage<Database>(path, {
          migrations: {
            getMigrations: async () => ({
              '0001_initial': migrations['0001_initial']!,
              '0002_system_accounts_derive_balance': migrations['0002_system_accounts_derive_balance']!,
            }),
          },
        });
        await createCustomer({ store: early, clock: systemClock }, { customerId: 'C1', currencies: ['HKD'] });
        await topUp(
          { store: early, clock: systemClock },
          { topupRequestId: 'T1', customerId: 'C1', amount: { currency: 'HKD', value: 1234n } },
        );
        await early.close();
        const store = await openDatabase(path);
        const wallet = await store.db
          .selectFrom('accounts')
          .select('balance_minor')
          .where('id', '=', 'C:HKD:C1')
          .executeTakeFirst();
        expect(wallet?.balance_minor).toBe(1234n);
        expect((await checkInvariants(store.db, store.engine)).ok).toBe(true);
        const indexes = await sql<{
          name: string;
        }>`select name from sqlite_master where type = 'index' and name = 'postings_account'`.execute(
          store.db,
        );
        expect(indexes.rows).toHaveLength(1);
        await expect(
          sql`update accounts set balance_minor = 1.5 where id = 'C:HKD:C1'`.execute(store.db),
        ).rejects.toThrow(/CHECK/);
        await expect(
          sql`insert into postings (transfer_id, leg, account_id, currency, amount_minor) values ('nope', 0, 'nope', 'HKD', 1)`.execute(
            store.db,
          ),
        ).rejects.toThrow(/FOREIGN KEY/);
        await store.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  },
);
