import { result, type WireResult } from '@tapkit/protocol';
import { isRetryableConflict } from './adapters/db/errors.ts';
import {
  applyTransfer,
  ensureCustomerAccount,
  ensureSystemAccounts,
  lockIssuedMinor,
  readWalletBalances,
} from './adapters/db/ledger-repository.ts';
import type { DbHandle } from './adapters/db/open.ts';
import { isNotifyFinished, openNotify } from './adapters/db/outbox-repository.ts';
import {
  addRefundToPayment,
  findAdjustRefund,
  findPayment,
  findRefund,
  insertAdjustRefund,
  insertPayment,
  insertRefund,
  lockCustomer,
  updatePayment,
} from './adapters/db/payment-repository.ts';
import {
  applyAdjustRefundOnPostgres,
  applyCancelOnPostgres,
  applyRefundOnPostgres,
  findAdjustRefundFactsOnPostgres,
  findPaymentOnPostgres,
  findRefundAndPaymentOnPostgres,
  payOnPostgres,
} from './adapters/db/pg-payments.ts';
import type { AdjustRefundRow, PaymentRow, RefundRow } from './adapters/db/schema.ts';
import {
  type PayRowValues,
  type SqliteCustomerWallet,
  type SqlitePayStatements,
  type StoredPay,
  sqlitePayStatements,
} from './adapters/db/sqlite-pay-statements.ts';
import { createTxRunner, runTx, type Tx, txAttemptCountMax } from './adapters/db/transaction.ts';
import {
  customerAccountId,
  fitsIssuance,
  move,
  systemAccountId,
  type TransferPlan,
} from './domain/ledger.ts';
import type { Money } from './domain/money.ts';
import {
  decideCancel,
  decidePay,
  type LimitsByCurrency,
  legacyPayCheckedFields,
  legacyPayCheckedParts,
  needsDailyUsage,
  type PayDecision,
  payCheckedFields,
  payToAgrees,
  stillHeldMinor,
} from './domain/pay.ts';
import {
  type AdjustDecision,
  type AdjustRefundScenario,
  adjustRefundCheckedFields,
  decideAdjustRefund,
  decideRefund,
  legacyRefundCheckedFields,
  type RefundablePayment,
  refundCheckedFields,
} from './domain/refund.ts';
import {
  formatUtc8,
  isInCancelWindow,
  isInRefundWindow,
  REFUND_WINDOW_DAYS_DEFAULT,
  utc8Day,
} from './domain/time.ts';
import type { Clock, ErrorSink, IdSource } from './ports.ts';

import {
  type AdjustRefundAnswer,
  amountOutOfRange,
  type CancelAnswer,
  failure,
  type InquiryAnswer,
  type PayAnswer,
  paymentOutcome,
  type RefundAnswer,
  toWireMoney,
} from './wire.ts';

type PgPool = Parameters<typeof payOnPostgres>[0];

// The Alipay+ -> MPP payment APIs: each call is one transaction (on SQLite, one savepoint of a group
// commit, see createTxRunner) that reads the stored answer for its idempotency key (and replays it, or
// refuses a different request under the same key), decides with the pure rules in domain/, posts to the
// ledger, stores the answer, and queues notifyPayment — all or nothing, answered only once committed.
// The pay, the hot path, runs without a query built per request: on PostgreSQL as one statement calling
// the mpp_pay function (migration 0005), on SQLite as prepared statements in the group commit.
// A storage failure answers U UNKNOWN_EXCEPTION with nothing stored, so Alipay+ retries.

export interface PayCommand {
  readonly paymentRequestId: string;
  /**
   * The customer the request names (top-level customerId, else paymentMethod.customerId); null when it
   * names none, and the service then looks paymentMethodId up in the token mapping.
   */
  readonly customerId: string | null;
  readonly paymentAmount: Money;
  /** What to debit: payToAmount as sent, or paymentAmount when it was absent (doc). */
  readonly payToAmount: Money;
  readonly paymentMethodType: string | null;
  readonly paymentMethodId: string | null;
  readonly customData: string | null;
  /** Required when paymentAmount and payToAmount differ in currency; kept for history. */
  readonly paymentQuote: Readonly<Record<string, unknown>> | null;
  /** The rest of the request worth keeping for history: order, paymentFactor, nfcTransactionInfo. */
  readonly details: Readonly<Record<string, unknown>>;
  /** Compared on replays with the amounts and customerId (doc); absent counts as null. */
  readonly checked?: {
    readonly paymentMethod: unknown;
    readonly surchargeInfo: unknown;
    readonly paymentPromoInfo: unknown;
  };
  /** The request as received, unknown fields included, stored with the payment. */
  readonly requestJson?: string | null;
  /** Where this payment's notifyPayment goes (an allowed paymentNotifyUrl); the default when null. */
  readonly notifyUrl?: string | null;
}

