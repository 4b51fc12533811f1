// The Tapkit card profile (docs/protocol/emv.md#card-profile) and the token's dates. Pure functions of their inputs.
import type { CardProfile } from '@tapkit/protocol/wire/token-service';

export const MASTERCARD_AID = 'A0000000041010';
export const APPLICATION_LABEL = 'MASTERCARD';
/** (tapkit) Every token has PAN sequence number 00. */
export const TOKEN_PSN = '00';
/** Tokens expire three years after digitization (tapkit, the usual MDES choice). */
export const TOKEN_VALIDITY_YEARS = 3;

/**
 * (tapkit) AIP 1882: byte 1 = cardholder verification supported (0x10) | terminal risk management to
 * be performed (0x08); no offline data authentication (the token has no certificates). Byte 2 = EMV
 * mode supported (0x80, Kernel 2) | on-device cardholder verification supported (0x02, for two-tap
 * CDCVM).
 */
export const TOKEN_AIP = '1882';
/** (tapkit) AFL: SFI 1, records 1 to 1, none of them for offline data authentication. */
export const TOKEN_AFL = '08010100';
/** CDOL1 of docs/protocol/emv.md#cdol1, 45 bytes of data. */
export const TOKEN_CDOL1 = '9F02069F03069F1A0295055F2A029A039C019F37049F35019F45029F4C089F34039F1502';
/** IAD key derivation index 01 and CVN 20 (0x14). */
export const KEY_DERIVATION_INDEX = 1;
export const CRYPTOGRAM_VERSION_NUMBER = 20;
/** (tapkit) Track 2 service code 201: international, IC card, normal authorization. */
const SERVICE_CODE = '201';
const TRACK2_DISCRETIONARY = '00000';

export interface TokenExpiry {
  /** YYMM, as ISO 8583 DE14 carries it. */
  readonly yymm: string;
  /** YYMMDD, the last day of the month, as EMV 5F24 carries it. */
  readonly yymmdd: string;
}

/** The month `years` after the month of `nowMs` (UTC). */
export function expiryAfter(nowMs: number, years: number = TOKEN_VALIDITY_YEARS): TokenExpiry {
  const now = new Date(nowMs);
  const year = now.getUTCFullYear() + years;
  const month = now.getUTCMonth() + 1;
  return expiryOf(year, month);
}

function expiryOf(year: number, month: number): TokenExpiry {
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const yymm = String(year % 100).padStart(2, '0') + String(month).padStart(2, '0');
  return { yymm, yymmdd: yymm + String(lastDay).padStart(2, '0') };
}

/** YYMM back to both forms; undefined for a malformed value. */
export function expiryFromYymm(yymm: string): TokenExpiry | undefined {
  if (!/^\d{4}$/.test(yymm)) return undefined;
  const month = Number(yymm.slice(2));
  if (month < 1 || month > 12) return undefined;
  return expiryOf(2000 + Number(yymm.slice(0, 2)), month);
}

/** Track 2 equivalent data (57): PAN ‖ D ‖ YYMM ‖ service code ‖ discretionary data, F-padded to bytes. */
export function track2EquivalentData(tokenPan: string, expiry: TokenExpiry): string {
  const nibbles = `${tokenPan}D${expiry.yymm}${SERVICE_CODE}${TRACK2_DISCRETIONARY}`;
  return nibbles.length % 2 === 0 ? nibbles : `${nibbles}F`;
}

export function cardProfileOf(token: { tokenPan: string; psn: string; expiry: TokenExpiry }): CardProfile {
  return {
    aid: MASTERCARD_AID,
    applicationLabel: APPLICATION_LABEL,
    tokenPan: token.tokenPan,
    psn: token.psn,
    expiryDate: token.expiry.yymmdd,
    aip: TOKEN_AIP,
    afl: TOKEN_AFL,
    cdol1: TOKEN_CDOL1,
    track2EquivalentData: track2EquivalentData(token.tokenPan, token.expiry),
    keyDerivationIndex: KEY_DERIVATION_INDEX,
    cryptogramVersionNumber: CRYPTOGRAM_VERSION_NUMBER,
  };
}
