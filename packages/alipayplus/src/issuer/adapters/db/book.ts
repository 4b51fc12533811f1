import type { DbHandle } from '@tapkit/storage';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Fault } from '../../domain/faults.ts';
import type {
  AuthorizationState,
  AuthorizationType,
  AuthorizationView,
  MppCall,
  PayKind,
  PaymentStatus,
  PaymentView,
  Plan,
} from '../../domain/types.ts';
import type { AuthorizationQuote, AuthorizationRecord, NewAuthorization } from '../../ports.ts';
import type { AuthorizationTable, IssuerDatabase, PaymentTable } from './schema.ts';

// The authorization book in SQL. Every change of amounts happens in one transaction together with the
// effect row that keys it (network trace id + message kind, or clearing record id) and the outbox rows of
// the MPP calls it decided, so a message or record applied twice changes nothing and no call is lost.

export type Db = Kysely<IssuerDatabase>;
export type Tx = Transaction<IssuerDatabase>;
type Reader = Db | Tx;

/** (tapkit) A refund looks at most at this many recent authorizations of the token at the merchant. */
export const refundCandidatesMax = 50;

export function runTx<T>(handle: DbHandle<IssuerDatabase>, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return handle.db.transaction().execute(fn);
}

function paymentOf(row: PaymentTable): PaymentView {
  return {
    paymentRequestId: row.payment_request_id,
    kind: row.kind as PayKind,
    amountMinor: row.amount_minor,
    status: row.status as PaymentStatus,
    paidAtMs: Number(row.paid_at_ms),
    refundedMinor: row.refunded_minor,
    messageTraceId: row.message_trace_id,
    paymentId: row.payment_id ?? undefined,
  };
}

