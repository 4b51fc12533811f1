import { convertDown, type Money, minBigint } from './money.ts';
import type { PaymentState } from './pay.ts';

// The rules of `refund` and `adjustRefund` as pure decisions.

export type RefundRejectCode =
  | 'ORDER_NOT_EXIST'
  | 'ORDER_STATUS_INVALID'
  | 'CURRENCY_NOT_SUPPORT'
  | 'REFUND_WINDOW_EXCEED'
  | 'REFUND_AMOUNT_EXCEED';

export interface RefundablePayment {
  readonly state: PaymentState;
  /** false for a tombstone: a cancel arrived but no pay was ever seen. */
  readonly payWasSeen: boolean;
  readonly paymentId: string | null;
  readonly paymentAmount: Money;
  readonly payToAmount: Money;
  readonly refundedMinor: bigint;
  readonly refundedFromMinor: bigint;
  readonly paymentTimeMs: number;
}

export interface RefundFacts {
  readonly payment: RefundablePayment | undefined;
  readonly paymentId: string | null;
  readonly refundAmount: Money;
  readonly refundFromAmount: Money | null;
  readonly nowMs: number;
  readonly isInRefundWindow: (paymentTimeMs: number, nowMs: number) => boolean;
}

export type RefundDecision =
  | { readonly kind: 'REFUND'; readonly refundFrom: Money }
  | { readonly kind: 'REJECT'; readonly code: RefundRejectCode };

export function decideRefund(facts: RefundFacts): RefundDecision {
  const reject = (code: RefundRejectCode): RefundDecision => ({ kind: 'REJECT', code });
  const payment = facts.payment;
  if (payment === undefined || !payment.payWasSeen) return reject('ORDER_NOT_EXIST');
  // (tapkit) a paymentId that is not this payment's names another order.
  if (facts.paymentId !== null && facts.paymentId !== payment.paymentId) return reject('ORDER_NOT_EXIST');
  if (payment.state !== 'SUCCESS') return reject('ORDER_STATUS_INVALID');
  if (facts.refundAmount.currency !== payment.paymentAmount.currency) return reject('CURRENCY_NOT_SUPPORT');
  if (facts.refundFromAmount !== null && facts.refundFromAmount.currency !== payment.payToAmount.currency) {
    return reject('CURRENCY_NOT_SUPPORT');
  }
  if (!facts.isInRefundWindow(payment.paymentTimeMs, facts.nowMs)) return reject('REFUND_WINDOW_EXCEED');
  const refundedAfterMinor = payment.refundedMinor + facts.refundAmount.value;
  if (refundedAfterMinor > payment.paymentAmount.value) return reject('REFUND_AMOUNT_EXCEED');
  const restFromMinor = payment.payToAmount.value - payment.refundedFromMinor;
  const refundFromMinor =
    facts.refundFromAmount?.value ??
    proportionalRefundFrom(payment, facts.refundAmount.value, refundedAfterMinor);
  if (refundFromMinor > restFromMinor) return reject('REFUND_AMOUNT_EXCEED');
  return { kind: 'REFUND', refundFrom: { currency: payment.payToAmount.currency, value: refundFromMinor } };
}

/**
 * (tapkit) Without a refundFromAmount the wallet amount follows the original ratio payTo / payment,
 * rounded down; the refund that completes the full amount returns exactly what is left, so rounding
 * never keeps a cent of the customer's money.
 */
function proportionalRefundFrom(
  payment: RefundablePayment,
  refundMinor: bigint,
  refundedAfterMinor: bigint,
): bigint {
  const restFromMinor = payment.payToAmount.value - payment.refundedFromMinor;
  if (refundedAfterMinor === payment.paymentAmount.value) return restFromMinor;
  const converted = convertDown(refundMinor, payment.payToAmount.value, payment.paymentAmount.value);
  return minBigint(converted, restFromMinor);
}

/** The fields a replayed refund must repeat exactly (doc). */
export function refundCheckedFields(p: { refundAmount: Money; paymentRequestId: string }): string {
  return JSON.stringify([p.refundAmount.currency, p.refundAmount.value.toString(), p.paymentRequestId]);
}

export type AdjustRefundScenario = 'EXCEED_REFUND' | 'UNLINKED_REFUND';

/** The fields a replayed adjustRefund must repeat exactly (doc). */
export function adjustRefundCheckedFields(p: {
  refundAmount: Money;
  subScenarioType: string;
  customerId: string;
}): string {
  return JSON.stringify([
    p.refundAmount.currency,
    p.refundAmount.value.toString(),
    p.subScenarioType,
    p.customerId,
  ]);
}

export interface AdjustFacts {
  readonly customerExists: boolean;
  readonly refundAmount: Money;
  /** The payment an EXCEED_REFUND names, when it is this customer's. */
  readonly linkedPayment: { readonly paymentAmount: Money; readonly payToAmount: Money } | undefined;
}

/** Where an adjustRefund credit lands. It never fails: money that cannot reach a wallet waits in SUSPENSE. */
export type AdjustDecision =
  | { readonly kind: 'CREDIT_CUSTOMER'; readonly credit: Money }
  | { readonly kind: 'CREDIT_SUSPENSE'; readonly credit: Money };

export function decideAdjustRefund(facts: AdjustFacts): AdjustDecision {
  // (tapkit) an unknown customer's credit is parked in SUSPENSE for manual follow-up.
  if (!facts.customerExists) return { kind: 'CREDIT_SUSPENSE', credit: facts.refundAmount };
  const linked = facts.linkedPayment;
  if (linked !== undefined && linked.paymentAmount.currency === facts.refundAmount.currency) {
    // (tapkit) the excess follows the linked payment's exchange ratio, rounded down, into its wallet.
    const value = convertDown(facts.refundAmount.value, linked.payToAmount.value, linked.paymentAmount.value);
    return { kind: 'CREDIT_CUSTOMER', credit: { currency: linked.payToAmount.currency, value } };
  }
  // (tapkit) otherwise the credit lands in the wallet of the refund's currency (opened if needed).
  return { kind: 'CREDIT_CUSTOMER', credit: facts.refundAmount };
}
