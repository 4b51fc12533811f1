// How a pay outcome becomes the DE39 the network relays to the POS, and when Alipay+ asks again about a
// payment whose outcome it does not know (docs/protocol/alipayplus-api.md#pay-outcome-to-de39).

import { RESPONSE_CODE, type ResponseCode } from '@tapkit/emv';

/** The DE39 values a pay outcome maps to (RESPONSE_CODE). */
export type De39 = ResponseCode;

/** A pay (or inquiry) answer reduced to what the rules need; UNKNOWN covers U, timeouts, bad signatures. */
export type PayOutcome =
  | { readonly status: 'S' }
  | { readonly status: 'F'; readonly resultCode: string }
  | { readonly status: 'UNKNOWN'; readonly reason: string };

const declineCodes: Readonly<Record<string, De39>> = {
  USER_BALANCE_NOT_ENOUGH: RESPONSE_CODE.INSUFFICIENT_FUNDS,
  USER_STATUS_ABNORMAL: RESPONSE_CODE.NOT_PERMITTED_TO_CARDHOLDER,
  // (tapkit) a locked token reads as an abnormal user status at the MPP.
  TOKEN_LOCKED: RESPONSE_CODE.NOT_PERMITTED_TO_CARDHOLDER,
  RISK_REJECT: RESPONSE_CODE.SUSPECTED_FRAUD,
  PAYMENT_AMOUNT_EXCEED_LIMIT: RESPONSE_CODE.AMOUNT_LIMIT_EXCEEDED,
  USER_AMOUNT_EXCEED_LIMIT: RESPONSE_CODE.AMOUNT_LIMIT_EXCEEDED,
  PAYMENT_COUNT_EXCEED_LIMIT: RESPONSE_CODE.COUNT_LIMIT_EXCEEDED,
};

/** S -> 00; the listed F codes; any other F -> 05; unknown -> 91. */
export function de39Of(outcome: PayOutcome): De39 {
  if (outcome.status === 'S') return RESPONSE_CODE.APPROVED;
  if (outcome.status === 'UNKNOWN') return RESPONSE_CODE.ISSUER_UNAVAILABLE;
  return declineCodes[outcome.resultCode] ?? RESPONSE_CODE.DO_NOT_HONOR;
}

/** (doc) Inquiry delays after an unknown pay: 2, 3, 3, 5, 5, 10, 10, 30 s, then every 30 s. */
export const INQUIRY_DELAYS_MS: readonly number[] = [
  2_000, 3_000, 3_000, 5_000, 5_000, 10_000, 10_000, 30_000,
];

/** (doc) How long a payment stays open for inquiries when nothing else is configured. */
export const PAYMENT_EXPIRY_MS_DEFAULT = 3 * 60_000;

/** Delay before inquiry number `attempt` (0-based); the last delay repeats. */
export function inquiryDelayMs(attempt: number): number {
  return INQUIRY_DELAYS_MS[Math.min(attempt, INQUIRY_DELAYS_MS.length - 1)]!;
}

/**
 * What to do once an unknown payment's outcome is final (or its expiry passed). The POS was told 91, so a
 * success is taken back with cancelPayment, unless the network has meanwhile told us (0120 advice) that it
 * approved the payment itself: then the success stands.
 */
export function resolveLateOutcome(
  outcome: PayOutcome,
  input: { adviceReceived: boolean; expired: boolean },
): 'KEEP' | 'CANCEL' | 'FAILED' | 'ASK_AGAIN' {
  if (outcome.status === 'S') return input.adviceReceived ? 'KEEP' : 'CANCEL';
  if (outcome.status === 'F') return 'FAILED';
  // Still unknown at the payment expiry: cancel, which the MPP must accept whatever it holds.
  return input.expired ? 'CANCEL' : 'ASK_AGAIN';
}