export function recordOf(row: AuthorizationTable, payments: readonly PaymentTable[]): AuthorizationRecord {
  const view: AuthorizationView = {
    networkTraceId: row.network_trace_id,
    type: row.type as AuthorizationType,
    state: row.state as AuthorizationState,
    currency: row.currency,
    authorizedMinor: row.authorized_minor,
    reversedMinor: row.reversed_minor,
    clearedMinor: row.cleared_minor,
    refundedMinor: row.refunded_minor,
    createdAtMs: Number(row.created_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
    payments: payments.map(paymentOf),
  };
  return {
    ...view,
    tokenUniqueReference: row.token_ref,
    customerId: row.customer_id,
    mppId: row.mpp_id,
    merchantId: row.merchant_id ?? undefined,
    merchantName: row.merchant_name ?? undefined,
    mcc: row.mcc ?? undefined,
    terminalId: row.terminal_id ?? undefined,
    acquirerId: row.acquirer_id ?? undefined,
    faults: row.faults === '' ? [] : (row.faults.split(',') as Fault[]),
    adviceReceived: row.advice_received === 1n,
    details: JSON.parse(row.details) as Record<string, unknown>,
    responseCode: row.response_code ?? undefined,
    approvalCode: row.approval_code ?? undefined,
    updatedAtMs: Number(row.updated_at_ms),
    quote: row.quote === null ? undefined : (JSON.parse(row.quote) as AuthorizationQuote),
  };
}

export async function loadAuthorization(
  db: Reader,
  networkTraceId: string,
  lock = false,
): Promise<AuthorizationRecord | undefined> {
  let query = db
    .selectFrom('issuer_authorizations')
    .selectAll()
    .where('network_trace_id', '=', networkTraceId);
  if (lock) query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (row === undefined) return undefined;
  const payments = await db
    .selectFrom('issuer_payments')
    .selectAll()
    .where('network_trace_id', '=', networkTraceId)
    .orderBy('seq')
    .execute();
  return recordOf(row, payments);
}

/** The authorization a message trace id belongs to: its own, or the one an incremental added to. */
export async function authorizationTraceOf(db: Reader, messageTraceId: string): Promise<string | undefined> {
  const own = await db
    .selectFrom('issuer_authorizations')
    .select('network_trace_id')
    .where('network_trace_id', '=', messageTraceId)
    .executeTakeFirst();
  if (own !== undefined) return own.network_trace_id;
  const payment = await db
    .selectFrom('issuer_payments')
    .select('network_trace_id')
    .where('message_trace_id', '=', messageTraceId)
    .executeTakeFirst();
  return payment?.network_trace_id;
}

export async function findEffect(db: Reader, effectKey: string) {
  return db.selectFrom('issuer_effects').selectAll().where('effect_key', '=', effectKey).executeTakeFirst();
}

export async function insertAuthorization(tx: Tx, auth: NewAuthorization, nowMs: number): Promise<void> {
  await tx
    .insertInto('issuer_authorizations')
    .values({
      network_trace_id: auth.networkTraceId,
      type: auth.type,
      state: auth.state,
      token_ref: auth.tokenUniqueReference,
      customer_id: auth.customerId,
      mpp_id: auth.mppId,
      merchant_id: auth.merchantId ?? null,
      merchant_name: auth.merchantName ?? null,
      mcc: auth.mcc ?? null,
      terminal_id: auth.terminalId ?? null,
      acquirer_id: auth.acquirerId ?? null,
      currency: auth.currency,
      authorized_minor: 0n,
      reversed_minor: 0n,
      cleared_minor: 0n,
      refunded_minor: 0n,
      expires_at_ms: BigInt(auth.expiresAtMs),
      created_at_ms: BigInt(nowMs),
      updated_at_ms: BigInt(nowMs),
      response_code: null,
      approval_code: null,
      faults: auth.faults.join(','),
      advice_received: 0n,
      details: JSON.stringify(auth.details),
      quote: auth.quote === undefined ? null : JSON.stringify(auth.quote),
    })
    .execute();
}

export interface CommitInput {
  readonly auth: AuthorizationRecord;
  readonly effectKey: string;
  readonly plan: Plan;
  readonly nowMs: number;
  /** The trace id of the message that caused new payments (an incremental's own). */
  readonly messageTraceId: string;
  /** Pay calls the caller makes itself (the pay of a 0100, answered to the POS) stay out of the outbox. */
  readonly syncPayRequestId?: string;
  readonly responseCode?: string;
}

/**
 * Applies a plan: effect row (false when the effect exists: nothing changes), amounts, payment rows and
 * outbox rows. Returns the outbox calls to send once the transaction has committed.
 */
export async function commitPlan(tx: Tx, input: CommitInput): Promise<MppCall[] | false> {
  const { auth, plan, nowMs } = input;
  const inserted = await tx
    .insertInto('issuer_effects')
    .values({
      effect_key: input.effectKey,
      network_trace_id: auth.networkTraceId,
      response_code: input.responseCode ?? null,
      approval_code: null,
      created_at_ms: BigInt(nowMs),
    })
    .onConflict((oc) => oc.column('effect_key').doNothing())
    .executeTakeFirst();
  if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) return false;
  await updateAmounts(tx, auth.networkTraceId, plan, nowMs);
  let seq = auth.payments.length;
  const outbox: MppCall[] = [];
  for (const call of plan.calls) {
    if (call.api === 'refund') await addRefunded(tx, call.paymentRequestId, call.amountMinor, nowMs);
    if (call.api === 'cancelPayment') await setPaymentStatus(tx, call.paymentRequestId, 'CANCELLED', nowMs);
    if (call.api === 'pay') {
      await insertPayment(tx, {
        auth: auth.networkTraceId,
        messageTraceId: input.messageTraceId,
        seq: seq++,
        call,
        nowMs,
      });
      if (call.paymentRequestId === input.syncPayRequestId) continue;
    }
    await insertCall(tx, auth.networkTraceId, call, nowMs);
    outbox.push(call);
  }
  return outbox;
}

export async function updateAmounts(
  tx: Tx,
  networkTraceId: string,
  plan: Plan,
  nowMs: number,
): Promise<void> {
  const { delta } = plan;
  await tx
    .updateTable('issuer_authorizations')
    .set((eb) => ({
      authorized_minor: eb('authorized_minor', '+', delta.authorizedMinor),
      reversed_minor: eb('reversed_minor', '+', delta.reversedMinor),
      cleared_minor: eb('cleared_minor', '+', delta.clearedMinor),
      refunded_minor: eb('refunded_minor', '+', delta.refundedMinor),
      updated_at_ms: BigInt(nowMs),
      ...(plan.state === undefined ? {} : { state: plan.state }),
      ...(plan.expiresAtMs === undefined ? {} : { expires_at_ms: BigInt(plan.expiresAtMs) }),
    }))
    .where('network_trace_id', '=', networkTraceId)
    .execute();
}

