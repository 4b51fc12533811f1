import { type Amount, type CurrencyCode, convertAmount } from '@tapkit/protocol';
import type { Money } from './money.ts';

// The rules of `pay` and `cancelPayment` as pure decisions. The service reads the facts inside its
// transaction, asks these functions, and writes what they decided.

export type PayRejectCode =
  | 'USER_NOT_EXIST'
  | 'USER_STATUS_ABNORMAL'
  | 'CURRENCY_NOT_SUPPORT'
  | 'PAYMENT_AMOUNT_EXCEED_LIMIT'
  | 'PAYMENT_COUNT_EXCEED_LIMIT'
  | 'USER_AMOUNT_EXCEED_LIMIT'
  | 'USER_BALANCE_NOT_ENOUGH'
  | 'ORDER_IS_CLOSED';

/** (tapkit) Per-user limits, configured per wallet currency; an absent field means no limit. */
export interface PaymentLimits {
  readonly amountPerPaymentMaxMinor?: bigint;
  readonly dailyAmountMaxMinor?: bigint;
  readonly dailyCountMax?: number;
}

export type LimitsByCurrency = Readonly<Record<string, PaymentLimits>>;

export interface DailyUsage {
  readonly amountMinor: bigint;
  readonly count: number;
}

export interface PayFacts {
  readonly customerStatus: 'ACTIVE' | 'FROZEN' | undefined;
  /** The wallet in payToAmount's currency, undefined when the customer has none. */
  readonly walletBalanceMinor: bigint | undefined;
  readonly payTo: Money;
  readonly limits: PaymentLimits | undefined;
  /** Successful, not cancelled payments of the customer on the payment's UTC+8 day. */
  readonly usageToday: DailyUsage;
}

export type PayDecision =
  | { readonly kind: 'DEBIT' }
  | { readonly kind: 'REJECT'; readonly code: PayRejectCode };

/** Whether deciding needs today's usage (it costs a query on the pay path, so only when limited). */
export function needsDailyUsage(limits: PaymentLimits | undefined): boolean {
  return limits?.dailyAmountMaxMinor !== undefined || limits?.dailyCountMax !== undefined;
}

/** Order of checks: who, then which currency, then the limits, then the balance. */
export function decidePay(facts: PayFacts): PayDecision {
  const reject = (code: PayRejectCode): PayDecision => ({ kind: 'REJECT', code });
  if (facts.customerStatus === undefined) return reject('USER_NOT_EXIST');
  if (facts.customerStatus !== 'ACTIVE') return reject('USER_STATUS_ABNORMAL');
  if (facts.walletBalanceMinor === undefined) return reject('CURRENCY_NOT_SUPPORT');
  const amountMinor = facts.payTo.value;
  const limits = facts.limits;
  if (limits?.amountPerPaymentMaxMinor !== undefined && amountMinor > limits.amountPerPaymentMaxMinor) {
    return reject('PAYMENT_AMOUNT_EXCEED_LIMIT');
  }
  if (limits?.dailyCountMax !== undefined && facts.usageToday.count + 1 > limits.dailyCountMax) {
    return reject('PAYMENT_COUNT_EXCEED_LIMIT');
  }
  if (
    limits?.dailyAmountMaxMinor !== undefined &&
    facts.usageToday.amountMinor + amountMinor > limits.dailyAmountMaxMinor
  ) {
    return reject('USER_AMOUNT_EXCEED_LIMIT');
  }
  if (facts.walletBalanceMinor < amountMinor) return reject('USER_BALANCE_NOT_ENOUGH');
  return { kind: 'DEBIT' };
}

/** JSON with object keys sorted, so that two equal values always give the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value, 0));
}

/** Deeper than this, values compare as they were serialized (checked fields are shallow in practice). */
const canonicalDepthMax = 32;

function sortKeys(value: unknown, depth: number): unknown {
  if (depth >= canonicalDepthMax || typeof value !== 'object' || value === null) return value ?? null;
  if (Array.isArray(value)) return value.map((item) => sortKeys(item, depth + 1));
  const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([key, child]) => [key, sortKeys(child, depth + 1)]);
}

/** The parts of a pay its idempotency check compares (docs/protocol/alipayplus-api.md#idempotency). */
export interface PayCheckedInput {
  readonly paymentAmount: Money;
  /** The amount debited: payToAmount as sent, or paymentAmount when it was absent. */
  readonly payToAmount: Money;
  /** The customer the request names (top-level or paymentMethod.customerId), null when it names none. */
  readonly customerId: string | null;
  readonly paymentMethod: unknown;
  readonly surchargeInfo: unknown;
  readonly paymentPromoInfo: unknown;
}

/**
 * The fields a replayed pay must repeat exactly (doc: paymentAmount, payToAmount, paymentMethod,
 * surchargeInfo, paymentPromoInfo; tapkit adds customerId). Objects compare by canonical JSON.
 */
export function payCheckedFields(p: PayCheckedInput): string {
  return JSON.stringify([
    'v2',
    p.paymentAmount.currency,
    p.paymentAmount.value.toString(),
    p.payToAmount.currency,
    p.payToAmount.value.toString(),
    p.customerId,
    canonicalJson(p.paymentMethod),
    canonicalJson(p.surchargeInfo),
    canonicalJson(p.paymentPromoInfo),
  ]);
}

