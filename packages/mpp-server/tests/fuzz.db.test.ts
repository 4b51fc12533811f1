import { isResultCode, VirtualClock } from '@tapkit/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { testEngines } from './support/engines.ts';
import { expectLedgerSound, fundedCustomer, money, START_MS } from './support/fixtures.ts';
import { type RunningMpp, startMpp } from './support/http.ts';

// Fuzzing every signed endpoint the MPP hosts (pay, inquiryPayment, cancelPayment, refund, adjustRefund)
// with random and hostile bodies, each signed correctly. Every request goes to one MPP per engine (SQLite,
// and PostgreSQL when TAPKIT_TEST_POSTGRES_URL is set) in the same order, so their states stay in step.
// Properties: the answer is signed (the real client accepts it, hence HTTP 200), carries a catalog code
// and never U (bad input is never "could not decide"); both engines answer the same code and status; and
// the ledger invariants hold on every engine after every run.

/** fast-check runs; each run sends `batchMax` requests at most to every engine. */
const runCount = 150;
const batchMax = 4;

type Api = 'pay' | 'inquiryPayment' | 'cancelPayment' | 'refund' | 'adjustRefund';
type Answer = { result: { resultCode: string; resultStatus: string } };

/** A few ids shared by all generated requests, so pays, cancels and refunds meet each other. */
const ids = fc.constantFrom('F-1', 'F-2', 'F-3', 'F-4');
const amount = fc.record({
  currency: fc.constantFrom('HKD', 'USD', 'JPY'),
  value: fc.constantFrom('1', '50', '100', '999999', '0'),
});

const base: Record<Api, fc.Arbitrary<Record<string, unknown>>> = {
  pay: fc.record({ id: ids, amount, customerId: fc.constantFrom('C1', 'C2', 'NOBODY') }).map((p) => ({
    acquirerId: 'ACQ-1',
    pspId: 'PSP-1',
    paymentRequestId: p.id,
    paymentAmount: p.amount,
    payToAmount: p.amount,
    customerId: p.customerId,
    paymentMethod: { paymentMethodType: 'CONNECT_WALLET_NFC', paymentMethodId: 'TUR-1' },
    order: { referenceOrderId: 'RO-1', merchant: { merchantId: 'M-1', merchantName: 'Tea Shop' } },
    paymentFactor: { isInStorePayment: 'true', authorizationType: 'FINAL' },
    customData: 'cart-1',
  })),
  inquiryPayment: ids.map((id) => ({ acquirerId: 'ACQ-1', pspId: 'PSP-1', paymentRequestId: id })),
  cancelPayment: ids.map((id) => ({ acquirerId: 'ACQ-1', pspId: 'PSP-1', paymentRequestId: id })),
  refund: fc
    .record({ id: ids, refundId: ids, amount, paymentNo: fc.integer({ min: 1, max: 6 }) })
    .map((p) => ({
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      paymentRequestId: p.id,
      paymentId: `MPPPAY${String(p.paymentNo).padStart(6, '0')}`,
      refundRequestId: `R${p.refundId}`,
      refundAmount: p.amount,
      refundReason: 'returned',
    })),
  adjustRefund: fc
    .record({ id: ids, amount, customerId: fc.constantFrom('C1', 'NOBODY'), linked: ids })
    .map((p) => ({
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      refundRequestId: `A${p.id}`,
      customerId: p.customerId,
      refundAmount: p.amount,
      subScenarioType: 'EXCEED_REFUND',
      paymentRequestId: p.linked,
    })),
};

const hostileString = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'F-\u00001',
    '\u001b[31m',
    '\u0085',
    '\ud800',
    '💳',
    'x'.repeat(65),
    'x'.repeat(300),
    '-1',
    '0',
    '00',
    '1.5',
    '1e3',
    ' 1',
    '9223372036854775807',
    '9223372036854775808',
    '99999999999999999999999',
    'true',
    'null',
    '__proto__',
  ),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), hostileString, { maxKeys: 3 }),
  fc.record({ currency: hostileString, value: hostileString }),
);
const fieldPaths = [
  ['paymentRequestId'],
  ['refundRequestId'],
  ['customerId'],
  ['paymentId'],
  ['acquirerId'],
  ['paymentAmount'],
  ['paymentAmount', 'value'],
  ['paymentAmount', 'currency'],
  ['payToAmount', 'value'],
  ['refundAmount', 'value'],
  ['refundAmount', 'currency'],
  ['customData'],
  ['subScenarioType'],
  ['order'],
  ['order', 'referenceOrderId'],
  ['order', 'merchant', 'merchantName'],
  ['paymentFactor', 'authorizationType'],
  ['paymentMethod', 'customerId'],
  ['paymentQuote'],
  ['unknownField'],
] as const;

