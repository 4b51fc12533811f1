import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Amount,
  amountOf,
  CURRENCY_CODES,
  type CurrencyCode,
  currencyExponent,
  currencyNumeric,
  currencyOfNumericCode,
  formatAmount,
  formatMajor,
  INT64_MAX,
  minorUnits,
  parseAmount,
  parseCurrency,
  parseMajorAmount,
  toWireAmount,
} from './amount.ts';

const errorCodeOf = (wire: unknown): string | undefined => {
  const parsed = parseAmount(wire);
  return parsed.ok ? undefined : parsed.error.code;
};

const currency = (code: string): CurrencyCode => {
  const parsed = parseCurrency(code);
  if (!parsed.ok) throw new Error(`test setup: ${code}`);
  return parsed.value;
};

describe('parseAmount', () => {
  it('accepts a plain amount and keeps the value as a bigint', () => {
    expect(parseAmount({ currency: 'HKD', value: '1000' })).toEqual({
      ok: true,
      value: { currency: 'HKD', value: 1000n },
    });
    expect(parseAmount({ currency: 'JPY', value: '0' })).toEqual({
      ok: true,
      value: { currency: 'JPY', value: 0n },
    });
  });

  it.each([
    ['01', 'VALUE_LEADING_ZERO'],
    ['00', 'VALUE_LEADING_ZERO'],
    ['-1', 'VALUE_NOT_DIGITS'],
    ['+1', 'VALUE_NOT_DIGITS'],
    ['1.0', 'VALUE_NOT_DIGITS'],
    [' 1', 'VALUE_NOT_DIGITS'],
    ['1 ', 'VALUE_NOT_DIGITS'],
    ['', 'VALUE_NOT_DIGITS'],
    ['1e3', 'VALUE_NOT_DIGITS'],
    ['０', 'VALUE_NOT_DIGITS'],
    ['9223372036854775808', 'VALUE_TOO_LARGE'],
    ['99999999999999999999999', 'VALUE_TOO_LARGE'],
  ])('rejects value %j with %s', (value, code) => {
    expect(errorCodeOf({ currency: 'HKD', value })).toBe(code);
  });

  it('accepts exactly INT64_MAX and nothing above it', () => {
    expect(INT64_MAX).toBe(2n ** 63n - 1n);
    const max = parseAmount({ currency: 'HKD', value: '9223372036854775807' });
    expect(max.ok && max.value.value).toBe(INT64_MAX);
    expect(errorCodeOf({ currency: 'HKD', value: (INT64_MAX + 1n).toString() })).toBe('VALUE_TOO_LARGE');
  });

  it('rejects values that are not strings', () => {
    expect(errorCodeOf({ currency: 'HKD', value: 1000 })).toBe('VALUE_NOT_STRING');
    expect(errorCodeOf({ currency: 'HKD', value: 1000n })).toBe('VALUE_NOT_STRING');
    expect(errorCodeOf({ currency: 'HKD' })).toBe('VALUE_NOT_STRING');
  });

  it.each([['hkd'], ['HK'], ['HKDD'], ['ABC'], ['XXX'], ['XAU'], ['XTS'], [' HKD']])(
    'rejects currency %j',
    (code) => {
      expect(errorCodeOf({ currency: code, value: '1' })).toBe('CURRENCY_UNKNOWN');
    },
  );

  it('rejects what is not an amount object', () => {
    for (const wire of [null, undefined, 'HKD 10', 10, [], ['HKD', '10']]) {
      expect(errorCodeOf(wire)).toBe('AMOUNT_NOT_OBJECT');
    }
    expect(errorCodeOf({ value: '1' })).toBe('CURRENCY_NOT_STRING');
  });

  it('keeps the messages short even for huge input', () => {
    const parsed = parseAmount({ currency: 'HKD', value: 'x'.repeat(100_000) });
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error.message.length).toBeLessThan(200);
  });
});

describe('currencies', () => {
  it('knows the ISO 4217 exponents', () => {
    expect(currencyExponent(currency('HKD'))).toBe(2);
    expect(currencyExponent(currency('JPY'))).toBe(0);
    expect(currencyExponent(currency('KWD'))).toBe(3);
    expect(currencyExponent(currency('CLF'))).toBe(4);
  });

  it('lists only codes that parse', () => {
    expect(CURRENCY_CODES.length).toBeGreaterThan(150);
    expect(CURRENCY_CODES).toContain('HKD');
    expect(CURRENCY_CODES).not.toContain('XXX');
    for (const code of CURRENCY_CODES) expect(parseCurrency(code).ok).toBe(true);
  });
});

