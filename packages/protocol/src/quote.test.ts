import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountOf, type CurrencyCode, INT64_MAX } from './amount.ts';
import { convertAmount, divideRounded, parseQuote } from './quote.ts';

const code = (text: string): CurrencyCode => amountOf(text, 0n).currency;
const usdHkd = { quoteCurrencyPair: 'USD/HKD', quotePrice: '7.8123' };

const convertedValue = (...args: Parameters<typeof convertAmount>): bigint | string => {
  const converted = convertAmount(...args);
  return converted.ok ? converted.value.value : converted.error.code;
};

describe('convertAmount', () => {
  it('converts base to counter with the currencies exponents', () => {
    // USD 10.00 * 7.8123 = HKD 78.123 -> 78.12
    expect(convertedValue(amountOf('USD', 1000n), usdHkd, code('HKD'))).toBe(7812n);
    // JPY 100 * 0.0502 = HKD 5.02
    expect(
      convertedValue(
        amountOf('JPY', 100n),
        { quoteCurrencyPair: 'JPY/HKD', quotePrice: '0.0502' },
        code('HKD'),
      ),
    ).toBe(502n);
    // HKD 1.00 * 0.0392 = KWD 0.0392 -> 0.039
    expect(
      convertedValue(
        amountOf('HKD', 100n),
        { quoteCurrencyPair: 'HKD/KWD', quotePrice: '0.0392' },
        code('KWD'),
      ),
    ).toBe(39n);
  });

  it('converts counter to base by dividing', () => {
    // HKD 78.12 / 7.8123 = USD 9.99961... -> 10.00
    expect(convertedValue(amountOf('HKD', 7812n), usdHkd, code('USD'))).toBe(1000n);
  });

  it('rounds as asked', () => {
    // USD 0.01 * 7.8123 = HKD 0.078123
    expect(convertedValue(amountOf('USD', 1n), usdHkd, code('HKD'), 'DOWN')).toBe(7n);
    expect(convertedValue(amountOf('USD', 1n), usdHkd, code('HKD'), 'UP')).toBe(8n);
    expect(convertedValue(amountOf('USD', 1n), usdHkd, code('HKD'))).toBe(8n);
    expect(divideRounded(5n, 2n, 'HALF_UP')).toBe(3n);
    expect(divideRounded(7n, 3n, 'HALF_UP')).toBe(2n);
    expect(divideRounded(6n, 3n, 'UP')).toBe(2n);
  });

  it('refuses quotes that do not fit', () => {
    expect(convertedValue(amountOf('EUR', 1n), usdHkd, code('HKD'))).toBe('QUOTE_CURRENCY_MISMATCH');
    expect(convertedValue(amountOf('USD', 1n), { ...usdHkd, quotePrice: '0' }, code('HKD'))).toBe(
      'QUOTE_PRICE_INVALID',
    );
    expect(convertedValue(amountOf('USD', 1n), { ...usdHkd, quotePrice: '-1' }, code('HKD'))).toBe(
      'QUOTE_PRICE_INVALID',
    );
    expect(
      convertedValue(amountOf('USD', 1n), { ...usdHkd, quoteCurrencyPair: 'USD-HKD' }, code('HKD')),
    ).toBe('QUOTE_PAIR_INVALID');
    expect(convertedValue(amountOf('USD', INT64_MAX), usdHkd, code('HKD'))).toBe('VALUE_TOO_LARGE');
  });

  it('never throws on garbage quotes', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (quoteCurrencyPair, quotePrice) => {
        parseQuote({ quoteCurrencyPair, quotePrice });
      }),
    );
  });

  it('rounding down then up brackets the exact value', () => {
    const priceArbitrary = fc
      .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 9999 }))
      .filter(([whole, fraction]) => whole > 0 || fraction > 0)
      .map(([whole, fraction]) => `${whole}.${String(fraction).padStart(4, '0')}`);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), priceArbitrary, (value, quotePrice) => {
        const quote = { quoteCurrencyPair: 'USD/JPY', quotePrice };
        const down = convertedValue(amountOf('USD', value), quote, code('JPY'), 'DOWN');
        const up = convertedValue(amountOf('USD', value), quote, code('JPY'), 'UP');
        const halfUp = convertedValue(amountOf('USD', value), quote, code('JPY'), 'HALF_UP');
        expect(typeof down).toBe('bigint');
        expect((up as bigint) - (down as bigint)).toBeLessThanOrEqual(1n);
        expect([down, up]).toContain(halfUp);
      }),
    );
  });
});
