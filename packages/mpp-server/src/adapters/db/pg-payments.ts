import { result } from '@tapkit/protocol';
import type pg from 'pg';
import type { TransferPlan } from '../../domain/ledger.ts';
import type { PaymentLimits } from '../../domain/pay.ts';
import { isRetryableConflict } from './errors.ts';
import {
  adjustRefundFunctionCall,
  cancelFunctionCall,
  findAdjustRefundFactsStatement,
  findPaymentStatement,
  findRefundAndPaymentStatement,
  payFunctionCall,
  refundFunctionCall,
} from './pg-functions.ts';
import type { AdjustRefundRow, PaymentRow, RefundRow } from './schema.ts';
import { txAttemptCountMax } from './transaction.ts';

// The PostgreSQL pay and cancel as named prepared statements calling the functions of migration 0005: a
// pay is one round trip, a cancel, a refund and an adjustRefund two, and no query is built per request. pg prepares a named statement
// once per connection and then sends only its parameters.

/** Every code mpp_pay can answer with; their wire result objects are sent along with each call. */
const payResultCodes = [
  'SUCCESS',
  'USER_NOT_EXIST',
  'USER_STATUS_ABNORMAL',
  'CURRENCY_NOT_SUPPORT',
  'PAYMENT_AMOUNT_EXCEED_LIMIT',
  'PAYMENT_COUNT_EXCEED_LIMIT',
  'USER_AMOUNT_EXCEED_LIMIT',
  'USER_BALANCE_NOT_ENOUGH',
  'ORDER_IS_CLOSED',
] as const;

const payResultTexts = payResultCodes.map((code) => JSON.stringify(result(code)));

/** The statement's name: a new version of the function's arguments needs a new name. */
const payStatementName = 'mpp_pay_v1';

export interface PgPayInput {
  readonly paymentRequestId: string;
  readonly customerId: string | null;
  readonly paymentMethodId: string | null;
  readonly paymentCurrency: string;
  readonly paymentMinor: bigint;
  readonly payToCurrency: string;
  readonly payToMinor: bigint;
  readonly checkedFields: string;
  readonly legacyHead: string;
  readonly legacyTail: string;
  readonly paymentId: string;
  readonly paymentTime: string;
  readonly nowMs: number;
  readonly payDay: number;
  readonly customData: string | null;
  readonly detailsJson: string;
  readonly requestJson: string | null;
  readonly notifyUrl: string | null;
  readonly limits: PaymentLimits | undefined;
}

export type PgPayOutcome =
  | { readonly kind: 'NEW' | 'REPLAY'; readonly answerJson: string }
  | { readonly kind: 'INCONSISTENT' };

const text = (value: bigint | number | undefined): string | null =>
  value === undefined ? null : value.toString();

function valuesOf(input: PgPayInput): unknown[] {
  return [
    input.paymentRequestId,
    input.customerId,
    input.paymentMethodId,
    input.paymentCurrency,
    input.paymentMinor.toString(),
    input.payToCurrency,
    input.payToMinor.toString(),
    input.checkedFields,
    input.legacyHead,
    input.legacyTail,
    input.paymentId,
    input.paymentTime,
    String(input.nowMs),
    String(input.payDay),
    input.customData,
    input.detailsJson,
    input.requestJson,
    input.notifyUrl,
    text(input.limits?.amountPerPaymentMaxMinor),
    text(input.limits?.dailyCountMax),
    text(input.limits?.dailyAmountMaxMinor),
    payResultCodes,
    payResultTexts,
  ];
}

/**
 * Runs one pay. A conflict with a concurrent pay of the same id (unique violation) or a deadlock runs
 * the statement again, which then replays what the winner stored; `input` is rebuilt per attempt so that
 * a retry gets a fresh paymentId.
 */
export async function payOnPostgres(pool: pg.Pool, input: () => PgPayInput): Promise<PgPayOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { rows } = await pool.query<{ kind: string; answer: string | null }>({
        name: payStatementName,
        text: payFunctionCall,
        values: valuesOf(input()),
      });
      const row = rows[0];
      if (row === undefined) throw new Error('mpp_pay returned no row');
      if (row.kind === 'INCONSISTENT') return { kind: 'INCONSISTENT' };
      if ((row.kind !== 'NEW' && row.kind !== 'REPLAY') || row.answer === null) {
        throw new Error(`mpp_pay returned ${row.kind}`);
      }
      return { kind: row.kind, answerJson: row.answer };
    } catch (error) {
      if (attempt >= txAttemptCountMax || !isRetryableConflict(error)) throw error;
    }
  }
}