async function insertPayment(
  tx: Tx,
  p: {
    auth: string;
    messageTraceId: string;
    seq: number;
    call: Extract<MppCall, { api: 'pay' }>;
    nowMs: number;
  },
): Promise<void> {
  await tx
    .insertInto('issuer_payments')
    .values({
      payment_request_id: p.call.paymentRequestId,
      network_trace_id: p.auth,
      message_trace_id: p.messageTraceId,
      seq: BigInt(p.seq),
      kind: p.call.authorizationType,
      amount_minor: p.call.amountMinor,
      status: 'PENDING',
      payment_id: null,
      paid_at_ms: BigInt(p.nowMs),
      refunded_minor: 0n,
      result_code: null,
      updated_at_ms: BigInt(p.nowMs),
    })
    .execute();
}

async function addRefunded(
  tx: Tx,
  paymentRequestId: string,
  amountMinor: bigint,
  nowMs: number,
): Promise<void> {
  await tx
    .updateTable('issuer_payments')
    .set((eb) => ({ refunded_minor: eb('refunded_minor', '+', amountMinor), updated_at_ms: BigInt(nowMs) }))
    .where('payment_request_id', '=', paymentRequestId)
    .execute();
}

export async function setPaymentStatus(
  db: Reader,
  paymentRequestId: string,
  status: PaymentStatus,
  nowMs: number,
  extra: { paymentId?: string; resultCode?: string } = {},
): Promise<void> {
  await db
    .updateTable('issuer_payments')
    .set({
      status,
      updated_at_ms: BigInt(nowMs),
      ...(extra.paymentId === undefined ? {} : { payment_id: extra.paymentId }),
      ...(extra.resultCode === undefined ? {} : { result_code: extra.resultCode }),
    })
    .where('payment_request_id', '=', paymentRequestId)
    .execute();
}

/** The key of an outbox row: the call's own idempotency key at the MPP. */
export function callKeyOf(call: MppCall): string {
  switch (call.api) {
    case 'pay':
      return `pay:${call.paymentRequestId}`;
    case 'cancelPayment':
      return `cancel:${call.paymentRequestId}`;
    default:
      return `${call.api}:${call.refundRequestId}`;
  }
}

export function serializeCall(call: MppCall): string {
  return JSON.stringify(call, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value));
}

export function parseCall(text: string): MppCall {
  return JSON.parse(text, (_key, value) =>
    typeof value === 'string' && /^\d+n$/.test(value) ? BigInt(value.slice(0, -1)) : value,
  ) as MppCall;
}

async function insertCall(tx: Tx, networkTraceId: string, call: MppCall, nowMs: number): Promise<void> {
  await tx
    .insertInto('issuer_calls')
    .values({
      call_key: callKeyOf(call),
      api: call.api,
      network_trace_id: networkTraceId,
      call: serializeCall(call),
      status: 'PENDING',
      attempts: 0n,
      result_code: null,
      created_at_ms: BigInt(nowMs),
      updated_at_ms: BigInt(nowMs),
    })
    .onConflict((oc) => oc.column('call_key').doNothing())
    .execute();
}

export async function finishCall(
  db: Reader,
  call: MppCall,
  p: { status: 'DONE' | 'FAILED' | 'PENDING'; resultCode: string; attempts: number; nowMs: number },
): Promise<void> {
  await db
    .updateTable('issuer_calls')
    .set({
      status: p.status,
      result_code: p.resultCode,
      attempts: BigInt(p.attempts),
      updated_at_ms: BigInt(p.nowMs),
    })
    .where('call_key', '=', callKeyOf(call))
    .execute();
}

