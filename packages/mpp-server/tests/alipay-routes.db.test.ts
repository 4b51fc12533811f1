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

  it('runs pay, inquiry, three refunds and a cancel, and replays each call byte for byte', async () => {
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
    // (doc) The cancel after partial refunds succeeds and returns what is still held (500).
    expect(codes).toEqual(['SUCCESS', 'SUCCESS', 'REFUND_AMOUNT_EXCEED', 'SUCCESS']);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);

    // Re-sending the identical bytes gets the identical answer body, and changes nothing.
    const firstRaw = [paid, ...first].map((o) => (o.kind === 'answered' ? o.raw.toString() : o.reason));
    const againRaw = [];
    for (const prepared of calls) {
      const outcome = await mpp.client.send<Answer>(prepared);
      againRaw.push(outcome.kind === 'answered' ? outcome.raw.toString() : outcome.reason);
    }
    expect(againRaw).toEqual(firstRaw);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
  });

  // Liberal acceptance (docs/protocol/alipayplus-api.md#accept-what-the-real-alipay-sends).
  const storedRequest = async (paymentRequestId: string) => {
    const row = await store.db
      .selectFrom('payments')
      .select(['request_json', 'details_json', 'customer_id', 'status'])
      .where('payment_request_id', '=', paymentRequestId)
      .executeTakeFirstOrThrow();
    return {
      ...row,
      request: JSON.parse(row.request_json ?? 'null') as Record<string, unknown>,
      details: JSON.parse(row.details_json ?? 'null') as Record<string, unknown>,
    };
  };

  it('debits once a minimal pay of the documented-required fields only (customer in paymentMethod)', async () => {
    const paymentRequestId = nextId('PR-MIN');
    const minimal = {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      paymentRequestId,
      paymentAmount: { currency: 'HKD', value: '1000' },
      order: { referenceOrderId: 'RO-MIN' },
      paymentMethod: { customerId: 'C1' },
    };
    const paid = await call('pay', minimal);
    expect(paid).toMatchObject({
      result: { resultCode: 'SUCCESS', resultStatus: 'S' },
      customerId: 'C1',
      payToAmount: { currency: 'HKD', value: '1000' },
    });
    expect(await call('pay', minimal)).toEqual(paid);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n);
    const stored = await storedRequest(paymentRequestId);
    // (tapkit) authorizationType absent = FINAL.
    expect(stored.details.paymentFactor).toMatchObject({ authorizationType: 'FINAL' });
  });

  it('debits once a pay built from the Alipay+ models alone, keeping unknown fields', async () => {
    const paymentRequestId = nextId('PR-MODEL');
    const model = {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      paymentRequestId,
      paymentAmount: { currency: 'HKD', value: '1200' },
      paymentMethod: {
        paymentMethodType: 'CONNECT_WALLET',
        paymentMethodId: 'TUR-MODEL',
        customerId: 'C1',
        paymentMethodMetaData: { futureFlag: 'x' },
      },
      order: {
        referenceOrderId: 'RO-MODEL',
        orderAmount: { currency: 'HKD', value: '1200' },
        merchant: {
          referenceMerchantId: 'M-MODEL',
          merchantName: 'Model Shop',
          merchantMCC: '5999',
          merchantAddress: { region: 'HK', city: 'Hong Kong', street: 'unknown to us' },
          store: { referenceStoreId: 'S-1' },
        },
        env: { storeTerminalId: 'T-MODEL', terminalType: 'MINI_APP', osType: 'IOS' },
      },
      paymentFactor: { isInStorePayment: 'true', inStorePaymentScenario: 'PaymentCode' },
      surchargeInfo: { surchargeAmount: { currency: 'HKD', value: '0' } },
      passThroughInfo: '{"k":"v"}',
      brandNewTopLevelField: { nested: ['a', 'b'] },
    };
    const paid = await call('pay', model);
    expect(paid.result.resultCode).toBe('SUCCESS');
    expect(await call('pay', model)).toEqual(paid);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(8800n);
    const stored = await storedRequest(paymentRequestId);
    expect(stored.request).toEqual(model);
    expect(stored.details).toMatchObject({ referenceMerchantId: 'M-MODEL', storeTerminalId: 'T-MODEL' });
    // surchargeInfo is a checked field: another value under the same id is a different request.
    const changed = await call('pay', {
      ...model,
      surchargeInfo: { surchargeAmount: { currency: 'HKD', value: '5' } },
    });
    expect(changed.result.resultCode).toBe('REPEAT_REQ_INCONSISTENT');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(8800n);
  });

  it.each([
    ['payToAmount', { payToAmount: undefined }],
    ['customerId (found in paymentMethod)', { customerId: undefined, paymentMethod: { customerId: 'C1' } }],
    ['paymentMethod', { paymentMethod: undefined }],
    ['paymentFactor', { paymentFactor: undefined }],
    ['order.merchant and order.env', { order: { referenceOrderId: 'RO-1' } }],
    ['nfcTransactionInfo', { nfcTransactionInfo: undefined }],
    ['customData', { customData: undefined }],
    ['"" customData (counts as absent)', { customData: '' }],
    ['"" paymentExpiryTime (counts as absent)', { paymentExpiryTime: '' }],
  ])('debits once a pay with %s absent', async (_name, overrides) => {
    const body = payBody(overrides);
    const paid = await call('pay', body);
    expect(paid.result.resultCode).toBe('SUCCESS');
    expect(await call('pay', body)).toEqual(paid);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n);
  });

  it('finds the customer through the token mapping, and answers USER_NOT_EXIST when nothing names one', async () => {
    await store.db
      .insertInto('token_customers')
      .values({ token_reference: 'TUR-MAPPED', customer_id: 'C1', source: 'TEST', created_at_ms: START_MS })
      .execute();
    const mapped = payBody({ customerId: undefined, paymentMethod: { paymentMethodId: 'TUR-MAPPED' } });
    const paid = await call('pay', mapped);
    expect(paid).toMatchObject({ result: { resultCode: 'SUCCESS' }, customerId: 'C1' });
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n);
    const nobody = payBody({ customerId: undefined, paymentMethod: { paymentMethodId: 'TUR-UNKNOWN' } });
    const refused = await call('pay', nobody);
    expect(refused.result).toMatchObject({ resultCode: 'USER_NOT_EXIST', resultStatus: 'F' });
    expect(await call('pay', nobody)).toEqual(refused);
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(9000n);
  });

  it('answers CURRENCY_NOT_SUPPORT to payToAmount absent with no wallet in paymentAmount currency', async () => {
    const body = payBody({ paymentAmount: { currency: 'USD', value: '100' }, payToAmount: undefined });
    expect((await call('pay', body)).result.resultCode).toBe('CURRENCY_NOT_SUPPORT');
    expect(await balanceOf(world, 'C1', 'HKD')).toBe(10_000n);
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