/** A cancel's first round trip: the payment row as stored (int8 columns as bigint, see openDatabase). */
export async function findPaymentOnPostgres(
  pool: pg.Pool,
  paymentRequestId: string,
): Promise<PaymentRow | undefined> {
  const { rows } = await pool.query<PaymentRow>({
    name: 'mpp_find_payment_v1',
    text: findPaymentStatement,
    values: [paymentRequestId],
  });
  return rows[0];
}

export interface PgCancelInput {
  readonly paymentRequestId: string;
  /** The payment as the first round trip saw it; undefined when there was none (a tombstone is due). */
  readonly seen: PaymentRow | undefined;
  readonly cancelResponseJson: string;
  readonly nowMs: number;
  /** Whether the payment closes (status CANCELLED, notification re-opened unless finished). */
  readonly closes: boolean;
  /** The reversal, when the cancel gives money back. */
  readonly reversal: TransferPlan | undefined;
}

/** A cancel's second round trip (mpp_cancel): DONE, or CHANGED when the payment is no longer as seen. */
export async function applyCancelOnPostgres(
  pool: pg.Pool,
  input: PgCancelInput,
): Promise<'DONE' | 'CHANGED'> {
  const seen = input.seen;
  const reversal = input.reversal;
  const [from, to] = reversal?.postings ?? [];
  const { rows } = await pool.query<{ outcome: string }>({
    name: 'mpp_cancel_v1',
    text: cancelFunctionCall,
    values: [
      input.paymentRequestId,
      seen !== undefined,
      seen?.status ?? null,
      seen?.payment_id ?? null,
      text(seen?.payment_time_ms ?? undefined),
      seen?.customer_id ?? null,
      text(seen?.pay_to_minor ?? undefined),
      text(seen?.refunded_from_minor),
      input.cancelResponseJson,
      String(input.nowMs),
      input.closes,
      reversal?.id ?? null,
      reversal?.currency ?? null,
      from?.accountId ?? null,
      to?.accountId ?? null,
      text(reversal?.amountMinor),
    ],
  });
  const outcome = rows[0]?.outcome;
  if (outcome !== 'DONE' && outcome !== 'CHANGED') throw new Error(`mpp_cancel returned ${outcome}`);
  return outcome;
}

/** The stored refund of an id, when there is one, and the payment it names, as one round trip reads them. */
export interface SeenRefund {
  readonly stored: { readonly checkedFields: string; readonly responseJson: string } | undefined;
  readonly payment: PaymentRow | undefined;
}

/** A refund's first round trip. */
export async function findRefundAndPaymentOnPostgres(
  pool: pg.Pool,
  refundRequestId: string,
  paymentRequestId: string,
): Promise<SeenRefund> {
  const { rows } = await pool.query<
    PaymentRow & { r_checked_fields: string | null; r_response_json: string | null }
  >({
    name: 'mpp_find_refund_v1',
    text: findRefundAndPaymentStatement,
    values: [refundRequestId, paymentRequestId],
  });
  const row = rows[0];
  if (row === undefined) throw new Error('the refund lookup returned no row');
  const { r_checked_fields: checkedFields, r_response_json: responseJson, ...payment } = row;
  return {
    stored: checkedFields === null || responseJson === null ? undefined : { checkedFields, responseJson },
    payment: payment.payment_request_id === null ? undefined : payment,
  };
}

export interface PgRefundInput {
  readonly seen: PaymentRow | undefined;
  readonly row: RefundRow;
  /** What the payment's refunded sums grow by (payment and wallet currency), for a successful refund. */
  readonly addToPayment: { readonly refundMinor: bigint; readonly refundFromMinor: bigint } | undefined;
  /** The credit to the wallet, when the refund moves money. */
  readonly credit: TransferPlan | undefined;
}

