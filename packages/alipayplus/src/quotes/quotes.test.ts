import { type Amount, type CurrencyCode, type MinorUnits, VirtualClock } from '@tapkit/protocol';
import { describe, expect, it } from 'vitest';
import { QuoteBook } from './quotes.ts';

const amount = (currency: string, value: bigint): Amount => ({
  currency: currency as CurrencyCode,
  value: value as MinorUnits,
});

function book() {
  let n = 0;
  return new QuoteBook({
    config: {
      rates: [
        { base: 'USD', counter: 'HKD', price: '7.8123' },
        { base: 'JPY', counter: 'HKD', price: '0.0521' },
      ],
    },
    clock: new VirtualClock(Date.parse('2026-11-25T04:00:00Z')),
    newId: () => `Q${++n}`,
  });
}

describe('QuoteBook', () => {
  it('quotes a configured pair in either direction', () => {
    const quotes = book();
    expect(quotes.createQuote('USD', 'HKD')).toEqual({
      ok: true,
      value: {
        quoteId: 'Q1',
        quoteCurrencyPair: 'USD/HKD',
        quotePrice: '7.8123',
        quoteStartTime: '2026-11-25T12:00:00+08:00',
        quoteExpiryTime: '2026-11-25T12:10:00+08:00',
      },
    });
    expect(quotes.createQuote('HKD', 'USD')).toMatchObject({
      ok: true,
      value: { quoteId: 'Q2', quoteCurrencyPair: 'USD/HKD' },
    });
  });

  it('fills payToAmount with the quote, exact to the minor unit', () => {
    const quotes = book();
    // USD 10.00 at 7.8123 = HKD 78.123 → 78.12 (half up).
    expect(quotes.payAmounts(amount('USD', 1000n), 'HKD' as CurrencyCode)).toMatchObject({
      ok: true,
      value: {
        payToAmount: { currency: 'HKD', value: '7812' },
        paymentQuote: { quoteCurrencyPair: 'USD/HKD' },
      },
    });
    // JPY has no minor unit: JPY 1000 at 0.0521 = HKD 52.10.
    expect(quotes.payAmounts(amount('JPY', 1000n), 'HKD' as CurrencyCode)).toMatchObject({
      ok: true,
      value: { payToAmount: { currency: 'HKD', value: '5210' } },
    });
    // Same currency: no quote.
    expect(quotes.payAmounts(amount('HKD', 500n), 'HKD' as CurrencyCode)).toEqual({
      ok: true,
      value: { payToAmount: { currency: 'HKD', value: '500' }, paymentQuote: null },
    });
  });

  it('refuses unknown pairs and a rate table that does not parse', () => {
    expect(book().createQuote('EUR', 'HKD')).toMatchObject({
      ok: false,
      error: { code: 'QUOTE_PAIR_UNSUPPORTED' },
    });
    expect(book().createQuote('HKD', 'HKD')).toMatchObject({
      ok: false,
      error: { code: 'QUOTE_SAME_CURRENCY' },
    });
    const broken = () =>
      new QuoteBook({
        config: { rates: [{ base: 'USD', counter: 'HKD', price: '7,8' }] },
        clock: new VirtualClock(0),
        newId: () => 'x',
      });
    expect(broken).toThrow(/USD\/HKD/);
  });
});
