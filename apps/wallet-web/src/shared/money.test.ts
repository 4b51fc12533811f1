import { describe, expect, it } from 'vitest';
import { currencyOfNumeric, formatMinor, formatMoney, parseMajor } from './money.ts';

describe('money on screen', () => {
  it('formats minor units by the currency exponent', () => {
    expect(formatMinor(1234n, 'HKD')).toBe('12.34');
    expect(formatMinor('5', 'HKD')).toBe('0.05');
    expect(formatMinor(-1234n, 'HKD')).toBe('-12.34');
    expect(formatMinor(1234n, 'JPY')).toBe('1234');
    expect(formatMoney('100000', 'HKD')).toBe('HKD 1000.00');
  });

  it('parses typed amounts to minor units without a float', () => {
    expect(parseMajor('12.34', 'HKD')).toBe(1234n);
    expect(parseMajor('12.5', 'HKD')).toBe(1250n);
    expect(parseMajor(' 80 ', 'HKD')).toBe(8000n);
    expect(parseMajor('999999999999', 'JPY')).toBe(999_999_999_999n);
  });

  it('refuses what is not a positive amount in the currency', () => {
    for (const text of ['', '0', '0.00', '-1', '1.234', '1e3', 'abc', '1,00', '10000000000.00']) {
      expect(parseMajor(text, 'HKD'), text).toBeUndefined();
    }
    expect(parseMajor('1.5', 'JPY')).toBeUndefined();
  });

  it('names currencies by their ISO 4217 numeric code', () => {
    expect(currencyOfNumeric('344')).toBe('HKD');
    expect(currencyOfNumeric('999')).toBe('999');
  });
});
