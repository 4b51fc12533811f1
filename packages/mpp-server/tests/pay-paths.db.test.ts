import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { readOutbox } from '../src/adapters/db/outbox-repository.ts';
import { findPayment } from '../src/adapters/db/payment-repository.ts';
import { freezeCustomer } from '../src/customers.ts';
import { legacyPayCheckedFields } from '../src/domain/pay.ts';
import type { PayCommand } from '../src/payments.ts';
import { testEngines } from './support/engines.ts';
import {
  balanceOf,
  expectLedgerSound,
  fundedCustomer,
  makeWorld,
  money,
  payCommand,
  START_MS,
  type World,
} from './support/fixtures.ts';

// The pay as each engine runs it (SQLite: prepared statements in a group commit; PostgreSQL: the one
// mpp_pay statement of migration 0005) must answer alike: the same answer, key for key and in the same
// order (the answer is signed as sent), the same stored rows, every outcome replayed, and under
// concurrency one effect per id and no wallet below zero. Likewise cancel and refund (PostgreSQL: read,
// decide, then mpp_cancel / mpp_refund check and write) when they race each other.

const limits = {
  HKD: { amountPerPaymentMaxMinor: 50_000n, dailyAmountMaxMinor: 60_000n, dailyCountMax: 3 },
};

describe.each(testEngines())('the pay path on $name', (engine) => {
  let store: DbHandle;
  let world: World;

  beforeEach(async () => {
    store = await engine.open();
    world = makeWorld(store, limits);
  });

  afterEach(async () => {
    await expectLedgerSound(store);
    expect(world.errors).toEqual([]);
    await store.close();
  });

  it('answers a success with the keys in the order the TypeScript answer has them', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const answer = await world.service.pay(payCommand({ customerId: 'C1' }));
    expect(JSON.stringify(answer)).toBe(
      JSON.stringify({
        result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success.' },
        paymentId: 'MPPPAY000001',
        paymentTime: '2026-11-25T10:00:00+08:00',
        customerId: 'C1',
        payToAmount: { currency: 'HKD', value: '1000' },
      }),
    );
    const nobody = await world.service.pay(payCommand({ customerId: null, paymentMethodId: 'TUR-NONE' }));
    expect(Object.keys(nobody)).toEqual(['result', 'paymentId', 'paymentTime', 'payToAmount']);
    expect(nobody.result.resultCode).toBe('USER_NOT_EXIST');
  });

  it('stores, replays and refuses a changed replay of every outcome, each with its notification', async () => {
    await fundedCustomer(world, 'RICH', money('HKD', 200_000));
    await fundedCustomer(world, 'POOR', money('HKD', 10));
    await fundedCustomer(world, 'COLD', money('HKD', 10_000));
    await freezeCustomer(world, 'COLD');
    await fundedCustomer(world, 'BUSY', money('HKD', 200_000));
    for (let i = 0; i < 3; i++) await world.service.pay(payCommand({ customerId: 'BUSY' }));
    await fundedCustomer(world, 'BIG', money('HKD', 200_000));
    await world.service.pay(payCommand({ customerId: 'BIG', ...hkd(40_000) }));
    const closed = payCommand({ customerId: 'RICH' });
    await world.service.cancelPayment(closed.paymentRequestId);
    const cases: [string, PayCommand][] = [
      ['SUCCESS', payCommand({ customerId: 'RICH' })],
      ['USER_NOT_EXIST', payCommand({ customerId: 'NOBODY' })],
      ['USER_STATUS_ABNORMAL', payCommand({ customerId: 'COLD' })],
      ['CURRENCY_NOT_SUPPORT', payCommand({ customerId: 'RICH', ...eur(100) })],
      ['PAYMENT_AMOUNT_EXCEED_LIMIT', payCommand({ customerId: 'RICH', ...hkd(50_001) })],
      ['PAYMENT_COUNT_EXCEED_LIMIT', payCommand({ customerId: 'BUSY' })],
      ['USER_AMOUNT_EXCEED_LIMIT', payCommand({ customerId: 'BIG', ...hkd(20_001) })],
      ['USER_BALANCE_NOT_ENOUGH', payCommand({ customerId: 'POOR' })],
      ['ORDER_IS_CLOSED', closed],
    ];
    for (const [code, command] of cases) {
      const first = await world.service.pay(command);
      expect(first.result.resultCode, code).toBe(code);
      expect(await world.service.pay(command), code).toEqual(first);
      const changed = await world.service.pay({ ...command, ...hkd(999) });
      expect(changed.result.resultCode, code).toBe('REPEAT_REQ_INCONSISTENT');
      const row = await findPayment(store.db, command.paymentRequestId);
      expect(row?.result_code, code).toBe(code);
      expect(row?.status, code).toBe(
        code === 'SUCCESS' ? 'SUCCESS' : code === 'ORDER_IS_CLOSED' ? 'TOMBSTONE' : 'FAILED',
      );
      expect(JSON.parse(row?.pay_response_json ?? 'null'), code).toEqual(first);
      expect((await readOutbox(store.db, command.paymentRequestId))?.done_at_ms, code).toBeNull();
    }
    expect(await balanceOf(world, 'RICH', 'HKD')).toBe(199_000n);
    expect(await balanceOf(world, 'POOR', 'HKD')).toBe(10n);
  });

  it('replays a payment stored before 0003 with the old fingerprint, also through the token mapping', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    await store.db
      .insertInto('token_customers')
      .values({ token_reference: 'TUR-OLD', customer_id: 'C1', source: 'TEST', created_at_ms: START_MS })
      .execute();
    for (const customerId of ['C1', null]) {
      const command = payCommand({ customerId, paymentMethodId: 'TUR-OLD' });
      const stored = { result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Old.' } };
      await store.db
        .insertInto('payments')
        .values({
          payment_request_id: command.paymentRequestId,
          payment_id: `OLD-${customerId ?? 'TOKEN'}`,
          status: 'FAILED',
          result_code: 'SUCCESS',
          customer_id: 'C1',
          checked_fields: legacyPayCheckedFields({ ...command, customerId: 'C1' }),
          pay_response_json: JSON.stringify(stored),
          created_at_ms: START_MS,
          updated_at_ms: START_MS,
        })
        .execute();
      expect(await world.service.pay(command)).toEqual(stored);
      expect((await world.service.pay({ ...command, ...hkd(7) })).result.resultCode).toBe(
        'REPEAT_REQ_INCONSISTENT',
      );
    }
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
  });

  it('gives each of many ids one effect when copies of each race, and never overdraws', async () => {
    const customerCount = 4;
    for (let c = 0; c < customerCount; c++) await fundedCustomer(world, `R${c}`, money('HKD', 2_500));
    // Per customer 5 distinct pays of 1000 (two fit), each sent three times at once.
    const pays = Array.from({ length: customerCount * 5 }, (_, i) =>
      payCommand({ customerId: `R${i % customerCount}` }),
    );
    const copies = pays.flatMap((pay) => [pay, pay, pay]);
    const answers = await Promise.all(copies.map((pay) => world.service.pay(pay)));
    for (let i = 0; i < pays.length; i++) {
      const own = answers.slice(i * 3, i * 3 + 3);
      expect(own[1]).toEqual(own[0]);
      expect(own[2]).toEqual(own[0]);
    }
    for (let c = 0; c < customerCount; c++) {
      const mine = pays
        .map((pay, i) => ({ pay, answer: answers[i * 3] }))
        .filter(({ pay }) => pay.customerId === `R${c}`);
      const codes = mine.map(({ answer }) => answer?.result.resultCode);
      expect(codes.filter((code) => code === 'SUCCESS')).toHaveLength(2);
      expect(codes.filter((code) => code === 'USER_BALANCE_NOT_ENOUGH')).toHaveLength(3);
      expect(await balanceOf(world, `R${c}`, 'HKD')).toBe(500n);
    }
  });

  it('lets only the daily count through when pays of one customer race', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 100_000));
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => world.service.pay(payCommand({ customerId: 'C1' }))),
    );
    const codes = answers.map((answer) => answer.result.resultCode);
    expect(codes.filter((code) => code === 'SUCCESS')).toHaveLength(3);
    expect(codes.filter((code) => code === 'PAYMENT_COUNT_EXCEED_LIMIT')).toHaveLength(5);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(97_000n);
  });
});

