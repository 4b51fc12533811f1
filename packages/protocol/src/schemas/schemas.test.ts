import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { API_NAMES, type ApiName } from '../result-codes.ts';
import {
  AdjustRefundRequestSchema,
  customerIdOf,
  InquiryPaymentResponseSchema,
  NotifyPaymentRequestSchema,
  PayRequestSchema,
  PayResponseSchema,
  REQUEST_SCHEMAS,
  RESPONSE_SCHEMAS,
  WireAmountSchema,
} from './index.ts';
import { REQUEST_SAMPLES, RESPONSE_SAMPLES } from './samples.ts';

type Json = Record<string, unknown>;
type Path = readonly string[];

/** The APIs Alipay+ calls on the MPP: their requests are received liberally ("" counts as absent). */
const MPP_HOSTED_APIS = ['pay', 'inquiryPayment', 'cancelPayment', 'refund', 'adjustRefund'] as const;

function leafAt(value: unknown, path: Path): unknown {
  let node: unknown = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Json)[key];
  }
  return node;
}

const clone = <T>(value: T): T => structuredClone(value);

/** Paths of every string leaf in a sample (the samples contain no arrays). */
function stringLeafPaths(value: unknown, prefix: Path = []): Path[] {
  if (typeof value === 'string') return [prefix];
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) => stringLeafPaths(child, [...prefix, key]));
}

function withLeaf(sample: Json, path: Path, leaf: unknown): Json {
  const copy = clone(sample);
  let node: Json = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  node[path.at(-1)!] = leaf;
  return copy;
}

function without(sample: Json, path: Path): Json {
  const copy = clone(sample);
  let node: Json = copy;
  for (const key of path.slice(0, -1)) node = node[key] as Json;
  delete node[path.at(-1)!];
  return copy;
}

const issuePaths = (schema: z.ZodType, body: unknown): string[] => {
  const parsed = schema.safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.path.join('.'));
};

const sides = [
  ['request', REQUEST_SCHEMAS, REQUEST_SAMPLES],
  ['response', RESPONSE_SCHEMAS, RESPONSE_SAMPLES],
] as const;

// resultMessage is the only required string that may be empty: peers send "" for it in practice.
const emptyAllowed = (path: Path): boolean => path.at(-1) === 'resultMessage';

describe.each(sides)('%s schemas', (_side, schemas, samples) => {
  describe.each(API_NAMES)('%s', (api: ApiName) => {
    const schema: z.ZodType = schemas[api];
    const sample = samples[api];

    it('accepts the valid sample unchanged', () => {
      const parsed = schema.safeParse(sample);
      expect(parsed.success ? true : parsed.error.issues).toBe(true);
      expect(parsed.data).toEqual(sample);
    });

    it('rejects a number or a boolean in place of any string', () => {
      for (const path of stringLeafPaths(sample)) {
        expect(schema.safeParse(withLeaf(sample, path, 1)).success, path.join('.')).toBe(false);
        expect(schema.safeParse(withLeaf(sample, path, true)).success, path.join('.')).toBe(false);
      }
    });

    it('treats "" as absent on receipt at the MPP, and rejects it everywhere else', () => {
      const liberal = _side === 'request' && (MPP_HOSTED_APIS as readonly string[]).includes(api);
      for (const path of stringLeafPaths(sample)) {
        if (emptyAllowed(path)) continue;
        const parsed = schema.safeParse(withLeaf(sample, path, ''));
        if (!liberal) {
          expect(parsed.success, path.join('.')).toBe(false);
          continue;
        }
        // Either the field is optional (accepted, and gone from the parsed body) or it is required
        // (refused as missing): never kept as "".
        if (parsed.success) expect(leafAt(parsed.data, path), path.join('.')).toBeUndefined();
        else expect(parsed.error.issues[0]?.path.join('.'), path.join('.')).toBe(path.join('.'));
      }
    });

    it('keeps unknown fields at every level', () => {
      const extended: Json = { ...clone(sample as Json), futureField: { nested: 'x' } };
      if (typeof extended.result === 'object') extended.result = { ...(extended.result as Json), extra: '1' };
      const parsed = schema.safeParse(extended);
      expect(parsed.success).toBe(true);
      expect(parsed.data).toEqual(extended);
    });

    it('rejects what is not an object', () => {
      for (const body of [null, [], 'x', 1, true]) expect(schema.safeParse(body).success).toBe(false);
    });
  });
});

