import { VirtualClock } from '@tapkit/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { testEngines } from './support/engines.ts';
import {
  balanceOf,
  expectLedgerSound,
  fundedCustomer,
  money,
  START_MS,
  type World,
} from './support/fixtures.ts';
import { type RunningMpp, startMpp } from './support/http.ts';

// The Alipay+ -> MPP APIs end to end: the real signed client against the app listening on loopback.

let sequence = 0;
const nextId = (prefix: string) => `${prefix}-${++sequence}`;

function payBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    acquirerId: 'ACQ-1',
    pspId: 'PSP-1',
    paymentRequestId: nextId('PR'),
    paymentAmount: { currency: 'HKD', value: '1000' },
    payToAmount: { currency: 'HKD', value: '1000' },
    customerId: 'C1',
    paymentMethod: { paymentMethodType: 'CONNECT_WALLET_NFC', paymentMethodId: 'TUR-1' },
    order: { referenceOrderId: 'RO-1', merchant: { merchantId: 'M-1', merchantName: 'Coffee' } },
    paymentFactor: { isInStorePayment: 'true', inStorePaymentScenario: 'NFC', authorizationType: 'FINAL' },
    nfcTransactionInfo: { networkTraceId: 'NT-1', atc: '001F', posEntryMode: '071', cvmPerformed: 'false' },
    customData: 'basket-7',
    ...overrides,
  };
}

type Answer = { result: { resultCode: string; resultStatus: string } } & Record<string, unknown>;