describe.each(testEngines())('cancel and refund racing on $name', (engine) => {
  let store: DbHandle;
  let world: World;

  beforeEach(async () => {
    store = await engine.open();
    world = makeWorld(store);
  });

  afterEach(async () => {
    await expectLedgerSound(store);
    expect(world.errors).toEqual([]);
    await store.close();
  });

  const refundOf = (pay: PayCommand, refundRequestId: string, value: number) =>
    world.service.refund({
      refundRequestId,
      paymentRequestId: pay.paymentRequestId,
      paymentId: null,
      refundAmount: money('HKD', value),
      refundFromAmount: null,
      refundReason: null,
    });

  it('gives the money back exactly once when a cancel races refunds of the same payment', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1', ...hkd(4_000) });
    expect((await world.service.pay(pay)).result.resultCode).toBe('SUCCESS');
    const [cancel, ...refunds] = await Promise.all([
      world.service.cancelPayment(pay.paymentRequestId),
      ...Array.from({ length: 6 }, (_, i) => refundOf(pay, `R${i}`, 1_000)),
    ]);
    expect(cancel?.result.resultCode).toBe('SUCCESS');
    const refunded = refunds.filter((answer) => answer.result.resultCode === 'SUCCESS').length;
    expect(refunded).toBeLessThanOrEqual(4);
    // Whatever the order, the wallet ends where it started: refunds and the cancel share the 4,000.
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
    const row = await findPayment(store.db, pay.paymentRequestId);
    expect(row?.status).toBe('CANCELLED');
    expect(row?.refunded_from_minor).toBe(BigInt(refunded * 1_000));
    expect(await world.service.cancelPayment(pay.paymentRequestId)).toEqual(cancel);
  });

  it('answers copies of one cancel alike and reverses once', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1' });
    await world.service.pay(pay);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => world.service.cancelPayment(pay.paymentRequestId)),
    );
    expect(answers[0]?.result.resultCode).toBe('SUCCESS');
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
  });

  it('answers copies of one refund alike and credits once, also racing other refunds', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1', ...hkd(5_000) });
    await world.service.pay(pay);
    const answers = await Promise.all([
      ...Array.from({ length: 6 }, () => refundOf(pay, 'R-SAME', 700)),
      ...Array.from({ length: 4 }, (_, i) => refundOf(pay, `R-OTHER-${i}`, 1_000)),
    ]);
    const same = answers.slice(0, 6);
    expect(same[0]?.result.resultCode).toBe('SUCCESS');
    for (const answer of same) expect(answer).toEqual(same[0]);
    expect(answers.slice(6).every((answer) => answer.result.resultCode === 'SUCCESS')).toBe(true);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(5_000n + 700n + 4_000n);
    const row = await findPayment(store.db, pay.paymentRequestId);
    expect(row?.refunded_minor).toBe(4_700n);
    expect(row?.refund_count).toBe(5n);
    expect((await refundOf(pay, 'R-SAME', 701)).result.resultCode).toBe('REPEAT_REQ_INCONSISTENT');
  });

  it.runIf(engine.name === 'postgres')(
    'takes one round trip per pay and two per cancel, refund and adjustRefund (PostgreSQL)',
    async () => {
      await fundedCustomer(world, 'C1', money('HKD', 10_000));
      if (store.native.engine !== 'postgres') throw new Error('not PostgreSQL');
      const pool = store.native.pool;
      const counted = { query: 0, connect: 0 };
      const query = pool.query.bind(pool);
      const connect = pool.connect.bind(pool);
      const spies = [
        vi.spyOn(pool, 'query').mockImplementation(((...args: Parameters<typeof query>) => {
          counted.query++;
          return query(...args);
        }) as typeof pool.query),
        vi.spyOn(pool, 'connect').mockImplementation(((...args: Parameters<typeof connect>) => {
          counted.connect++;
          return connect(...args);
        }) as typeof pool.connect),
      ];
      // pool.query checks a client out once per statement; a Kysely transaction would check one out with
      // no pool.query, so connect counts beyond query would show queries built the old way.
      const trips = async (work: () => Promise<unknown>) => {
        counted.query = 0;
        counted.connect = 0;
        await work();
        return { ...counted };
      };
      try {
        const pay = payCommand({ customerId: 'C1' });
        expect(await trips(() => world.service.pay(pay))).toEqual({ query: 1, connect: 1 });
        expect(await trips(() => world.service.pay(pay))).toEqual({ query: 1, connect: 1 });
        expect(await trips(() => refundOf(pay, 'R-TRIPS', 100))).toEqual({ query: 2, connect: 2 });
        expect(await trips(() => world.service.cancelPayment(pay.paymentRequestId))).toEqual({
          query: 2,
          connect: 2,
        });
        const adjust = () =>
          world.service.adjustRefund({
            refundRequestId: 'A-TRIPS',
            customerId: 'C1',
            refundAmount: money('HKD', 10),
            subScenarioType: 'UNLINKED_REFUND',
            paymentRequestId: null,
            details: {},
          });
        expect(await trips(adjust)).toEqual({ query: 2, connect: 2 });
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
    },
  );

  it('answers copies of one adjustRefund alike and credits once, beside distinct ones', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 1_000));
    const adjust = (refundRequestId: string, customerId: string) =>
      world.service.adjustRefund({
        refundRequestId,
        customerId,
        refundAmount: money('HKD', 250),
        subScenarioType: 'UNLINKED_REFUND',
        paymentRequestId: null,
        details: {},
      });
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => adjust('A-SAME', 'C1')),
      ...Array.from({ length: 3 }, (_, i) => adjust(`A-OTHER-${i}`, 'C1')),
      ...Array.from({ length: 3 }, () => adjust('A-NOBODY', 'NOBODY')),
    ]);
    expect(answers.every((answer) => answer.result.resultCode === 'SUCCESS')).toBe(true);
    for (const answer of answers.slice(1, 5)) expect(answer).toEqual(answers[0]);
    for (const answer of answers.slice(9)) expect(answer).toEqual(answers[8]);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(1_000n + 4n * 250n);
    const suspense = await store.db
      .selectFrom('adjust_refunds')
      .select('credited_account_id')
      .where('refund_request_id', '=', 'A-NOBODY')
      .executeTakeFirst();
    expect(suspense?.credited_account_id).toBe('S:SUSPENSE:HKD');
  });
});

function hkd(value: number): Pick<PayCommand, 'paymentAmount' | 'payToAmount'> {
  return { paymentAmount: money('HKD', value), payToAmount: money('HKD', value) };
}

function eur(value: number): Pick<PayCommand, 'paymentAmount' | 'payToAmount'> {
  return { paymentAmount: money('EUR', value), payToAmount: money('EUR', value) };
}
