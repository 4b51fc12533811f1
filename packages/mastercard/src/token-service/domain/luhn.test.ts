import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  digitsFromRandomBytes,
  isLuhnValid,
  luhnCheckDigit,
  maskPan,
  TOKEN_ACCOUNT_DIGITS,
  TOKEN_BIN,
  tokenPanOf,
} from './luhn.ts';

describe('Luhn', () => {
  it('accepts well-known test card numbers and their check digits', () => {
    // Public test PANs from card-scheme and PSP documentation.
    for (const pan of [
      '4111111111111111',
      '5555555555554444',
      '5105105105105100',
      '378282246310005',
      '79927398713',
    ]) {
      expect(isLuhnValid(pan)).toBe(true);
      expect(luhnCheckDigit(pan.slice(0, -1))).toBe(Number(pan.slice(-1)));
    }
  });

  it('rejects a wrong check digit and non-digits', () => {
    expect(isLuhnValid('4111111111111112')).toBe(false);
    expect(isLuhnValid('79927398710')).toBe(false);
    expect(isLuhnValid('5413 3300 0000 0000')).toBe(false);
    expect(isLuhnValid('')).toBe(false);
  });

  it('catches every single-digit error in a token PAN', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(new RegExp(`^\\d{${TOKEN_ACCOUNT_DIGITS}}$`)),
        fc.nat({ max: 15 }),
        fc.integer({ min: 1, max: 9 }),
        (account, position, delta) => {
          const pan = tokenPanOf(account);
          expect(pan).toHaveLength(16);
          expect(pan.startsWith(TOKEN_BIN)).toBe(true);
          expect(isLuhnValid(pan)).toBe(true);
          const digit = (Number(pan[position]) + delta) % 10;
          const altered = pan.slice(0, position) + String(digit) + pan.slice(position + 1);
          expect(isLuhnValid(altered)).toBe(false);
        },
      ),
    );
  });

  it('makes unbiased digits from random bytes, skipping bytes 250..255', () => {
    expect(digitsFromRandomBytes(Uint8Array.of(0, 255, 9, 250, 123, 249), 4)).toBe('0939');
    expect(digitsFromRandomBytes(Uint8Array.of(251, 252, 1), 2)).toBeUndefined();
  });

  it('masks all but the BIN and the last four digits', () => {
    expect(maskPan('5413330012345674')).toBe('541333******5674');
  });
});