export interface RefundCommand {
  readonly refundRequestId: string;
  readonly paymentRequestId: string;
  readonly paymentId: string | null;
  readonly refundAmount: Money;
  readonly refundFromAmount: Money | null;
  readonly refundReason: string | null;
  /** Compared on replays with refundAmount and paymentRequestId (doc); absent counts as null. */
  readonly checked?: {
    readonly refundFromAmount: unknown;
    readonly refundPromoInfo: unknown;
    readonly surchargeInfo: unknown;
  };
  /** The request as received, unknown fields included. */
  readonly requestJson?: string | null;
}

export interface AdjustRefundCommand {
  readonly refundRequestId: string;
  readonly customerId: string;
  readonly refundAmount: Money;
  readonly subScenarioType: AdjustRefundScenario;
  readonly paymentRequestId: string | null;
  readonly details: Readonly<Record<string, unknown>>;
}

export interface PaymentServiceDeps {
  readonly store: DbHandle;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly limits?: LimitsByCurrency;
  /** How long a payment stays refundable; at least (and by default) 366 days (doc: a minimum). */
  readonly refundWindowDays?: number;
  readonly onError?: ErrorSink;
}

export interface PaymentService {
  pay(command: PayCommand): Promise<PayAnswer>;
  /** paymentId, when given, must be the payment's (else ORDER_NOT_EXIST, tapkit). */
  inquiryPayment(paymentRequestId: string, paymentId?: string | null): Promise<InquiryAnswer>;
  cancelPayment(paymentRequestId: string): Promise<CancelAnswer>;
  refund(command: RefundCommand): Promise<RefundAnswer>;
  adjustRefund(command: AdjustRefundCommand): Promise<AdjustRefundAnswer>;
}

export function createPaymentService(deps: PaymentServiceDeps): PaymentService {
  const inTx = createTxRunner(deps.store);
  const guarded = async <T>(
    operation: string,
    key: string,
    work: () => Promise<T>,
  ): Promise<T | { result: WireResult }> => {
    try {
      return await work();
    } catch (error) {
      deps.onError?.(error, { operation, key });
      return failure('UNKNOWN_EXCEPTION');
    }
  };
  return {
    pay: (command) => {
      if (!isWellFormedPay(command)) return Promise.resolve(failure('PARAM_ILLEGAL'));
      const native = deps.store.native;
      return guarded('pay', command.paymentRequestId, () =>
        native.engine === 'postgres'
          ? payWithFunction(deps, native.pool, command)
          : inTx(async () => payOnSqlite(deps, sqlitePayStatements(native.database), command)),
      );
    },
    inquiryPayment: (id, paymentId) =>
      guarded('inquiryPayment', id, () => inquire(deps, id, paymentId ?? null)),
    cancelPayment: (id) => {
      const native = deps.store.native;
      return guarded('cancelPayment', id, () =>
        native.engine === 'postgres'
          ? cancelWithFunction(deps, native.pool, id)
          : inTx((tx) => cancelInTx(deps, tx, id)),
      );
    },
    refund: (command) =>
      command.refundAmount.value <= 0n
        ? Promise.resolve(failure('PARAM_ILLEGAL'))
        : guarded('refund', command.refundRequestId, () =>
            deps.store.native.engine === 'postgres'
              ? refundWithFunction(deps, deps.store.native.pool, command)
              : inTx((tx) => refundInTx(deps, tx, command)),
          ),
    // adjustRefund never fails for business reasons (doc), but a zero amount moves nothing: a parameter
    // error, as for pay and refund.
    adjustRefund: (command) =>
      command.refundAmount.value <= 0n
        ? Promise.resolve(failure('PARAM_ILLEGAL'))
        : guarded('adjustRefund', command.refundRequestId, () =>
            deps.store.native.engine === 'postgres'
              ? adjustRefundWithFunction(deps, deps.store.native.pool, command)
              : inTx((tx) => adjustRefundInTx(deps, tx, command)),
          ),
  };
}

/**
 * What the wire schema already guarantees, checked again for callers that skip it: positive amounts
 * (tapkit: a zero-amount pay has nothing to debit), a quote whenever the currencies differ (doc), and a
 * payToAmount that agrees with paymentAmount and the quote (tapkit, see payToAgrees).
 */
function isWellFormedPay(command: PayCommand): boolean {
  if (command.paymentAmount.value <= 0n || command.payToAmount.value <= 0n) return false;
  return payToAgrees(command.paymentAmount, command.payToAmount, command.paymentQuote);
}

