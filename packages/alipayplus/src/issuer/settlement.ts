// The pay of a 0100 / 0120 and its settlement: send it, map the outcome to DE39, record it, and hand an
// unknown outcome to the inquiry timers. Shared by the authorization flows and the inquiry flow.
import { RESPONSE_CODE } from '@tapkit/emv';
import { sleepOn } from '@tapkit/protocol';
import {
  commitPlan,
  insertReceivable,
  loadAuthorization,
  runTx,
  setAuthorizationOutcome,
  setEffectResponse,
  setPaymentStatus,
  type Tx,
  updateAmounts,
} from './adapters/db/book.ts';
import { approvalCodeOf } from './adapters/iso-messages.ts';
import type { IssuerContext } from './context.ts';
import { planAdvice } from './domain/conversion.ts';
import type { Fault } from './domain/faults.ts';
import { de39Of, type PayOutcome } from './domain/outcome.ts';
import { noDelta, type Plan } from './domain/types.ts';
import type { AuthorizationRecord, GatewayResult } from './ports.ts';
import type { PayCall } from './timers.ts';

/** Records the effect and the PENDING payment; the amounts change only once the pay succeeds. */
export async function commitSyncPay(
  ctx: IssuerContext,
  tx: Tx,
  ids: { authTrace: string; messageTrace: string; key: string },
  plan: Plan,
): Promise<void> {
  const auth = (await loadAuthorization(tx, ids.authTrace, ctx.lockRows))!;
  const call = plan.calls[0] as PayCall;
  await commitPlan(tx, {
    auth,
    effectKey: ids.key,
    plan: { calls: plan.calls, delta: noDelta },
    nowMs: ctx.clock.nowMs(),
    messageTraceId: ids.messageTrace,
    syncPayRequestId: call.paymentRequestId,
  });
}

async function payNow(
  ctx: IssuerContext,
  auth: AuthorizationRecord,
  call: PayCall,
  faults: readonly Fault[],
): Promise<GatewayResult> {
  const dropped = faults.includes('PAY_ANSWER_DROPPED') || faults.includes('PAY_TIMEOUT');
  const prepared = ctx.gateway.prepare(auth, call, { dropAnswer: dropped });
  if (!faults.includes('PAY_TIMEOUT')) return prepared.send();
  // 9902: nothing usable comes back within the pay timeout, measured on the Clock.
  const [result] = await Promise.all([prepared.send(), sleepOn(ctx.clock, ctx.config.payTimeoutMs)]);
  return result.kind === 'unknown' ? { ...result, reason: 'FAULT_PAY_TIMEOUT' } : result;
}

/** Sends the pay, maps the outcome to DE39 and records it; an unknown outcome goes to the inquiries. */
export async function payAndSettle(
  ctx: IssuerContext,
  auth: AuthorizationRecord,
  key: string,
  plan: Plan,
  faults: readonly Fault[],
): Promise<{ code: string; outcome: PayOutcome }> {
  const call = plan.calls[0] as PayCall;
  const result = await payNow(ctx, auth, call, faults);
  const outcome: PayOutcome =
    result.kind === 'answered' ? result.outcome : { status: 'UNKNOWN', reason: result.reason };
  const code = de39Of(outcome);
  const paymentId = result.kind === 'answered' ? result.paymentId : undefined;
  await runTx(ctx.handle, (tx) =>
    recordPayOutcome(ctx, tx, { auth, key, plan, call, outcome, code, paymentId }),
  );
  if (outcome.status === 'S' && plan.expiresAtMs !== undefined)
    ctx.expiry.arm(auth.networkTraceId, plan.expiresAtMs);
  if (outcome.status === 'UNKNOWN') ctx.inquiries.watch(auth.networkTraceId, call, plan, 0);
  ctx.logger.info(
    { networkTraceId: auth.networkTraceId, kind: call.authorizationType, code },
    'pay answered',
  );
  return { code, outcome };
}

async function recordPayOutcome(
  ctx: IssuerContext,
  tx: Tx,
  p: {
    auth: AuthorizationRecord;
    key: string;
    plan: Plan;
    call: PayCall;
    outcome: PayOutcome;
    code: string;
    paymentId: string | undefined;
  },
): Promise<void> {
  const { auth, call, outcome, code } = p;
  const nowMs = ctx.clock.nowMs();
  const isFirst = auth.payments[0]?.paymentRequestId === call.paymentRequestId;
  if (outcome.status === 'S') {
    await settleSuccess(ctx, tx, auth.networkTraceId, call, p.plan, p.paymentId);
  } else if (outcome.status === 'F') {
    await setPaymentStatus(tx, call.paymentRequestId, 'FAILED', nowMs, { resultCode: outcome.resultCode });
    if (call.authorizationType === 'ADVICE')
      await adviceDeclined(ctx, tx, auth, call, p.plan, outcome.resultCode);
    else if (isFirst) await setAuthorizationOutcome(tx, auth.networkTraceId, { state: 'DECLINED', nowMs });
  } else {
    await setPaymentStatus(tx, call.paymentRequestId, 'UNKNOWN', nowMs, {
      resultCode: outcome.reason.slice(0, 64),
    });
  }
  if (isFirst) await setAuthorizationOutcome(tx, auth.networkTraceId, { responseCode: code, nowMs });
  const approval = code === RESPONSE_CODE.APPROVED ? approvalCodeOf(auth.networkTraceId) : undefined;
  await setEffectResponse(tx, p.key, code, approval);
}

export async function settleSuccess(
  ctx: IssuerContext,
  tx: Tx,
  trace: string,
  call: PayCall,
  plan: Plan,
  paymentId: string | undefined,
): Promise<void> {
  const nowMs = ctx.clock.nowMs();
  await setPaymentStatus(tx, call.paymentRequestId, 'SUCCESS', nowMs, {
    ...(paymentId === undefined ? {} : { paymentId }),
    resultCode: 'SUCCESS',
  });
  await updateAmounts(tx, trace, plan, nowMs);
}

/** The network approved (advice) but the MPP declined: the authorization stands, the money is owed. */
export async function adviceDeclined(
  ctx: IssuerContext,
  tx: Tx,
  auth: AuthorizationRecord,
  call: PayCall,
  plan: Plan,
  reason: string,
): Promise<void> {
  await updateAmounts(tx, auth.networkTraceId, plan, ctx.clock.nowMs());
  await insertReceivable(tx, {
    key: `advice:${call.paymentRequestId}`,
    auth,
    amountMinor: call.amountMinor,
    reason: `ADVICE pay declined: ${reason}`,
    nowMs: ctx.clock.nowMs(),
  });
}

/** Pays ADVICE for an authorization the network approved itself; call with the trace id's lock held. */
export async function payAdvice(
  ctx: IssuerContext,
  trace: string,
  key: string,
  amountMinor: bigint,
): Promise<void> {
  const plan = planAdvice({ networkTraceId: trace, amountMinor, nowMs: ctx.clock.nowMs() });
  await runTx(ctx.handle, async (tx) => {
    await commitSyncPay(ctx, tx, { authTrace: trace, messageTrace: trace, key }, plan);
    await setAuthorizationOutcome(tx, trace, { adviceReceived: true, nowMs: ctx.clock.nowMs() });
  });
  const auth = (await loadAuthorization(ctx.handle.db, trace))!;
  await payAndSettle(ctx, auth, key, plan, []);
}