/** A refund's second round trip (mpp_refund): DONE, or CHANGED when what it decided from is gone. */
export async function applyRefundOnPostgres(
  pool: pg.Pool,
  input: PgRefundInput,
): Promise<'DONE' | 'CHANGED'> {
  const { seen, row, credit } = input;
  const [from, to] = credit?.postings ?? [];
  const { rows } = await pool.query<{ outcome: string }>({
    name: 'mpp_refund_v1',
    text: refundFunctionCall,
    values: [
      row.refund_request_id,
      row.payment_request_id,
      seen !== undefined,
      seen?.status ?? null,
      seen?.payment_id ?? null,
      seen?.customer_id ?? null,
      seen === undefined ? null : seen.pay_response_json !== null,
      text(seen?.refunded_minor),
      text(seen?.refunded_from_minor),
      row.refund_id,
      row.result_code,
      row.checked_fields,
      row.refund_currency,
      row.refund_minor.toString(),
      row.refund_from_currency,
      text(row.refund_from_minor ?? undefined),
      row.refund_reason,
      row.response_json,
      row.created_at_ms.toString(),
      row.request_json,
      text(input.addToPayment?.refundMinor),
      text(input.addToPayment?.refundFromMinor),
      credit?.id ?? null,
      credit?.currency ?? null,
      from?.accountId ?? null,
      to?.accountId ?? null,
      text(credit?.amountMinor),
    ],
  });
  const outcome = rows[0]?.outcome;
  if (outcome !== 'DONE' && outcome !== 'CHANGED') throw new Error(`mpp_refund returned ${outcome}`);
  return outcome;
}

/** What an adjustRefund decides from, as its first round trip reads it. */
export interface SeenAdjustRefund {
  readonly stored: { readonly checkedFields: string; readonly responseJson: string } | undefined;
  readonly customerStatus: 'ACTIVE' | 'FROZEN' | undefined;
  /** The currencies of the customer's wallets, in order. */
  readonly walletCurrencies: readonly string[];
  readonly linkedPayment: PaymentRow | undefined;
}

export async function findAdjustRefundFactsOnPostgres(
  pool: pg.Pool,
  p: { refundRequestId: string; customerId: string; linkedRequestId: string | null },
): Promise<SeenAdjustRefund> {
  const { rows } = await pool.query<
    PaymentRow & {
      a_checked_fields: string | null;
      a_response_json: string | null;
      customer_status: 'ACTIVE' | 'FROZEN' | null;
      currencies: string[] | null;
    }
  >({
    name: 'mpp_find_adjust_refund_v1',
    text: findAdjustRefundFactsStatement,
    values: [p.refundRequestId, p.customerId, p.linkedRequestId],
  });
  const row = rows[0];
  if (row === undefined) throw new Error('the adjustRefund lookup returned no row');
  const {
    a_checked_fields: checkedFields,
    a_response_json: responseJson,
    customer_status,
    currencies,
    ...payment
  } = row;
  return {
    stored: checkedFields === null || responseJson === null ? undefined : { checkedFields, responseJson },
    customerStatus: customer_status ?? undefined,
    walletCurrencies: currencies ?? [],
    linkedPayment: payment.payment_request_id === null ? undefined : payment,
  };
}

export interface PgAdjustRefundInput {
  readonly row: AdjustRefundRow;
  readonly seen: SeenAdjustRefund;
  /**
   * Whether the linked payment (row.payment_request_id) counted, being this customer's and answered; null
   * when the scenario links none (UNLINKED_REFUND, or no paymentRequestId).
   */
  readonly seenLinked: boolean | null;
  readonly creditsCustomer: boolean;
}

/** An adjustRefund's second round trip (mpp_adjust_refund). */
export async function applyAdjustRefundOnPostgres(
  pool: pg.Pool,
  input: PgAdjustRefundInput,
): Promise<'DONE' | 'CHANGED' | 'OUT_OF_RANGE'> {
  const { row, seen } = input;
  const { rows } = await pool.query<{ outcome: string }>({
    name: 'mpp_adjust_refund_v1',
    text: adjustRefundFunctionCall,
    values: [
      row.refund_request_id,
      row.customer_id,
      seen.customerStatus !== undefined,
      seen.walletCurrencies,
      row.payment_request_id,
      input.seenLinked,
      row.refund_id,
      row.sub_scenario_type,
      row.refund_currency,
      row.refund_minor.toString(),
      input.creditsCustomer,
      row.credited_account_id,
      row.credited_currency,
      row.credited_minor.toString(),
      row.checked_fields,
      row.details_json,
      row.response_json,
      row.created_at_ms.toString(),
    ],
  });
  const outcome = rows[0]?.outcome;
  if (outcome !== 'DONE' && outcome !== 'CHANGED' && outcome !== 'OUT_OF_RANGE') {
    throw new Error(`mpp_adjust_refund returned ${outcome}`);
  }
  return outcome;
}