/** The stored first answer to a pay, or REPEAT_REQ_INCONSISTENT when the checked fields differ. */
function replayPay(row: StoredPay, checkedFields: readonly string[]): PayAnswer | undefined {
  if (row.payResponseJson === null) return undefined;
  if (row.checkedFields === null || !checkedFields.includes(row.checkedFields)) {
    return failure('REPEAT_REQ_INCONSISTENT');
  }
  return JSON.parse(row.payResponseJson) as PayAnswer;
}

function checkedFieldsOf(command: PayCommand): string {
  return payCheckedFields({
    paymentAmount: command.paymentAmount,
    payToAmount: command.payToAmount,
    customerId: command.customerId,
    paymentMethod: command.checked?.paymentMethod ?? null,
    surchargeInfo: command.checked?.surchargeInfo ?? null,
    paymentPromoInfo: command.checked?.paymentPromoInfo ?? null,
  });
}

/**
 * PostgreSQL: the whole pay in one statement (mpp_pay, see pg-functions.ts, the same steps as
 * payOnSqlite), its own transaction. What the function cannot do is done here: checked fields, ids, times.
 */
async function payWithFunction(
  deps: PaymentServiceDeps,
  pool: PgPool,
  command: PayCommand,
): Promise<PayAnswer> {
  const checkedFields = checkedFieldsOf(command);
  const legacy = legacyPayCheckedParts(command);
  const detailsJson = JSON.stringify({ ...command.details, paymentQuote: command.paymentQuote });
  const outcome = await payOnPostgres(pool, () => {
    const nowMs = deps.clock.nowMs();
    return {
      paymentRequestId: command.paymentRequestId,
      customerId: command.customerId,
      paymentMethodId: command.paymentMethodId,
      paymentCurrency: command.paymentAmount.currency,
      paymentMinor: command.paymentAmount.value,
      payToCurrency: command.payToAmount.currency,
      payToMinor: command.payToAmount.value,
      checkedFields,
      legacyHead: legacy.head,
      legacyTail: legacy.tail,
      paymentId: deps.ids.paymentId(),
      paymentTime: formatUtc8(nowMs),
      nowMs,
      payDay: utc8Day(nowMs),
      customData: command.customData,
      detailsJson,
      requestJson: command.requestJson ?? null,
      notifyUrl: command.notifyUrl ?? null,
      limits: deps.limits?.[command.payToAmount.currency],
    };
  });
  if (outcome.kind === 'INCONSISTENT') return failure('REPEAT_REQ_INCONSISTENT');
  return JSON.parse(outcome.answerJson) as PayAnswer;
}

/**
 * SQLite: the pay as prepared statements, one unit of the group commit. The customer is the one the
 * request names, else the owner of the token reference paymentMethodId (docs/protocol/alipayplus-api.md#pay); a stored
 * answer is replayed; then the decision (domain/pay.ts), the debit, the outcome and its notification.
 * SQLite has one writer, so nothing changes between the reads and the writes.
 */
function payOnSqlite(deps: PaymentServiceDeps, st: SqlitePayStatements, command: PayCommand): PayAnswer {
  const methodId = command.paymentMethodId;
  const customerId =
    command.customerId ?? (methodId === null ? null : (st.findTokenCustomer(methodId) ?? null));
  const checkedFields = checkedFieldsOf(command);
  const accepted = [checkedFields, legacyPayCheckedFields({ ...command, customerId: customerId ?? '' })];
  const existing = st.findPay(command.paymentRequestId);
  const replay = existing && replayPay(existing, accepted);
  if (replay !== undefined) return replay;
  const currency = command.payToAmount.currency;
  const wallet = customerId === null ? undefined : st.readCustomerWallet(customerId, currency);
  const nowMs = deps.clock.nowMs();
  const decision: PayDecision =
    existing?.status === 'TOMBSTONE'
      ? { kind: 'REJECT', code: 'ORDER_IS_CLOSED' }
      : decideSqlitePay(deps, st, { command, customerId, wallet, nowMs });
  const debited = decision.kind === 'DEBIT' && wallet?.accountId !== undefined && customerId !== null;
  if (debited) {
    const plan = move({
      kind: 'PAY',
      clientId: command.paymentRequestId,
      currency,
      fromAccountId: wallet.accountId,
      toAccountId: systemAccountId('ALIPAYPLUS_SETTLEMENT', currency),
      amountMinor: command.payToAmount.value,
      customerId,
    });
    st.applyTransfer(plan, nowMs);
  }
  const answer: PayAnswer = {
    result: result(decision.kind === 'DEBIT' ? 'SUCCESS' : decision.code),
    paymentId: deps.ids.paymentId(),
    paymentTime: formatUtc8(nowMs),
    ...(customerId === null ? {} : { customerId }),
    payToAmount: toWireMoney(command.payToAmount),
  };
  const row = payRowOf(command, { customerId, checkedFields, answer, nowMs });
  // The pay of an id a cancel already closed keeps the tombstone and records what the pay asked for.
  if (existing === undefined) st.insertPay(command.paymentRequestId, debited ? 'SUCCESS' : 'FAILED', row);
  else st.updatePay(command.paymentRequestId, row);
  st.openNotify(command.paymentRequestId, nowMs);
  return answer;
}