// Optional fields of each request: absent and null are both fine.
const optionalRequestFields: Record<ApiName, Path[]> = {
  pay: [
    ['customerId'],
    ['paymentFactor'],
    ['paymentFactor', 'authorizationType'],
    ['paymentFactor', 'inStorePaymentScenario'],
    ['paymentMethod', 'paymentMethodType'],
    ['paymentMethod', 'paymentMethodId'],
    ['order', 'merchant', 'referenceMerchantId'],
    ['order', 'env', 'storeTerminalId'],
    ['paymentMethod'],
    ['nfcTransactionInfo'],
    ['customData'],
    ['paymentExpiryTime'],
    ['paymentNotifyUrl'],
    ['order', 'orderDescription'],
    ['order', 'merchant'],
    ['order', 'env'],
    ['paymentFactor', 'isInStorePayment'],
    ['nfcTransactionInfo', 'atc'],
  ],
  inquiryPayment: [['paymentId']],
  cancelPayment: [],
  refund: [['paymentId'], ['refundFromAmount'], ['refundReason']],
  adjustRefund: [['merchant'], ['networkTraceId'], ['merchant', 'merchantAddress']],
  notifyPayment: [['paymentTime']],
  sdkProxy: [],
};

const requiredRequestFields: Record<ApiName, Path[]> = {
  // (doc) the only required fields of pay; the customer is found by the MPP (customerId or paymentMethod).
  pay: [
    ['acquirerId'],
    ['pspId'],
    ['paymentRequestId'],
    ['paymentAmount'],
    ['order'],
    ['order', 'referenceOrderId'],
  ],
  inquiryPayment: [['acquirerId'], ['pspId'], ['paymentRequestId']],
  cancelPayment: [['acquirerId'], ['pspId'], ['paymentRequestId']],
  refund: [['paymentRequestId'], ['refundRequestId'], ['refundAmount']],
  adjustRefund: [['refundRequestId'], ['customerId'], ['refundAmount'], ['subScenarioType']],
  notifyPayment: [['paymentRequestId'], ['paymentResult'], ['paymentAmount'], ['customerId']],
  sdkProxy: [['customerId'], ['sdkRequestType'], ['sdkRequestHeader'], ['sdkRequestBody']],
};

describe.each(API_NAMES)('%s request fields', (api) => {
  const schema: z.ZodType = REQUEST_SCHEMAS[api];
  const sample = REQUEST_SAMPLES[api];

  it('accepts optional fields absent or null', () => {
    for (const path of optionalRequestFields[api]) {
      expect(issuePaths(schema, without(sample, path)), path.join('.')).toEqual([]);
      expect(issuePaths(schema, withLeaf(sample, path, null)), path.join('.')).toEqual([]);
    }
  });

  it('rejects required fields absent or null', () => {
    for (const path of requiredRequestFields[api]) {
      expect(issuePaths(schema, without(sample, path)), path.join('.')).toContain(path.join('.'));
      expect(schema.safeParse(withLeaf(sample, path, null)).success, path.join('.')).toBe(false);
    }
  });
});

