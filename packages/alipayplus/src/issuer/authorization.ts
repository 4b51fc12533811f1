// The 0100 (purchase, incremental, refund authorization) and 0120 (advice) flows, each under the
// authorization's lock and keyed by its effect (AUTH|trace, ADVICE|trace) so a message delivered twice
// answers the same and changes nothing.
import { type FieldValue, RESPONSE_CODE } from '@tapkit/emv';
import {
  commitPlan,
  findEffect,
  insertAuthorization,
  loadAuthorization,
  runTx,
  setAuthorizationOutcome,
} from './adapters/db/book.ts';
import { approvalCodeOf, type NetworkMessage } from './adapters/iso-messages.ts';
import { findAuthorization, type IssuerContext, quoteFor, quoteOrNone } from './context.ts';
import { planIncremental, planPurchase } from './domain/conversion.ts';
import { DE48_FAULT_SUBELEMENT, FAULTS, type Fault, faultsFor } from './domain/faults.ts';
import type { PayOutcome } from './domain/outcome.ts';
import { noDelta, type Plan } from './domain/types.ts';
import type {
  AuthorizationDecided,
  AuthorizationQuote,
  AuthorizationRecord,
  NewAuthorization,
} from './ports.ts';
import { injectReversal } from './reversal.ts';
import { commitSyncPay, payAdvice, payAndSettle } from './settlement.ts';

/** What a flow decided; each delivery builds its own response from it (echoing its own DE11 / DE37). */
export interface Answer {
  readonly code: string;
  readonly extra?: ReadonlyMap<number, FieldValue>;
}

export const answer = (code: string, extra?: ReadonlyMap<number, FieldValue>): Answer =>
  extra === undefined ? { code } : { code, extra };

const NO_PLAN: Plan = { calls: [], delta: noDelta };

/** Runs `flow` under the authorization's lock, unless the effect `key` was decided before: its answer then. */
function decideOnce(ctx: IssuerContext, trace: string, key: string, flow: () => Promise<Answer>) {
  return ctx.locks.run(trace, async () => (await replay(ctx, key)) ?? flow());
}

export function purchase(ctx: IssuerContext, key: string, m: NetworkMessage): Promise<Answer> {
  return decideOnce(ctx, m.networkTraceId, key, async () => {
    const mppId = await ctx.router.mppOf(m);
    if (mppId === undefined) return answer(RESPONSE_CODE.INVALID_CARD);
    const quote = quoteFor(ctx, mppId, m.currency);
    if (!quote.ok) {
      // (tapkit) No rate converts this currency into the MPP's wallet: 57, transaction not permitted.
      ctx.logger.warn({ networkTraceId: m.networkTraceId, code: quote.error.code }, quote.error.message);
      return answer(RESPONSE_CODE.NOT_PERMITTED_TO_CARDHOLDER);
    }
    const faults = [...faultsFor(m.amountText, ctx.config.faults)];
    const plan = planPurchase({
      networkTraceId: m.networkTraceId,
      type: m.type as 'FINAL',
      amountMinor: m.amountMinor,
      nowMs: ctx.clock.nowMs(),
    });
    const type = m.type === 'PRE_AUTH' ? 'PRE_AUTH' : m.type === 'FINAL' ? 'FINAL' : 'UNDEFINED';
    const created = newAuthorization(m, {
      mppId,
      faults,
      type,
      expiresAtMs: plan.expiresAtMs!,
      quote: quote.value,
    });
    const auth = await createWithPay(ctx, created, key, plan);
    const { code, outcome } = await payAndSettle(ctx, auth, key, plan, faults);
    tellDecided(ctx, m, code, outcome);
    if (code === RESPONSE_CODE.APPROVED && faults.includes('REVERSAL_AFTER_APPROVAL'))
      injectReversal(ctx, m.networkTraceId);
    return authorizationAnswer(m.networkTraceId, code, faults);
  });
}

async function createWithPay(
  ctx: IssuerContext,
  auth: NewAuthorization,
  key: string,
  plan: Plan,
): Promise<AuthorizationRecord> {
  const nowMs = ctx.clock.nowMs();
  return runTx(ctx.handle, async (tx) => {
    await insertAuthorization(tx, auth, nowMs);
    const trace = auth.networkTraceId;
    await commitSyncPay(ctx, tx, { authTrace: trace, messageTrace: trace, key }, plan);
    return (await loadAuthorization(tx, trace))!;
  });
}