function decideSqlitePay(
  deps: PaymentServiceDeps,
  st: SqlitePayStatements,
  p: {
    command: PayCommand;
    customerId: string | null;
    wallet: SqliteCustomerWallet | undefined;
    nowMs: number;
  },
): PayDecision {
  const currency = p.command.payToAmount.currency;
  const limits = deps.limits?.[currency];
  // Today's usage costs a query, so it is read only when a daily limit applies.
  const usageToday =
    p.wallet?.accountId !== undefined && p.customerId !== null && needsDailyUsage(limits)
      ? st.readDailyUsage(p.customerId, currency, utc8Day(p.nowMs))
      : { amountMinor: 0n, count: 0 };
  return decidePay({
    customerStatus: p.wallet?.status,
    walletBalanceMinor: p.wallet?.balanceMinor,
    payTo: p.command.payToAmount,
    limits,
    usageToday,
  });
}

function payRowOf(
  command: PayCommand,
  p: { customerId: string | null; checkedFields: string; answer: PayAnswer; nowMs: number },
): PayRowValues {
  return {
    paymentId: p.answer.paymentId ?? null,
    resultCode: p.answer.result.resultCode,
    customerId: p.customerId,
    checkedFields: p.checkedFields,
    paymentCurrency: command.paymentAmount.currency,
    paymentMinor: command.paymentAmount.value,
    payToCurrency: command.payToAmount.currency,
    payToMinor: command.payToAmount.value,
    nowMs: p.nowMs,
    payDay: utc8Day(p.nowMs),
    customData: command.customData,
    detailsJson: JSON.stringify({ ...command.details, paymentQuote: command.paymentQuote }),
    payResponseJson: JSON.stringify(p.answer),
    requestJson: command.requestJson ?? null,
    notifyUrl: command.notifyUrl ?? null,
  };
}

async function inquire(
  deps: PaymentServiceDeps,
  paymentRequestId: string,
  paymentId: string | null,
): Promise<InquiryAnswer> {
  const row = await findPayment(deps.store.db, paymentRequestId);
  // (tapkit) a cancel tombstone no pay ever reached is not a payment: there is nothing to report on.
  if (row === undefined || row.pay_response_json === null) return failure('ORDER_NOT_EXIST');
  if (paymentId !== null && paymentId !== row.payment_id) return failure('ORDER_NOT_EXIST');
  const stored = JSON.parse(row.pay_response_json) as PayAnswer;
  const answer: InquiryAnswer = { result: result('SUCCESS'), paymentResult: paymentOutcome(row) };
  if (stored.paymentId !== undefined) answer.paymentId = stored.paymentId;
  if (stored.paymentTime !== undefined) answer.paymentTime = stored.paymentTime;
  if (row.payment_currency !== null && row.payment_minor !== null) {
    answer.paymentAmount = { currency: row.payment_currency, value: row.payment_minor.toString() };
  }
  if (stored.payToAmount !== undefined) answer.payToAmount = stored.payToAmount;
  if (row.customer_id !== null) answer.customerId = row.customer_id;
  return answer;
}

interface CancelPlan {
  readonly answer: CancelAnswer;
  /** Whether the payment closes: status CANCELLED, its notification re-opened unless finished. */
  readonly closes: boolean;
  /** The transfer that gives back what the payment still holds, when there is any. */
  readonly reversal: TransferPlan | undefined;
}

/** What a cancel of the payment as stored (undefined: none yet, a tombstone is due) does and answers. */
function planCancel(row: PaymentRow | undefined, nowMs: number): CancelPlan {
  const decision = decideCancel({
    state: row?.status,
    paymentTimeMs: row?.payment_time_ms == null ? undefined : Number(row.payment_time_ms),
    nowMs,
    isInCancelWindow,
  });
  const answer: CancelAnswer = { result: result(decision.kind === 'REJECT' ? decision.code : 'SUCCESS') };
  if (row?.payment_id) answer.paymentId = row.payment_id;
  if (decision.kind !== 'REJECT') answer.cancelTime = formatUtc8(nowMs);
  const closes =
    row !== undefined &&
    (decision.kind === 'REVERSE' || (decision.kind === 'CLOSE' && row.status === 'FAILED'));
  const reversal = row !== undefined && decision.kind === 'REVERSE' ? reversalOf(row) : undefined;
  return { answer, closes, reversal };
}