describe('limits and rules', () => {
  const pay = REQUEST_SAMPLES.pay;

  it('limits ids to 64 characters and customData to 256', () => {
    expect(PayRequestSchema.safeParse(withLeaf(pay, ['paymentRequestId'], 'x'.repeat(64))).success).toBe(
      true,
    );
    expect(issuePaths(PayRequestSchema, withLeaf(pay, ['paymentRequestId'], 'x'.repeat(65)))).toEqual([
      'paymentRequestId',
    ]);
    expect(PayRequestSchema.safeParse(withLeaf(pay, ['customData'], 'x'.repeat(256))).success).toBe(true);
    expect(issuePaths(PayRequestSchema, withLeaf(pay, ['customData'], 'x'.repeat(257)))).toEqual([
      'customData',
    ]);
  });

  it('accepts open values of fields the docs do not fix (times, URLs, codes, regions)', () => {
    for (const [path, value] of [
      [['paymentExpiryTime'], '2026-11-25T12:03:00'],
      [['paymentExpiryTime'], '1764043380000'],
      [['paymentNotifyUrl'], 'javascript:alert(1)'],
      [['nfcTransactionInfo', 'atc'], '1f'],
      [['order', 'merchant', 'merchantMCC'], '581'],
      [['order', 'merchant', 'merchantAddress', 'region'], 'HKG'],
    ] as const) {
      expect(issuePaths(PayRequestSchema, withLeaf(pay, path, value)), path.join('.')).toEqual([]);
    }
    // Still bounded.
    expect(issuePaths(PayRequestSchema, withLeaf(pay, ['paymentNotifyUrl'], 'x'.repeat(2049)))).toEqual([
      'paymentNotifyUrl',
    ]);
  });

  it('treats a payToAmount left out as the paymentAmount: no quote needed', () => {
    const bare = without(without(withLeaf(pay, ['paymentAmount', 'currency'], 'HKD'), ['payToAmount']), [
      'paymentQuote',
    ]);
    expect(issuePaths(PayRequestSchema, bare)).toEqual([]);
  });

  it('reads the customer from customerId, else paymentMethod.customerId', () => {
    const parse = (body: Json) => PayRequestSchema.parse(body);
    expect(customerIdOf(parse(pay))).toBe('C-42');
    const inMethod = withLeaf(without(pay, ['customerId']), ['paymentMethod', 'customerId'], 'C-7');
    expect(customerIdOf(parse(inMethod))).toBe('C-7');
    expect(customerIdOf(parse(withLeaf(inMethod, ['customerId'], '')))).toBe('C-7');
    expect(customerIdOf(parse(without(pay, ['customerId'])))).toBeNull();
  });

  it('validates amounts with the amount rules', () => {
    expect(issuePaths(WireAmountSchema, { currency: 'HKD', value: '010' })).toEqual(['value']);
    expect(issuePaths(WireAmountSchema, { currency: 'HKD', value: '9223372036854775808' })).toEqual([
      'value',
    ]);
    expect(issuePaths(WireAmountSchema, { currency: 'ZZZ', value: '1' })).toEqual(['currency']);
    expect(issuePaths(WireAmountSchema, { currency: 'HKD', value: 1 })).toEqual(['value']);
    expect(issuePaths(PayRequestSchema, withLeaf(pay, ['paymentAmount', 'value'], '-5'))).toEqual([
      'paymentAmount.value',
    ]);
  });

  it('requires a paymentQuote when the currencies differ, and one for those currencies', () => {
    const parsed = PayRequestSchema.safeParse(without(pay, ['paymentQuote']));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['paymentQuote']);
    expect(parsed.error?.issues[0]?.message).toMatch(/paymentQuote is required .*USD.*HKD/);
    const sameCurrency = withLeaf(without(pay, ['paymentQuote']), ['payToAmount', 'currency'], 'USD');
    expect(issuePaths(PayRequestSchema, sameCurrency)).toEqual([]);
    expect(
      issuePaths(PayRequestSchema, withLeaf(pay, ['paymentQuote', 'quoteCurrencyPair'], 'HKD/USD')),
    ).toEqual([]);
    expect(
      issuePaths(PayRequestSchema, withLeaf(pay, ['paymentQuote', 'quoteCurrencyPair'], 'EUR/HKD')),
    ).toEqual(['paymentQuote.quoteCurrencyPair']);
    expect(issuePaths(PayRequestSchema, withLeaf(pay, ['paymentQuote', 'quotePrice'], '0.000'))).toEqual([
      'paymentQuote.quotePrice',
    ]);
  });

  it('checks enums and the authorization link', () => {
    expect(
      issuePaths(PayRequestSchema, withLeaf(pay, ['paymentFactor', 'authorizationType'], 'FINALLY')),
    ).toEqual(['paymentFactor.authorizationType']);
    expect(issuePaths(PayRequestSchema, without(pay, ['paymentFactor', 'originalPaymentRequestId']))).toEqual(
      ['paymentFactor.originalPaymentRequestId'],
    );
    const final = withLeaf(
      without(pay, ['paymentFactor', 'originalPaymentRequestId']),
      ['paymentFactor', 'authorizationType'],
      'FINAL',
    );
    expect(issuePaths(PayRequestSchema, final)).toEqual([]);
    // Open strings: values the docs do not fix are accepted (the MPP logs and stores them).
    expect(
      issuePaths(PayRequestSchema, withLeaf(pay, ['paymentFactor', 'isInStorePayment'], 'TRUE')),
    ).toEqual([]);
    expect(
      issuePaths(PayRequestSchema, withLeaf(pay, ['paymentMethod', 'paymentMethodType'], 'CARD')),
    ).toEqual([]);
    expect(
      issuePaths(PayRequestSchema, withLeaf(pay, ['paymentFactor', 'inStorePaymentScenario'], 'OrderCode')),
    ).toEqual([]);
    const adjust = REQUEST_SAMPLES.adjustRefund;
    expect(issuePaths(AdjustRefundRequestSchema, without(adjust, ['paymentRequestId']))).toEqual([
      'paymentRequestId',
    ]);
    const unlinked = withLeaf(without(adjust, ['paymentRequestId']), ['subScenarioType'], 'UNLINKED_REFUND');
    expect(issuePaths(AdjustRefundRequestSchema, unlinked)).toEqual([]);
  });

  it('never notifies U, and a notified success names the payment', () => {
    const notify = REQUEST_SAMPLES.notifyPayment;
    const inProcess = { resultCode: 'PAYMENT_IN_PROCESS', resultStatus: 'U', resultMessage: 'x' };
    expect(issuePaths(NotifyPaymentRequestSchema, withLeaf(notify, ['paymentResult'], inProcess))).toEqual([
      'paymentResult.resultStatus',
    ]);
    expect(issuePaths(NotifyPaymentRequestSchema, without(notify, ['paymentId']))).toEqual(['paymentId']);
    const closed = { resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F', resultMessage: 'closed' };
    expect(
      issuePaths(
        NotifyPaymentRequestSchema,
        without(withLeaf(notify, ['paymentResult'], closed), ['paymentId']),
      ),
    ).toEqual([]);
  });

  it('requires ids on success responses only', () => {
    expect(issuePaths(PayResponseSchema, without(RESPONSE_SAMPLES.pay, ['paymentId']))).toEqual([
      'paymentId',
    ]);
    const declined = {
      result: { resultCode: 'USER_BALANCE_NOT_ENOUGH', resultStatus: 'F', resultMessage: 'x' },
    };
    expect(issuePaths(PayResponseSchema, declined)).toEqual([]);
    expect(issuePaths(PayResponseSchema, { result: { ...declined.result, resultStatus: 'X' } })).toEqual([
      'result.resultStatus',
    ]);
    expect(
      issuePaths(InquiryPaymentResponseSchema, without(RESPONSE_SAMPLES.inquiryPayment, ['paymentResult'])),
    ).toEqual(['paymentResult']);
    const unknownOrder = { result: { resultCode: 'ORDER_NOT_EXIST', resultStatus: 'F', resultMessage: 'x' } };
    expect(issuePaths(InquiryPaymentResponseSchema, unknownOrder)).toEqual([]);
  });

  it('accepts result codes it does not know', () => {
    const future = { result: { resultCode: 'SOMETHING_NEW', resultStatus: 'F', resultMessage: 'x' } };
    expect(issuePaths(PayResponseSchema, future)).toEqual([]);
  });
});

