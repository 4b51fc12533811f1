import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkInvariants, readAccount } from '../src/adapters/db/ledger-repository.ts';
import { migrations } from '../src/adapters/db/migrations.ts';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { createCustomer, readCustomer, topUp } from '../src/customers.ts';
import { testEngines } from './support/engines.ts';
import { balanceOf, fundedCustomer, makeWorld, money, type World } from './support/fixtures.ts';

describe.each(testEngines())('ledger and customers on $name', (engine) => {
  let store: DbHandle;
  let world: World;

  beforeEach(async () => {
    store = await engine.open();
    world = makeWorld(store);
  });

  afterEach(async () => {
    await store.close();
  });

  it('reports a balanced ledger per currency', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 5000));
    await fundedCustomer(world, 'C2', money('JPY', 700));
    const report = await checkInvariants(store.db, store.engine);
    expect(report.ok).toBe(true);
    expect(report.currencies.map((c) => [c.currency, c.postingSumMinor])).toEqual([
      ['HKD', 0n],
      ['JPY', 0n],
    ]);
    expect((await readAccount(store.db, 'S:TOPUP_SOURCE:HKD'))?.balanceMinor).toBe(-5000n);
    // A system account keeps no running balance: its stored column stays 0, its balance is its postings.
    const stored = await store.db
      .selectFrom('accounts')
      .select('balance_minor')
      .where('id', '=', 'S:TOPUP_SOURCE:HKD')
      .executeTakeFirstOrThrow();
    expect(stored.balance_minor).toBe(0n);
  });

  it('flags a system account that stores a balance', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 5000));
    await store.db
      .updateTable('accounts')
      .set({ balance_minor: -5000n })
      .where('id', '=', 'S:TOPUP_SOURCE:HKD')
      .execute();
    const report = await checkInvariants(store.db, store.engine);
    expect(report.violations.map((v) => [v.rule, v.subject])).toEqual([
      ['SYSTEM_BALANCE_STORED', 'S:TOPUP_SOURCE:HKD'],
    ]);
  });

  it('migration 0002 clears the cached balances of system accounts and keeps wallets', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 5000));
    // The state a 0001 database was in: system balances cached as the sum of their postings.
    await store.db
      .updateTable('accounts')
      .set({ balance_minor: -5000n })
      .where('id', '=', 'S:TOPUP_SOURCE:HKD')
      .execute();
    const up = migrations['0002_system_accounts_derive_balance']?.up;
    expect(up).toBeDefined();
    await up?.(store.db as unknown as Kysely<unknown>);
    expect((await checkInvariants(store.db, store.engine)).ok).toBe(true);
    expect((await readAccount(store.db, 'S:TOPUP_SOURCE:HKD'))?.balanceMinor).toBe(-5000n);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(5000n);
  });

  it('detects a balance that differs from its postings and an unbalanced transfer', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 5000));
    await store.db
      .updateTable('accounts')
      .set({ balance_minor: 4999n })
      .where('id', '=', 'C:HKD:C1')
      .execute();
    await store.db
      .updateTable('postings')
      .set({ amount_minor: 4000n })
      .where('account_id', '=', 'C:HKD:C1')
      .execute();
    const report = await checkInvariants(store.db, store.engine);
    expect(report.ok).toBe(false);
    expect(report.violations.map((v) => [v.rule, v.subject]).sort()).toEqual([
      ['BALANCE_NOT_POSTING_SUM', 'C:HKD:C1'],
      ['CURRENCY_SUM_NOT_ZERO', 'HKD'],
      ['TRANSFER_NOT_BALANCED', 'topup:seed-C1-HKD'],
    ]);
  });

  it('refuses a negative customer wallet at the database level too', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 5000));
    await expect(
      store.db.updateTable('accounts').set({ balance_minor: -1n }).where('id', '=', 'C:HKD:C1').execute(),
    ).rejects.toThrow();
  });

  it('tops up idempotently by topupRequestId and refuses an inconsistent replay', async () => {
    await createCustomer(world, { customerId: 'C1', currencies: ['HKD'] });
    const first = await topUp(world, { topupRequestId: 'T1', customerId: 'C1', amount: money('HKD', 100) });
    const again = await topUp(world, { topupRequestId: 'T1', customerId: 'C1', amount: money('HKD', 100) });
    const changed = await topUp(world, { topupRequestId: 'T1', customerId: 'C1', amount: money('HKD', 101) });
    expect(first).toEqual({ ok: true, value: { transferId: 'topup:T1', applied: true, balanceMinor: 100n } });
    expect(again).toEqual({
      ok: true,
      value: { transferId: 'topup:T1', applied: false, balanceMinor: 100n },
    });
    expect(changed).toEqual({ ok: false, error: 'REPEAT_REQ_INCONSISTENT' });
    expect(
      await topUp(world, { topupRequestId: 'T2', customerId: 'NOBODY', amount: money('HKD', 1) }),
    ).toEqual({
      ok: false,
      error: 'CUSTOMER_NOT_FOUND',
    });
    expect(await topUp(world, { topupRequestId: 'T3', customerId: 'C1', amount: money('HKD', 0) })).toEqual({
      ok: false,
      error: 'AMOUNT_NOT_POSITIVE',
    });
    // A top-up in a new currency opens that wallet.
    await topUp(world, { topupRequestId: 'T4', customerId: 'C1', amount: money('EUR', 5) });
    expect(await balanceOf(world, 'C1', 'EUR')).toBe(5n);
  });

  it('runs 50 concurrent distinct top-ups and keeps every one', async () => {
    await createCustomer(world, { customerId: 'C1', currencies: ['HKD'] });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        topUp(world, { topupRequestId: `T${i}`, customerId: 'C1', amount: money('HKD', 10) }),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(500n);
    expect((await checkInvariants(store.db, store.engine)).ok).toBe(true);
  });

  it('creates customers idempotently and reads them back', async () => {
    expect(await createCustomer(world, { customerId: 'C1', currencies: ['HKD'] })).toEqual({ created: true });
    expect(await createCustomer(world, { customerId: 'C1', currencies: ['HKD', 'USD'] })).toEqual({
      created: false,
    });
    const customer = await readCustomer(world, 'C1');
    expect(customer?.status).toBe('ACTIVE');
    expect(customer?.balances).toEqual([
      { currency: 'HKD', balanceMinor: 0n },
      { currency: 'USD', balanceMinor: 0n },
    ]);
    expect(await readCustomer(world, 'NOBODY')).toBeUndefined();
  });
});