/** SQLite (one writer: nothing changes between the read and the writes). */
async function cancelInTx(deps: PaymentServiceDeps, tx: Tx, paymentRequestId: string): Promise<CancelAnswer> {
  const row = await findPayment(tx, paymentRequestId);
  if (row?.cancel_response_json) return JSON.parse(row.cancel_response_json) as CancelAnswer;
  const nowMs = deps.clock.nowMs();
  const { answer, closes, reversal } = planCancel(row, nowMs);
  const cancelResponseJson = JSON.stringify(answer);
  if (row === undefined) {
    await insertPayment(tx, {
      payment_request_id: paymentRequestId,
      status: 'TOMBSTONE',
      cancel_response_json: cancelResponseJson,
      cancelled_at_ms: nowMs,
      created_at_ms: nowMs,
      updated_at_ms: nowMs,
    });
    return answer;
  }
  if (reversal !== undefined) await applyTransfer(tx, reversal, nowMs);
  await updatePayment(tx, paymentRequestId, {
    cancel_response_json: cancelResponseJson,
    updated_at_ms: nowMs,
    ...(closes ? { status: 'CANCELLED' as const, cancelled_at_ms: nowMs } : {}),
  });
  // (doc) One final result per payment: once its notification was finished (S acknowledged, or stopped
  // for operators) Alipay+ knows the outcome and itself initiated this cancel, so nothing more is sent; a
  // notification still pending is replaced by F ORDER_IS_CLOSED (the worker re-reads the payment).
  if (closes && !(await isNotifyFinished(tx, paymentRequestId)))
    await openNotify(tx, paymentRequestId, nowMs);
  return answer;
}

/**
 * PostgreSQL: two round trips. Read the payment, decide (planCancel), then mpp_cancel takes the locks,
 * checks the payment is still as read and writes; when it changed meanwhile (a refund, a pay on the
 * tombstone, another cancel) the cancel reads and decides again, at most txAttemptCountMax times.
 */
async function cancelWithFunction(
  deps: PaymentServiceDeps,
  pool: PgPool,
  paymentRequestId: string,
): Promise<CancelAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      const row = await findPaymentOnPostgres(pool, paymentRequestId);
      if (row?.cancel_response_json) return JSON.parse(row.cancel_response_json) as CancelAnswer;
      const nowMs = deps.clock.nowMs();
      const { answer, closes, reversal } = planCancel(row, nowMs);
      const outcome = await applyCancelOnPostgres(pool, {
        paymentRequestId,
        seen: row,
        cancelResponseJson: JSON.stringify(answer),
        nowMs,
        closes,
        reversal,
      });
      if (outcome === 'DONE') return answer;
      if (attempt >= txAttemptCountMax) throw new Error(`cancel: payment ${paymentRequestId} kept changing`);
    } catch (error) {
      if (attempt >= txAttemptCountMax || !isRetryableConflict(error)) throw error;
    }
  }
}

/** The transfer that gives back what a successful payment still holds; undefined when nothing is held. */
function reversalOf(row: PaymentRow): TransferPlan | undefined {
  const currency = row.pay_to_currency;
  const customerId = row.customer_id;
  if (currency === null || customerId === null || row.pay_to_minor === null) {
    throw new Error(`cancel: successful payment ${row.payment_request_id} lacks its amount`);
  }
  // (doc) After partial refunds a cancel returns what is still held; a fully refunded one moves nothing.
  const heldMinor = stillHeldMinor(row.pay_to_minor, row.refunded_from_minor);
  if (heldMinor === 0n) return undefined;
  return move({
    kind: 'CANCEL',
    clientId: row.payment_request_id,
    currency,
    fromAccountId: systemAccountId('ALIPAYPLUS_SETTLEMENT', currency),
    toAccountId: customerAccountId(customerId, currency),
    amountMinor: heldMinor,
    customerId,
  });
}

function refundablePayment(row: PaymentRow | undefined): RefundablePayment | undefined {
  if (row === undefined) return undefined;
  return {
    state: row.status,
    payWasSeen: row.pay_response_json !== null,
    paymentId: row.payment_id,
    paymentAmount: { currency: row.payment_currency ?? '', value: row.payment_minor ?? 0n },
    payToAmount: { currency: row.pay_to_currency ?? '', value: row.pay_to_minor ?? 0n },
    refundedMinor: row.refunded_minor,
    refundedFromMinor: row.refunded_from_minor,
    paymentTimeMs: Number(row.payment_time_ms ?? 0n),
  };
}