describe.each(testEngines())('Alipay+ routes on $name', (engine) => {
  let store: DbHandle;
  let clock: VirtualClock;
  let mpp: RunningMpp;
  let world: World;

  beforeEach(async () => {
    store = await engine.open();
    clock = new VirtualClock(START_MS);
    mpp = await startMpp(store, clock);
    world = { store, clock, service: mpp.app.payments, errors: [] };
    await fundedCustomer(world, 'C1', money('HKD', 10_000));
  });

  afterEach(async () => {
    await expectLedgerSound(store);
    await mpp.close();
    await store.close();
  });

  async function call(api: Parameters<RunningMpp['client']['call']>[0], body: object): Promise<Answer> {
    const outcome = await mpp.client.call<Answer>(api, body);
    if (outcome.kind !== 'answered') throw new Error(`${api}: ${outcome.reason} ${outcome.detail}`);
    return outcome.response;
  }

  it('runs pay, inquiry, three refunds and a refused cancel, and replays each call byte for byte', async () => {
    const pay = mpp.client.prepare(
      'pay',
      payBody({
        paymentAmount: { currency: 'HKD', value: '3000' },
        payToAmount: { currency: 'HKD', value: '3000' },
      }),
    );
    const paid = await mpp.client.send<Answer>(pay);
    if (paid.kind !== 'answered') throw new Error(paid.kind);
    expect(paid.response.result.resultCode).toBe('SUCCESS');
    const paymentRequestId = JSON.parse(pay.body.toString()).paymentRequestId as string;
    const paymentId = paid.response.paymentId as string;

    const inquiry = await call('inquiryPayment', { acquirerId: 'ACQ-1', pspId: 'PSP-1', paymentRequestId });
    expect(inquiry).toMatchObject({
      result: { resultCode: 'SUCCESS' },
      paymentResult: { resultCode: 'SUCCESS' },
      paymentId,
    });

    const refund = (refundRequestId: string, value: string) =>
      mpp.client.prepare('refund', {
        acquirerId: 'ACQ-1',
        pspId: 'PSP-1',
        paymentRequestId,
        paymentId,
        refundRequestId,
        refundAmount: { currency: 'HKD', value },
      });
    const refunds = [refund('RR-1', '1000'), refund('RR-2', '1500'), refund('RR-3', '501')];
    const cancel = mpp.client.prepare('cancelPayment', {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      paymentRequestId,
    });
    const calls = [pay, ...refunds, cancel];
    const first = [];
    for (const prepared of calls.slice(1)) first.push(await mpp.client.send<Answer>(prepared));
    const codes = first.map((o) => (o.kind === 'answered' ? o.response.result.resultCode : o.reason));
    expect(codes).toEqual(['SUCCESS', 'SUCCESS', 'REFUND_AMOUNT_EXCEED', 'ORDER_STATUS_INVALID']);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9500n);

    // Re-sending the identical bytes gets the identical answer body, and changes nothing.
    const firstRaw = [paid, ...first].map((o) => (o.kind === 'answered' ? o.raw.toString() : o.reason));
    const againRaw = [];
    for (const prepared of calls) {
      const outcome = await mpp.client.send<Answer>(prepared);
      againRaw.push(outcome.kind === 'answered' ? outcome.raw.toString() : outcome.reason);
    }
    expect(againRaw).toEqual(firstRaw);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9500n);
  });

  it('answers REPEAT_REQ_INCONSISTENT for the same paymentRequestId with another amount', async () => {
    const body = payBody();
    expect((await call('pay', body)).result.resultCode).toBe('SUCCESS');
    const changed = await call('pay', {
      ...body,
      paymentAmount: { currency: 'HKD', value: '999' },
      payToAmount: { currency: 'HKD', value: '999' },
    });
    expect(changed.result).toMatchObject({ resultCode: 'REPEAT_REQ_INCONSISTENT', resultStatus: 'F' });
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n);
  });

  it('gives 100 concurrent identical pays one debit and 100 identical answers', async () => {
    const prepared = mpp.client.prepare('pay', payBody());
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => mpp.client.send<Answer>(prepared)));
    const raws = outcomes.map((o) => (o.kind === 'answered' ? o.raw.toString() : o.reason));
    expect(new Set(raws).size).toBe(1);
    expect(JSON.parse(raws[0] ?? '{}').result.resultCode).toBe('SUCCESS');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n);
  });

  it('lets exactly k of N concurrent distinct pays succeed', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 25 }, () =>
        call(
          'pay',
          payBody({
            paymentAmount: { currency: 'HKD', value: '700' },
            payToAmount: { currency: 'HKD', value: '700' },
          }),
        ),
      ),
    );
    const successes = outcomes.filter((o) => o.result.resultCode === 'SUCCESS');
    expect(successes).toHaveLength(14); // 10000 / 700 = 14 r 200
    expect(outcomes.filter((o) => o.result.resultCode === 'USER_BALANCE_NOT_ENOUGH')).toHaveLength(11);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(200n);
  });

  it('debits payToAmount for a foreign-currency pay and refunds in both currencies', async () => {
    const body = payBody({
      paymentAmount: { currency: 'USD', value: '1000' },
      payToAmount: { currency: 'HKD', value: '7812' },
      paymentQuote: { quoteId: 'Q-1', quoteCurrencyPair: 'USD/HKD', quotePrice: '7.8123' },
    });
    const paid = await call('pay', body);
    expect(paid).toMatchObject({
      result: { resultCode: 'SUCCESS' },
      payToAmount: { currency: 'HKD', value: '7812' },
    });
    const refund = (refundRequestId: string, value: string, refundFromAmount?: object) =>
      call('refund', {
        acquirerId: 'ACQ-1',
        pspId: 'PSP-1',
        paymentRequestId: body.paymentRequestId,
        paymentId: paid.paymentId,
        refundRequestId,
        refundAmount: { currency: 'USD', value },
        ...(refundFromAmount === undefined ? {} : { refundFromAmount }),
      });
    expect(await refund('FX-R1', '400', { currency: 'HKD', value: '3000' })).toMatchObject({
      refundFromAmount: { currency: 'HKD', value: '3000' },
    });
    // Without refundFromAmount the rest of the payment returns the rest of the wallet amount.
    expect(await refund('FX-R2', '600')).toMatchObject({
      refundFromAmount: { currency: 'HKD', value: '4812' },
    });
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
    const inquiry = await call('inquiryPayment', {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      paymentRequestId: body.paymentRequestId,
      paymentId: 'SOMEONE-ELSES',
    });
    expect(inquiry.result.resultCode).toBe('ORDER_NOT_EXIST');
  });

  it('closes a payment cancelled before its pay arrives', async () => {
    const body = payBody();
    const cancel = await call('cancelPayment', {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      paymentRequestId: body.paymentRequestId,
    });
    expect(cancel.result.resultCode).toBe('SUCCESS');
    const late = await call('pay', body);
    expect(late.result).toMatchObject({ resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F' });
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
  });

  it('credits the user for adjustRefund EXCEED_REFUND and UNLINKED_REFUND', async () => {
    const body = payBody();
    await call('pay', body);
    const exceed = await call('adjustRefund', {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      refundRequestId: 'AR-1',
      customerId: 'C1',
      refundAmount: { currency: 'HKD', value: '300' },
      subScenarioType: 'EXCEED_REFUND',
      paymentRequestId: body.paymentRequestId,
    });
    const unlinked = await call('adjustRefund', {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      refundRequestId: 'AR-2',
      customerId: 'C1',
      refundAmount: { currency: 'HKD', value: '50' },
      subScenarioType: 'UNLINKED_REFUND',
    });
    expect([exceed.result.resultCode, unlinked.result.resultCode]).toEqual(['SUCCESS', 'SUCCESS']);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n + 350n);
  });
});
