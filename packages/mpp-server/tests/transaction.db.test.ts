import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { createTxRunner } from '../src/adapters/db/transaction.ts';
import { testEngines } from './support/engines.ts';

describe.each(testEngines())('transaction runner on $name', (engine) => {
  let store: DbHandle;

  beforeEach(async () => {
    store = await engine.open();
  });

  afterEach(async () => {
    await store.close();
  });

  const insertCustomer = (id: string) => ({
    id,
    status: 'ACTIVE' as const,
    created_at_ms: 1,
    updated_at_ms: 1,
  });

  it('commits units that arrive together, and rolls back only the unit that failed', async () => {
    const inTx = createTxRunner(store);
    const results = await Promise.allSettled([
      inTx(async (tx) => {
        await tx.insertInto('customers').values(insertCustomer('A')).execute();
        return 'a';
      }),
      inTx(async (tx) => {
        await tx.insertInto('customers').values(insertCustomer('B')).execute();
        throw new Error('unit B fails after writing');
      }),
      inTx(async (tx) => {
        // Sees A: units of one batch run in order on the same transaction.
        const seen = await tx.selectFrom('customers').select('id').orderBy('id').execute();
        await tx.insertInto('customers').values(insertCustomer('C')).execute();
        return seen.map((row) => row.id).join(',');
      }),
    ]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'a',
      'unit B fails after writing',
      store.engine === 'sqlite' ? 'A' : expect.any(String),
    ]);
    const rows = await store.db.selectFrom('customers').select('id').orderBy('id').execute();
    expect(rows.map((row) => row.id)).toEqual(['A', 'C']);
  });

  it('keeps batches bounded and answers every unit', async () => {
    const inTx = createTxRunner(store, { batchSizeMax: 7 });
    const ids = Array.from({ length: 50 }, (_, i) => `K${String(i).padStart(2, '0')}`);
    const answers = await Promise.all(
      ids.map((id) =>
        inTx(async (tx) => {
          await tx.insertInto('customers').values(insertCustomer(id)).execute();
          return id;
        }),
      ),
    );
    expect(answers).toEqual(ids);
    const rows = await store.db.selectFrom('customers').select('id').orderBy('id').execute();
    expect(rows.map((row) => row.id)).toEqual(ids);
  });
});
