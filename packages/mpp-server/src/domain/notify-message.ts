import { isResultCode, RESULT_CODES, result, type WireResult } from '@tapkit/protocol';
import { formatUtc8 } from './time.ts';

// What notifyPayment tells Alipay+ about a payment, decided from the payment's CURRENT state (the worker
// re-reads it before every attempt, so a payment cancelled since the outbox row was written is reported
// as closed, never as the stale success). notifyPayment carries only final results: S or F, never U.

export type NotifiedState = 'SUCCESS' | 'FAILED' | 'CANCELLED';

/** The facts of a payment row the message needs (plain data, read by the adapter). */
export interface PaymentFacts {
  readonly paymentRequestId: string;
  readonly paymentId: string | null;
  readonly status: 'SUCCESS' | 'FAILED' | 'CANCELLED' | 'TOMBSTONE';
  readonly resultCode: string | null;
  readonly customerId: string | null;
  readonly paymentCurrency: string | null;
  readonly paymentMinor: bigint | null;
  readonly payToCurrency: string | null;
  readonly payToMinor: bigint | null;
  readonly paymentTimeMs: number | null;
}

export interface NotifyPaymentBody {
  paymentRequestId: string;
  paymentId?: string;
  paymentResult: WireResult;
  paymentAmount: { currency: string; value: string };
  payToAmount: { currency: string; value: string };
  customerId: string;
  paymentTime?: string;
}

export type NotifyMessageDecision =
  | { readonly kind: 'SEND'; readonly state: NotifiedState; readonly body: NotifyPaymentBody }
  /** Nothing truthful and final can be said (a tombstone, a row without amounts): finish the outbox row. */
  | { readonly kind: 'SKIP'; readonly reason: string };

export function decideNotifyMessage(payment: PaymentFacts | undefined): NotifyMessageDecision {
  if (payment === undefined) return { kind: 'SKIP', reason: 'payment not found' };
  if (payment.status === 'TOMBSTONE')
    return { kind: 'SKIP', reason: 'a cancel without a pay: nothing to notify' };
  const { customerId, paymentCurrency, paymentMinor, payToCurrency, payToMinor } = payment;
  if (customerId === null || paymentCurrency === null || paymentMinor === null) {
    return { kind: 'SKIP', reason: 'payment row lacks customerId or paymentAmount' };
  }
  const paymentResult = resultFor(payment);
  if (paymentResult === undefined) return { kind: 'SKIP', reason: 'payment has no final result' };
  if (paymentResult.resultStatus === 'S' && payment.paymentId === null) {
    return { kind: 'SKIP', reason: 'successful payment without paymentId' };
  }
  const paymentAmount = { currency: paymentCurrency, value: paymentMinor.toString() };
  const body: NotifyPaymentBody = {
    paymentRequestId: payment.paymentRequestId,
    ...(payment.paymentId === null ? {} : { paymentId: payment.paymentId }),
    paymentResult,
    paymentAmount,
    // A failed pay may have stopped before payToAmount was known; the payment amount is then the best truth.
    payToAmount:
      payToCurrency === null || payToMinor === null
        ? paymentAmount
        : { currency: payToCurrency, value: payToMinor.toString() },
    customerId,
    ...(payment.paymentTimeMs === null ? {} : { paymentTime: formatUtc8(payment.paymentTimeMs) }),
  };
  return { kind: 'SEND', state: payment.status, body };
}

function resultFor(payment: PaymentFacts): WireResult | undefined {
  if (payment.status === 'SUCCESS') return result('SUCCESS');
  if (payment.status === 'CANCELLED') return result('ORDER_IS_CLOSED');
  const code = payment.resultCode;
  if (code === null) return undefined;
  if (!isResultCode(code)) return { resultCode: code, resultStatus: 'F', resultMessage: code };
  // Only a final failure may be told; a code whose status is S or U on a FAILED row is not one.
  return RESULT_CODES[code].status === 'F' ? result(code) : undefined;
}
