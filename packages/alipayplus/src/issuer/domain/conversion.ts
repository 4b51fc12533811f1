import {
  type AuthorizationView,
  type MppCall,
  noDelta,
  type PayKind,
  type PaymentView,
  type Plan,
} from './types.ts';

// The conversion rules (docs/protocol/alipayplus-api.md#conversion-rules) as pure functions:
// each takes the authorization as the book holds it plus the event, and returns the MPP calls to make and
// the change to the authorization's amounts. Ids of the calls are derived from `idBase` (the event's own
// key: network trace id, acquirer reference number), so the same event always plans the same ids and the
// MPP's idempotency absorbs any repeat.

const dayMs = 86_400_000;
const utc8OffsetMs = 8 * 3_600_000;
/** (doc) A payment can be cancelled until 00:30 UTC+8 on the day after it was made. */
const cancelGraceAfterMidnightMs = 30 * 60_000;

/** (public scheme rules) Validity of an authorization without clearing. */
export const VALIDITY_MS = {
  FINAL: 7 * dayMs,
  UNDEFINED: 7 * dayMs,
  PRE_AUTH: 30 * dayMs,
  /** Each incremental authorization adds this to the current expiry. */
  INCREMENT: 30 * dayMs,
} as const;

/** (tapkit) How far back a refund looks for the purchase it belongs to: the MPP's 366-day refund window. */
export const REFUND_MATCH_WINDOW_MS_DEFAULT = 366 * dayMs;

/** The first instant at which a payment made at `paidAtMs` can no longer be cancelled. */
export function cancelDeadlineMs(paidAtMs: number): number {
  const utc8Day = Math.floor((paidAtMs + utc8OffsetMs) / dayMs);
  return (utc8Day + 1) * dayMs - utc8OffsetMs + cancelGraceAfterMidnightMs;
}

export function isInCancelWindow(paidAtMs: number, nowMs: number): boolean {
  return nowMs < cancelDeadlineMs(paidAtMs);
}

/** Expiry of a new authorization; advices and clearing-only records count as final (tapkit). */
export function expiryOf(type: AuthorizationView['type'], authorizedAtMs: number): number {
  return authorizedAtMs + (type === 'PRE_AUTH' ? VALIDITY_MS.PRE_AUTH : VALIDITY_MS.FINAL);
}

/** Authorized amount not yet reversed nor cleared: what clearing or expiry settles. */
export function remainingMinor(auth: AuthorizationView): bigint {
  const remaining = auth.authorizedMinor - auth.reversedMinor - auth.clearedMinor;
  return remaining > 0n ? remaining : 0n;
}

/** A payment that moved money and can still be refunded (a payment still UNKNOWN cannot). */
function refundableOf(payment: PaymentView): bigint {
  return payment.status === 'SUCCESS' ? payment.amountMinor - payment.refundedMinor : 0n;
}

/** Math.min for bigint (Math.min takes numbers only). */
function smallerOf(a: bigint, b: bigint): bigint {
  if (a < b) return a;
  return b;
}

export function refundableMinor(auth: AuthorizationView): bigint {
  return auth.payments.reduce((sum, payment) => sum + refundableOf(payment), 0n);
}

/**
 * Spreads a refund over the payments, newest first (an increment or adjustment is given back before the
 * original purchase), never more than each one's refundable part. Returns the refund calls.
 */
export function allocateRefunds(
  payments: readonly PaymentView[],
  amountMinor: bigint,
  idBase: string,
): MppCall[] {
  const calls: MppCall[] = [];
  let left = amountMinor;
  for (let i = payments.length - 1; i >= 0 && left > 0n; i--) {
    const payment = payments[i]!;
    const part = smallerOf(refundableOf(payment), left);
    if (part <= 0n) continue;
    calls.push({
      api: 'refund',
      refundRequestId: `${idBase}-R${calls.length}`,
      paymentRequestId: payment.paymentRequestId,
      amountMinor: part,
    });
    left -= part;
  }
  return calls;
}

// ---- Authorization messages ----

/** Row "0100 purchase" (FINAL / undefined) and "0100 pre-authorization" (PRE_AUTH, 30 days). */
export function planPurchase(input: {
  networkTraceId: string;
  type: 'FINAL' | 'UNDEFINED' | 'PRE_AUTH';
  amountMinor: bigint;
  nowMs: number;
}): Plan {
  const authorizationType: PayKind = input.type === 'PRE_AUTH' ? 'PRE_AUTH' : 'FINAL';
  return {
    calls: [
      {
        api: 'pay',
        paymentRequestId: payRequestIdOf(input.networkTraceId, 'P'),
        authorizationType,
        amountMinor: input.amountMinor,
      },
    ],
    delta: { ...noDelta, authorizedMinor: input.amountMinor },
    state: 'OPEN',
    expiresAtMs: expiryOf(input.type, input.nowMs),
  };
}