interface RefundPlan {
  readonly answer: RefundAnswer;
  readonly row: RefundRow;
  /** What the payment's refunded sums grow by, for a successful refund. */
  readonly addToPayment: { readonly refundMinor: bigint; readonly refundFromMinor: bigint } | undefined;
  /** The credit back to the wallet; none when the refund rounds down to nothing in the wallet currency. */
  readonly credit: TransferPlan | undefined;
}

/** What a refund of the payment as stored does and answers (decideRefund), and the row it stores. */
function planRefund(
  deps: PaymentServiceDeps,
  command: RefundCommand,
  payment: PaymentRow | undefined,
  checkedFields: string,
): RefundPlan {
  const nowMs = deps.clock.nowMs();
  const decision = decideRefund({
    payment: refundablePayment(payment),
    paymentId: command.paymentId,
    refundAmount: command.refundAmount,
    refundFromAmount: command.refundFromAmount,
    nowMs,
    isInRefundWindow: (paymentTimeMs, atMs) =>
      isInRefundWindow(paymentTimeMs, atMs, deps.refundWindowDays ?? REFUND_WINDOW_DAYS_DEFAULT),
  });
  const refundId = deps.ids.refundId();
  const answer: RefundAnswer =
    decision.kind === 'REJECT'
      ? failure(decision.code)
      : {
          result: result('SUCCESS'),
          refundId,
          refundTime: formatUtc8(nowMs),
          refundFromAmount: toWireMoney(decision.refundFrom),
        };
  const customerId = payment?.customer_id ?? null;
  const refunds = decision.kind === 'REFUND' && customerId !== null ? decision : undefined;
  const row: RefundRow = {
    refund_request_id: command.refundRequestId,
    refund_id: refundId,
    payment_request_id: command.paymentRequestId,
    customer_id: customerId,
    result_code: answer.result.resultCode,
    checked_fields: checkedFields,
    refund_currency: command.refundAmount.currency,
    refund_minor: command.refundAmount.value,
    refund_from_currency: decision.kind === 'REFUND' ? decision.refundFrom.currency : null,
    refund_from_minor: decision.kind === 'REFUND' ? decision.refundFrom.value : null,
    refund_reason: command.refundReason,
    response_json: JSON.stringify(answer),
    created_at_ms: BigInt(nowMs),
    request_json: command.requestJson ?? null,
  };
  // A refund small enough to round down to nothing in the wallet currency moves no money but still counts.
  const credit =
    refunds !== undefined && customerId !== null && refunds.refundFrom.value > 0n
      ? move({
          kind: 'REFUND',
          clientId: command.refundRequestId,
          currency: refunds.refundFrom.currency,
          fromAccountId: systemAccountId('ALIPAYPLUS_SETTLEMENT', refunds.refundFrom.currency),
          toAccountId: customerAccountId(customerId, refunds.refundFrom.currency),
          amountMinor: refunds.refundFrom.value,
          customerId,
        })
      : undefined;
  const addToPayment =
    refunds === undefined
      ? undefined
      : { refundMinor: refunds.refundInPayment.value, refundFromMinor: refunds.refundFrom.value };
  return { answer, row, addToPayment, credit };
}

function replayRefund(
  stored: { checkedFields: string; responseJson: string },
  accepted: readonly string[],
): RefundAnswer {
  if (!accepted.includes(stored.checkedFields)) return failure('REPEAT_REQ_INCONSISTENT');
  return JSON.parse(stored.responseJson) as RefundAnswer;
}

async function refundInTx(deps: PaymentServiceDeps, tx: Tx, command: RefundCommand): Promise<RefundAnswer> {
  const checkedFields = refundCheckedFields(command);
  const accepted = [checkedFields, legacyRefundCheckedFields(command)];
  const replay = async (): Promise<RefundAnswer | undefined> => {
    const stored = await findRefund(tx, command.refundRequestId);
    if (stored === undefined) return undefined;
    return replayRefund(
      { checkedFields: stored.checked_fields, responseJson: stored.response_json },
      accepted,
    );
  };
  const early = await replay();
  if (early !== undefined) return early;
  let payment = await findPayment(tx, command.paymentRequestId);
  if (deps.store.engine === 'postgres' && payment?.customer_id) {
    await lockCustomer(tx, deps.store.engine, payment.customer_id);
    const late = await replay();
    if (late !== undefined) return late;
    payment = await findPayment(tx, command.paymentRequestId);
  }
  const plan = planRefund(deps, command, payment, checkedFields);
  if (plan.credit !== undefined) await applyTransfer(tx, plan.credit, Number(plan.row.created_at_ms));
  if (plan.addToPayment !== undefined) {
    await addRefundToPayment(
      tx,
      command.paymentRequestId,
      plan.addToPayment.refundMinor,
      plan.addToPayment.refundFromMinor,
      Number(plan.row.created_at_ms),
    );
  }
  await insertRefund(tx, plan.row);
  return plan.answer;
}