export async function setEffectResponse(
  db: Reader,
  effectKey: string,
  responseCode: string,
  approvalCode: string | undefined,
): Promise<void> {
  await db
    .updateTable('issuer_effects')
    .set({ response_code: responseCode, approval_code: approvalCode ?? null })
    .where('effect_key', '=', effectKey)
    .execute();
}

export async function setAuthorizationOutcome(
  db: Reader,
  networkTraceId: string,
  p: {
    state?: AuthorizationState;
    responseCode?: string;
    approvalCode?: string;
    adviceReceived?: boolean;
    nowMs: number;
  },
): Promise<void> {
  await db
    .updateTable('issuer_authorizations')
    .set({
      updated_at_ms: BigInt(p.nowMs),
      ...(p.state === undefined ? {} : { state: p.state }),
      ...(p.responseCode === undefined ? {} : { response_code: p.responseCode }),
      ...(p.approvalCode === undefined ? {} : { approval_code: p.approvalCode }),
      ...(p.adviceReceived === undefined ? {} : { advice_received: p.adviceReceived ? 1n : 0n }),
    })
    .where('network_trace_id', '=', networkTraceId)
    .execute();
}

export async function insertReceivable(
  db: Reader,
  r: { key: string; auth: AuthorizationRecord; amountMinor: bigint; reason: string; nowMs: number },
): Promise<void> {
  await db
    .insertInto('issuer_receivables')
    .values({
      receivable_key: r.key,
      network_trace_id: r.auth.networkTraceId,
      customer_id: r.auth.customerId,
      mpp_id: r.auth.mppId,
      currency: r.auth.currency,
      amount_minor: r.amountMinor,
      reason: r.reason,
      status: 'OPEN',
      created_at_ms: BigInt(r.nowMs),
    })
    .onConflict((oc) => oc.column('receivable_key').doNothing())
    .execute();
}

export async function listReceivables(db: Reader, networkTraceId: string) {
  return db
    .selectFrom('issuer_receivables')
    .selectAll()
    .where('network_trace_id', '=', networkTraceId)
    .execute();
}

/** The most recent authorizations of a token at a merchant, for refund matching. */
export async function findRefundCandidates(
  db: Reader,
  p: { tokenRef: string; merchantId: string; sinceMs: number },
): Promise<AuthorizationRecord[]> {
  const rows = await db
    .selectFrom('issuer_authorizations')
    .selectAll()
    .where('token_ref', '=', p.tokenRef)
    .where('merchant_id', '=', p.merchantId)
    .where('created_at_ms', '>=', BigInt(p.sinceMs))
    .where('type', '!=', 'REFUND')
    .orderBy('created_at_ms', 'desc')
    .limit(refundCandidatesMax)
    .execute();
  const out: AuthorizationRecord[] = [];
  for (const row of rows) {
    const payments = await db
      .selectFrom('issuer_payments')
      .selectAll()
      .where('network_trace_id', '=', row.network_trace_id)
      .orderBy('seq')
      .execute();
    out.push(recordOf(row, payments));
  }
  return out;
}

export async function listPendingCalls(db: Reader, limit: number) {
  return db.selectFrom('issuer_calls').selectAll().where('status', '=', 'PENDING').limit(limit).execute();
}

export async function listOpenAuthorizations(db: Reader, limit: number) {
  return db
    .selectFrom('issuer_authorizations')
    .select(['network_trace_id', 'expires_at_ms'])
    .where('state', '=', 'OPEN')
    .limit(limit)
    .execute();
}

/**
 * A multi-row INSERT through Kysely's sql template (one text for both engines, placeholders by the
 * dialect): the clearing hot path stages and records hundreds of thousands of rows, a page at a time.
 */
export async function insertRows(
  tx: Tx,
  p: { table: string; columns: readonly string[]; rows: readonly (readonly unknown[])[] },
): Promise<void> {
  if (p.rows.length === 0) return;
  const columns = sql.join(p.columns.map((column) => sql.ref(column)));
  const values = sql.join(p.rows.map((row) => sql`(${sql.join(row)})`));
  await sql`insert into ${sql.table(p.table)} (${columns}) values ${values}`.execute(tx);
}
