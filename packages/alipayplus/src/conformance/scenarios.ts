// Alipay+'s side of every conformance scenario. A scenario states what a correct MPP answers as a list
// of short facts ("S SUCCESS", "Δ -1000") and observes the same facts; it passes when they are equal, so
// the table shows exactly where an MPP differs. Balances are read through the setup hook (admin API).
import { generateKeyPairSync } from 'node:crypto';
import { API_PATHS, type ApiName, type Clock } from '@tapkit/protocol';
import type { CallOutcome, PreparedRequest } from '@tapkit/protocol/node';
import type { ConformanceContext } from './context.ts';

export interface ConformanceRow {
  readonly scenario: string;
  readonly expected: string;
  readonly observed: string;
  readonly pass: boolean;
}

export interface Scenario {
  readonly name: string;
  run(ctx: ConformanceContext): Promise<{ expected: string[]; observed: string[] }>;
}

type Answer = { result: { resultStatus: string; resultCode: string } } & Record<string, unknown>;

const PAY_MINOR = 1000n;
/** Concurrent copies of one request in the duplicates scenario. */
const DUPLICATES_COUNT = 8;

function text(outcome: CallOutcome<Answer>): string {
  if (outcome.kind === 'unknown') return `unknown (${outcome.reason})`;
  return `${outcome.response.result.resultStatus} ${outcome.response.result.resultCode}`;
}

function body(outcome: CallOutcome<Answer>): Answer | undefined {
  return outcome.kind === 'answered' ? outcome.response : undefined;
}

function delta(before: bigint | undefined, after: bigint | undefined): string {
  if (before === undefined || after === undefined) return 'balance unavailable';
  const d = after - before;
  return `Δ ${d > 0n ? '+' : ''}${d}`;
}

const sameAnswer = (a: CallOutcome<Answer>, b: CallOutcome<Answer>): boolean =>
  a.kind === 'answered' && b.kind === 'answered' && JSON.stringify(a.response) === JSON.stringify(b.response);

async function call(ctx: ConformanceContext, api: ApiName, request: object, client = ctx.client) {
  return ctx.note(api, await client.call<Answer>(api, request));
}

async function send(ctx: ConformanceContext, prepared: PreparedRequest) {
  return ctx.note(prepared.api, await ctx.client.send<Answer>(prepared));
}

/** A pay of PAY_MINOR, then a refund of refundMinor of it: the start of the refund scenarios. */
/** A pay of PAY_MINOR for the customer, with the ids a refund of it needs. */
async function payOnce(ctx: ConformanceContext, customerId: string) {
  const paymentRequestId = ctx.id('conf-pay');
  const paid = await call(ctx, 'pay', ctx.payBody(paymentRequestId, customerId, PAY_MINOR));
  return { paymentRequestId, paid, paymentId: String(body(paid)?.paymentId ?? 'missing') };
}

/** A refund request of `refundMinor` for a payment payOnce made, with a fresh refundRequestId. */
function refundBody(
  ctx: ConformanceContext,
  payment: { paymentRequestId: string; paymentId: string },
  refundMinor: bigint,
) {
  return {
    ...identity(ctx),
    paymentRequestId: payment.paymentRequestId,
    paymentId: payment.paymentId,
    refundRequestId: ctx.id('conf-refund'),
    refundAmount: ctx.amount(refundMinor),
  };
}

async function payThenRefund(ctx: ConformanceContext, customerId: string, refundMinor: bigint) {
  const payment = await payOnce(ctx, customerId);
  const refunded = await call(ctx, 'refund', refundBody(ctx, payment, refundMinor));
  return { paymentRequestId: payment.paymentRequestId, paid: payment.paid, refunded };
}

function identity(ctx: ConformanceContext) {
  return { acquirerId: ctx.options.acquirerId, pspId: ctx.options.pspId };
}

