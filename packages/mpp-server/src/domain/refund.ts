import { convertDown, type Money, minBigint } from './money.ts';
import { canonicalJson, type PaymentState } from './pay.ts';

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
  | {
      readonly kind: 'REFUND';
      /** What goes back to the wallet, in the wallet (payToAmount) currency. */
      readonly refundFrom: Money;
      /** The refund counted against the payment, in its paymentAmount currency. */
      readonly refundInPayment: Money;
    }
  | { readonly kind: 'REJECT'; readonly code: RefundRejectCode };

export function decideRefund(facts: RefundFacts): RefundDecision {
  const reject = (code: RefundRejectCode): RefundDecision => ({ kind: 'REJECT', code });
  const payment = facts.payment;
  if (payment === undefined || !payment.payWasSeen) return reject('ORDER_NOT_EXIST');
  // (tapkit) a paymentId that is not this payment's names another order.
  if (facts.paymentId !== null && facts.paymentId !== payment.paymentId) return reject('ORDER_NOT_EXIST');
  if (payment.state !== 'SUCCESS') return reject('ORDER_STATUS_INVALID');
  if (!facts.isInRefundWindow(payment.paymentTimeMs, facts.nowMs)) return reject('REFUND_WINDOW_EXCEED');
  const currency = facts.refundAmount.currency;
  if (currency !== payment.paymentAmount.currency) {
    // (doc) A refund in the wallet currency is converted at the payment's own rate, never refused.
    // (tapkit) A third currency has no rate of this payment to convert with: CURRENCY_NOT_SUPPORT.
    if (currency !== payment.payToAmount.currency) return reject('CURRENCY_NOT_SUPPORT');
    return refundInWalletCurrency(payment, facts.refundAmount.value);
  }
  // (tapkit) a refundFromAmount in another currency than the wallet's is ignored, not refused.
  const refundFromAmount =
    facts.refundFromAmount?.currency === payment.payToAmount.currency ? facts.refundFromAmount : null;
  const refundedAfterMinor = payment.refundedMinor + facts.refundAmount.value;
  if (refundedAfterMinor > payment.paymentAmount.value) return reject('REFUND_AMOUNT_EXCEED');
  const restFromMinor = payment.payToAmount.value - payment.refundedFromMinor;
  const refundFromMinor =
    refundFromAmount?.value ?? proportionalRefundFrom(payment, facts.refundAmount.value, refundedAfterMinor);
  if (refundFromMinor > restFromMinor) return reject('REFUND_AMOUNT_EXCEED');
  return {
    kind: 'REFUND',
    refundFrom: { currency: payment.payToAmount.currency, value: refundFromMinor },
    refundInPayment: facts.refundAmount,
  };
}

/**
 * A refund given in the wallet (payToAmount) currency: that amount goes back as it is, and counts against
 * the payment converted with payment / payTo, rounded down; the refund that returns the whole rest of the
 * wallet amount counts as the whole rest of the payment.
 */
function refundInWalletCurrency(payment: RefundablePayment, refundFromMinor: bigint): RefundDecision {
  const restFromMinor = payment.payToAmount.value - payment.refundedFromMinor;
  if (refundFromMinor > restFromMinor) return { kind: 'REJECT', code: 'REFUND_AMOUNT_EXCEED' };
  const restMinor = payment.paymentAmount.value - payment.refundedMinor;
  const inPaymentMinor =
    refundFromMinor === restFromMinor
      ? restMinor
      : minBigint(
          convertDown(refundFromMinor, payment.paymentAmount.value, payment.payToAmount.value),
          restMinor,
        );
  return {
    kind: 'REFUND',
    refundFrom: { currency: payment.payToAmount.currency, value: refundFromMinor },
    refundInPayment: { currency: payment.paymentAmount.currency, value: inPaymentMinor },
  };
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

/**
 * The fields a replayed refund must repeat exactly (doc: refundAmount, refundFromAmount, refundPromoInfo,
 * surchargeInfo, paymentRequestId). Objects compare by canonical JSON.
 */
export function refundCheckedFields(p: {
  refundAmount: Money;
  paymentRequestId: string;
  checked?: { refundFromAmount: unknown; refundPromoInfo: unknown; surchargeInfo: unknown };
}): string {
  return JSON.stringify([
    'v2',
    p.refundAmount.currency,
    p.refundAmount.value.toString(),
    p.paymentRequestId,
    canonicalJson(p.checked?.refundFromAmount ?? null),
    canonicalJson(p.checked?.refundPromoInfo ?? null),
    canonicalJson(p.checked?.surchargeInfo ?? null),
  ]);
}

/** The refund checked fields as stored before migration 0003; such rows still replay. */
export function legacyRefundCheckedFields(p: { refundAmount: Money; paymentRequestId: string }): string {
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
  /** The currencies the customer holds a wallet in. */
  readonly walletCurrencies: readonly string[];
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
  const credit =
    linked !== undefined && linked.paymentAmount.currency === facts.refundAmount.currency
      ? // (tapkit) the excess follows the linked payment's exchange ratio, rounded down, into its wallet.
        {
          currency: linked.payToAmount.currency,
          value: convertDown(facts.refundAmount.value, linked.payToAmount.value, linked.paymentAmount.value),
        }
      : facts.refundAmount;
  // (tapkit) the credit lands in the customer's wallet of its currency. adjustRefund never opens a wallet
  // (a refund in any currency would otherwise grow the customer past the wallet cap of the admin API): a
  // currency the customer holds no wallet in waits in SUSPENSE, as for an unknown customer.
  if (!facts.walletCurrencies.includes(credit.currency)) return { kind: 'CREDIT_SUSPENSE', credit };
  return { kind: 'CREDIT_CUSTOMER', credit };
}
