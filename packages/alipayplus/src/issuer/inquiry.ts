// Resolves a pay whose outcome is unknown (U, timeout, bad signature; the POS was told 91): inquiryPayment
// on the inquiry timers until a final answer or the payment expiry. A success found late is cancelled,
// unless a 0120 advice said the network approved it; then it is kept.
import { sleepOn } from '@tapkit/protocol';
import {
  commitPlan,
  loadAuthorization,
  runTx,
  setAuthorizationOutcome,
  setPaymentStatus,
} from './adapters/db/book.ts';
import { executeCalls } from './calls.ts';
import type { IssuerContext } from './context.ts';
import { planAdvice, planIncremental, planPurchase } from './domain/conversion.ts';
import { type PayOutcome, resolveLateOutcome } from './domain/outcome.ts';
import { type MppCall, noDelta, type PaymentView, type Plan } from './domain/types.ts';
import type { AuthorizationRecord } from './ports.ts';
import { adviceDeclined, payAdvice, settleSuccess } from './settlement.ts';
import type { PayCall } from './timers.ts';

/** After a restart: every payment still unknown is watched again from its first inquiry. */
export async function resumeUnknown(ctx: IssuerContext, limit: number): Promise<void> {
  const rows = await ctx.handle.db
    .selectFrom('issuer_payments')
    .select(['network_trace_id', 'payment_request_id'])
    .where('status', '=', 'UNKNOWN')
    .limit(limit)
    .execute();
  for (const row of rows) {
    const auth = await loadAuthorization(ctx.handle.db, row.network_trace_id);
    const payment = auth?.payments.find((p) => p.paymentRequestId === row.payment_request_id);
    if (auth === undefined || payment === undefined) continue;
    const plan = planOfPayment(auth, payment);
    ctx.inquiries.watch(auth.networkTraceId, plan.calls[0] as PayCall, plan, 0);
  }
}

async function ask(
  ctx: IssuerContext,
  auth: AuthorizationRecord,
  paymentRequestId: string,
  attempt: number,
): Promise<PayOutcome & { paymentId?: string }> {
  const dropAnswer = attempt === 0 && auth.faults.includes('FIRST_INQUIRY_TIMEOUT');
  const asked = ctx.gateway.inquire(auth, paymentRequestId, { dropAnswer });
  // 9903: the first inquiry gets nothing back within the inquiry timeout, measured on the Clock.
  const [result] = dropAnswer
    ? await Promise.all([asked, sleepOn(ctx.clock, ctx.config.inquiryTimeoutMs)])
    : [await asked];
  if (result.kind === 'unknown') return { status: 'UNKNOWN', reason: result.reason };
  return { ...result.outcome, ...(result.paymentId === undefined ? {} : { paymentId: result.paymentId }) };
}

/** One inquiry and what follows from it; runs with the authorization's lock held. */
export async function inquire(
  ctx: IssuerContext,
  trace: string,
  call: PayCall,
  plan: Plan,
  attempt: number,
): Promise<void> {
  const auth = await loadAuthorization(ctx.handle.db, trace);
  const payment = auth?.payments.find((p) => p.paymentRequestId === call.paymentRequestId);
  // Something else (a reversal's cancel) already closed it.
  if (auth === undefined || payment === undefined || payment.status !== 'UNKNOWN') return;
  const outcome = await ask(ctx, auth, call.paymentRequestId, attempt);
  const isAdvice = payment.kind === 'ADVICE';
  const expired = ctx.clock.nowMs() >= payment.paidAtMs + ctx.config.paymentExpiryMs;
  let decision = resolveLateOutcome(outcome, { adviceReceived: auth.adviceReceived || isAdvice, expired });
  // The MPP never saw the pay: a cancel leaves a tombstone, so a pay arriving late is refused.
  if (decision === 'FAILED' && outcome.status === 'F' && outcome.resultCode === 'ORDER_NOT_EXIST')
    decision = 'CANCEL';
  ctx.logger.info({ networkTraceId: trace, attempt, decision }, 'inquiry answered');
  if (decision === 'ASK_AGAIN') return ctx.inquiries.watch(trace, call, plan, attempt + 1);
  if (decision === 'KEEP') return keep(ctx, auth, call, plan, outcome.paymentId);
  const resultCode = outcome.status === 'F' ? outcome.resultCode : 'UNRESOLVED';
  await close(ctx, { auth, payment, call, plan }, decision, resultCode);
}

async function keep(
  ctx: IssuerContext,
  auth: AuthorizationRecord,
  call: PayCall,
  plan: Plan,
  paymentId: string | undefined,
): Promise<void> {
  await runTx(ctx.handle, (tx) => settleSuccess(ctx, tx, auth.networkTraceId, call, plan, paymentId));
  if (plan.expiresAtMs !== undefined) ctx.expiry.arm(auth.networkTraceId, plan.expiresAtMs);
}

interface Unresolved {
  readonly auth: AuthorizationRecord;
  readonly payment: PaymentView;
  readonly call: PayCall;
  readonly plan: Plan;
}

async function close(
  ctx: IssuerContext,
  p: Unresolved,
  decision: 'CANCEL' | 'FAILED',
  resultCode: string,
): Promise<void> {
  const { auth, payment } = p;
  const isAdvice = payment.kind === 'ADVICE';
  const isFirst = auth.payments[0]?.paymentRequestId === payment.paymentRequestId;
  const calls = await runTx(ctx.handle, async (tx): Promise<MppCall[]> => {
    const nowMs = ctx.clock.nowMs();
    await setPaymentStatus(tx, payment.paymentRequestId, 'FAILED', nowMs, { resultCode });
    if (isAdvice) await adviceDeclined(ctx, tx, auth, p.call, p.plan, resultCode);
    else if (isFirst) await setAuthorizationOutcome(tx, auth.networkTraceId, { state: 'DECLINED', nowMs });
    if (decision === 'FAILED') return [];
    const cancel: Plan = {
      calls: [{ api: 'cancelPayment', paymentRequestId: payment.paymentRequestId }],
      delta: noDelta,
    };
    const refreshed = {
      ...auth,
      payments: auth.payments.map((q) => (q === payment ? { ...q, status: 'FAILED' as const } : q)),
    };
    const planned = await commitPlan(tx, {
      auth: refreshed,
      effectKey: `RESOLVE|${payment.paymentRequestId}`,
      plan: cancel,
      nowMs,
      messageTraceId: payment.messageTraceId,
    });
    return planned === false ? [] : planned;
  });
  if (calls.length > 0) ctx.background.add(executeCalls(ctx, auth.networkTraceId, calls));
  if (auth.adviceReceived && !isAdvice && isFirst) {
    await payAdvice(ctx, auth.networkTraceId, `ADVICE-PAY|${auth.networkTraceId}`, payment.amountMinor);
  }
}

/** The plan a payment was made under, rebuilt for a resumed inquiry. */
function planOfPayment(auth: AuthorizationRecord, payment: PaymentView): Plan {
  const base = {
    networkTraceId: payment.messageTraceId,
    amountMinor: payment.amountMinor,
    nowMs: payment.paidAtMs,
  };
  if (payment.kind === 'ADVICE') return planAdvice(base);
  if (payment.kind === 'INCREMENTAL')
    return planIncremental({ ...auth, expiresAtMs: auth.expiresAtMs }, base);
  const type = auth.type === 'PRE_AUTH' ? 'PRE_AUTH' : 'FINAL';
  return planPurchase({ ...base, type });
}