/** Runs `work` on a fresh funded customer and reports the balance change with its facts. */
async function withCustomer(
  ctx: ConformanceContext,
  work: (customerId: string) => Promise<string[]>,
  balanceMinor?: bigint,
): Promise<string[]> {
  const customerId = await ctx.newCustomer(balanceMinor);
  const before = await ctx.balance(customerId);
  const facts = await work(customerId);
  return [...facts, delta(before, await ctx.balance(customerId))];
}

const shiftedClock = (offsetMs: number): Clock => ({
  nowMs: () => Date.now() + offsetMs,
  setTimer: () => ({ cancel() {} }),
});

let forgedKey: ReturnType<typeof generateKeyPairSync>['privateKey'] | undefined;

function badPay(name: string, value: string): Scenario {
  return {
    name,
    run: async (ctx) => ({
      expected: ['F PARAM_ILLEGAL', 'Δ 0'],
      observed: await withCustomer(ctx, async (customerId) => {
        const request = {
          ...ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR),
          paymentAmount: ctx.amount(value),
          payToAmount: ctx.amount(value),
        };
        return [text(await call(ctx, 'pay', request))];
      }),
    }),
  };
}

function badSignaturePay(
  name: string,
  clientFor: (ctx: ConformanceContext) => ReturnType<ConformanceContext['clientWith']>,
): Scenario {
  return {
    name,
    run: async (ctx) => ({
      expected: ['F INVALID_SIGNATURE', 'Δ 0'],
      observed: await withCustomer(ctx, async (customerId) => [
        text(await call(ctx, 'pay', ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR), clientFor(ctx))),
      ]),
    }),
  };
}

/** Optional pay fields whose absence alone must not change the outcome (docs/protocol/alipayplus-api.md#pay). */
const OPTIONAL_PAY_FIELDS = [
  'payToAmount',
  'customerId',
  'paymentFactor',
  'order.merchant',
  'order.env',
  'order.orderDescription',
  'paymentMethod.paymentMethodType',
  'paymentMethod.paymentMethodId',
] as const;

function withoutField(request: Record<string, unknown>, field: string): Record<string, unknown> {
  const copy = structuredClone(request);
  const [head, tail] = field.split('.') as [string, string | undefined];
  if (tail === undefined) delete copy[head];
  else delete (copy[head] as Record<string, unknown>)[tail];
  return copy;
}