// Valid bodies with random ids, amounts, missing optional fields and unknown extra fields.
const idArbitrary = fc.string({ minLength: 1, maxLength: 64 });
const extrasArbitrary = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 12 }).map((key) => `x_${key}`),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);
const wireAmountArbitrary = fc.record({
  currency: fc.constantFrom('HKD', 'JPY', 'KWD', 'USD'),
  value: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
});

function validBodyArbitrary(schema: z.ZodType, sample: Json): fc.Arbitrary<Json> {
  const keys = Object.keys(sample);
  // Only fields the schema lets go missing are dropped or nulled, so that most bodies stay valid.
  const optionalKeys = keys.filter(
    (key) =>
      schema.safeParse(without(sample, [key])).success &&
      schema.safeParse(withLeaf(sample, [key], null)).success,
  );
  const none = '-';
  return fc
    .record({
      ids: fc.dictionary(fc.constantFrom(none, ...keys.filter((key) => key.endsWith('Id'))), idArbitrary),
      amounts: fc.dictionary(
        fc.constantFrom(none, ...keys.filter((key) => key.endsWith('Amount'))),
        wireAmountArbitrary,
      ),
      dropped: fc.subarray(optionalKeys),
      nulled: fc.subarray(optionalKeys),
      extras: extrasArbitrary,
    })
    .map(({ ids, amounts, dropped, nulled, extras }) => {
      const body: Json = { ...clone(sample), ...extras };
      for (const [key, value] of [...Object.entries(ids), ...Object.entries(amounts)]) {
        if (key !== none) body[key] = value;
      }
      for (const key of nulled) body[key] = null;
      for (const key of dropped) delete body[key];
      matchQuoteToCurrencies(body);
      // A body comes off the wire as JSON text (which, for one, has no -0).
      return JSON.parse(JSON.stringify(body)) as Json;
    });
}