/** Row "0100 incremental": pay the increment, linked to the original; expiry + 30 days. */
export function planIncremental(
  auth: AuthorizationView,
  input: { networkTraceId: string; amountMinor: bigint },
): Plan {
  const original = auth.payments[0];
  return {
    calls: [
      {
        api: 'pay',
        paymentRequestId: payRequestIdOf(input.networkTraceId, 'I'),
        authorizationType: 'INCREMENTAL',
        amountMinor: input.amountMinor,
        ...(original === undefined ? {} : { originalPaymentRequestId: original.paymentRequestId }),
      },
    ],
    delta: { ...noDelta, authorizedMinor: input.amountMinor },
    expiresAtMs: auth.expiresAtMs + VALIDITY_MS.INCREMENT,
  };
}

/** Row "0120 advice": the network approved for us; pay ADVICE (a decline becomes a receivable). */
export function planAdvice(input: { networkTraceId: string; amountMinor: bigint; nowMs: number }): Plan {
  return {
    calls: [
      {
        api: 'pay',
        paymentRequestId: payRequestIdOf(input.networkTraceId, 'A'),
        authorizationType: 'ADVICE',
        amountMinor: input.amountMinor,
      },
    ],
    delta: { ...noDelta, authorizedMinor: input.amountMinor },
    state: 'OPEN',
    expiresAtMs: expiryOf('ADVICE', input.nowMs),
  };
}

/** (tapkit) paymentRequestId of a pay caused by a network message: its trace id and a kind letter. */
export function payRequestIdOf(networkTraceId: string, kindLetter: 'P' | 'I' | 'A'): string {
  return `${networkTraceId}-${kindLetter}`;
}

// ---- Reversals ----

/**
 * Rows "full reversal inside / after the cancel window" and "partial reversal". `scope` is the payments
 * the reversal is about (all of the authorization's, or one incremental's). A full reversal cancels each
 * payment still inside its cancel window and untouched by refunds, and refunds the rest; a partial one
 * refunds (open amount − DE95).
 */
export function planReversal(
  auth: AuthorizationView,
  input: {
    scope: readonly PaymentView[];
    replacementMinor: bigint | undefined;
    nowMs: number;
    idBase: string;
  },
): Plan {
  const full = input.replacementMinor === undefined || input.replacementMinor === 0n;
  // A full reversal also closes an authorization whose pay is still unknown (the network stood in).
  if (auth.state !== 'OPEN' && !(full && auth.state === 'PENDING')) return { calls: [], delta: noDelta };
  const open = input.scope.filter((p) => p.status === 'SUCCESS' || p.status === 'UNKNOWN');
  // Only settled payments count in the authorized amount; an unknown one is cancelled, never refunded.
  const openMinor = open.reduce(
    (sum, p) => sum + (p.status === 'SUCCESS' ? p.amountMinor - p.refundedMinor : 0n),
    0n,
  );
  if (!full) {
    const releaseMinor = openMinor - input.replacementMinor!;
    if (releaseMinor <= 0n) return { calls: [], delta: noDelta };
    return {
      calls: allocateRefunds(open, releaseMinor, input.idBase),
      delta: { ...noDelta, reversedMinor: releaseMinor },
    };
  }
  const calls: MppCall[] = [];
  for (const payment of open) {
    if (payment.refundedMinor === 0n && isInCancelWindow(payment.paidAtMs, input.nowMs)) {
      calls.push({ api: 'cancelPayment', paymentRequestId: payment.paymentRequestId });
    } else if (payment.status === 'SUCCESS') {
      calls.push(
        ...allocateRefunds(
          [payment],
          payment.amountMinor - payment.refundedMinor,
          `${input.idBase}-${calls.length}`,
        ),
      );
    }
  }
  const whole = input.scope.length === auth.payments.length;
  return {
    calls,
    delta: { ...noDelta, reversedMinor: openMinor },
    ...(whole ? { state: 'REVERSED' as const } : {}),
  };
}

// ---- Clearing (first presentment of a purchase) ----

/**
 * Rows "clearing = / < / > remaining authorized" and "clearing with no authorization". `auth` is the
 * authorization the record names (DE63), if the book knows it and it is still open or cleared.
 */
export function planClearing(
  auth: AuthorizationView | undefined,
  input: { amountMinor: bigint; idBase: string },
): Plan {
  const usable = auth !== undefined && (auth.state === 'OPEN' || auth.state === 'CLEARED') ? auth : undefined;
  if (usable === undefined) {
    // (tapkit) Money the network already committed without asking us is paid as an ADVICE.
    return {
      calls: [
        {
          api: 'pay',
          paymentRequestId: `${input.idBase}-CP`,
          authorizationType: 'ADVICE',
          amountMinor: input.amountMinor,
        },
      ],
      delta: { ...noDelta, authorizedMinor: input.amountMinor, clearedMinor: input.amountMinor },
      state: 'CLEARED',
    };
  }
  const remaining = remainingMinor(usable);
  const cleared = { ...noDelta, clearedMinor: input.amountMinor };
  if (input.amountMinor === remaining) return { calls: [], delta: cleared, state: 'CLEARED' };
  if (input.amountMinor < remaining) {
    const differenceMinor = remaining - input.amountMinor;
    return {
      calls: allocateRefunds(usable.payments, differenceMinor, input.idBase),
      delta: { ...cleared, reversedMinor: differenceMinor },
      state: 'CLEARED',
    };
  }
  const original = usable.payments[0];
  return {
    calls: [
      {
        api: 'pay',
        paymentRequestId: `${input.idBase}-CA`,
        authorizationType: 'CLEARING_ADJUSTMENT',
        amountMinor: input.amountMinor - remaining,
        ...(original === undefined ? {} : { originalPaymentRequestId: original.paymentRequestId }),
      },
    ],
    delta: cleared,
    state: 'CLEARED',
  };
}

