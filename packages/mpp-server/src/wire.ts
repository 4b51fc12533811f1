import { isResultCode, type ResultCode, result, type WireResult } from '@tapkit/protocol';
import type { PaymentRow } from './adapters/db/schema.ts';
import type { Money } from './domain/money.ts';

// Wire shapes the payment service answers with. The service stores these objects as JSON and replays
// them, so they hold only strings (amounts as { currency, value } with value in minor units).

export interface WireMoney {
  currency: string;
  value: string;
}

export const toWireMoney = (money: Money): WireMoney => ({
  currency: money.currency,
  value: money.value.toString(),
});

export interface PayAnswer {
  result: WireResult;
  paymentId?: string;
  paymentTime?: string;
  customerId?: string;
  payToAmount?: WireMoney;
}

export interface InquiryAnswer {
  result: WireResult;
  paymentResult?: WireResult;
  paymentId?: string;
  paymentTime?: string;
  paymentAmount?: WireMoney;
  payToAmount?: WireMoney;
  customerId?: string;
}

export interface CancelAnswer {
  result: WireResult;
  paymentId?: string;
  cancelTime?: string;
}

export interface RefundAnswer {
  result: WireResult;
  refundId?: string;
  refundTime?: string;
  refundFromAmount?: WireMoney;
}

export interface AdjustRefundAnswer {
  result: WireResult;
  refundId?: string;
  refundTime?: string;
}

/** A result for a code read back from storage (stored codes always come from the catalog). */
export function storedResult(code: string): WireResult {
  return isResultCode(code) ? result(code) : { resultCode: code, resultStatus: 'F', resultMessage: code };
}

/** The outcome of a payment as inquiryPayment and notifyPayment report it; a closed one is ORDER_IS_CLOSED. */
export function paymentOutcome(row: PaymentRow): WireResult {
  if (row.status === 'CANCELLED' || row.status === 'TOMBSTONE') return result('ORDER_IS_CLOSED');
  return storedResult(row.result_code ?? 'UNKNOWN_EXCEPTION');
}

export const failure = (code: ResultCode): { result: WireResult } => ({ result: result(code) });

/** (tapkit) An amount the ledger cannot hold: the resulting sum would pass the int64 limit. */
export const amountOutOfRange = (field: string): { result: WireResult } => ({
  result: result(
    'PARAM_ILLEGAL',
    `${field}: the resulting balance would pass the 64-bit limit of the ledger`,
  ),
});
