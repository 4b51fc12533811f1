import { sleepOn, type TimerHandle } from '@tapkit/protocol';
import {
  commitPlan,
  loadAuthorization,
  runTx,
  setAuthorizationOutcome,
  setPaymentStatus,
} from './adapters/db/book.ts';
import { type CallDeps, executeCalls } from './calls.ts';
import { planAdvice, planIncremental, planPurchase } from './domain/conversion.ts';
import { inquiryDelayMs, type PayOutcome, resolveLateOutcome } from './domain/outcome.ts';
import { type MppCall, noDelta, type PaymentView, type Plan } from './domain/types.ts';
import type { AuthorizationRecord } from './ports.ts';
import type { ResolverHost as IssuerProcessor } from './resolver-host.ts';

// Resolves a pay whose outcome is unknown (U, timeout, bad signature; the POS was told 91): inquiryPayment
// at 2, 3, 3, 5, 5, 10, 10, 30 s ... on the Clock until a final answer or the payment expiry. A success
// found late is cancelled, unless a 0120 advice said the network approved it; then it is kept.

type PayCall = Extract<MppCall, { api: 'pay' }>;

export class InquiryResolver {
  private readonly timers = new Map<string, { timer: TimerHandle; fire: () => void }>();
  private stopped = false;

  constructor(
    private readonly processor: IssuerProcessor,
    private readonly deps: CallDeps,
  ) {}

  watch(trace: string, call: PayCall, plan: Plan, attempt: number): void {
    if (this.stopped) return;
    const fire = () => {
      this.timers.delete(call.paymentRequestId);
      this.processor.runInBackground(
        this.processor.locks.run(trace, () => this.inquire(trace, call, plan, attempt)),
      );
    };
    const timer = this.deps.clock.setTimer(inquiryDelayMs(attempt), fire);
    this.timers.set(call.paymentRequestId, { timer, fire });
  }

  /** News from the MPP (a notifyPayment) about a payment being resolved: ask now instead of waiting. */
  expedite(paymentRequestId: string): boolean {
    const pending = this.timers.get(paymentRequestId);
    if (pending === undefined) return false;
    pending.timer.cancel();
    pending.fire();
    return true;
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  /** After a restart: every payment still unknown is watched again from its first inquiry. */
  async resumeUnknown(limit: number): Promise<void> {
    const rows = await this.deps.handle.db
      .selectFrom('issuer_payments')
      .select(['network_trace_id', 'payment_request_id'])
      .where('status', '=', 'UNKNOWN')
      .limit(limit)
      .execute();
    for (const row of rows) {
      const auth = await loadAuthorization(this.deps.handle.db, row.network_trace_id);
      const payment = auth?.payments.find((p) => p.paymentRequestId === row.payment_request_id);
      if (auth === undefined || payment === undefined) continue;
      const plan = planOfPayment(auth, payment);
      this.watch(auth.networkTraceId, plan.calls[0] as PayCall, plan, 0);
    }
  }

  private async ask(
    auth: AuthorizationRecord,
    paymentRequestId: string,
    attempt: number,
  ): Promise<PayOutcome & { paymentId?: string }> {
    const dropAnswer = attempt === 0 && auth.faults.includes('FIRST_INQUIRY_TIMEOUT');
    const asked = this.deps.gateway.inquire(auth, paymentRequestId, { dropAnswer });
    // 9903: the first inquiry gets nothing back within the inquiry timeout, measured on the Clock.
    const [result] = dropAnswer
      ? await Promise.all([asked, sleepOn(this.deps.clock, this.deps.config.inquiryTimeoutMs)])
      : [await asked];
    if (result.kind === 'unknown') return { status: 'UNKNOWN', reason: result.reason };
    return { ...result.outcome, ...(result.paymentId === undefined ? {} : { paymentId: result.paymentId }) };
  }

  /** One inquiry and what follows from it; runs with the authorization's lock held. */
  private async inquire(trace: string, call: PayCall, plan: Plan, attempt: number): Promise<void> {
    const auth = await loadAuthorization(this.deps.handle.db, trace);
    const payment = auth?.payments.find((p) => p.paymentRequestId === call.paymentRequestId);
    // Something else (a reversal's cancel) already closed it.
    if (auth === undefined || payment === undefined || payment.status !== 'UNKNOWN') return;
    const outcome = await this.ask(auth, call.paymentRequestId, attempt);
    const isAdvice = payment.kind === 'ADVICE';
    const expired = this.deps.clock.nowMs() >= payment.paidAtMs + this.deps.config.paymentExpiryMs;
    let decision = resolveLateOutcome(outcome, { adviceReceived: auth.adviceReceived || isAdvice, expired });
    // The MPP never saw the pay: a cancel leaves a tombstone, so a pay arriving late is refused.
    if (decision === 'FAILED' && outcome.status === 'F' && outcome.resultCode === 'ORDER_NOT_EXIST')
      decision = 'CANCEL';
    this.deps.logger.info({ networkTraceId: trace, attempt, decision }, 'inquiry answered');
    if (decision === 'ASK_AGAIN') return this.watch(trace, call, plan, attempt + 1);
    if (decision === 'KEEP') return this.keep(auth, call, plan, outcome.paymentId);
    await this.close(
      auth,
      payment,
      call,
      plan,
      decision,
      outcome.status === 'F' ? outcome.resultCode : 'UNRESOLVED',
    );
  }

  private async keep(auth: AuthorizationRecord, call: PayCall, plan: Plan, paymentId: string | undefined) {
    await runTx(this.deps.handle, (tx) =>
      this.processor.settleSuccess(tx, auth.networkTraceId, call, plan, paymentId),
    );
    if (plan.expiresAtMs !== undefined) this.processor.armExpiry(auth.networkTraceId, plan.expiresAtMs);
  }

  private async close(
    auth: AuthorizationRecord,
    payment: PaymentView,
    call: PayCall,
    plan: Plan,
    decision: 'CANCEL' | 'FAILED',
    resultCode: string,
  ): Promise<void> {
    const isAdvice = payment.kind === 'ADVICE';
    const isFirst = auth.payments[0]?.paymentRequestId === payment.paymentRequestId;
    const nowMs = this.deps.clock.nowMs();
    const calls = await runTx(this.deps.handle, async (tx) => {
      await setPaymentStatus(tx, payment.paymentRequestId, 'FAILED', nowMs, { resultCode });
      if (isAdvice) await this.processor.adviceDeclined(tx, auth, call, plan, resultCode);
      else if (isFirst) await setAuthorizationOutcome(tx, auth.networkTraceId, { state: 'DECLINED', nowMs });
      if (decision === 'FAILED') return [];
      const cancel: Plan = {
        calls: [{ api: 'cancelPayment', paymentRequestId: payment.paymentRequestId }],
        delta: noDelta,
      };
      const refreshed = {
        ...auth,
        payments: auth.payments.map((p) => (p === payment ? { ...p, status: 'FAILED' as const } : p)),
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
    if (calls.length > 0) this.processor.runInBackground(executeCalls(this.deps, auth.networkTraceId, calls));
    if (auth.adviceReceived && !isAdvice && isFirst) {
      await this.processor.payAdvice(
        auth.networkTraceId,
        `ADVICE-PAY|${auth.networkTraceId}`,
        payment.amountMinor,
      );
    }
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