/**
 * PostgreSQL: two round trips. Read the refund of the id and the payment, decide (planRefund), then
 * mpp_refund locks, checks nothing changed and writes. When something did (a concurrent refund of the
 * payment, another copy of this refund), the refund runs as one locking transaction instead, which waits
 * for the others rather than retrying against them.
 */
async function refundWithFunction(
  deps: PaymentServiceDeps,
  pool: PgPool,
  command: RefundCommand,
): Promise<RefundAnswer> {
  const checkedFields = refundCheckedFields(command);
  const accepted = [checkedFields, legacyRefundCheckedFields(command)];
  try {
    const seen = await findRefundAndPaymentOnPostgres(
      pool,
      command.refundRequestId,
      command.paymentRequestId,
    );
    if (seen.stored !== undefined) return replayRefund(seen.stored, accepted);
    const plan = planRefund(deps, command, seen.payment, checkedFields);
    const outcome = await applyRefundOnPostgres(pool, { seen: seen.payment, ...plan });
    if (outcome === 'DONE') return plan.answer;
  } catch (error) {
    if (!isRetryableConflict(error)) throw error;
  }
  return runTx(deps.store, (tx) => refundInTx(deps, tx, command));
}

interface AdjustRefundPlan {
  readonly decision: AdjustDecision;
  readonly answer: AdjustRefundAnswer;
  readonly row: AdjustRefundRow;
  readonly nowMs: number;
}

/** The payment an adjustRefund links, when its scenario links one (EXCEED_REFUND with an id). */
function linkedRequestIdOf(command: AdjustRefundCommand): string | null {
  return command.subScenarioType === 'EXCEED_REFUND' ? command.paymentRequestId : null;
}

/** Whether a linked payment counts for the credit: this customer's, and answered. */
function linkedCounts(command: AdjustRefundCommand, row: PaymentRow | undefined): boolean {
  return row?.customer_id === command.customerId && row.pay_response_json !== null;
}

/** Where an adjustRefund's credit lands (decideAdjustRefund), its answer and the row it stores. */
function planAdjustRefund(
  deps: PaymentServiceDeps,
  command: AdjustRefundCommand,
  facts: { customerExists: boolean; walletCurrencies: readonly string[]; linkedRow: PaymentRow | undefined },
): AdjustRefundPlan {
  const nowMs = deps.clock.nowMs();
  const linkedRow = facts.linkedRow;
  const decision = decideAdjustRefund({
    customerExists: facts.customerExists,
    walletCurrencies: facts.walletCurrencies,
    refundAmount: command.refundAmount,
    linkedPayment:
      linkedRow !== undefined && linkedCounts(command, linkedRow) ? refundablePayment(linkedRow) : undefined,
  });
  const credit = decision.credit;
  const answer: AdjustRefundAnswer = {
    result: result('SUCCESS'),
    refundId: deps.ids.refundId(),
    refundTime: formatUtc8(nowMs),
  };
  const row: AdjustRefundRow = {
    refund_request_id: command.refundRequestId,
    refund_id: answer.refundId ?? '',
    sub_scenario_type: command.subScenarioType,
    customer_id: command.customerId,
    payment_request_id: command.paymentRequestId,
    refund_currency: command.refundAmount.currency,
    refund_minor: command.refundAmount.value,
    credited_account_id:
      decision.kind === 'CREDIT_CUSTOMER'
        ? customerAccountId(command.customerId, credit.currency)
        : systemAccountId('SUSPENSE', credit.currency),
    credited_currency: credit.currency,
    credited_minor: credit.value,
    checked_fields: adjustRefundCheckedFields(command),
    details_json: JSON.stringify(command.details),
    response_json: JSON.stringify(answer),
    created_at_ms: BigInt(nowMs),
  };
  return { decision, answer, row, nowMs };
}

function replayAdjustRefund(
  stored: { checkedFields: string; responseJson: string },
  checkedFields: string,
): AdjustRefundAnswer {
  if (stored.checkedFields !== checkedFields) return failure('REPEAT_REQ_INCONSISTENT');
  return JSON.parse(stored.responseJson) as AdjustRefundAnswer;
}

