// The token status the app shows a page for (docs/protocol/sdk.md#token-status), as a pure function of what
// the SDK knows locally.
import type { UserState } from '../storage/records.ts';

export const PAYMENT_STATUS = {
  STORAGE_BROKEN: -3,
  DISCONNECTED: -2,
  QUERY_FAILED: -1,
  NO_CARD: 0,
  NO_CREDENTIALS: 1,
  PAYMENT_ALLOWED: 2,
  LOCKED: 3,
  ACTIVATION_PREPARED: 11,
  NEEDS_SECONDARY_CONFIRMATION: 21,
} as const;
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