/** Accept what the real Alipay+ sends: minimal requests, unknown fields, every optional field absent. */
const LIBERAL_SCENARIOS: readonly Scenario[] = [
  {
    name: 'liberal: minimal pay (documented-required fields only) debits once',
    run: async (ctx) => ({
      expected: ['S SUCCESS', 'replay identical', `Δ -${PAY_MINOR}`],
      observed: await withCustomer(ctx, async (customerId) => {
        const request = ctx.minimalPayBody(ctx.id('conf-pay'), customerId, PAY_MINOR);
        const first = await call(ctx, 'pay', request);
        const again = await call(ctx, 'pay', request);
        return [text(first), sameAnswer(first, again) ? 'replay identical' : `replay ${text(again)}`];
      }),
    }),
  },
  {
    name: 'liberal: pay with unknown extra fields debits once',
    run: async (ctx) => ({
      expected: ['S SUCCESS', `Δ -${PAY_MINOR}`],
      observed: await withCustomer(ctx, async (customerId) => {
        const request = ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR);
        const order = request.order as Record<string, unknown>;
        const extended = {
          ...request,
          conformanceUnknownField: { nested: ['a', 'b'] },
          order: { ...order, conformanceUnknownOrderField: 'x' },
        };
        return [text(await call(ctx, 'pay', extended))];
      }),
    }),
  },
  {
    name: 'liberal: each optional pay field absent debits once',
    run: async (ctx) => ({
      expected: [
        ...OPTIONAL_PAY_FIELDS.map((field) => `without ${field}: S SUCCESS`),
        `Δ -${PAY_MINOR * BigInt(OPTIONAL_PAY_FIELDS.length)}`,
      ],
      observed: await withCustomer(ctx, async (customerId) => {
        const facts: string[] = [];
        for (const field of OPTIONAL_PAY_FIELDS) {
          const request = withoutField(ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR), field);
          facts.push(`without ${field}: ${text(await call(ctx, 'pay', request))}`);
        }
        return facts;
      }),
    }),
  },
  {
    name: 'liberal: pay from the Alipay+ models alone debits once',
    run: async (ctx) => ({
      expected: ['S SUCCESS', 'customerId echoed', `Δ -${PAY_MINOR}`],
      observed: await withCustomer(ctx, async (customerId) => {
        const paymentRequestId = ctx.id('conf-pay');
        // Customer in paymentMethod, referenceMerchantId, storeTerminalId, no paymentFactor beyond the
        // documented scenario values, no top-level customerId, no payToAmount, unknown model fields.
        const request = {
          ...identity(ctx),
          paymentRequestId,
          paymentAmount: ctx.amount(PAY_MINOR),
          paymentMethod: {
            paymentMethodType: 'CONNECT_WALLET',
            paymentMethodId: ctx.id('conf-token'),
            customerId,
            paymentMethodMetaData: { conformance: 'true' },
          },
          order: {
            referenceOrderId: paymentRequestId,
            orderAmount: ctx.amount(PAY_MINOR),
            merchant: {
              referenceMerchantId: 'CONFORMANCE-MERCHANT',
              merchantName: 'Conformance',
              merchantMCC: '5999',
              merchantAddress: { region: 'HK', city: 'Hong Kong' },
              store: { referenceStoreId: 'CONFORMANCE-STORE' },
            },
            env: { storeTerminalId: 'CONFORMANCE-TERMINAL', terminalType: 'APP', osType: 'ANDROID' },
          },
          paymentFactor: { isInStorePayment: 'true', inStorePaymentScenario: 'PaymentCode' },
          passThroughInfo: '{"conformance":"1"}',
        };
        const paid = await call(ctx, 'pay', request);
        return [
          text(paid),
          body(paid)?.customerId === customerId ? 'customerId echoed' : 'customerId missing',
        ];
      }),
    }),
  },
  {
    name: 'liberal: no customer anywhere is F USER_NOT_EXIST',
    run: async (ctx) => ({
      expected: ['F USER_NOT_EXIST', 'Δ 0'],
      observed: await withCustomer(ctx, async () => {
        const request = {
          ...identity(ctx),
          paymentRequestId: ctx.id('conf-pay'),
          paymentAmount: ctx.amount(PAY_MINOR),
          paymentMethod: { paymentMethodId: ctx.id('conf-unmapped-token') },
          order: { referenceOrderId: ctx.id('conf-order') },
        };
        return [text(await call(ctx, 'pay', request))];
      }),
    }),
  },
];

