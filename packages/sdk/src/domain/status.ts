// The token status the app shows a page for (docs/protocol/sdk.md#token-status), as a pure function of
// what the SDK knows locally.
import type { UserState } from '../storage/records.ts';

/** The statuses isPaymentAvailable answers, by name; each has its page in the app. */
export const PAYMENT_STATUS = {
  /** -3: the protected storage is broken (reinstall or contact support). */
  STORAGE_BROKEN: -3,
  /** -2: the SDK is disconnected (call connect). */
  DISCONNECTED: -2,
  /** -1: the status could not be read (retry). */
  QUERY_FAILED: -1,
  /** 0: no card (the activation page). */
  NO_CARD: 0,
  /** 1: a card without credentials (replenishing). */
  NO_CREDENTIALS: 1,
  /** 2: payment allowed (the card page). */
  PAYMENT_ALLOWED: 2,
  /** 3: the card is locked (the unlock page). */
  LOCKED: 3,
  /** 11: a silent activation awaits the user's confirmation. */
  ACTIVATION_PREPARED: 11,
  /** 21: activated, a secondary confirmation is needed. */
  NEEDS_SECONDARY_CONFIRMATION: 21,
} as const;
/** One of the PAYMENT_STATUS values. */
export type PaymentStatus = (typeof PAYMENT_STATUS)[keyof typeof PAYMENT_STATUS];

export function paymentStatusOf(state: UserState, credentialsLeft: number): PaymentStatus {
  const token = state.token;
  if (token === undefined) return PAYMENT_STATUS.NO_CARD;
  if (token.activation === 'PREPARED') return PAYMENT_STATUS.ACTIVATION_PREPARED;
  if (token.activation === 'NEEDS_CONFIRMATION') return PAYMENT_STATUS.NEEDS_SECONDARY_CONFIRMATION;
  if (token.locked) return PAYMENT_STATUS.LOCKED;
  return credentialsLeft > 0 ? PAYMENT_STATUS.PAYMENT_ALLOWED : PAYMENT_STATUS.NO_CREDENTIALS;
}

/** Statuses in which lock, unlock and delete make sense (docs/protocol/sdk.md#token-management: 1, 2, 3). */
export function isManageable(status: PaymentStatus): boolean {
  return (
    status === PAYMENT_STATUS.NO_CREDENTIALS ||
    status === PAYMENT_STATUS.PAYMENT_ALLOWED ||
    status === PAYMENT_STATUS.LOCKED
  );
}
