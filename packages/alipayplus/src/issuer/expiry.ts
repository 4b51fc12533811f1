// An OPEN authorization whose expiry passed: the plan releases what was not cleared (cancel or partial
// refund of the pays), keyed by EXPIRY|trace|expiresAtMs; a later expiry (incremental) re-arms instead.
import { commitPlan, listOpenAuthorizations, loadAuthorization, runTx } from './adapters/db/book.ts';
import { executeCalls } from './calls.ts';
import type { IssuerContext } from './context.ts';
import { planExpiry } from './domain/conversion.ts';

export async function expire(ctx: IssuerContext, trace: string): Promise<void> {
  const calls = await ctx.locks.run(trace, async () => {
    const auth = await loadAuthorization(ctx.handle.db, trace);
    if (auth === undefined || auth.state !== 'OPEN') return false;
    const nowMs = ctx.clock.nowMs();
    if (nowMs < auth.expiresAtMs) {
      ctx.expiry.arm(trace, auth.expiresAtMs);
      return false;
    }
    const plan = planExpiry(auth, { nowMs, idBase: `${trace}-X` });
    return runTx(ctx.handle, (tx) =>
      commitPlan(tx, {
        auth,
        effectKey: `EXPIRY|${trace}|${auth.expiresAtMs}`,
        plan,
        nowMs,
        messageTraceId: trace,
      }),
    );
  });
  if (calls !== false) await executeCalls(ctx, trace, calls);
}

/** After a restart: every open authorization's expiry timer again. */
export async function resumeExpiries(ctx: IssuerContext, limit: number): Promise<void> {
  for (const row of await listOpenAuthorizations(ctx.handle.db, limit)) {
    ctx.expiry.arm(row.network_trace_id, Number(row.expires_at_ms));
  }
}
