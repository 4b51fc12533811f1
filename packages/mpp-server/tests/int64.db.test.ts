import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAccount } from '../src/adapters/db/ledger-repository.ts';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { registerAdminRoutes } from '../src/adapters/http/admin-routes.ts';
import { createCustomer, topUp } from '../src/customers.ts';
import { INT64_MAX_MINOR } from '../src/domain/ledger.ts';
import type { AdjustRefundCommand } from '../src/payments.ts';
import { testEngines } from './support/engines.ts';
import {
  balanceOf,
  expectLedgerSound,
  makeWorld,
  money,
  payCommand,
  type World,
} from './support/fixtures.ts';

// Amounts near the int64 limit. Every amount the wire accepts fits in int64, but a SUM of them may not:
// on SQLite an overflowing `balance_minor + x` became a REAL (and the ledger stopped adding up), on
// PostgreSQL it failed the transaction on every retry. Now every issue of money (top-up, adjustRefund)
// is checked against the limit first and refused with a clear code, on both engines alike.

const adminToken = 'admin-token-for-int64-tests-0123';
/** fast-check runs per engine; each run is a sequence of up to `commandsMax` money issues. */
const propertyRunCount = 30;
const commandsMax = 8;

const adjust = (id: string, customerId: string, value: bigint, currency = 'HKD'): AdjustRefundCommand => ({
  refundRequestId: id,
  customerId,
  refundAmount: money(currency, value),
  subScenarioType: 'UNLINKED_REFUND',
  paymentRequestId: null,
  details: {},
});