/** Keeps a pay body's quote consistent with its (randomized) currencies. */
function matchQuoteToCurrencies(body: Json): void {
  const paymentAmount = body.paymentAmount as { currency?: string } | undefined;
  const payToAmount = body.payToAmount as { currency?: string } | undefined;
  const quote = body.paymentQuote as Json | null | undefined;
  if (!paymentAmount || !payToAmount || typeof quote !== 'object' || quote === null) return;
  body.paymentQuote = { ...quote, quoteCurrencyPair: `${paymentAmount.currency}/${payToAmount.currency}` };
}

describe.each(sides)('%s schema properties', (_side, schemas, samples) => {
  it.each(API_NAMES)('%s: an accepted body round-trips through JSON', (api) => {
    const schema: z.ZodType = schemas[api];
    let acceptedCount = 0;
    fc.assert(
      fc.property(validBodyArbitrary(schema, samples[api]), (body) => {
        const first = schema.safeParse(body);
        if (!first.success) return;
        acceptedCount++;
        const again = schema.safeParse(JSON.parse(JSON.stringify(first.data)));
        expect(again.success).toBe(true);
        expect(again.data).toEqual(first.data);
      }),
      { numRuns: 200 },
    );
    // The generator must produce valid bodies often, or the property says nothing.
    expect(acceptedCount).toBeGreaterThan(100);
  });

  it.each(API_NAMES)('%s: garbage never throws', (api) => {
    const schema: z.ZodType = schemas[api];
    const garbage = fc.oneof(
      fc.anything(),
      fc.jsonValue(),
      fc.dictionary(fc.constantFrom(...Object.keys(samples[api])), fc.jsonValue()),
    );
    fc.assert(
      fc.property(garbage, (body) => {
        expect(() => schema.safeParse(body)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});
