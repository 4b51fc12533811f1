import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAccount } from '../src/adapters/db/ledger-repository.ts';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { readOutbox } from '../src/adapters/db/outbox-repository.ts';
import { counterIds } from '../src/adapters/ids.ts';
import { freezeCustomer, topUp, unfreezeCustomer } from '../src/customers.ts';
import { createPaymentService } from '../src/payments.ts';
import { testEngines } from './support/engines.ts';
import {
  balanceOf,
  expectLedgerSound,
  fundedCustomer,
  makeWorld,
  money,
  payCommand,
  type World,
} from './support/fixtures.ts';

describe.each(testEngines())('payment service on $name', (engine) => {
  let store: DbHandle;
  let world: World;

  beforeEach(async () => {
    store = await engine.open();
    world = makeWorld(store, {
      HKD: { amountPerPaymentMaxMinor: 500_000n, dailyAmountMaxMinor: 1_000_000n, dailyCountMax: 50 },
    });
  });

  afterEach(async () => {
    // The ledger must balance after every scenario, whatever the scenario did.
    await expectLedgerSound(store);
    expect(world.errors).toEqual([]);
    await store.close();
  });

  it('pays, inquires, refunds partially twice, rejects an over-refund and then the cancel', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({
      customerId: 'C1',
      paymentAmount: money('HKD', 3000),
      payToAmount: money('HKD', 3000),
    });
    const paid = await world.service.pay(pay);
    expect(paid.result).toEqual({ resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success.' });
    expect(paid.paymentId).toBe('MPPPAY000001');
    expect(paid.paymentTime).toBe('2026-11-25T10:00:00+08:00');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(7000n);

    const inquiry = await world.service.inquiryPayment(pay.paymentRequestId);
    expect(inquiry).toMatchObject({
      result: { resultStatus: 'S', resultCode: 'SUCCESS' },
      paymentResult: { resultStatus: 'S', resultCode: 'SUCCESS' },
      paymentId: 'MPPPAY000001',
      paymentTime: '2026-11-25T10:00:00+08:00',
      paymentAmount: { currency: 'HKD', value: '3000' },
      payToAmount: { currency: 'HKD', value: '3000' },
      customerId: 'C1',
    });

    const refund = (id: string, value: number) =>
      world.service.refund({
        refundRequestId: id,
        paymentRequestId: pay.paymentRequestId,
        paymentId: paid.paymentId ?? null,
        refundAmount: money('HKD', value),
        refundFromAmount: null,
        refundReason: null,
      });
    const first = await refund('R1', 1000);
    expect(first).toMatchObject({
      result: { resultCode: 'SUCCESS' },
      refundFromAmount: { currency: 'HKD', value: '1000' },
    });
    const second = await refund('R2', 1500);
    expect(second.result.resultCode).toBe('SUCCESS');
    const third = await refund('R3', 501);
    expect(third.result).toMatchObject({ resultCode: 'REFUND_AMOUNT_EXCEED', resultStatus: 'F' });
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9500n);

    // Every retry replays the first answer exactly, including failures.
    expect(await world.service.pay(pay)).toEqual(paid);
    expect(await refund('R1', 1000)).toEqual(first);
    expect(await refund('R2', 1500)).toEqual(second);
    expect(await refund('R3', 501)).toEqual(third);
    // A different request under a used key changes nothing.
    expect((await refund('R1', 999)).result.resultCode).toBe('REPEAT_REQ_INCONSISTENT');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9500n);

    // (doc) A cancel after partial refunds succeeds and returns what is still held: 3000 - 2500 = 500.
    const cancel = await world.service.cancelPayment(pay.paymentRequestId);
    expect(cancel.result).toMatchObject({ resultCode: 'SUCCESS', resultStatus: 'S' });
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
    expect(await world.service.cancelPayment(pay.paymentRequestId)).toEqual(cancel);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
    // The payment is closed: nothing more is refundable.
    expect((await refund('R4', 500)).result.resultCode).toBe('ORDER_STATUS_INVALID');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
  });

  it('cancels a fully refunded payment: closes it, moves nothing', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1' });
    await world.service.pay(pay);
    const refunded = await world.service.refund({
      refundRequestId: 'RF1',
      paymentRequestId: pay.paymentRequestId,
      paymentId: null,
      refundAmount: money('HKD', 1000),
      refundFromAmount: null,
      refundReason: null,
    });
    expect(refunded.result.resultCode).toBe('SUCCESS');
    expect((await world.service.cancelPayment(pay.paymentRequestId)).result.resultCode).toBe('SUCCESS');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
    const inquiry = await world.service.inquiryPayment(pay.paymentRequestId);
    expect(inquiry.paymentResult?.resultCode).toBe('ORDER_IS_CLOSED');
  });

  it('answers REPEAT_REQ_INCONSISTENT for the same id with another amount, and debits once', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1' });
    const paid = await world.service.pay(pay);
    const changed = await world.service.pay({
      ...pay,
      paymentAmount: money('HKD', 1001),
      payToAmount: money('HKD', 1001),
    });
    expect(changed).toEqual({
      result: expect.objectContaining({ resultCode: 'REPEAT_REQ_INCONSISTENT', resultStatus: 'F' }),
    });
    const otherCustomer = await world.service.pay({ ...pay, customerId: 'C2' });
    expect(otherCustomer.result.resultCode).toBe('REPEAT_REQ_INCONSISTENT');
    expect(await world.service.pay(pay)).toEqual(paid);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n);
  });

  it('stores failed outcomes and replays them', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 500));
    const pay = payCommand({ customerId: 'C1' });
    const declined = await world.service.pay(pay);
    expect(declined.result).toMatchObject({ resultCode: 'USER_BALANCE_NOT_ENOUGH', resultStatus: 'F' });
    // Even after the balance would cover it, the stored decline is the answer for this id.
    await topUp(world, { topupRequestId: 'T2', customerId: 'C1', amount: money('HKD', 5000) });
    expect(await world.service.pay(pay)).toEqual(declined);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(5500n);
    const inquiry = await world.service.inquiryPayment(pay.paymentRequestId);
    expect(inquiry.paymentResult?.resultCode).toBe('USER_BALANCE_NOT_ENOUGH');
    // The decline is news for Alipay+ too.
    expect((await readOutbox(store.db, pay.paymentRequestId))?.done_at_ms).toBeNull();
  });

  it('gives one debit and identical answers to 100 concurrent identical pays', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 100_000));
    const pay = payCommand({ customerId: 'C1' });
    const answers = await Promise.all(Array.from({ length: 100 }, () => world.service.pay(pay)));
    expect(answers[0]?.result.resultCode).toBe('SUCCESS');
    for (const answer of answers) expect(answer).toEqual(answers[0]);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(99_000n);
  });

  it('lets exactly k of N concurrent distinct pays through when the balance covers k', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 7 * 1000 + 999));
    const pays = Array.from({ length: 20 }, () => payCommand({ customerId: 'C1' }));
    const answers = await Promise.all(pays.map((pay) => world.service.pay(pay)));
    const codes = answers.map((answer) => answer.result.resultCode);
    expect(codes.filter((code) => code === 'SUCCESS')).toHaveLength(7);
    expect(codes.filter((code) => code === 'USER_BALANCE_NOT_ENOUGH')).toHaveLength(13);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(999n);
  });

  it('closes a payment whose cancel came first, and answers a late pay ORDER_IS_CLOSED', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1' });
    const cancel = await world.service.cancelPayment(pay.paymentRequestId);
    expect(cancel.result.resultCode).toBe('SUCCESS');
    expect(await world.service.cancelPayment(pay.paymentRequestId)).toEqual(cancel);
    const late = await world.service.pay(pay);
    expect(late.result).toMatchObject({ resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F' });
    expect(await world.service.pay(pay)).toEqual(late);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
    const inquiry = await world.service.inquiryPayment(pay.paymentRequestId);
    expect(inquiry.paymentResult?.resultCode).toBe('ORDER_IS_CLOSED');
  });

  it('replaces a pending notification with the cancel, and leaves an acknowledged one alone', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    // Pending (not yet acknowledged): the cancel re-opens the row, the worker will tell ORDER_IS_CLOSED.
    const pending = payCommand({ customerId: 'C1', paymentRequestId: 'PR-PENDING' });
    await world.service.pay(pending);
    expect((await world.service.cancelPayment('PR-PENDING')).result.resultCode).toBe('SUCCESS');
    const reopened = await readOutbox(store.db, 'PR-PENDING');
    expect(reopened?.done_at_ms).toBeNull();
    expect(reopened?.generation).toBe(1n);
  });

  it('cancels a successful payment in the window, returns the money once, and is not notified again', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1' });
    await world.service.pay(pay);
    // The S notification was acknowledged: Alipay+ knows, and it initiated the cancel (doc).
    await store.db.updateTable('notify_outbox').set({ done_at_ms: 1 }).execute();
    // 10:00 UTC+8 on the 25th; the window ends 00:30 UTC+8 on the 26th: 14 h 30 min later.
    await world.clock.advanceMs(14.5 * 3_600_000 - 1);
    const cancel = await world.service.cancelPayment(pay.paymentRequestId);
    expect(cancel.result.resultCode).toBe('SUCCESS');
    expect(await world.service.cancelPayment(pay.paymentRequestId)).toEqual(cancel);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
    const outbox = await readOutbox(store.db, pay.paymentRequestId);
    expect(outbox?.done_at_ms).toBe(1n);
    expect(outbox?.generation).toBe(0n);
    const inquiry = await world.service.inquiryPayment(pay.paymentRequestId);
    expect(inquiry.paymentResult?.resultCode).toBe('ORDER_IS_CLOSED');
    const refund = await world.service.refund({
      refundRequestId: 'R1',
      paymentRequestId: pay.paymentRequestId,
      paymentId: null,
      refundAmount: money('HKD', 1),
      refundFromAmount: null,
      refundReason: null,
    });
    expect(refund.result.resultCode).toBe('ORDER_STATUS_INVALID');
  });

  it('refuses a cancel after 00:30 UTC+8 the next day', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1' });
    await world.service.pay(pay);
    await world.clock.advanceMs(14.5 * 3_600_000);
    const cancel = await world.service.cancelPayment(pay.paymentRequestId);
    expect(cancel.result).toMatchObject({ resultCode: 'CANCEL_WINDOW_EXCEEDED', resultStatus: 'F' });
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n);
  });

  it('credits the user for adjustRefund EXCEED and UNLINKED, and parks unknown customers in SUSPENSE', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1' });
    await world.service.pay(pay);
    const exceed = await world.service.adjustRefund({
      refundRequestId: 'A1',
      customerId: 'C1',
      refundAmount: money('HKD', 250),
      subScenarioType: 'EXCEED_REFUND',
      paymentRequestId: pay.paymentRequestId,
      details: {},
    });
    expect(exceed.result.resultCode).toBe('SUCCESS');
    expect(exceed.refundId).toBeDefined();
    const unlinked = await world.service.adjustRefund({
      refundRequestId: 'A2',
      customerId: 'C1',
      refundAmount: money('HKD', 700),
      subScenarioType: 'UNLINKED_REFUND',
      paymentRequestId: null,
      details: {},
    });
    expect(unlinked.result.resultCode).toBe('SUCCESS');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n + 250n + 700n);
    // Replays and inconsistent replays.
    const again = await world.service.adjustRefund({
      refundRequestId: 'A2',
      customerId: 'C1',
      refundAmount: money('HKD', 700),
      subScenarioType: 'UNLINKED_REFUND',
      paymentRequestId: null,
      details: {},
    });
    expect(again).toEqual(unlinked);
    const changed = await world.service.adjustRefund({
      refundRequestId: 'A2',
      customerId: 'C1',
      refundAmount: money('HKD', 701),
      subScenarioType: 'UNLINKED_REFUND',
      paymentRequestId: null,
      details: {},
    });
    expect(changed.result.resultCode).toBe('REPEAT_REQ_INCONSISTENT');
    const stranger = await world.service.adjustRefund({
      refundRequestId: 'A3',
      customerId: 'NOBODY',
      refundAmount: money('EUR', 99),
      subScenarioType: 'UNLINKED_REFUND',
      paymentRequestId: null,
      details: {},
    });
    expect(stranger.result.resultCode).toBe('SUCCESS');
    expect((await readAccount(store.db, 'S:SUSPENSE:EUR'))?.balanceMinor).toBe(99n);
  });

  it('applies per-payment, daily count and daily amount limits per UTC+8 day', async () => {
    const limited = makeWorld(store, {
      HKD: { amountPerPaymentMaxMinor: 5000n, dailyAmountMaxMinor: 9000n, dailyCountMax: 3 },
    });
    await fundedCustomer(limited, 'C1', money('HKD', 100_000));
    const pay = (value: number) =>
      limited.service.pay(
        payCommand({
          customerId: 'C1',
          paymentAmount: money('HKD', value),
          payToAmount: money('HKD', value),
        }),
      );
    expect((await pay(5001)).result.resultCode).toBe('PAYMENT_AMOUNT_EXCEED_LIMIT');
    expect((await pay(5000)).result.resultCode).toBe('SUCCESS');
    expect((await pay(4001)).result.resultCode).toBe('USER_AMOUNT_EXCEED_LIMIT');
    expect((await pay(2000)).result.resultCode).toBe('SUCCESS');
    expect((await pay(2000)).result.resultCode).toBe('SUCCESS');
    expect((await pay(1)).result.resultCode).toBe('PAYMENT_COUNT_EXCEED_LIMIT');
    // 10:00 + 14 h = 00:00 UTC+8 the next day: a new day, fresh limits.
    await limited.clock.advanceMs(14 * 3_600_000);
    expect((await pay(5000)).result.resultCode).toBe('SUCCESS');
    expect(await balanceOf(limited, 'C1', 'HKD')).toBe(100_000n - 14_000n);
    expect(limited.errors).toEqual([]);
  });

  it('refuses unknown and frozen customers and wallets in another currency', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    expect((await world.service.pay(payCommand({ customerId: 'NOBODY' }))).result.resultCode).toBe(
      'USER_NOT_EXIST',
    );
    expect((await freezeCustomer(world, 'C1')).ok).toBe(true);
    expect((await world.service.pay(payCommand({ customerId: 'C1' }))).result.resultCode).toBe(
      'USER_STATUS_ABNORMAL',
    );
    await unfreezeCustomer(world, 'C1');
    expect((await world.service.pay(payCommand({ customerId: 'C1' }))).result.resultCode).toBe('SUCCESS');
    const euro = payCommand({
      customerId: 'C1',
      paymentAmount: money('EUR', 100),
      payToAmount: money('EUR', 100),
    });
    expect((await world.service.pay(euro)).result.resultCode).toBe('CURRENCY_NOT_SUPPORT');
    expect((await freezeCustomer(world, 'NOBODY')).ok).toBe(false);
  });

  it('debits payToAmount in the wallet currency and refunds with the original ratio', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 100_000));
    // USD 10.00 paid as HKD 78.01: the ratio does not divide evenly.
    const unquoted = payCommand({
      customerId: 'C1',
      paymentAmount: money('USD', 1000),
      payToAmount: money('HKD', 7801),
    });
    // Different currencies need the quote they were converted with.
    expect((await world.service.pay(unquoted)).result.resultCode).toBe('PARAM_ILLEGAL');
    const pay = {
      ...unquoted,
      paymentQuote: { quoteId: 'Q1', quoteCurrencyPair: 'USD/HKD', quotePrice: '7.801' },
    };
    expect((await world.service.pay(pay)).result.resultCode).toBe('SUCCESS');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(100_000n - 7801n);
    const refund = (id: string, value: number) =>
      world.service.refund({
        refundRequestId: id,
        paymentRequestId: pay.paymentRequestId,
        paymentId: null,
        refundAmount: money('USD', value),
        refundFromAmount: null,
        refundReason: null,
      });
    // 333 * 7801 / 1000 = 2597.733 -> 2597 (rounded down).
    expect((await refund('R1', 333)).refundFromAmount).toEqual({ currency: 'HKD', value: '2597' });
    expect((await refund('R2', 333)).refundFromAmount).toEqual({ currency: 'HKD', value: '2597' });
    // The last refund returns exactly the rest: 7801 - 5194 = 2607.
    expect((await refund('R3', 334)).refundFromAmount).toEqual({ currency: 'HKD', value: '2607' });
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(100_000n);
    expect((await refund('R4', 1)).result.resultCode).toBe('REFUND_AMOUNT_EXCEED');
    // Nothing is left in either currency, whichever the refund is given in.
    const walletCurrency = await world.service.refund({
      refundRequestId: 'R5',
      paymentRequestId: pay.paymentRequestId,
      paymentId: null,
      refundAmount: money('HKD', 1),
      refundFromAmount: null,
      refundReason: null,
    });
    expect(walletCurrency.result.resultCode).toBe('REFUND_AMOUNT_EXCEED');
  });

  it('converts a refund given in the wallet currency at the payment rate, never refuses it', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 100_000));
    const pay = payCommand({
      customerId: 'C1',
      paymentAmount: money('USD', 1000),
      payToAmount: money('HKD', 7801),
      paymentQuote: { quoteId: 'Q1', quoteCurrencyPair: 'USD/HKD', quotePrice: '7.801' },
    });
    expect((await world.service.pay(pay)).result.resultCode).toBe('SUCCESS');
    const refund = (id: string, currency: string, value: number) =>
      world.service.refund({
        refundRequestId: id,
        paymentRequestId: pay.paymentRequestId,
        paymentId: null,
        refundAmount: money(currency, value),
        refundFromAmount: null,
        refundReason: null,
      });
    // HKD 2600 back as it is; it counts as USD 2600 * 1000 / 7801 = 333.29 -> 333 against the payment.
    const first = await refund('RX1', 'HKD', 2600);
    expect(first).toMatchObject({
      result: { resultCode: 'SUCCESS' },
      refundFromAmount: { currency: 'HKD', value: '2600' },
    });
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(100_000n - 7801n + 2600n);
    const row = await store.db
      .selectFrom('payments')
      .select(['refunded_minor', 'refunded_from_minor'])
      .where('payment_request_id', '=', pay.paymentRequestId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ refunded_minor: 333n, refunded_from_minor: 2600n });
    // The rest in USD (667) returns exactly the rest in HKD (5201).
    expect((await refund('RX2', 'USD', 667)).refundFromAmount).toEqual({ currency: 'HKD', value: '5201' });
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(100_000n);
    // (tapkit) a third currency has no rate of this payment.
    expect((await refund('RX3', 'EUR', 1)).result.resultCode).toBe('CURRENCY_NOT_SUPPORT');
  });

  it('keeps payments refundable for a configured window of at least 366 days', async () => {
    const longer = createPaymentService({
      store,
      clock: world.clock,
      ids: counterIds(),
      refundWindowDays: 400,
    });
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1' });
    await longer.pay(pay);
    const refund = (id: string) =>
      longer.refund({
        refundRequestId: id,
        paymentRequestId: pay.paymentRequestId,
        paymentId: null,
        refundAmount: money('HKD', 100),
        refundFromAmount: null,
        refundReason: null,
      });
    await world.clock.advanceMs(399 * 86_400_000);
    expect((await refund('RW1')).result.resultCode).toBe('SUCCESS');
    await world.clock.advanceMs(1 * 86_400_000 + 1);
    expect((await refund('RW2')).result.resultCode).toBe('REFUND_WINDOW_EXCEED');
  });

  it('refuses refunds of unknown payments and after 366 days', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1' });
    await world.service.pay(pay);
    const refund = (id: string, paymentRequestId: string) =>
      world.service.refund({
        refundRequestId: id,
        paymentRequestId,
        paymentId: null,
        refundAmount: money('HKD', 100),
        refundFromAmount: null,
        refundReason: null,
      });
    expect((await refund('R1', 'UNKNOWN')).result.resultCode).toBe('ORDER_NOT_EXIST');
    await world.clock.advanceMs(366 * 86_400_000 + 1);
    expect((await refund('R2', pay.paymentRequestId)).result.resultCode).toBe('REFUND_WINDOW_EXCEED');
  });

  it('settles racing pay and cancel of one id either way, and always returns the money', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    for (let round = 0; round < 10; round++) {
      const pay = payCommand({ customerId: 'C1' });
      const [paid, cancelled] = await Promise.all([
        world.service.pay(pay),
        world.service.cancelPayment(pay.paymentRequestId),
      ]);
      expect(cancelled.result.resultCode).toBe('SUCCESS');
      expect(['SUCCESS', 'ORDER_IS_CLOSED']).toContain(paid.result.resultCode);
      expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
      const inquiry = await world.service.inquiryPayment(pay.paymentRequestId);
      expect(inquiry.paymentResult?.resultCode).toBe('ORDER_IS_CLOSED');
    }
  });

  it('lets concurrent refunds of one payment through only up to the paid amount', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const pay = payCommand({ customerId: 'C1' });
    await world.service.pay(pay);
    const refund = (refundRequestId: string) =>
      world.service.refund({
        refundRequestId,
        paymentRequestId: pay.paymentRequestId,
        paymentId: null,
        refundAmount: money('HKD', 300),
        refundFromAmount: null,
        refundReason: null,
      });
    const distinct = await Promise.all(Array.from({ length: 10 }, (_, i) => refund(`R${i}`)));
    const codes = distinct.map((answer) => answer.result.resultCode);
    expect(codes.filter((code) => code === 'SUCCESS')).toHaveLength(3);
    expect(codes.filter((code) => code === 'REFUND_AMOUNT_EXCEED')).toHaveLength(7);
    const same = await Promise.all(Array.from({ length: 10 }, () => refund('R-SAME')));
    for (const answer of same) expect(answer).toEqual(same[0]);
    expect(same[0]?.result.resultCode).toBe('REFUND_AMOUNT_EXCEED');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n + 900n);
  });

  it('gives concurrent duplicates with no customer to lock one effect and one answer', async () => {
    const same = async <T>(call: () => Promise<T>): Promise<T> => {
      const answers = await Promise.all(Array.from({ length: 20 }, call));
      for (const answer of answers) expect(answer).toEqual(answers[0]);
      return answers[0] as T;
    };
    const stranger = payCommand({ customerId: 'NOBODY' });
    expect((await same(() => world.service.pay(stranger))).result.resultCode).toBe('USER_NOT_EXIST');
    expect((await same(() => world.service.cancelPayment('NEVER-PAID'))).result.resultCode).toBe('SUCCESS');
    const parked = await same(() =>
      world.service.adjustRefund({
        refundRequestId: 'A-PARKED',
        customerId: 'NOBODY',
        refundAmount: money('HKD', 40),
        subScenarioType: 'UNLINKED_REFUND',
        paymentRequestId: null,
        details: {},
      }),
    );
    expect(parked.result.resultCode).toBe('SUCCESS');
    expect((await readAccount(store.db, 'S:SUSPENSE:HKD'))?.balanceMinor).toBe(40n);
  });

  it('answers U UNKNOWN_EXCEPTION when storage fails, storing nothing', async () => {
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
    const broken = makeWorld(store);
    const pay = payCommand({ customerId: 'C1' });
    await store.db.schema.alterTable('notify_outbox').renameTo('notify_outbox_away').execute();
    const answer = await broken.service.pay(pay);
    expect(answer).toEqual({
      result: expect.objectContaining({ resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' }),
    });
    expect(broken.errors).toHaveLength(1);
    await store.db.schema.alterTable('notify_outbox_away').renameTo('notify_outbox').execute();
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
    expect((await world.service.inquiryPayment(pay.paymentRequestId)).result.resultCode).toBe(
      'ORDER_NOT_EXIST',
    );
  });
});