describe.each(testEngines())('int64 limits on $name', (engine) => {
  let store: DbHandle;
  let world: World;
  let admin: FastifyInstance;

  beforeEach(async () => {
    store = await engine.open();
    world = makeWorld(store);
    admin = Fastify({ logger: false });
    registerAdminRoutes(admin, { store, clock: world.clock, adminToken });
    await admin.ready();
  });
  afterEach(async () => {
    await admin.close();
    await store.close();
  });

  const invariantsOverHttp = async () => {
    const response = await admin.inject({
      method: 'GET',
      url: '/admin/v1/ledger/invariants',
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(response.statusCode).toBe(200);
    return response.json() as { ok: boolean; violations: unknown[] };
  };

  it('refuses a second adjustRefund of int64 max with PARAM_ILLEGAL; pays still move the balance', async () => {
    await createCustomer(world, { customerId: 'C1', currencies: ['HKD'] });
    const first = await world.service.adjustRefund(adjust('A1', 'C1', INT64_MAX_MINOR));
    expect(first.result.resultCode).toBe('SUCCESS');
    const second = await world.service.adjustRefund(adjust('A2', 'C1', INT64_MAX_MINOR));
    expect(second.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
    expect(second.result.resultMessage).toContain('64-bit');
    expect(world.errors).toEqual([]);
    // Nothing was stored for the refused one: the same request is refused the same way again.
    expect((await world.service.adjustRefund(adjust('A2', 'C1', INT64_MAX_MINOR))).result.resultCode).toBe(
      'PARAM_ILLEGAL',
    );
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(INT64_MAX_MINOR);
    const pay = await world.service.pay(
      payCommand({ customerId: 'C1', paymentAmount: money('HKD', 1000), payToAmount: money('HKD', 1000) }),
    );
    expect(pay.result.resultCode).toBe('SUCCESS');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(INT64_MAX_MINOR - 1000n);
    // An unknown customer's credit (SUSPENSE) counts against the same limit.
    const parked = await world.service.adjustRefund(adjust('A3', 'NOBODY', 2000n));
    expect(parked.result.resultCode).toBe('PARAM_ILLEGAL');
    expect(await invariantsOverHttp()).toMatchObject({ ok: true, violations: [] });
  });

  it('refuses a top-up past the limit with AMOUNT_OUT_OF_RANGE (422 on the admin API)', async () => {
    await createCustomer(world, { customerId: 'C1', currencies: ['HKD'] });
    await createCustomer(world, { customerId: 'C2', currencies: ['HKD'] });
    const full = await topUp(world, {
      topupRequestId: 'T1',
      customerId: 'C1',
      amount: money('HKD', INT64_MAX_MINOR - 5n),
    });
    expect(full.ok).toBe(true);
    // Another customer's wallet is empty, but the currency's ledger as a whole would pass the limit.
    const over = await topUp(world, { topupRequestId: 'T2', customerId: 'C2', amount: money('HKD', 6n) });
    expect(over).toEqual({ ok: false, error: 'AMOUNT_OUT_OF_RANGE' });
    const response = await admin.inject({
      method: 'POST',
      url: '/admin/v1/topups',
      headers: { authorization: `Bearer ${adminToken}` },
      payload: { topupRequestId: 'T3', customerId: 'C2', amount: { currency: 'HKD', value: '6' } },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().error.code).toBe('AMOUNT_OUT_OF_RANGE');
    const exact = await topUp(world, { topupRequestId: 'T4', customerId: 'C2', amount: money('HKD', 5n) });
    expect(exact.ok).toBe(true);
    expect(await balanceOf(world, 'C2', 'HKD')).toBe(5n);
    expect((await readAccount(store.db, 'S:TOPUP_SOURCE:HKD'))?.balanceMinor).toBe(-INT64_MAX_MINOR);
    expect(await invariantsOverHttp()).toMatchObject({ ok: true });
  });

  it('never stores anything but a 64-bit integer in a money column, whatever the SQL', async () => {
    await createCustomer(world, { customerId: 'C1', currencies: ['HKD'] });
    await topUp(world, { topupRequestId: 'T1', customerId: 'C1', amount: money('HKD', INT64_MAX_MINOR) });
    // Past the guards in code: the schema itself refuses the overflowing sum and a fraction.
    await expect(
      sql`update accounts set balance_minor = balance_minor + ${INT64_MAX_MINOR} where id = 'C:HKD:C1'`.execute(
        store.db,
      ),
    ).rejects.toThrow();
    // SQLite would store the fraction as a REAL; PostgreSQL's bigint rounds it (an integer either way).
    if (engine.name === 'sqlite') {
      await expect(
        sql`update accounts set balance_minor = 1.5 where id = 'C:HKD:C1'`.execute(store.db),
      ).rejects.toThrow();
    }
    const row = await store.db
      .selectFrom('accounts')
      .select(sql<string>`cast(balance_minor as text)`.as('text'))
      .where('id', '=', 'C:HKD:C1')
      .executeTakeFirstOrThrow();
    expect(row.text).toBe(INT64_MAX_MINOR.toString());
    await expectLedgerSound(store);
  });

  it('property: issues near the limit are accepted exactly while the currency sum fits', async () => {
    const nearLimit = fc.oneof(
      fc.bigInt({ min: 1n, max: INT64_MAX_MINOR }),
      fc.bigInt({ min: INT64_MAX_MINOR - 1_000n, max: INT64_MAX_MINOR }),
      fc.bigInt({ min: INT64_MAX_MINOR / 2n - 10n, max: INT64_MAX_MINOR / 2n + 10n }),
      fc.bigInt({ min: 1n, max: 1_000n }),
    );
    const command = fc.record({
      kind: fc.constantFrom('topup', 'adjust', 'adjustUnknown'),
      customer: fc.constantFrom('C1', 'C2'),
      amountMinor: nearLimit,
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: commandsMax }), async (commands) => {
        run += 1;
        const currency = ['HKD', 'USD', 'EUR', 'JPY', 'SGD', 'GBP'][run % 6] ?? 'HKD';
        const prefix = `R${run}-`;
        const c1 = `${prefix}C1`;
        const c2 = `${prefix}C2`;
        await createCustomer(world, { customerId: c1, currencies: [currency] });
        await createCustomer(world, { customerId: c2, currencies: [currency] });
        const before = (await readAccount(store.db, `S:TOPUP_SOURCE:${currency}`))?.balanceMinor ?? 0n;
        const refundsBefore = (await readAccount(store.db, `S:REFUNDS:${currency}`))?.balanceMinor ?? 0n;
        let issued = -(before + refundsBefore);
        const wallets = new Map<string, bigint>([
          [c1, (await balanceOf(world, c1, currency)) ?? 0n],
          [c2, (await balanceOf(world, c2, currency)) ?? 0n],
        ]);
        for (const [index, c] of commands.entries()) {
          const customerId = c.kind === 'adjustUnknown' ? `${prefix}NOBODY` : `${prefix}${c.customer}`;
          const fits = issued + c.amountMinor <= INT64_MAX_MINOR;
          let accepted: boolean;
          if (c.kind === 'topup') {
            const done = await topUp(world, {
              topupRequestId: `${prefix}T${index}`,
              customerId,
              amount: money(currency, c.amountMinor),
            });
            accepted = done.ok;
            if (!done.ok) expect(done.error).toBe('AMOUNT_OUT_OF_RANGE');
          } else {
            const answer = await world.service.adjustRefund(
              adjust(`${prefix}A${index}`, customerId, c.amountMinor, currency),
            );
            accepted = answer.result.resultCode === 'SUCCESS';
            if (!accepted) expect(answer.result.resultCode).toBe('PARAM_ILLEGAL');
          }
          expect(accepted).toBe(fits);
          if (accepted) {
            issued += c.amountMinor;
            if (wallets.has(customerId))
              wallets.set(customerId, (wallets.get(customerId) ?? 0n) + c.amountMinor);
          }
        }
        for (const [customerId, expected] of wallets) {
          expect(await balanceOf(world, customerId, currency)).toBe(expected);
        }
        expect(world.errors).toEqual([]);
        expect(await invariantsOverHttp()).toMatchObject({ ok: true, violations: [] });
      }),
      { numRuns: propertyRunCount },
    );
  }, 120_000);
});