type Mutation = { path: readonly string[]; value: unknown } | { path: readonly string[]; remove: true };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ path: fc.constantFrom(...fieldPaths), value: hostileValue }),
  fc.record({ path: fc.constantFrom(...fieldPaths), remove: fc.constant(true as const) }),
);

function mutate(body: Record<string, unknown>, m: Mutation): void {
  let target: Record<string, unknown> = body;
  for (const key of m.path.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  const last = m.path.at(-1) ?? '';
  if ('remove' in m) delete target[last];
  else target[last] = m.value;
}

/** Raw bodies that are not a mutated request at all. */
const rawBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
  fc
    .integer({ min: 33, max: 3_000 })
    .map((depth) => Buffer.from(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`)),
  fc
    .integer({ min: 33, max: 500 })
    .map((depth) => Buffer.from(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
  fc.constant(Buffer.from(JSON.stringify({ paymentRequestId: 'x'.repeat(40_000) }))),
  fc.constant(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])), // invalid UTF-8
);

const request = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom<Api>('pay', 'inquiryPayment', 'cancelPayment', 'refund', 'adjustRefund')
      .chain((api) =>
        fc
          .tuple(fc.constant(api), base[api], fc.array(mutation, { maxLength: 3 }))
          .map(([a, body, mutations]) => {
            for (const m of mutations) mutate(body, m);
            return { api: a, bytes: Buffer.from(JSON.stringify(body)) };
          }),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(
        fc.constantFrom<Api>('pay', 'inquiryPayment', 'cancelPayment', 'refund', 'adjustRefund'),
        rawBody,
      )
      .map(([api, bytes]) => ({ api, bytes })),
  },
);

interface Party {
  readonly name: string;
  readonly store: DbHandle;
  readonly mpp: RunningMpp;
}

describe('fuzzing the signed endpoints on every engine at once', () => {
  const parties: Party[] = [];
  const clock = new VirtualClock(START_MS);

  beforeAll(async () => {
    for (const engine of testEngines()) {
      const store = await engine.open();
      const mpp = await startMpp(store, clock);
      for (const customerId of ['C1', 'C2']) {
        await fundedCustomer({ store, clock }, customerId, money('HKD', 1_000_000));
      }
      parties.push({ name: engine.name, store, mpp });
    }
  });
  afterAll(async () => {
    for (const party of parties) {
      await party.mpp.close();
      await party.store.close();
    }
  });

  it('always answers signed, with a catalog code, never U, the same on every engine', async () => {
    let sent = 0;
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: batchMax }), async (batch) => {
        for (const { api, bytes } of batch) {
          const answers: { engine: string; code: string; status: string }[] = [];
          for (const party of parties) {
            const outcome = await party.mpp.client.send<Answer>(party.mpp.client.prepareBytes(api, bytes));
            if (outcome.kind !== 'answered') {
              throw new Error(
                `${party.name} ${api}: no signed answer (${outcome.reason}) for ${bytes.toString().slice(0, 200)}`,
              );
            }
            const { resultCode, resultStatus } = outcome.response.result;
            expect(isResultCode(resultCode), resultCode).toBe(true);
            expect(resultStatus, `${api} ${resultCode} for ${bytes.toString().slice(0, 200)}`).not.toBe('U');
            answers.push({ engine: party.name, code: resultCode, status: resultStatus });
          }
          sent += 1;
          const key = `${api}:${answers[0]?.code}`;
          codes.set(key, (codes.get(key) ?? 0) + 1);
          for (const other of answers.slice(1)) {
            expect(
              { code: other.code, status: other.status },
              `${api} ${bytes.toString().slice(0, 200)}`,
            ).toEqual({
              code: answers[0]?.code,
              status: answers[0]?.status,
            });
          }
        }
        for (const party of parties) await expectLedgerSound(party.store);
      }),
      { numRuns: runCount },
    );
    console.log(
      `fuzz: ${runCount} runs, ${sent} signed requests per engine on ${parties.map((p) => p.name).join(' + ')}; ` +
        `answers: ${[...codes]
          .sort()
          .map(([k, n]) => `${k}=${n}`)
          .join(' ')}`,
    );
    expect(sent).toBeGreaterThanOrEqual(runCount);
  }, 240_000);
});
