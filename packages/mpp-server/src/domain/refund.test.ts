import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAdjustRefund, decideRefund, type RefundablePayment } from './refund.ts';

const payment = (overrides: Partial<RefundablePayment> = {}): RefundablePayment => ({
  state: 'SUCCESS',
  payWasSeen: true,
  paymentId: 'P1',
  paymentAmount: { currency: 'USD', value: 1000n },
  payToAmount: { currency: 'HKD', value: 7801n },
  refundedMinor: 0n,
  refundedFromMinor: 0n,
  paymentTimeMs: 0,
  ...overrides,
});

const refund = (
  p: RefundablePayment | undefined,
  value: bigint,
  extra: Partial<Parameters<typeof decideRefund>[0]> = {},
) =>
  decideRefund({
    payment: p,
    paymentId: null,
    refundAmount: { currency: 'USD', value },
    refundFromAmount: null,
    nowMs: 0,
    isInRefundWindow: () => true,
    ...extra,
  });

describe('decideRefund', () => {
  it('refuses unknown, foreign, unsuccessful, out-of-window and excessive refunds', () => {
    const code = (d: ReturnType<typeof decideRefund>) => (d.kind === 'REJECT' ? d.code : 'REFUND');
    expect(code(refund(undefined, 1n))).toBe('ORDER_NOT_EXIST');
    expect(code(refund(payment({ payWasSeen: false, state: 'TOMBSTONE' }), 1n))).toBe('ORDER_NOT_EXIST');
    expect(code(refund(payment(), 1n, { paymentId: 'P2' }))).toBe('ORDER_NOT_EXIST');
    expect(code(refund(payment({ state: 'FAILED' }), 1n))).toBe('ORDER_STATUS_INVALID');
    expect(code(refund(payment({ state: 'CANCELLED' }), 1n))).toBe('ORDER_STATUS_INVALID');
    expect(code(refund(payment(), 1n, { isInRefundWindow: () => false }))).toBe('REFUND_WINDOW_EXCEED');
    expect(code(refund(payment({ refundedMinor: 600n }), 401n))).toBe('REFUND_AMOUNT_EXCEED');
    expect(code(refund(payment({ refundedMinor: 600n }), 400n))).toBe('REFUND');
    expect(code(refund(payment(), 1n, { refundFromAmount: { currency: 'HKD', value: 7802n } }))).toBe(
      'REFUND_AMOUNT_EXCEED',
    );
    // (tapkit) a refundFromAmount in a currency that is not the wallet's is ignored, not refused.
    expect(code(refund(payment(), 1n, { refundFromAmount: { currency: 'EUR', value: 1n } }))).toBe('REFUND');
    // (tapkit) a refund in a third currency has no rate of this payment.
    expect(code(refund(payment(), 1n, { refundAmount: { currency: 'EUR', value: 1n } }))).toBe(
      'CURRENCY_NOT_SUPPORT',
    );
  });

  it('takes an explicit refundFromAmount as given', () => {
    expect(refund(payment(), 10n, { refundFromAmount: { currency: 'HKD', value: 77n } })).toEqual({
      kind: 'REFUND',
      refundFrom: { currency: 'HKD', value: 77n },
      refundInPayment: { currency: 'USD', value: 10n },
    });
  });

  it('converts a refund in the wallet currency at the payment rate (doc: never refused)', () => {
    const inWallet = (p: RefundablePayment, value: bigint) =>
      refund(p, 0n, { refundAmount: { currency: 'HKD', value } });
    // HKD 780 of a USD 10.00 / HKD 78.01 payment counts as 780 * 1000 / 7801 = 99.98 -> USD 0.99.
    expect(inWallet(payment(), 780n)).toEqual({
      kind: 'REFUND',
      refundFrom: { currency: 'HKD', value: 780n },
      refundInPayment: { currency: 'USD', value: 99n },
    });
    // The rest of the wallet amount is the rest of the payment, whatever the rounding.
    const partly = payment({ refundedMinor: 99n, refundedFromMinor: 780n });
    expect(inWallet(partly, 7021n)).toMatchObject({ refundInPayment: { currency: 'USD', value: 901n } });
    const rejected = inWallet(partly, 7022n);
    expect(rejected.kind === 'REJECT' && rejected.code).toBe('REFUND_AMOUNT_EXCEED');
  });

  it('never returns more than paid and returns exactly all of it once fully refunded', () => {
    // Any split of the payment into refunds gives back exactly payTo in total, each part rounded down.
    const splits = fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        splits,
        (paid, payTo, parts) => {
          let current = payment({
            paymentAmount: { currency: 'USD', value: BigInt(paid) },
            payToAmount: { currency: 'HKD', value: BigInt(payTo) },
          });
          for (const part of parts) {
            const remaining = current.paymentAmount.value - current.refundedMinor;
            if (remaining === 0n) break;
            const value = BigInt(part) < remaining ? BigInt(part) : remaining;
            const decision = refund(current, value);
            if (decision.kind !== 'REFUND') throw new Error(`unexpected ${decision.code}`);
            expect(decision.refundFrom.value * BigInt(paid)).toBeLessThanOrEqual(
              // A non-final part is at most its exact share (rounded down).
              value === remaining ? BigInt(payTo) * BigInt(paid) : value * BigInt(payTo),
            );
            current = {
              ...current,
              refundedMinor: current.refundedMinor + value,
              refundedFromMinor: current.refundedFromMinor + decision.refundFrom.value,
            };
          }
          const last = current.paymentAmount.value - current.refundedMinor;
          if (last > 0n) {
            const decision = refund(current, last);
            if (decision.kind !== 'REFUND') throw new Error('final refund refused');
            current = {
              ...current,
              refundedFromMinor: current.refundedFromMinor + decision.refundFrom.value,
            };
          }
          expect(current.refundedFromMinor).toBe(BigInt(payTo));
        },
      ),
    );
  });
});

describe('decideAdjustRefund', () => {
  it('parks unknown customers in SUSPENSE, converts linked excess, credits the rest as is', () => {
    const amount = { currency: 'USD', value: 100n };
    expect(
      decideAdjustRefund({
        customerExists: false,
        walletCurrencies: [],
        refundAmount: amount,
        linkedPayment: undefined,
      }),
    ).toEqual({
      kind: 'CREDIT_SUSPENSE',
      credit: amount,
    });
    expect(
      decideAdjustRefund({
        customerExists: true,
        walletCurrencies: ['HKD', 'USD'],
        refundAmount: amount,
        linkedPayment: {
          paymentAmount: { currency: 'USD', value: 1000n },
          payToAmount: { currency: 'HKD', value: 7801n },
        },
      }),
    ).toEqual({ kind: 'CREDIT_CUSTOMER', credit: { currency: 'HKD', value: 780n } });
    expect(
      decideAdjustRefund({
        customerExists: true,
        walletCurrencies: ['USD'],
        refundAmount: amount,
        linkedPayment: undefined,
      }),
    ).toEqual({
      kind: 'CREDIT_CUSTOMER',
      credit: amount,
    });
  });

  it('never opens a wallet: a currency the customer holds none in waits in SUSPENSE', () => {
    const amount = { currency: 'JPY', value: 100n };
    expect(
      decideAdjustRefund({
        customerExists: true,
        walletCurrencies: ['HKD'],
        refundAmount: amount,
        linkedPayment: undefined,
      }),
    ).toEqual({ kind: 'CREDIT_SUSPENSE', credit: amount });
  });
});