// ---- Expiry ----

/** Row "authorization expiry": release what was never cleared: cancel inside the window, else refund. */
export function planExpiry(auth: AuthorizationView, input: { nowMs: number; idBase: string }): Plan {
  if (auth.state !== 'OPEN' || input.nowMs < auth.expiresAtMs) return { calls: [], delta: noDelta };
  const remaining = remainingMinor(auth);
  if (remaining === 0n) return { calls: [], delta: noDelta, state: 'CLEARED' };
  const untouched = auth.clearedMinor === 0n && auth.payments.every((p) => p.refundedMinor === 0n);
  const cancellable = auth.payments.filter((p) => p.status === 'SUCCESS' || p.status === 'UNKNOWN');
  if (untouched && cancellable.every((p) => isInCancelWindow(p.paidAtMs, input.nowMs))) {
    return {
      calls: cancellable.map((p) => ({ api: 'cancelPayment', paymentRequestId: p.paymentRequestId })),
      delta: { ...noDelta, reversedMinor: remaining },
      state: 'EXPIRED',
    };
  }
  return {
    calls: allocateRefunds(auth.payments, remaining, input.idBase),
    delta: { ...noDelta, reversedMinor: remaining },
    state: 'EXPIRED',
  };
}

// ---- Refunds (DE3 = 20) ----

export interface RefundEvent {
  readonly tokenUniqueReference: string;
  readonly merchantId: string | undefined;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly atMs: number;
}

export interface RefundCandidate extends AuthorizationView {
  readonly tokenUniqueReference: string;
  readonly merchantId: string | undefined;
}

/**
 * Finds the payment a refund gives back (Mastercard refunds carry no link): same token, same merchant,
 * same currency, made inside the window before the refund, still holding money. (tapkit) Among them, the
 * newest whose original amount covers the refund; failing that, the newest with anything refundable
 * (which leads to an EXCEED_REFUND).
 */
export function matchRefund(
  candidates: readonly RefundCandidate[],
  refund: RefundEvent,
  windowMs: number = REFUND_MATCH_WINDOW_MS_DEFAULT,
): RefundCandidate | undefined {
  const eligible = candidates
    .filter(
      (c) =>
        c.tokenUniqueReference === refund.tokenUniqueReference &&
        refund.merchantId !== undefined &&
        c.merchantId === refund.merchantId &&
        c.currency === refund.currency &&
        c.type !== 'REFUND' &&
        c.createdAtMs <= refund.atMs &&
        refund.atMs - c.createdAtMs <= windowMs &&
        refundableMinor(c) > 0n,
    )
    .sort((a, b) => b.createdAtMs - a.createdAtMs);
  const originalOf = (c: RefundCandidate) => (c.clearedMinor > 0n ? c.clearedMinor : c.authorizedMinor);
  return eligible.find((c) => refund.amountMinor <= originalOf(c)) ?? eligible[0];
}

/** Rows "refund matched ≤ refundable", "matched > refundable" and "matching no payment". */
export function planRefund(
  matched: AuthorizationView | undefined,
  input: { amountMinor: bigint; idBase: string },
): Plan {
  if (matched === undefined) {
    return {
      calls: [
        {
          api: 'adjustRefund',
          refundRequestId: `${input.idBase}-U`,
          subScenarioType: 'UNLINKED_REFUND',
          amountMinor: input.amountMinor,
        },
      ],
      delta: noDelta,
    };
  }
  const refundable = refundableMinor(matched);
  const refunded = { ...noDelta, refundedMinor: input.amountMinor };
  if (input.amountMinor <= refundable) {
    return { calls: allocateRefunds(matched.payments, input.amountMinor, input.idBase), delta: refunded };
  }
  const calls = allocateRefunds(matched.payments, refundable, input.idBase);
  calls.push({
    api: 'adjustRefund',
    refundRequestId: `${input.idBase}-E`,
    subScenarioType: 'EXCEED_REFUND',
    amountMinor: input.amountMinor - refundable,
    paymentRequestId: (matched.payments.find((p) => p.status === 'SUCCESS') ?? matched.payments[0]!)
      .paymentRequestId,
  });
  return { calls, delta: refunded };
}