/** (doc) Every path under /aps/ answers a signed JSON result, never a bare HTTP 404 / 405. */
const GENERIC_SCENARIOS: readonly Scenario[] = [
  {
    name: 'generic: GET on pay is a signed F METHOD_NOT_SUPPORTED',
    run: async (ctx) => ({
      expected: ['F METHOD_NOT_SUPPORTED', 'answer signed'],
      observed: rawFacts(
        await ctx.rawRequest('GET pay', {
          method: 'GET',
          path: API_PATHS.pay,
          headers: { 'client-id': ctx.options.clientId },
        }),
      ),
    }),
  },
  {
    name: 'generic: an unknown API under /aps/ is a signed F INVALID_API',
    run: async (ctx) => {
      const bytes = Buffer.from('{}');
      const path = '/aps/api/v1/payments/conformanceNoSuchApi';
      return {
        expected: ['F INVALID_API', 'answer signed'],
        observed: rawFacts(
          await ctx.rawRequest('unknown API', {
            method: 'POST',
            path,
            body: bytes,
            headers: { 'content-type': 'application/json; charset=UTF-8', 'client-id': ctx.options.clientId },
          }),
        ),
      };
    },
  },
  {
    name: 'generic: a non-JSON media type is a signed F MEDIA_TYPE_NOT_ACCEPTABLE',
    run: async (ctx) => ({
      expected: ['F MEDIA_TYPE_NOT_ACCEPTABLE', 'answer signed', 'Δ 0'],
      observed: await withCustomer(ctx, async (customerId) => {
        const bytes = Buffer.from(JSON.stringify(ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR)));
        const headers = { ...ctx.signedHeaders('pay', bytes, {}), 'content-type': 'text/plain' };
        return rawFacts(await ctx.rawSend('text/plain pay', 'pay', bytes, headers));
      }),
    }),
  },
];

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'pay: success debits once',
    run: async (ctx) => ({
      expected: ['S SUCCESS', 'paymentId present', `Δ -${PAY_MINOR}`],
      observed: await withCustomer(ctx, async (customerId) => {
        const paid = await call(ctx, 'pay', ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR));
        return [text(paid), body(paid)?.paymentId ? 'paymentId present' : 'paymentId missing'];
      }),
    }),
  },
  {
    name: 'idempotent replay: identical bytes, then a re-signed copy',
    run: async (ctx) => ({
      expected: ['S SUCCESS', 'identical answer', 'identical answer', `Δ -${PAY_MINOR}`],
      observed: await withCustomer(ctx, async (customerId) => {
        const request = ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR);
        const prepared = ctx.client.prepare('pay', request);
        const first = await send(ctx, prepared);
        const again = await send(ctx, prepared);
        const resigned = await call(ctx, 'pay', request);
        const same = (other: CallOutcome<Answer>) =>
          sameAnswer(first, other) ? 'identical answer' : `different: ${text(other)}`;
        return [text(first), same(again), same(resigned)];
      }),
    }),
  },
  {
    name: 'inconsistent replay: same paymentRequestId, other amount',
    run: async (ctx) => ({
      expected: ['S SUCCESS', 'F REPEAT_REQ_INCONSISTENT', `Δ -${PAY_MINOR}`],
      observed: await withCustomer(ctx, async (customerId) => {
        const paymentRequestId = ctx.id('conf-pay');
        const first = await call(ctx, 'pay', ctx.payBody(paymentRequestId, customerId, PAY_MINOR));
        const other = await call(ctx, 'pay', ctx.payBody(paymentRequestId, customerId, PAY_MINOR * 2n));
        return [text(first), text(other)];
      }),
    }),
  },
  {
    name: `concurrent duplicates: ${DUPLICATES_COUNT} identical requests at once`,
    run: async (ctx) => ({
      expected: ['S SUCCESS', 'all answers identical', `Δ -${PAY_MINOR}`],
      observed: await withCustomer(ctx, async (customerId) => {
        const prepared = ctx.client.prepare('pay', ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR));
        const answers = await Promise.all(
          Array.from({ length: DUPLICATES_COUNT }, () => send(ctx, prepared)),
        );
        const first = answers[0] as CallOutcome<Answer>;
        const differing = answers.filter((a) => !sameAnswer(first, a)).length;
        return [text(first), differing === 0 ? 'all answers identical' : `${differing} answers differ`];
      }),
    }),
  },
  {
    name: 'cancel a successful payment, twice',
    run: async (ctx) => ({
      expected: [
        'pay S SUCCESS',
        'cancel S SUCCESS',
        'cancel again S SUCCESS',
        'inquiry F ORDER_IS_CLOSED',
        'Δ 0',
      ],
      observed: await withCustomer(ctx, async (customerId) => {
        const paymentRequestId = ctx.id('conf-pay');
        const paid = await call(ctx, 'pay', ctx.payBody(paymentRequestId, customerId, PAY_MINOR));
        const cancel = { ...identity(ctx), paymentRequestId };
        const first = await call(ctx, 'cancelPayment', cancel);
        const second = await call(ctx, 'cancelPayment', cancel);
        const inquiry = body(await call(ctx, 'inquiryPayment', cancel)) as
          | { paymentResult?: Answer['result'] }
          | undefined;
        const closed = inquiry?.paymentResult;
        const inquiryText = closed ? `${closed.resultStatus} ${closed.resultCode}` : 'no paymentResult';
        return [
          `pay ${text(paid)}`,
          `cancel ${text(first)}`,
          `cancel again ${text(second)}`,
          `inquiry ${inquiryText}`,
        ];
      }),
    }),
  },
  {
    name: 'cancel a failed payment',
    run: async (ctx) => ({
      expected: ['pay F USER_BALANCE_NOT_ENOUGH', 'cancel S SUCCESS', 'Δ 0'],
      observed: await withCustomer(
        ctx,
        async (customerId) => {
          const paymentRequestId = ctx.id('conf-pay');
          const paid = await call(ctx, 'pay', ctx.payBody(paymentRequestId, customerId, PAY_MINOR));
          const cancelled = await call(ctx, 'cancelPayment', { ...identity(ctx), paymentRequestId });
          return [`pay ${text(paid)}`, `cancel ${text(cancelled)}`];
        },
        PAY_MINOR / 2n,
      ),
    }),
  },
  {
    name: 'cancel an unknown id (tombstone), then pay it, twice each',
    run: async (ctx) => ({
      expected: [
        'cancel S SUCCESS',
        'cancel S SUCCESS',
        'pay F ORDER_IS_CLOSED',
        'pay F ORDER_IS_CLOSED',
        'Δ 0',
      ],
      observed: await withCustomer(ctx, async (customerId) => {
        const paymentRequestId = ctx.id('conf-pay');
        const cancel = { ...identity(ctx), paymentRequestId };
        const c1 = await call(ctx, 'cancelPayment', cancel);
        const c2 = await call(ctx, 'cancelPayment', cancel);
        const p1 = await call(ctx, 'pay', ctx.payBody(paymentRequestId, customerId, PAY_MINOR));
        const p2 = await call(ctx, 'pay', ctx.payBody(paymentRequestId, customerId, PAY_MINOR));
        return [`cancel ${text(c1)}`, `cancel ${text(c2)}`, `pay ${text(p1)}`, `pay ${text(p2)}`];
      }),
    }),
  },
  {
    name: 'refund limits: partial, partial, exceed',
    run: async (ctx) => ({
      expected: [
        'pay S SUCCESS',
        'refund S SUCCESS',
        'refund S SUCCESS',
        'refund F REFUND_AMOUNT_EXCEED',
        'Δ -400',
      ],
      observed: await withCustomer(ctx, async (customerId) => {
        const payment = await payOnce(ctx, customerId);
        const refund = async (valueMinor: bigint) =>
          `refund ${text(await call(ctx, 'refund', refundBody(ctx, payment, valueMinor)))}`;
        return [`pay ${text(payment.paid)}`, await refund(300n), await refund(300n), await refund(500n)];
      }),
    }),
  },
  {
    name: 'refund: replay, reuse with another amount, unknown payment',
    run: async (ctx) => ({
      expected: [
        'refund S SUCCESS',
        'replay: same refundId',
        'reuse F REPEAT_REQ_INCONSISTENT',
        'unknown F ORDER_NOT_EXIST',
        'Δ -700',
      ],
      observed: await withCustomer(ctx, async (customerId) => {
        const refund = refundBody(ctx, await payOnce(ctx, customerId), 300n);
        const first = await call(ctx, 'refund', refund);
        const replay = await call(ctx, 'refund', refund);
        const reuse = await call(ctx, 'refund', { ...refund, refundAmount: ctx.amount(400n) });
        const unknown = await call(ctx, 'refund', {
          ...refund,
          paymentRequestId: ctx.id('conf-never'),
          paymentId: 'conformance-no-such-payment',
          refundRequestId: ctx.id('conf-refund'),
        });
        const sameId =
          body(first)?.refundId !== undefined && body(first)?.refundId === body(replay)?.refundId;
        return [
          `refund ${text(first)}`,
          sameId ? 'replay: same refundId' : `replay: ${text(replay)}`,
          `reuse ${text(reuse)}`,
          `unknown ${text(unknown)}`,
        ];
      }),
    }),
  },
  {
    name: 'excess refund: refund all, adjustRefund EXCEED_REFUND, replayed',
    run: async (ctx) => ({
      expected: ['refund S SUCCESS', 'adjustRefund S SUCCESS', 'replay: same refundId', 'Δ +200'],
      observed: await withCustomer(ctx, async (customerId) => {
        const { paymentRequestId, refunded } = await payThenRefund(ctx, customerId, PAY_MINOR);
        const adjust = {
          ...identity(ctx),
          refundRequestId: ctx.id('conf-adjust'),
          customerId,
          refundAmount: ctx.amount(200n),
          subScenarioType: 'EXCEED_REFUND',
          paymentRequestId,
        };
        const first = await call(ctx, 'adjustRefund', adjust);
        const replay = await call(ctx, 'adjustRefund', adjust);
        const sameId =
          body(first)?.refundId !== undefined && body(first)?.refundId === body(replay)?.refundId;
        return [
          `refund ${text(refunded)}`,
          `adjustRefund ${text(first)}`,
          sameId ? 'replay: same refundId' : `replay: ${text(replay)}`,
        ];
      }),
    }),
  },
  {
    name: 'unlinked refund: adjustRefund UNLINKED_REFUND',
    run: async (ctx) => ({
      expected: ['adjustRefund S SUCCESS', 'Δ +500'],
      observed: await withCustomer(ctx, async (customerId) => {
        const adjusted = await call(ctx, 'adjustRefund', {
          ...identity(ctx),
          refundRequestId: ctx.id('conf-adjust'),
          customerId,
          refundAmount: ctx.amount(500n),
          subScenarioType: 'UNLINKED_REFUND',
        });
        return [`adjustRefund ${text(adjusted)}`];
      }),
    }),
  },
  badSignaturePay('signature: forged (another key)', (ctx) => {
    forgedKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    return ctx.clientWith({ key: forgedKey });
  }),
  badSignaturePay('signature: unknown keyVersion', (ctx) =>
    ctx.clientWith({ keyVersion: 'conformance-unknown-9' }),
  ),
  {
    name: 'signature: missing',
    run: async (ctx) => ({
      expected: ['F INVALID_SIGNATURE', 'answer signed', 'Δ 0'],
      observed: await withCustomer(ctx, async (customerId) => {
        const bytes = Buffer.from(JSON.stringify(ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR)));
        const answer = await ctx.rawSend(
          'missing signature',
          'pay',
          bytes,
          ctx.signedHeaders('pay', bytes, { omitSignature: true }),
        );
        return rawFacts(answer);
      }),
    }),
  },
  badSignaturePay('freshness: stale Request-Time', (ctx) =>
    ctx.clientWith({
      clock: shiftedClock(-ctx.options.freshnessProbeMs),
      freshnessMs: ctx.options.freshnessProbeMs * 2,
    }),
  ),
  badSignaturePay('freshness: future Request-Time', (ctx) =>
    ctx.clientWith({
      clock: shiftedClock(ctx.options.freshnessProbeMs),
      freshnessMs: ctx.options.freshnessProbeMs * 2,
    }),
  ),
  {
    name: 'malformed: body is not JSON (signed)',
    run: async (ctx) => ({
      expected: ['F PARAM_ILLEGAL', 'answer signed', 'Δ 0'],
      observed: await withCustomer(ctx, async () => {
        const bytes = Buffer.from('{"paymentRequestId": "conf-bad-json", ');
        return rawFacts(await ctx.rawSend('bad JSON', 'pay', bytes, ctx.signedHeaders('pay', bytes, {})));
      }),
    }),
  },
  {
    name: 'liberal: "" for an optional field counts as absent',
    run: async (ctx) => ({
      expected: ['S SUCCESS', `Δ -${PAY_MINOR}`],
      observed: await withCustomer(ctx, async (customerId) => [
        text(
          await call(ctx, 'pay', {
            ...ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR),
            customData: '',
            paymentExpiryTime: '',
          }),
        ),
      ]),
    }),
  },
  {
    name: 'malformed: "" for a required field',
    run: async (ctx) => ({
      expected: ['F PARAM_ILLEGAL', 'Δ 0'],
      observed: await withCustomer(ctx, async (customerId) => [
        text(
          await call(ctx, 'pay', { ...ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR), pspId: '' }),
        ),
      ]),
    }),
  },
  badPay('malformed: negative amount', '-1000'),
  badPay('malformed: fractional amount', '10.50'),
  badPay('malformed: amount above int64', '9223372036854775808'),
  {
    name: 'inquiry after a timeout: the pay answer ignored',
    run: async (ctx) => ({
      expected: [
        'inquiry S SUCCESS',
        'paymentResult S SUCCESS',
        'unknown id F ORDER_NOT_EXIST',
        `Δ -${PAY_MINOR}`,
      ],
      observed: await withCustomer(ctx, async (customerId) => {
        const paymentRequestId = ctx.id('conf-pay');
        // Alipay+ timed out: whatever came back is not looked at; the inquiry must tell the outcome.
        await ctx.client.call('pay', ctx.payBody(paymentRequestId, customerId, PAY_MINOR));
        const inquiry = await call(ctx, 'inquiryPayment', { ...identity(ctx), paymentRequestId });
        const result = (body(inquiry) as { paymentResult?: Answer['result'] } | undefined)?.paymentResult;
        const unknown = await call(ctx, 'inquiryPayment', {
          ...identity(ctx),
          paymentRequestId: ctx.id('conf-never'),
        });
        return [
          `inquiry ${text(inquiry)}`,
          `paymentResult ${result ? `${result.resultStatus} ${result.resultCode}` : 'missing'}`,
          `unknown id ${text(unknown)}`,
        ];
      }),
    }),
  },
  {
    name: 'unknown Client-Id: signed F INVALID_CLIENT',
    run: async (ctx) => ({
      expected: ['F INVALID_CLIENT', 'Δ 0'],
      observed: await withCustomer(ctx, async (customerId) => {
        const stranger = ctx.clientWith({ clientId: 'CONFORMANCE-UNKNOWN-CLIENT' });
        return [
          text(await call(ctx, 'pay', ctx.payBody(ctx.id('conf-pay'), customerId, PAY_MINOR), stranger)),
        ];
      }),
    }),
  },
  ...LIBERAL_SCENARIOS,
  ...GENERIC_SCENARIOS,
  {
    name: 'cancel after a partial refund: succeeds, returns what is held',
    run: async (ctx) => ({
      expected: ['pay S SUCCESS', 'refund S SUCCESS', 'cancel S SUCCESS', 'inquiry F ORDER_IS_CLOSED', 'Δ 0'],
      observed: await withCustomer(ctx, async (customerId) => {
        const { paymentRequestId, paid, refunded } = await payThenRefund(ctx, customerId, 300n);
        const cancelled = await call(ctx, 'cancelPayment', { ...identity(ctx), paymentRequestId });
        const inquiry = body(await call(ctx, 'inquiryPayment', { ...identity(ctx), paymentRequestId })) as
          | { paymentResult?: Answer['result'] }
          | undefined;
        const closed = inquiry?.paymentResult;
        return [
          `pay ${text(paid)}`,
          `refund ${text(refunded)}`,
          `cancel ${text(cancelled)}`,
          `inquiry ${closed ? `${closed.resultStatus} ${closed.resultCode}` : 'no paymentResult'}`,
        ];
      }),
    }),
  },
];

function rawFacts(answer: Awaited<ReturnType<ConformanceContext['rawSend']>>): string[] {
  const result = answer.json?.result as Answer['result'] | undefined;
  return [
    result === undefined ? `HTTP ${answer.status}, no result` : `${result.resultStatus} ${result.resultCode}`,
    answer.signature === 'VALID'
      ? 'answer signed'
      : `answer ${answer.signature === 'MISSING' ? 'unsigned' : 'badly signed'}`,
  ];
}