/**
 * The checked fields as stored before migration 0003 (amounts, customerId, paymentMethodType and
 * paymentMethodId). Rows written then still replay: a stored value in this form is compared in this form.
 */
export function legacyPayCheckedFields(p: {
  paymentAmount: Money;
  payToAmount: Money;
  customerId: string;
  paymentMethodType: string | null;
  paymentMethodId: string | null;
}): string {
  return JSON.stringify([
    p.paymentAmount.currency,
    p.paymentAmount.value.toString(),
    p.payToAmount.currency,
    p.payToAmount.value.toString(),
    p.customerId,
    p.paymentMethodType,
    p.paymentMethodId,
  ]);
}

/**
 * legacyPayCheckedFields split around the customer id, for a store that resolves the customer itself
 * (the PostgreSQL pay function): head + JSON.stringify(customerId) + tail is legacyPayCheckedFields.
 */
export function legacyPayCheckedParts(p: {
  paymentAmount: Money;
  payToAmount: Money;
  paymentMethodType: string | null;
  paymentMethodId: string | null;
}): { head: string; tail: string } {
  const amounts = JSON.stringify([
    p.paymentAmount.currency,
    p.paymentAmount.value.toString(),
    p.payToAmount.currency,
    p.payToAmount.value.toString(),
  ]);
  const method = JSON.stringify([p.paymentMethodType, p.paymentMethodId]);
  return { head: `${amounts.slice(0, -1)},`, tail: `,${method.slice(1)}` };
}

export type PaymentState = 'SUCCESS' | 'FAILED' | 'CANCELLED' | 'TOMBSTONE';

export interface CancelFacts {
  /** undefined when no pay and no cancel has been seen for the id. */
  readonly state: PaymentState | undefined;
  readonly paymentTimeMs: number | undefined;
  readonly nowMs: number;
  readonly isInCancelWindow: (paymentTimeMs: number, nowMs: number) => boolean;
}

export type CancelDecision =
  /** No pay seen: remember the id so that a late pay is answered ORDER_IS_CLOSED. */
  | { readonly kind: 'TOMBSTONE' }
  /** A successful payment: give back what it still holds (paid less refunds) and close it. */
  | { readonly kind: 'REVERSE' }
  /** A failed payment (nothing was taken) or one already closed: close it, nothing moves. */
  | { readonly kind: 'CLOSE' }
  | { readonly kind: 'REJECT'; readonly code: 'CANCEL_WINDOW_EXCEEDED' };

/** (doc) Cancel succeeds whatever the status, also after partial refunds; only the window can refuse it. */
export function decideCancel(facts: CancelFacts): CancelDecision {
  if (facts.state === undefined) return { kind: 'TOMBSTONE' };
  if (facts.state === 'TOMBSTONE' || facts.state === 'CANCELLED') return { kind: 'CLOSE' };
  if (facts.paymentTimeMs !== undefined && !facts.isInCancelWindow(facts.paymentTimeMs, facts.nowMs)) {
    return { kind: 'REJECT', code: 'CANCEL_WINDOW_EXCEEDED' };
  }
  return facts.state === 'SUCCESS' ? { kind: 'REVERSE' } : { kind: 'CLOSE' };
}

/**
 * (tapkit) How far payToAmount may lie from paymentAmount converted with the quote: one minor unit beyond
 * rounding down or up, whichever way the sender rounded. The one place this tolerance lives.
 */
export const PAY_TO_TOLERANCE_MINOR = 1n;

/**
 * Whether payToAmount (what the wallet is debited) agrees with paymentAmount: equal in the same currency;
 * across currencies, paymentAmount converted with the quote, within PAY_TO_TOLERANCE_MINOR. A payToAmount
 * trusted blindly would let a sender debit any sum for a small purchase.
 */
export function payToAgrees(
  paymentAmount: Money,
  payToAmount: Money,
  quote: Readonly<Record<string, unknown>> | null,
): boolean {
  if (paymentAmount.currency === payToAmount.currency) return paymentAmount.value === payToAmount.value;
  const pair = quote?.quoteCurrencyPair;
  const price = quote?.quotePrice;
  if (typeof pair !== 'string' || typeof price !== 'string') return false;
  const source = paymentAmount as unknown as Amount;
  const target = payToAmount.currency as CurrencyCode;
  const low = convertAmount(source, { quoteCurrencyPair: pair, quotePrice: price }, target, 'DOWN');
  const high = convertAmount(source, { quoteCurrencyPair: pair, quotePrice: price }, target, 'UP');
  if (!low.ok || !high.ok) return false;
  return (
    payToAmount.value >= low.value.value - PAY_TO_TOLERANCE_MINOR &&
    payToAmount.value <= high.value.value + PAY_TO_TOLERANCE_MINOR
  );
}

/** (doc) What a cancel gives back: the wallet amount paid less what refunds already returned. */
export function stillHeldMinor(payToMinor: bigint, refundedFromMinor: bigint): bigint {
  const held = payToMinor - refundedFromMinor;
  return held > 0n ? held : 0n;
}
