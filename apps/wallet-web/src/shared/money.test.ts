import { CURRENCY_CODES, currencyExponent } from '@tapkit/protocol';
import { describe, expect, it } from 'vitest';
import { CURRENCIES, currencyOfNumeric, exponentOf, formatMinor, formatMoney, parseMajor } from './money.ts';

describe('money on screen', () => {
  it('formats minor units by the currency exponent', () => {
    expect(formatMinor(1234n, 'HKD')).toBe('12.34');
    expect(formatMinor('5', 'HKD')).toBe('0.05');
    expect(formatMinor(-1234n, 'HKD')).toBe('-12.34');
    expect(formatMinor(1234n, 'JPY')).toBe('1234');
    expect(formatMoney('100000', 'HKD')).toBe('HKD 1000.00');
  });

  it('uses the true ISO 4217 exponent of every currency, not a default of 2', () => {
    expect(formatMinor(1234n, 'KWD')).toBe('1.234');
    expect(formatMinor(1234n, 'BHD')).toBe('1.234');
    expect(formatMinor(1234n, 'KRW')).toBe('1234');
    expect(formatMinor(1234n, 'CLF')).toBe('0.1234');
    expect(parseMajor('1.234', 'KWD')).toBe(1234n);
    expect(parseMajor('1.5', 'KRW')).toBeUndefined();
    for (const code of CURRENCY_CODES) expect(exponentOf(code), code).toBe(currencyExponent(code));
    expect(CURRENCIES.JPY).toEqual({ numeric: '392', exponent: 0 });
    expect(CURRENCIES.HKD).toEqual({ numeric: '344', exponent: 2 });
  });

  it('invents no decimals for a code outside the catalog', () => {
    expect(exponentOf('ZZZ')).toBeUndefined();
    expect(formatMoney('1234', 'ZZZ')).toBe('ZZZ 1234');
    expect(parseMajor('12', 'ZZZ')).toBeUndefined();
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
    expect(currencyOfNumeric('414')).toBe('KWD');
    expect(currencyOfNumeric('410')).toBe('KRW');
    expect(currencyOfNumeric('999')).toBe('999');
  });
});
