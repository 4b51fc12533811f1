// The Luhn check digit (ISO/IEC 7812-1 annex B) and token PAN allocation. Pure: the random digits come
// in from the caller.

/** The digit that makes `partialPan ‖ digit` Luhn-valid. */
export function luhnCheckDigit(partialPan: string): number {
  if (!/^\d+$/.test(partialPan)) throw new RangeError('luhnCheckDigit: digits only');
  let sum = 0;
  // Walk from the right: the digit next to the (future) check digit is doubled, then every other one.
  for (let i = partialPan.length - 1, double = true; i >= 0; i--, double = !double) {
    let digit = partialPan.charCodeAt(i) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(pan: string): boolean {
  if (!/^\d{2,19}$/.test(pan)) return false;
  return luhnCheckDigit(pan.slice(0, -1)) === Number(pan.slice(-1));
}

/** (tapkit) The Mastercard range Tapkit tokens live in: 5413 33xx xxxx xxxx, 16 digits. */
export const TOKEN_BIN = '541333';
export const TOKEN_PAN_DIGITS = 16;
/** Digits between the BIN and the check digit. */
export const TOKEN_ACCOUNT_DIGITS = TOKEN_PAN_DIGITS - TOKEN_BIN.length - 1;

/**
 * Decimal digits from random bytes without modulo bias: bytes 250..255 are skipped (250 is the largest
 * multiple of 10 under 256). Returns undefined when the bytes run out first; the caller passes more.
 */
export function digitsFromRandomBytes(bytes: Uint8Array, count: number): string | undefined {
  let digits = '';
  for (const byte of bytes) {
    if (digits.length === count) break;
    if (byte < 250) digits += String(byte % 10);
  }
  return digits.length === count ? digits : undefined;
}

/** A Luhn-valid token PAN from the account digits. */
export function tokenPanOf(accountDigits: string): string {
  if (!new RegExp(`^\\d{${TOKEN_ACCOUNT_DIGITS}}$`).test(accountDigits)) {
    throw new RangeError(`tokenPanOf: ${TOKEN_ACCOUNT_DIGITS} digits expected`);
  }
  const partial = TOKEN_BIN + accountDigits;
  return partial + String(luhnCheckDigit(partial));
}

/** Token PANs in logs: BIN and last four only (PCI DSS masking). */
export function maskPan(pan: string): string {
  if (pan.length < 10) return '*'.repeat(pan.length);
  return pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4);
}
