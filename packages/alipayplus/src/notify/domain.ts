// The notifyPayment receiver's rules, pure: what a notify is checked on, whether it agrees with what
// Alipay+ knows, and which repeats are allowed.
import type { NotifyPaymentRequest } from '@tapkit/protocol';
import type { KnownPayment } from './ports.ts';

/**
 * CONSISTENT: nothing to do. CONTRADICTS_CLOSED: the MPP says S for a payment Alipay+ closed (cancelled,
 * or failed after telling the POS no): the MPP took money Alipay+ will never settle, so Alipay+ cancels.
 * MPP_FAILED_ALIPAY_SUCCEEDED: the MPP says F for a payment Alipay+ approved: recorded for manual follow-up.
 * NEWS: Alipay+ has no final answer yet; the MPP's word is passed to the issuer processor.
 */
export type Verdict = 'CONSISTENT' | 'CONTRADICTS_CLOSED' | 'MPP_FAILED_ALIPAY_SUCCEEDED' | 'NEWS';

export type Judgement = { ok: true; verdict: Verdict } | { ok: false; field: string };

const sameAmount = (a: { currency: string; value: string }, b: { currency: string; value: string }) =>
  a.currency === b.currency && a.value === b.value;

export function judgeNotify(known: KnownPayment, notify: NotifyPaymentRequest): Judgement {
  if (known.customerId !== notify.customerId) return { ok: false, field: 'customerId' };
  if (!sameAmount(known.paymentAmount, notify.paymentAmount)) return { ok: false, field: 'paymentAmount' };
  if (!sameAmount(known.payToAmount, notify.payToAmount)) return { ok: false, field: 'payToAmount' };
  const notifiedId = notify.paymentId ?? null;
  if (known.paymentId && notifiedId !== null && known.paymentId !== notifiedId)
    return { ok: false, field: 'paymentId' };
  const success = notify.paymentResult.resultStatus === 'S';
  switch (known.status) {
    case 'SUCCESS':
      return { ok: true, verdict: success ? 'CONSISTENT' : 'MPP_FAILED_ALIPAY_SUCCEEDED' };
    case 'FAILED':
    case 'CANCELLED':
      return { ok: true, verdict: success ? 'CONTRADICTS_CLOSED' : 'CONSISTENT' };
    case 'PENDING':
    case 'UNKNOWN':
      return { ok: true, verdict: 'NEWS' };
  }
}

/** The checked fields of the idempotency table, as one canonical text. */
export function checkedFieldsOf(notify: NotifyPaymentRequest): string {
  return JSON.stringify([
    notify.paymentResult.resultStatus,
    notify.paymentResult.resultCode,
    notify.paymentAmount.currency,
    notify.paymentAmount.value,
    notify.payToAmount.currency,
    notify.payToAmount.value,
    notify.paymentId ?? null,
    notify.customerId,
  ]);
}

/**
 * A second notify with different checked fields is REPEAT_REQ_INCONSISTENT, with one exception: a
 * payment can be cancelled after it succeeded, and the MPP then rightly tells F ORDER_IS_CLOSED.
 */
export function isAllowedChange(previousCheckedFields: string, notify: NotifyPaymentRequest): boolean {
  const previous = JSON.parse(previousCheckedFields) as unknown[];
  const closedNow =
    notify.paymentResult.resultStatus === 'F' && notify.paymentResult.resultCode === 'ORDER_IS_CLOSED';
  const [, , ...rest] = JSON.parse(checkedFieldsOf(notify)) as unknown[];
  const [, , ...previousRest] = previous;
  // paymentId may be absent on the F notify; everything else must match.
  const restMatches = rest.every((value, i) =>
    i === 4 ? value === null || value === previousRest[i] : value === previousRest[i],
  );
  return previous[0] === 'S' && closedNow && restMatches;
}
