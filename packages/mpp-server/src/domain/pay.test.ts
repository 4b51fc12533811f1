import { describe, expect, it } from 'vitest';
import {
  decideCancel,
  decidePay,
  legacyPayCheckedFields,
  legacyPayCheckedParts,
  type PayFacts,
  payCheckedFields,
  payToAgrees,
  stillHeldMinor,
} from './pay.ts';

const facts = (overrides: Partial<PayFacts> = {}): PayFacts => ({
  customerStatus: 'ACTIVE',
  walletBalanceMinor: 10_000n,
  payTo: { currency: 'HKD', value: 1000n },
  limits: undefined,
  usageToday: { amountMinor: 0n, count: 0 },
  ...overrides,
});

describe('decidePay', () => {
  it('debits when every check passes, including a payment of the whole balance', () => {
    expect(decidePay(facts())).toEqual({ kind: 'DEBIT' });
    expect(decidePay(facts({ walletBalanceMinor: 1000n }))).toEqual({ kind: 'DEBIT' });
  });

  it('checks who, currency, limits, then balance, in that order', () => {
    const code = (f: Partial<PayFacts>) => {
      const decision = decidePay(facts(f));
      return decision.kind === 'REJECT' ? decision.code : decision.kind;
    };
    expect(code({ customerStatus: undefined, walletBalanceMinor: undefined })).toBe('USER_NOT_EXIST');
    expect(code({ customerStatus: 'FROZEN', walletBalanceMinor: 0n })).toBe('USER_STATUS_ABNORMAL');
    expect(code({ walletBalanceMinor: undefined })).toBe('CURRENCY_NOT_SUPPORT');
    expect(code({ walletBalanceMinor: 0n, limits: { amountPerPaymentMaxMinor: 999n } })).toBe(
      'PAYMENT_AMOUNT_EXCEED_LIMIT',
    );
    expect(code({ limits: { dailyCountMax: 3 }, usageToday: { amountMinor: 0n, count: 3 } })).toBe(
      'PAYMENT_COUNT_EXCEED_LIMIT',
    );
    expect(code({ limits: { dailyCountMax: 3 }, usageToday: { amountMinor: 0n, count: 2 } })).toBe('DEBIT');
    expect(
      code({ limits: { dailyAmountMaxMinor: 5000n }, usageToday: { amountMinor: 4001n, count: 1 } }),
    ).toBe('USER_AMOUNT_EXCEED_LIMIT');
    expect(
      code({ limits: { dailyAmountMaxMinor: 5000n }, usageToday: { amountMinor: 4000n, count: 1 } }),
    ).toBe('DEBIT');
    expect(code({ walletBalanceMinor: 999n })).toBe('USER_BALANCE_NOT_ENOUGH');
  });

  it('fingerprints the checked fields so that any change shows', () => {
    const base = {
      paymentAmount: { currency: 'USD', value: 100n },
      payToAmount: { currency: 'HKD', value: 780n },
      customerId: 'C1',
      paymentMethod: { paymentMethodType: 'CONNECT_WALLET_NFC', paymentMethodId: 'TUR-1' },
      surchargeInfo: null,
      paymentPromoInfo: null,
    };
    const fingerprint = payCheckedFields(base);
    expect(payCheckedFields({ ...base })).toBe(fingerprint);
    // Key order does not matter; values do.
    const reordered = { paymentMethodId: 'TUR-1', paymentMethodType: 'CONNECT_WALLET_NFC' };
    expect(payCheckedFields({ ...base, paymentMethod: reordered })).toBe(fingerprint);
    expect(payCheckedFields({ ...base, customerId: 'C2' })).not.toBe(fingerprint);
    expect(payCheckedFields({ ...base, customerId: null })).not.toBe(fingerprint);
    expect(payCheckedFields({ ...base, payToAmount: { currency: 'HKD', value: 781n } })).not.toBe(
      fingerprint,
    );
    expect(payCheckedFields({ ...base, paymentMethod: { paymentMethodId: 'TUR-2' } })).not.toBe(fingerprint);
    expect(payCheckedFields({ ...base, surchargeInfo: { surchargeAmount: '1' } })).not.toBe(fingerprint);
    expect(payCheckedFields({ ...base, paymentPromoInfo: { promo: 'x' } })).not.toBe(fingerprint);
  });

  it('keeps the pre-0003 fingerprint of the checked fields unchanged (stored rows still replay)', () => {
    const legacy = legacyPayCheckedFields({
      paymentAmount: { currency: 'HKD', value: 100n },
      payToAmount: { currency: 'HKD', value: 100n },
      customerId: 'C1',
      paymentMethodType: 'CONNECT_WALLET_NFC',
      paymentMethodId: 'TUR-1',
    });
    expect(legacy).toBe('["HKD","100","HKD","100","C1","CONNECT_WALLET_NFC","TUR-1"]');
  });

  it('splits the pre-0003 fingerprint around the customer id (the PostgreSQL pay function joins it)', () => {
    const pay = {
      paymentAmount: { currency: 'HKD', value: 100n },
      payToAmount: { currency: 'USD', value: 13n },
      paymentMethodType: null,
      paymentMethodId: 'TUR-"1"',
    };
    for (const customerId of ['C1', '', 'C "quoted" \\ 客户']) {
      const { head, tail } = legacyPayCheckedParts(pay);
      expect(head + JSON.stringify(customerId) + tail).toBe(legacyPayCheckedFields({ ...pay, customerId }));
    }
  });

  it('gives back what a payment still holds, never less than nothing', () => {
    expect(stillHeldMinor(1000n, 0n)).toBe(1000n);
    expect(stillHeldMinor(1000n, 300n)).toBe(700n);
    expect(stillHeldMinor(1000n, 1000n)).toBe(0n);
  });
});

