import { VirtualClock } from '@tapkit/protocol';
import type { PreparedRequest } from '@tapkit/protocol/node';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { testEngines } from './support/engines.ts';
import { expectLedgerSound, fundedCustomer, money, START_MS } from './support/fixtures.ts';
import { type RunningMpp, startMpp } from './support/http.ts';

// Bad input gets a signed F answer and writes nothing: the outcome is read through the real signed
// client (an answer it accepts is a signed one) and the tables are counted before and after.

const validPay = (paymentRequestId: string) => ({
  acquirerId: 'ACQ-1',
  pspId: 'PSP-1',
  paymentRequestId,
  paymentAmount: { currency: 'HKD', value: '1000' },
  payToAmount: { currency: 'HKD', value: '1000' },
  customerId: 'C1',
  paymentMethod: { paymentMethodType: 'CONNECT_WALLET_NFC', paymentMethodId: 'TUR-1' },
  order: { referenceOrderId: 'RO-1' },
  paymentFactor: { authorizationType: 'FINAL' },
});

type Answer = { result: { resultCode: string; resultStatus: string } };

async function rowCounts(store: DbHandle): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [
    'payments',
    'transfers',
    'postings',
    'refunds',
    'adjust_refunds',
    'notify_outbox',
  ] as const) {
    const row = await store.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

describe.each(testEngines())('bad Alipay+ input on $name', (engine) => {
  let store: DbHandle;
  let clock: VirtualClock;
  let mpp: RunningMpp;
  let before: Record<string, number>;

  beforeAll(async () => {
    store = await engine.open();
    clock = new VirtualClock(START_MS);
    mpp = await startMpp(store, clock);
    await fundedCustomer({ store, clock }, 'C1', money('HKD', 10_000));
    before = await rowCounts(store);
  });

  afterEach(async () => {
    expect(await rowCounts(store)).toEqual(before);
    await expectLedgerSound(store);
  });

  afterAll(async () => {
    await mpp.close();
    await store.close();
  });

  async function sendSigned(prepared: PreparedRequest): Promise<Answer> {
    const outcome = await mpp.client.send<Answer>(prepared);
    if (outcome.kind !== 'answered')
      throw new Error(`not a signed answer: ${outcome.reason} ${outcome.detail}`);
    return outcome.response;
  }

  const bytes = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

  it.each([
    ['malformed JSON', '{"paymentRequestId": "PR-1", '],
    ['a JSON array', '[1, 2]'],
    [
      'a number where a string belongs',
      { ...validPay('PR-2'), paymentAmount: { currency: 'HKD', value: 1000 } },
    ],
    // (tapkit) "" counts as absent: for a required field that makes it missing.
    ['"" for a required field', { ...validPay('PR-3'), acquirerId: '' }],
    ['"" for order.referenceOrderId', { ...validPay('PR-3B'), order: { referenceOrderId: '' } }],
    ['a negative amount', { ...validPay('PR-4'), payToAmount: { currency: 'HKD', value: '-1000' } }],
    ['a fractional amount', { ...validPay('PR-5'), payToAmount: { currency: 'HKD', value: '10.50' } }],
    [
      'an overflowing amount',
      { ...validPay('PR-6'), payToAmount: { currency: 'HKD', value: '9223372036854775808' } },
    ],
    ['a leading zero', { ...validPay('PR-7'), payToAmount: { currency: 'HKD', value: '01000' } }],
    ['an unknown currency', { ...validPay('PR-8'), paymentAmount: { currency: 'XYZ', value: '1000' } }],
    [
      'a zero amount',
      {
        ...validPay('PR-9'),
        paymentAmount: { currency: 'HKD', value: '0' },
        payToAmount: { currency: 'HKD', value: '0' },
      },
    ],
    ['a missing required field', { ...validPay('PR-10'), paymentRequestId: undefined }],
    ['a missing order', { ...validPay('PR-10B'), order: undefined }],
    [
      'currencies that differ without a quote',
      { ...validPay('PR-11'), paymentAmount: { currency: 'USD', value: '100' } },
    ],
  ])('answers PARAM_ILLEGAL to %s', async (_name, body) => {
    const answer = await sendSigned(mpp.client.prepareBytes('pay', bytes(body)));
    expect(answer.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
  });

  it('answers PARAM_ILLEGAL to a body over the size limit', async () => {
    const body = { ...validPay('PR-BIG'), padding: 'x'.repeat(70 * 1024) };
    const answer = await sendSigned(mpp.client.prepareBytes('pay', bytes(body)));
    expect(answer.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
  });

  it('answers INVALID_SIGNATURE to a forged signature', async () => {
    const forger = mpp.clientWith({ signWithMppKey: true });
    const outcome = await forger.send<Answer>(forger.prepare('pay', validPay('PR-FORGED')));
    expect(outcome.kind === 'answered' && outcome.response.result).toMatchObject({
      resultCode: 'INVALID_SIGNATURE',
      resultStatus: 'F',
    });
  });

  it('answers INVALID_SIGNATURE to a body changed after signing', async () => {
    const prepared = mpp.client.prepare('pay', validPay('PR-TAMPERED'));
    const tampered = { ...prepared, body: Buffer.from(prepared.body.toString().replace('"1000"', '"1"')) };
    expect((await sendSigned(tampered)).result).toMatchObject({
      resultCode: 'INVALID_SIGNATURE',
      resultStatus: 'F',
    });
  });

  it('refuses a request without a signature', async () => {
    const prepared = mpp.client.prepare('pay', validPay('PR-UNSIGNED'));
    const { signature: _dropped, ...headers } = prepared.headers;
    const answer = await sendSigned({ ...prepared, headers });
    expect(answer.result.resultStatus).toBe('F');
    expect(['INVALID_SIGNATURE', 'PARAM_ILLEGAL']).toContain(answer.result.resultCode);
  });

  it('answers INVALID_SIGNATURE to a stale Request-Time', async () => {
    // The late client accepts the (to it, future) answer's Response-Time, so it can read the refusal.
    const late = mpp.clientWith({ clock: new VirtualClock(START_MS - 10 * 60_000), freshnessMs: 3_600_000 });
    const outcome = await late.send<Answer>(late.prepare('pay', validPay('PR-STALE')));
    expect(outcome.kind === 'answered' && outcome.response.result).toMatchObject({
      resultCode: 'INVALID_SIGNATURE',
      resultStatus: 'F',
    });
  });

  it('answers INVALID_CLIENT to an unknown Client-Id', async () => {
    const stranger = mpp.clientWith({ clientId: 'SOMEONE_ELSE' });
    const outcome = await stranger.send<Answer>(stranger.prepare('pay', validPay('PR-STRANGER')));
    expect(outcome.kind === 'answered' && outcome.response.result).toMatchObject({
      resultCode: 'INVALID_CLIENT',
      resultStatus: 'F',
    });
  });

  // Valid skeletons of every Alipay+ -> MPP API; the fuzz replaces one field with junk of any type.
  const skeletons = {
    pay: validPay('PR-FUZZ'),
    inquiryPayment: { acquirerId: 'ACQ-1', pspId: 'PSP-1', paymentRequestId: 'PR-FUZZ' },
    cancelPayment: { acquirerId: 'ACQ-1', pspId: 'PSP-1', paymentRequestId: 'PR-FUZZ' },
    refund: {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      paymentRequestId: 'PR-FUZZ',
      paymentId: 'P-FUZZ',
      refundRequestId: 'RR-FUZZ',
      refundAmount: { currency: 'HKD', value: '100' },
    },
    adjustRefund: {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      refundRequestId: 'AR-FUZZ',
      customerId: 'C1',
      refundAmount: { currency: 'HKD', value: '100' },
      subScenarioType: 'UNLINKED_REFUND',
    },
  } as const;
  const idFields = ['paymentRequestId', 'acquirerId', 'pspId', 'customerId', 'paymentId', 'refundRequestId'];
  // Only the documented-required fields are fuzzed: an optional one that is null or "" counts as absent
  // (liberal acceptance), so junk there is not necessarily bad input.
  const optionalFields: Record<keyof typeof skeletons, readonly string[]> = {
    pay: ['payToAmount', 'customerId', 'paymentMethod', 'paymentFactor'],
    inquiryPayment: [],
    cancelPayment: [],
    refund: ['paymentId'],
    adjustRefund: [],
  };

  it('answers signed PARAM_ILLEGAL to fuzzed bodies of every API and writes nothing', async () => {
    const junk = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.constant(''),
      fc.array(fc.string()),
      fc.object(),
    );
    const apiAndField = fc.constantFrom(
      ...Object.entries(skeletons).flatMap(([api, body]) =>
        Object.keys(body)
          .filter((field) => !optionalFields[api as keyof typeof skeletons].includes(field))
          .map((field) => [api, field] as const),
      ),
    );
    await fc.assert(
      fc.asyncProperty(apiAndField, junk, async ([api, field], value) => {
        // A 1..64 character string is a valid id: not bad input.
        fc.pre(
          !(idFields.includes(field) && typeof value === 'string' && value.length > 0 && value.length <= 64),
        );
        const body = { ...skeletons[api as keyof typeof skeletons], [field]: value };
        const answer = await sendSigned(mpp.client.prepareBytes(api as keyof typeof skeletons, bytes(body)));
        expect(answer.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
      }),
      { numRuns: 150 },
    );
  });
});