async function adjustRefundInTx(
  deps: PaymentServiceDeps,
  tx: Tx,
  command: AdjustRefundCommand,
): Promise<AdjustRefundAnswer> {
  const checkedFields = adjustRefundCheckedFields(command);
  const replay = async (): Promise<AdjustRefundAnswer | undefined> => {
    const stored = await findAdjustRefund(tx, command.refundRequestId);
    if (stored === undefined) return undefined;
    return replayAdjustRefund(
      { checkedFields: stored.checked_fields, responseJson: stored.response_json },
      checkedFields,
    );
  };
  const early = await replay();
  if (early !== undefined) return early;
  const customerStatus = await lockCustomer(tx, deps.store.engine, command.customerId);
  if (deps.store.engine === 'postgres' && customerStatus !== undefined) {
    const late = await replay();
    if (late !== undefined) return late;
  }
  const linkedRequestId = linkedRequestIdOf(command);
  const plan = planAdjustRefund(deps, command, {
    customerExists: customerStatus !== undefined,
    walletCurrencies: (await readWalletBalances(tx, command.customerId)).map((wallet) => wallet.currency),
    linkedRow: linkedRequestId === null ? undefined : await findPayment(tx, linkedRequestId),
  });
  const credit = plan.decision.credit;
  if (credit.value > 0n) {
    const issuedMinor = await lockIssuedMinor(tx, deps.store.engine, credit.currency, plan.nowMs);
    // (tapkit) a credit that would take the ledger past the int64 limit is a parameter limit, not a
    // business refusal: PARAM_ILLEGAL, nothing stored, so the same request may be sent again.
    if (!fitsIssuance(issuedMinor, credit.value)) return amountOutOfRange('refundAmount');
  }
  await creditAdjustRefund(tx, command, plan.decision, plan.nowMs);
  await insertAdjustRefund(tx, plan.row);
  return plan.answer;
}

/**
 * PostgreSQL: two round trips. Read the facts (stored answer, customer, wallets, linked payment), decide
 * (planAdjustRefund), then mpp_adjust_refund locks, checks the facts still hold, checks the issuance limit
 * and writes; when the facts changed it runs as the locking transaction instead.
 */
async function adjustRefundWithFunction(
  deps: PaymentServiceDeps,
  pool: PgPool,
  command: AdjustRefundCommand,
): Promise<AdjustRefundAnswer> {
  const checkedFields = adjustRefundCheckedFields(command);
  const linkedRequestId = linkedRequestIdOf(command);
  try {
    const seen = await findAdjustRefundFactsOnPostgres(pool, {
      refundRequestId: command.refundRequestId,
      customerId: command.customerId,
      linkedRequestId,
    });
    if (seen.stored !== undefined) return replayAdjustRefund(seen.stored, checkedFields);
    const plan = planAdjustRefund(deps, command, {
      customerExists: seen.customerStatus !== undefined,
      walletCurrencies: seen.walletCurrencies,
      linkedRow: seen.linkedPayment,
    });
    const outcome = await applyAdjustRefundOnPostgres(pool, {
      row: plan.row,
      seen,
      seenLinked: linkedRequestId === null ? null : linkedCounts(command, seen.linkedPayment),
      creditsCustomer: plan.decision.kind === 'CREDIT_CUSTOMER',
    });
    if (outcome === 'DONE') return plan.answer;
    if (outcome === 'OUT_OF_RANGE') return amountOutOfRange('refundAmount');
  } catch (error) {
    if (!isRetryableConflict(error)) throw error;
  }
  return runTx(deps.store, (tx) => adjustRefundInTx(deps, tx, command));
}

/** Credits an adjustRefund from REFUNDS to the customer's wallet or SUSPENSE; returns the account credited. */
async function creditAdjustRefund(
  tx: Tx,
  command: AdjustRefundCommand,
  decision: AdjustDecision,
  nowMs: number,
): Promise<string> {
  const credit = decision.credit;
  const toAccountId =
    decision.kind === 'CREDIT_CUSTOMER'
      ? await ensureCustomerAccount(tx, command.customerId, credit.currency, nowMs)
      : systemAccountId('SUSPENSE', credit.currency);
  if (decision.kind === 'CREDIT_SUSPENSE') await ensureSystemAccounts(tx, credit.currency, nowMs);
  if (credit.value > 0n) {
    const plan = move({
      kind: 'ADJUST_REFUND',
      clientId: command.refundRequestId,
      currency: credit.currency,
      fromAccountId: systemAccountId('REFUNDS', credit.currency),
      toAccountId,
      amountMinor: credit.value,
      customerId: decision.kind === 'CREDIT_CUSTOMER' ? command.customerId : null,
    });
    await applyTransfer(tx, plan, nowMs);
  }
  return toAccountId;
}