export function incremental(ctx: IssuerContext, key: string, m: NetworkMessage): Promise<Answer> {
  const original = m.originalNetworkTraceId;
  if (original === undefined) return Promise.resolve(answer(RESPONSE_CODE.INVALID_TRANSACTION));
  return decideOnce(ctx, original, key, async () => {
    const auth = await findAuthorization(ctx, original);
    if (auth === undefined || auth.state !== 'OPEN') return answer(RESPONSE_CODE.INVALID_TRANSACTION);
    const plan = planIncremental(auth, { networkTraceId: m.networkTraceId, amountMinor: m.amountMinor });
    const ids = { authTrace: auth.networkTraceId, messageTrace: m.networkTraceId, key };
    await runTx(ctx.handle, (tx) => commitSyncPay(ctx, tx, ids, plan));
    const fresh = (await loadAuthorization(ctx.handle.db, auth.networkTraceId))!;
    const faults = [...faultsFor(m.amountText, ctx.config.faults)];
    const { code } = await payAndSettle(ctx, fresh, key, plan, faults);
    return authorizationAnswer(m.networkTraceId, code, []);
  });
}

/** (tapkit) A refund authorization is recorded and approved; the money moves at its clearing. */
export function refundAuthorization(ctx: IssuerContext, key: string, m: NetworkMessage): Promise<Answer> {
  return decideOnce(ctx, m.networkTraceId, key, async () => {
    const mppId = await ctx.router.mppOf(m);
    if (mppId === undefined) return answer(RESPONSE_CODE.INVALID_CARD);
    const nowMs = ctx.clock.nowMs();
    const auth = newAuthorization(m, { mppId, faults: [], type: 'REFUND', expiresAtMs: nowMs });
    await runTx(ctx.handle, async (tx) => {
      await insertAuthorization(tx, { ...auth, state: 'OPEN' }, nowMs);
      const record = (await loadAuthorization(tx, m.networkTraceId))!;
      await commitPlan(tx, {
        auth: record,
        effectKey: key,
        plan: NO_PLAN,
        nowMs,
        messageTraceId: m.networkTraceId,
        responseCode: RESPONSE_CODE.APPROVED,
      });
    });
    return answer(RESPONSE_CODE.APPROVED);
  });
}

/** 0120: the network approved on its own; the issuer acknowledges it always and pays ADVICE if needed. */
export function advice(ctx: IssuerContext, key: string, m: NetworkMessage): Promise<Answer> {
  return decideOnce(ctx, m.networkTraceId, key, async () => {
    const nowMs = ctx.clock.nowMs();
    const existing = await loadAuthorization(ctx.handle.db, m.networkTraceId);
    const first = existing?.payments[0];
    if (
      existing !== undefined &&
      (first?.status === 'UNKNOWN' || existing.state === 'OPEN' || existing.state === 'CLEARED')
    ) {
      // Either our own approval stands, or the inquiry will keep the success it finds (or pay ADVICE).
      await runTx(ctx.handle, async (tx) => {
        await commitPlan(tx, {
          auth: existing,
          effectKey: key,
          plan: NO_PLAN,
          nowMs,
          messageTraceId: m.networkTraceId,
          responseCode: RESPONSE_CODE.APPROVED,
        });
        await setAuthorizationOutcome(tx, m.networkTraceId, { adviceReceived: true, nowMs });
      });
      return answer(RESPONSE_CODE.APPROVED);
    }
    if (existing === undefined && !(await createAdvised(ctx, m))) return answer(RESPONSE_CODE.APPROVED);
    await payAdvice(ctx, m.networkTraceId, key, m.amountMinor);
    return answer(RESPONSE_CODE.APPROVED);
  });
}

