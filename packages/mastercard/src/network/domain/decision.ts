import { RESPONSE_CODE, type ResponseCode } from '@tapkit/emv';
import type { TokenRecord } from '../../ports.ts';
import { amountDigitsOf, type CryptogramInput, currencyDigitsOf } from './cryptogram.ts';

// The network's own reasons to decline, before the issuer is asked. Each has a stable reason code for
// logs and tests and the DE39 the acquirer sees. Pure.

export type DeclineReason =
  | 'MESSAGE_INVALID'
  | 'AUTHORIZATION_TYPE_INVALID'
  | 'TOKEN_UNKNOWN'
  | 'TOKEN_NOT_ACTIVE'
  | 'TOKEN_EXPIRED'
  | 'ICC_DATA_MISSING'
  | 'ICC_DATA_INVALID'
  | 'CRYPTOGRAM_VERSION_UNSUPPORTED'
  | 'CRYPTOGRAM_MISMATCH'
  | 'ICC_AMOUNT_MISMATCH'
  | 'ATC_REPLAYED'
  | 'ORIGINAL_NOT_FOUND'
  | 'ISSUER_UNAVAILABLE';

export interface Decline {
  readonly reason: DeclineReason;
  readonly responseCode: ResponseCode;
}

/** The one table from decline reason to DE39. */
export const DECLINE_RESPONSE_CODE: Readonly<Record<DeclineReason, ResponseCode>> = {
  MESSAGE_INVALID: RESPONSE_CODE.INVALID_TRANSACTION,
  AUTHORIZATION_TYPE_INVALID: RESPONSE_CODE.INVALID_TRANSACTION,
  TOKEN_UNKNOWN: RESPONSE_CODE.INVALID_CARD,
  // (tapkit) An INACTIVE token (not yet provisioned) is refused like a suspended one: the card exists
  // but may not be used.
  TOKEN_NOT_ACTIVE: RESPONSE_CODE.NOT_PERMITTED_TO_CARDHOLDER,
  TOKEN_EXPIRED: RESPONSE_CODE.EXPIRED_CARD,
  ICC_DATA_MISSING: RESPONSE_CODE.INVALID_TRANSACTION,
  // The cryptogram cannot be checked without its data, so it is a cryptographic failure.
  ICC_DATA_INVALID: RESPONSE_CODE.CRYPTOGRAPHIC_FAILURE,
  CRYPTOGRAM_VERSION_UNSUPPORTED: RESPONSE_CODE.CRYPTOGRAPHIC_FAILURE,
  CRYPTOGRAM_MISMATCH: RESPONSE_CODE.CRYPTOGRAPHIC_FAILURE,
  ICC_AMOUNT_MISMATCH: RESPONSE_CODE.INVALID_AMOUNT,
  // (tapkit) A replayed ATC is declined 05 (do not honor), not 94: 94 tells the acquirer "duplicate
  // transmission, the original answer stands", which is wrong for a replayed cryptogram whose first
  // use may have been declined or may belong to another transaction.
  ATC_REPLAYED: RESPONSE_CODE.DO_NOT_HONOR,
  ORIGINAL_NOT_FOUND: RESPONSE_CODE.INVALID_TRANSACTION,
  ISSUER_UNAVAILABLE: RESPONSE_CODE.ISSUER_UNAVAILABLE,
};

export const decline = (reason: DeclineReason): Decline => ({
  reason,
  responseCode: DECLINE_RESPONSE_CODE[reason],
});

/** YYMM of a UTC time. */
export function yearMonthOf(nowMs: number): string {
  const date = new Date(nowMs);
  const year = String(date.getUTCFullYear() % 100).padStart(2, '0');
  return year + String(date.getUTCMonth() + 1).padStart(2, '0');
}

/** Unknown → 14; not ACTIVE → 57 (without asking the issuer); past its expiry month → 54. */
export function screenToken(token: TokenRecord | undefined, nowMs: number): Decline | undefined {
  if (token === undefined) return decline('TOKEN_UNKNOWN');
  if (token.state !== 'ACTIVE') return decline('TOKEN_NOT_ACTIVE');
  // A card is valid through the last day of its expiry month, so only a later month is expired.
  if (/^\d{4}$/.test(token.expiry) && yearMonthOf(nowMs) > token.expiry) return decline('TOKEN_EXPIRED');
  return undefined;
}

/** Tapkit cards compute cryptogram version 20 only. */
export const supportedCryptogramVersion = 0x14;

/**
 * The amount and currency the cryptogram covers must be the ones the acquirer asks for; otherwise a
 * valid cryptogram for a small amount could carry a larger DE4.
 */
export function screenIccConsistency(
  input: CryptogramInput,
  request: { amountDigits: string; currencyDigits: string },
): Decline | undefined {
  if (input.cvn !== supportedCryptogramVersion) return decline('CRYPTOGRAM_VERSION_UNSUPPORTED');
  if (amountDigitsOf(input.data) !== request.amountDigits) return decline('ICC_AMOUNT_MISMATCH');
  if (currencyDigitsOf(input.data) !== request.currencyDigits) return decline('ICC_AMOUNT_MISMATCH');
  return undefined;
}