describe('display', () => {
  it.each([
    ['HKD', 1000n, 'HKD 10.00'],
    ['HKD', 5n, 'HKD 0.05'],
    ['HKD', 0n, 'HKD 0.00'],
    ['JPY', 100n, 'JPY 100'],
    ['JPY', 0n, 'JPY 0'],
    ['KWD', 1234n, 'KWD 1.234'],
    ['KWD', 1n, 'KWD 0.001'],
    ['HKD', INT64_MAX, 'HKD 92233720368547758.07'],
  ])('formats %s %s as %s and parses it back', (code, value, text) => {
    const amount = amountOf(code, value);
    expect(formatAmount(amount)).toBe(text);
    expect(parseMajorAmount(amount.currency, formatMajor(amount))).toEqual({ ok: true, value: amount });
  });

  it('accepts fewer decimals than the currency has', () => {
    expect(parseMajorAmount(currency('HKD'), '10')).toEqual({ ok: true, value: amountOf('HKD', 1000n) });
    expect(parseMajorAmount(currency('HKD'), '10.5')).toEqual({ ok: true, value: amountOf('HKD', 1050n) });
    expect(parseMajorAmount(currency('KWD'), '0.1')).toEqual({ ok: true, value: amountOf('KWD', 100n) });
  });

  it.each([
    ['HKD', '10.001', 'MAJOR_TOO_MANY_DECIMALS'],
    ['JPY', '1.0', 'MAJOR_TOO_MANY_DECIMALS'],
    ['HKD', '010.00', 'MAJOR_NOT_DECIMAL'],
    ['HKD', '-1.00', 'MAJOR_NOT_DECIMAL'],
    ['HKD', '1,000.00', 'MAJOR_NOT_DECIMAL'],
    ['HKD', '.5', 'MAJOR_NOT_DECIMAL'],
    ['HKD', '5.', 'MAJOR_NOT_DECIMAL'],
    ['HKD', '', 'MAJOR_NOT_DECIMAL'],
    ['HKD', '92233720368547758.08', 'VALUE_TOO_LARGE'],
    ['JPY', '9'.repeat(40), 'VALUE_TOO_LARGE'],
  ])('rejects %s %j with %s', (code, text, errorCode) => {
    const parsed = parseMajorAmount(currency(code), text);
    expect(parsed.ok ? undefined : parsed.error.code).toBe(errorCode);
  });
});

describe('minorUnits', () => {
  it('asserts the int64 range', () => {
    expect(minorUnits(0n)).toBe(0n);
    expect(minorUnits(INT64_MAX)).toBe(INT64_MAX);
    expect(() => minorUnits(-1n)).toThrow(/outside/);
    expect(() => minorUnits(INT64_MAX + 1n)).toThrow(/outside/);
  });
});

const amountArbitrary: fc.Arbitrary<Amount> = fc
  .tuple(fc.constantFrom(...CURRENCY_CODES), fc.bigInt({ min: 0n, max: INT64_MAX }))
  .map(([code, value]) => amountOf(code, value));

describe('properties', () => {
  it('every valid amount round-trips through the wire form', () => {
    fc.assert(
      fc.property(amountArbitrary, (amount) => {
        const wire = toWireAmount(amount);
        expect(parseAmount(wire)).toEqual({ ok: true, value: amount });
        expect(parseAmount(JSON.parse(JSON.stringify(wire)))).toEqual({ ok: true, value: amount });
      }),
    );
  });

  it('any accepted wire value reads back as the same string', () => {
    const valueArbitrary = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom('0', '1', '9', '-', '.', ' ') }),
      fc.bigInt({ min: -10n, max: INT64_MAX + 10n }).map(String),
    );
    fc.assert(
      fc.property(fc.constantFrom('HKD', 'JPY', 'KWD'), valueArbitrary, (code, value) => {
        const parsed = parseAmount({ currency: code, value });
        if (parsed.ok) expect(toWireAmount(parsed.value)).toEqual({ currency: code, value });
      }),
    );
  });

  it('the display form round-trips for every currency', () => {
    fc.assert(
      fc.property(amountArbitrary, (amount) => {
        expect(parseMajorAmount(amount.currency, formatMajor(amount))).toEqual({ ok: true, value: amount });
        expect(formatAmount(amount).startsWith(`${amount.currency} `)).toBe(true);
      }),
    );
  });

  it('garbage never throws', () => {
    fc.assert(
      fc.property(fc.anything(), fc.string(), fc.string(), (garbage, code, value) => {
        parseAmount(garbage);
        parseAmount({ currency: code, value });
        parseMajorAmount(currency('HKD'), value);
      }),
    );
  });
});

describe('ISO 4217 numeric codes', () => {
  it('map both ways for every catalog currency', () => {
    for (const code of CURRENCY_CODES) {
      expect(currencyNumeric(code), code).toMatch(/^\d{3}$/);
      expect(currencyOfNumericCode(currencyNumeric(code)), code).toBe(code);
    }
    expect(currencyNumeric('HKD' as CurrencyCode)).toBe('344');
    expect(currencyOfNumericCode('392')).toBe('JPY');
  });
  it('know no currency for codes that are not money', () => {
    expect(currencyOfNumericCode('999')).toBeUndefined(); // XXX, "no currency"
    expect(currencyOfNumericCode('959')).toBeUndefined(); // XAU, gold
    expect(currencyOfNumericCode('12')).toBeUndefined();
  });
});
