// The 0400 / 0420 flow: a reversal, whole or down to a replacement amount, keyed by
// REVERSAL|trace|DE95 so a repeat answers the same and changes nothing; the MPP calls it plans (cancel,
// refund) run in the background.
import { RESPONSE_CODE } from '@tapkit/emv';
import {
  authorizationTraceOf,
  commitPlan,
  findEffect,
  loadAuthorization,
  runTx,
} from './adapters/db/book.ts';
import type { NetworkMessage } from './adapters/iso-messages.ts';
import { executeCalls } from './calls.ts';
import type { IssuerContext } from './context.ts';
import { planReversal } from './domain/conversion.ts';

export async function reversal(
  ctx: IssuerContext,
  key: string,
  m: NetworkMessage,
  mti: string,
): Promise<{ code: string }> {
  const code = await applyReversal(ctx, key, m.networkTraceId, m.replacementMinor);
  if (code !== 'UNKNOWN_AUTHORIZATION') return { code };
  // An advice (0420) is always acknowledged; a request (0400) for nothing we know is invalid.
  return { code: mti === '0420' ? RESPONSE_CODE.APPROVED : RESPONSE_CODE.INVALID_TRANSACTION };
}

async function applyReversal(
  ctx: IssuerContext,
  key: string,
  trace: string,
  replacementMinor: bigint | undefined,
): Promise<string> {
  const authTrace = await authorizationTraceOf(ctx.handle.db, trace);
  if (authTrace === undefined) return 'UNKNOWN_AUTHORIZATION';
  return ctx.locks.run(authTrace, async () => {
    const effect = await findEffect(ctx.handle.db, key);
    if (effect !== undefined) return effect.response_code ?? RESPONSE_CODE.APPROVED;
    const nowMs = ctx.clock.nowMs();
    const calls = await runTx(ctx.handle, async (tx) => {
      const auth = (await loadAuthorization(tx, authTrace, ctx.lockRows))!;
      const scope =
        trace === authTrace ? auth.payments : auth.payments.filter((p) => p.messageTraceId === trace);
      const idBase = `${trace}-V${replacementMinor ?? 0n}`;
      const plan = planReversal(auth, { scope, replacementMinor, nowMs, idBase });
      return commitPlan(tx, {
        auth,
        effectKey: key,
        plan,
        nowMs,
        messageTraceId: trace,
        responseCode: RESPONSE_CODE.APPROVED,
      });
    });
    if (calls !== false) ctx.background.add(executeCalls(ctx, authTrace, calls));
    return RESPONSE_CODE.APPROVED;
  });
}

/** 9904: the network reverses right after approving; modelled here, after the 0110 has gone out. */
export function injectReversal(ctx: IssuerContext, trace: string): void {
  const afterAnswer = new Promise<void>((resolve) => setImmediate(resolve));
  ctx.background.add(afterAnswer.then(() => applyReversal(ctx, `REVERSAL|${trace}|FULL`, trace, undefined)));
}
