import { type KeyedMutex, retryDelayMs, sleepOn } from '@tapkit/protocol';
import type { DbHandle } from '@tapkit/storage';
import {
  commitPlan,
  finishCall,
  insertReceivable,
  loadAuthorization,
  runTx,
  setPaymentStatus,
} from './adapters/db/book.ts';
import type { IssuerDatabase } from './adapters/db/schema.ts';
import type { IssuerConfig } from './config.ts';
import { allocateRefunds } from './domain/conversion.ts';
import { type MppCall, noDelta } from './domain/types.ts';
import type { Clock, GatewayResult, IssuerLogger, MppGateway } from './ports.ts';

// Sends the outbox calls a rule decided (refund, cancelPayment, adjustRefund, pays caused by clearing or
// advices), re-sending the identical bytes after an unknown answer, a bounded number of times. A call the
// MPP refuses is never dropped: a cancel outside the window becomes a refund, anything else a row for
// manual follow-up (issuer_receivables).

export interface CallDeps {
  readonly handle: DbHandle<IssuerDatabase>;
  readonly clock: Clock;
  readonly gateway: MppGateway;
  readonly logger: IssuerLogger;
  readonly config: IssuerConfig;
  readonly locks: KeyedMutex;
}

export async function executeCalls(
  deps: CallDeps,
  networkTraceId: string,
  calls: readonly MppCall[],
): Promise<void> {
  for (const call of calls) await executeCall(deps, networkTraceId, call);
}

async function sendWithRetries(
  deps: CallDeps,
  send: () => Promise<GatewayResult>,
): Promise<{ result: GatewayResult; attempts: number }> {
  let result: GatewayResult = { kind: 'unknown', reason: 'NOT_SENT' };
  let attempts = 0;
  while (attempts < deps.config.callAttemptsMax) {
    attempts += 1;
    result = await send();
    if (result.kind === 'answered' && result.outcome.status !== 'UNKNOWN') break;
    if (attempts < deps.config.callAttemptsMax) {
      await sleepOn(deps.clock, retryDelayMs(deps.config.callRetry, attempts));
    }
  }
  return { result, attempts };
}

export async function executeCall(deps: CallDeps, networkTraceId: string, call: MppCall): Promise<void> {
  const auth = await loadAuthorization(deps.handle.db, networkTraceId);
  if (auth === undefined) throw new Error(`issuer: outbox call for unknown authorization ${networkTraceId}`);
  const prepared = deps.gateway.prepare(auth, call);
  const { result, attempts } = await sendWithRetries(deps, () => prepared.send());
  const nowMs = deps.clock.nowMs();
  const log = { networkTraceId, api: call.api, attempts };
  if (result.kind === 'unknown' || result.outcome.status === 'UNKNOWN') {
    const reason =
      result.kind === 'unknown'
        ? result.reason
        : result.outcome.status === 'UNKNOWN'
          ? result.outcome.reason
          : '';
    await finishCall(deps.handle.db, call, { status: 'PENDING', resultCode: reason, attempts, nowMs });
    deps.logger.warn({ ...log, reason }, 'MPP call still unknown; it is re-sent at the next resume');
    return;
  }
  const outcome = result.outcome;
  if (outcome.status === 'S') {
    await finishCall(deps.handle.db, call, { status: 'DONE', resultCode: 'SUCCESS', attempts, nowMs });
    if (call.api === 'pay') {
      await setPaymentStatus(deps.handle.db, call.paymentRequestId, 'SUCCESS', nowMs, {
        ...(result.paymentId === undefined ? {} : { paymentId: result.paymentId }),
        resultCode: 'SUCCESS',
      });
    }
    return;
  }
  await finishCall(deps.handle.db, call, {
    status: 'FAILED',
    resultCode: outcome.resultCode,
    attempts,
    nowMs,
  });
  deps.logger.warn({ ...log, resultCode: outcome.resultCode }, 'MPP refused a call');
  await onRefused(deps, networkTraceId, call, outcome.resultCode);
}

async function onRefused(
  deps: CallDeps,
  networkTraceId: string,
  call: MppCall,
  resultCode: string,
): Promise<void> {
  const nowMs = deps.clock.nowMs();
  if (call.api === 'cancelPayment' && resultCode === 'CANCEL_WINDOW_EXCEEDED') {
    await refundInsteadOfCancel(deps, networkTraceId, call.paymentRequestId);
    return;
  }
  const auth = await loadAuthorization(deps.handle.db, networkTraceId);
  if (auth === undefined) return;
  if (call.api === 'pay') {
    await setPaymentStatus(deps.handle.db, call.paymentRequestId, 'FAILED', nowMs, { resultCode });
  }
  const amountMinor =
    call.api === 'cancelPayment'
      ? (auth.payments.find((p) => p.paymentRequestId === call.paymentRequestId)?.amountMinor ?? 0n)
      : call.amountMinor;
  await insertReceivable(deps.handle.db, {
    key: `${call.api}:${call.api === 'pay' || call.api === 'cancelPayment' ? call.paymentRequestId : call.refundRequestId}`,
    auth,
    amountMinor,
    reason: `${call.api} refused: ${resultCode}`,
    nowMs,
  });
}

/** (doc) After the cancel window Alipay+ refunds instead: the whole payment, as a new outbox call. */
async function refundInsteadOfCancel(
  deps: CallDeps,
  networkTraceId: string,
  paymentRequestId: string,
): Promise<void> {
  const calls = await deps.locks.run(networkTraceId, () =>
    runTx(deps.handle, async (tx) => {
      const auth = await loadAuthorization(tx, networkTraceId);
      const payment = auth?.payments.find((p) => p.paymentRequestId === paymentRequestId);
      if (auth === undefined || payment === undefined) return false;
      const nowMs = deps.clock.nowMs();
      await setPaymentStatus(tx, paymentRequestId, 'SUCCESS', nowMs);
      const restored = { ...payment, status: 'SUCCESS' as const };
      const refunds = allocateRefunds(
        [restored],
        payment.amountMinor - payment.refundedMinor,
        `${paymentRequestId}-CF`,
      );
      return commitPlan(tx, {
        auth: { ...auth, payments: auth.payments.map((p) => (p === payment ? restored : p)) },
        effectKey: `CANCEL-FALLBACK|${paymentRequestId}`,
        plan: { calls: refunds, delta: noDelta },
        nowMs,
        messageTraceId: networkTraceId,
      });
    }),
  );
  if (calls !== false) await executeCalls(deps, networkTraceId, calls);
}