/** Records the authorization an advice tells of; false when its token belongs to no known MPP. */
async function createAdvised(ctx: IssuerContext, m: NetworkMessage): Promise<boolean> {
  const mppId = await ctx.router.mppOf(m);
  if (mppId === undefined) {
    ctx.logger.error({ networkTraceId: m.networkTraceId }, 'advice for a token of no known MPP');
    return false;
  }
  const nowMs = ctx.clock.nowMs();
  const quote = quoteOrNone(ctx, mppId, m.currency, m.networkTraceId);
  const auth = newAuthorization(m, { mppId, faults: [], type: 'ADVICE', expiresAtMs: nowMs, quote });
  await runTx(ctx.handle, (tx) => insertAuthorization(tx, auth, nowMs));
  return true;
}

function authorizationAnswer(trace: string, code: string, faults: readonly Fault[]): Answer {
  const extra = new Map<number, FieldValue>();
  if (code === RESPONSE_CODE.APPROVED) extra.set(38, approvalCodeOf(trace));
  if (faults.includes('REVERSAL_AFTER_APPROVAL')) {
    extra.set(48, [{ id: DE48_FAULT_SUBELEMENT, value: FAULTS.REVERSAL_AFTER_APPROVAL }]);
  }
  return answer(code, extra);
}

async function replay(ctx: IssuerContext, key: string): Promise<Answer | undefined> {
  const effect = await findEffect(ctx.handle.db, key);
  if (effect === undefined) return undefined;
  const code = effect.response_code ?? RESPONSE_CODE.ISSUER_UNAVAILABLE;
  const extra = new Map<number, FieldValue>();
  if (code === RESPONSE_CODE.APPROVED && effect.approval_code !== null) extra.set(38, effect.approval_code);
  return answer(code, extra);
}

/**
 * Hands a purchase's decided answer to the onAuthorizationDecided port in the background, so the
 * 0110 never waits for it. No ATC in DE55 (9F36): nothing the SDK could match, so nothing is told.
 */
function tellDecided(ctx: IssuerContext, m: NetworkMessage, code: string, outcome: PayOutcome): void {
  const listener = ctx.onAuthorizationDecided;
  const event = decidedEventOf(m, code, outcome);
  if (listener === undefined || event === undefined) return;
  ctx.background.add(Promise.resolve().then(() => listener(event)));
}

/** The fields of a new authorization that come from the network message (all but `type`). */
type MessageFields = Pick<NetworkMessage, Exclude<keyof NewAuthorization & keyof NetworkMessage, 'type'>>;

export function newAuthorization(
  m: MessageFields,
  p: {
    mppId: string;
    faults: readonly Fault[];
    type: NewAuthorization['type'];
    expiresAtMs: number;
    quote?: AuthorizationQuote | undefined;
  },
): NewAuthorization {
  return {
    networkTraceId: m.networkTraceId,
    type: p.type,
    state: 'PENDING',
    tokenUniqueReference: m.tokenUniqueReference,
    customerId: m.customerId,
    mppId: p.mppId,
    merchantId: m.merchantId,
    merchantName: m.merchantName,
    mcc: m.mcc,
    terminalId: m.terminalId,
    acquirerId: m.acquirerId,
    currency: m.currency,
    expiresAtMs: p.expiresAtMs,
    faults: p.faults,
    details: m.details,
    quote: p.quote,
  };
}

/** The port's event for a purchase answered `code`; undefined when the message carried no ATC. */
export function decidedEventOf(
  m: Pick<NetworkMessage, 'networkTraceId' | 'tokenUniqueReference' | 'currency' | 'amountMinor' | 'details'>,
  code: string,
  outcome: PayOutcome,
): AuthorizationDecided | undefined {
  const nfc = m.details.nfcTransactionInfo as Record<string, unknown> | undefined;
  const atcHex = nfc?.atc;
  if (typeof atcHex !== 'string' || !/^[0-9A-F]{4}$/.test(atcHex)) return undefined;
  const customData = m.details.customData;
  return {
    tokenUniqueReference: m.tokenUniqueReference,
    atc: Number.parseInt(atcHex, 16),
    networkTraceId: m.networkTraceId,
    approved: code === RESPONSE_CODE.APPROVED,
    de39: code,
    ...(outcome.status === 'F' ? { resultCode: outcome.resultCode } : {}),
    amount: { currency: m.currency, value: m.amountMinor.toString() },
    ...(typeof customData === 'string' ? { customData } : {}),
  };
}