describe('decideCancel', () => {
  const inWindow = () => true;
  const outOfWindow = () => false;
  const cancel = (state: Parameters<typeof decideCancel>[0]['state'], window = inWindow) =>
    decideCancel({ state, paymentTimeMs: 0, nowMs: 1, isInCancelWindow: window });

  it('decides by state and window (refunds never refuse a cancel)', () => {
    expect(cancel(undefined)).toEqual({ kind: 'TOMBSTONE' });
    expect(cancel('SUCCESS')).toEqual({ kind: 'REVERSE' });
    expect(cancel('FAILED')).toEqual({ kind: 'CLOSE' });
    expect(cancel('CANCELLED')).toEqual({ kind: 'CLOSE' });
    expect(cancel('TOMBSTONE')).toEqual({ kind: 'CLOSE' });
    expect(cancel('SUCCESS', outOfWindow)).toEqual({ kind: 'REJECT', code: 'CANCEL_WINDOW_EXCEEDED' });
  });
});

describe('payToAgrees', () => {
  const quote = { quoteCurrencyPair: 'USD/HKD', quotePrice: '7.8123' };
  const usd = (value: bigint) => ({ currency: 'USD', value });
  const hkd = (value: bigint) => ({ currency: 'HKD', value });

  it('needs equal amounts in one currency and the quote within one minor unit across two', () => {
    expect(payToAgrees(hkd(1000n), hkd(1000n), null)).toBe(true);
    expect(payToAgrees(hkd(1000n), hkd(1001n), null)).toBe(false);
    // USD 10.00 at 7.8123 is HKD 78.123 -> 7812 (down) or 7813 (up), each +-1.
    for (const ok of [7811n, 7812n, 7813n, 7814n]) expect(payToAgrees(usd(1000n), hkd(ok), quote)).toBe(true);
    for (const off of [7810n, 7815n, 1n, 9_000_000n])
      expect(payToAgrees(usd(1000n), hkd(off), quote)).toBe(false);
    expect(payToAgrees(usd(1000n), hkd(7812n), null)).toBe(false);
    expect(payToAgrees(usd(1000n), hkd(7812n), { quoteCurrencyPair: 'EUR/HKD', quotePrice: '8' })).toBe(
      false,
    );
  });
});
