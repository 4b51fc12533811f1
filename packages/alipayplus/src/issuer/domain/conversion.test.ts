import { describe, expect, it } from 'vitest';
import {
  allocateRefunds,
  cancelDeadlineMs,
  isInCancelWindow,
  matchRefund,
  planAdvice,
  planClearing,
  planExpiry,
  planIncremental,
  planPurchase,
  planRefund,
  planReversal,
  type RefundCandidate,
  VALIDITY_MS,
} from './conversion.ts';
import type { AuthorizationView, PaymentView } from './types.ts';

// One test (or more) per row of the conversion table in docs/protocol/alipayplus-api.md#conversion-rules.

const dayMs = 86_400_000;
/** 2026-11-25 10:00 UTC+8. */
const T0 = Date.parse('2026-11-25T02:00:00Z');

function payment(overrides: Partial<PaymentView> = {}): PaymentView {
  return {
    paymentRequestId: 'T1-P',
    kind: 'FINAL',
    amountMinor: 1000n,
    status: 'SUCCESS',
    paidAtMs: T0,
    refundedMinor: 0n,
    messageTraceId: 'T1',
    ...overrides,
  };
}

function auth(overrides: Partial<AuthorizationView> = {}): AuthorizationView {
  return {
    networkTraceId: 'T1',
    type: 'FINAL',
    state: 'OPEN',
    currency: 'HKD',
    authorizedMinor: 1000n,
    reversedMinor: 0n,
    clearedMinor: 0n,
    refundedMinor: 0n,
    createdAtMs: T0,
    expiresAtMs: T0 + VALIDITY_MS.FINAL,
    payments: [payment()],
    ...overrides,
  };
}

describe('cancel window (00:30 UTC+8 on the day after)', () => {
  it('ends at 00:30 UTC+8 the next day', () => {
    expect(new Date(cancelDeadlineMs(T0)).toISOString()).toBe('2026-11-25T16:30:00.000Z');
    expect(isInCancelWindow(T0, Date.parse('2026-11-25T16:29:59Z'))).toBe(true);
    expect(isInCancelWindow(T0, Date.parse('2026-11-25T16:30:00Z'))).toBe(false);
  });

  it('counts days in UTC+8: 23:50 UTC+8 can still be cancelled 40 minutes later', () => {
    const late = Date.parse('2026-11-25T15:50:00Z');
    expect(isInCancelWindow(late, late + 39 * 60_000)).toBe(true);
    expect(isInCancelWindow(late, late + 41 * 60_000)).toBe(false);
  });
});

describe('0100 authorizations', () => {
  it('purchase (final or undefined): pay FINAL, expiry 7 days', () => {
    for (const type of ['FINAL', 'UNDEFINED'] as const) {
      const plan = planPurchase({ networkTraceId: 'T1', type, amountMinor: 1000n, nowMs: T0 });
      expect(plan.calls).toEqual([
        { api: 'pay', paymentRequestId: 'T1-P', authorizationType: 'FINAL', amountMinor: 1000n },
      ]);
      expect(plan.expiresAtMs).toBe(T0 + 7 * dayMs);
      expect(plan.delta.authorizedMinor).toBe(1000n);
    }
  });

  it('pre-authorization: pay PRE_AUTH, expiry 30 days', () => {
    const plan = planPurchase({ networkTraceId: 'T1', type: 'PRE_AUTH', amountMinor: 5000n, nowMs: T0 });
    expect(plan.calls[0]).toMatchObject({ api: 'pay', authorizationType: 'PRE_AUTH', amountMinor: 5000n });
    expect(plan.expiresAtMs).toBe(T0 + 30 * dayMs);
  });

  it('incremental: pay the increment linked to the original, expiry + 30 days', () => {
    const preAuth = auth({ type: 'PRE_AUTH', expiresAtMs: T0 + 30 * dayMs });
    const plan = planIncremental(preAuth, { networkTraceId: 'T2', amountMinor: 300n });
    expect(plan.calls).toEqual([
      {
        api: 'pay',
        paymentRequestId: 'T2-I',
        authorizationType: 'INCREMENTAL',
        amountMinor: 300n,
        originalPaymentRequestId: 'T1-P',
      },
    ]);
    expect(plan.expiresAtMs).toBe(T0 + 60 * dayMs);
    expect(plan.delta.authorizedMinor).toBe(300n);
  });

  it('0120 advice: pay ADVICE for the amount the network approved', () => {
    const plan = planAdvice({ networkTraceId: 'T1', amountMinor: 700n, nowMs: T0 });
    expect(plan.calls).toEqual([
      { api: 'pay', paymentRequestId: 'T1-A', authorizationType: 'ADVICE', amountMinor: 700n },
    ]);
    expect(plan.state).toBe('OPEN');
  });
});

describe('reversals', () => {
  const open = auth();

  it('full reversal inside the cancel window: cancelPayment', () => {
    const plan = planReversal(open, {
      scope: open.payments,
      replacementMinor: undefined,
      nowMs: T0 + 60_000,
      idBase: 'T1-V0',
    });
    expect(plan.calls).toEqual([{ api: 'cancelPayment', paymentRequestId: 'T1-P' }]);
    expect(plan.delta.reversedMinor).toBe(1000n);
    expect(plan.state).toBe('REVERSED');
  });

  it('full reversal after the cancel window: refund of everything not yet refunded', () => {
    const partly = auth({ payments: [payment({ refundedMinor: 200n })] });
    const plan = planReversal(partly, {
      scope: partly.payments,
      replacementMinor: undefined,
      nowMs: T0 + 2 * dayMs,
      idBase: 'T1-V0',
    });
    expect(plan.calls).toEqual([
      { api: 'refund', refundRequestId: 'T1-V0-0-R0', paymentRequestId: 'T1-P', amountMinor: 800n },
    ]);
  });

  it('partial reversal: refund of (authorized - DE95)', () => {
    const plan = planReversal(open, {
      scope: open.payments,
      replacementMinor: 600n,
      nowMs: T0 + 60_000,
      idBase: 'T1-V600',
    });
    expect(plan.calls).toEqual([
      { api: 'refund', refundRequestId: 'T1-V600-R0', paymentRequestId: 'T1-P', amountMinor: 400n },
    ]);
    expect(plan.delta.reversedMinor).toBe(400n);
    expect(plan.state).toBeUndefined();
  });

  it('a full reversal while the pay is still unknown (stand-in) cancels it', () => {
    const pending = auth({
      state: 'PENDING',
      authorizedMinor: 0n,
      payments: [payment({ status: 'UNKNOWN' })],
    });
    const plan = planReversal(pending, {
      scope: pending.payments,
      replacementMinor: undefined,
      nowMs: T0,
      idBase: 'x',
    });
    expect(plan.calls).toEqual([{ api: 'cancelPayment', paymentRequestId: 'T1-P' }]);
    expect(plan.state).toBe('REVERSED');
    expect(plan.delta.reversedMinor).toBe(0n);
  });

  it('a reversal of a closed authorization does nothing', () => {
    const closed = auth({ state: 'CLEARED', clearedMinor: 1000n });
    expect(
      planReversal(closed, { scope: closed.payments, replacementMinor: undefined, nowMs: T0, idBase: 'x' })
        .calls,
    ).toEqual([]);
  });
});

describe('clearing (first presentment)', () => {
  it('equal to the remaining authorized amount: nothing, marked cleared', () => {
    const plan = planClearing(auth(), { amountMinor: 1000n, idBase: 'ARN1' });
    expect(plan.calls).toEqual([]);
    expect(plan.delta.clearedMinor).toBe(1000n);
    expect(plan.state).toBe('CLEARED');
  });

  it('lower: refund of the difference', () => {
    const plan = planClearing(auth(), { amountMinor: 900n, idBase: 'ARN1' });
    expect(plan.calls).toEqual([
      { api: 'refund', refundRequestId: 'ARN1-R0', paymentRequestId: 'T1-P', amountMinor: 100n },
    ]);
    expect(plan.delta).toMatchObject({ clearedMinor: 900n, reversedMinor: 100n });
  });

  it('higher: pay CLEARING_ADJUSTMENT for the difference', () => {
    const plan = planClearing(auth(), { amountMinor: 1250n, idBase: 'ARN1' });
    expect(plan.calls).toEqual([
      {
        api: 'pay',
        paymentRequestId: 'ARN1-CA',
        authorizationType: 'CLEARING_ADJUSTMENT',
        amountMinor: 250n,
        originalPaymentRequestId: 'T1-P',
      },
    ]);
  });

  it('no authorization (offline, or late after expiry): pay the full amount', () => {
    for (const known of [undefined, auth({ state: 'EXPIRED', reversedMinor: 1000n })]) {
      const plan = planClearing(known, { amountMinor: 1500n, idBase: 'ARN2' });
      expect(plan.calls).toEqual([
        { api: 'pay', paymentRequestId: 'ARN2-CP', authorizationType: 'ADVICE', amountMinor: 1500n },
      ]);
    }
  });

  it('a partly reversed authorization clears against what remains', () => {
    const plan = planClearing(auth({ reversedMinor: 400n, payments: [payment({ refundedMinor: 400n })] }), {
      amountMinor: 600n,
      idBase: 'A',
    });
    expect(plan.calls).toEqual([]);
  });
});

describe('authorization expiry', () => {
  it('after 7 days: refund of the uncleared amount', () => {
    const open = auth();
    const plan = planExpiry(open, { nowMs: open.expiresAtMs, idBase: 'T1-X' });
    expect(plan.calls).toEqual([
      { api: 'refund', refundRequestId: 'T1-X-R0', paymentRequestId: 'T1-P', amountMinor: 1000n },
    ]);
    expect(plan.state).toBe('EXPIRED');
  });

  it('still inside the cancel window (short validity): cancelPayment', () => {
    const short = auth({ expiresAtMs: T0 + 3_600_000 });
    const plan = planExpiry(short, { nowMs: T0 + 3_600_000, idBase: 'T1-X' });
    expect(plan.calls).toEqual([{ api: 'cancelPayment', paymentRequestId: 'T1-P' }]);
  });

  it('not yet due, or already closed: nothing', () => {
    expect(planExpiry(auth(), { nowMs: T0 + dayMs, idBase: 'x' }).calls).toEqual([]);
    expect(planExpiry(auth({ state: 'CLEARED' }), { nowMs: T0 + 8 * dayMs, idBase: 'x' }).calls).toEqual([]);
  });
});

describe('refunds (DE3 = 20)', () => {
  const candidate = (overrides: Partial<RefundCandidate> = {}): RefundCandidate => ({
    ...auth({ state: 'CLEARED', clearedMinor: 1000n }),
    tokenUniqueReference: 'TUR1',
    merchantId: 'M1',
    ...overrides,
  });
  const refund = {
    tokenUniqueReference: 'TUR1',
    merchantId: 'M1',
    currency: 'HKD',
    amountMinor: 400n,
    atMs: T0 + dayMs,
  };

  it('matches by token, merchant and time window, amount <= original', () => {
    const other = candidate({ networkTraceId: 'T9', merchantId: 'M2' });
    const old = candidate({ networkTraceId: 'T8', createdAtMs: T0 - 400 * dayMs });
    expect(matchRefund([other, old, candidate()], refund)?.networkTraceId).toBe('T1');
    expect(matchRefund([other, old], refund)).toBeUndefined();
    const small = candidate({
      networkTraceId: 'T7',
      authorizedMinor: 100n,
      clearedMinor: 100n,
      createdAtMs: T0 + 1000,
    });
    expect(matchRefund([small, candidate()], refund)?.networkTraceId).toBe('T1');
  });

  it('matched, <= refundable: refund', () => {
    expect(planRefund(candidate(), { amountMinor: 400n, idBase: 'ARN3' }).calls).toEqual([
      { api: 'refund', refundRequestId: 'ARN3-R0', paymentRequestId: 'T1-P', amountMinor: 400n },
    ]);
  });

  it('matched, > refundable: refund of the refundable part + adjustRefund EXCEED_REFUND', () => {
    const partly = candidate({ payments: [payment({ refundedMinor: 700n })] });
    expect(planRefund(partly, { amountMinor: 500n, idBase: 'ARN4' }).calls).toEqual([
      { api: 'refund', refundRequestId: 'ARN4-R0', paymentRequestId: 'T1-P', amountMinor: 300n },
      {
        api: 'adjustRefund',
        refundRequestId: 'ARN4-E',
        subScenarioType: 'EXCEED_REFUND',
        amountMinor: 200n,
        paymentRequestId: 'T1-P',
      },
    ]);
  });

  it('no match: adjustRefund UNLINKED_REFUND for the whole amount', () => {
    expect(planRefund(undefined, { amountMinor: 900n, idBase: 'ARN5' }).calls).toEqual([
      {
        api: 'adjustRefund',
        refundRequestId: 'ARN5-U',
        subScenarioType: 'UNLINKED_REFUND',
        amountMinor: 900n,
      },
    ]);
  });
});

describe('allocateRefunds', () => {
  it('gives back the newest payments first and never more than each one holds', () => {
    const payments = [
      payment(),
      payment({ paymentRequestId: 'T2-I', amountMinor: 300n }),
      payment({ paymentRequestId: 'X', status: 'FAILED' }),
    ];
    expect(allocateRefunds(payments, 500n, 'B')).toEqual([
      { api: 'refund', refundRequestId: 'B-R0', paymentRequestId: 'T2-I', amountMinor: 300n },
      { api: 'refund', refundRequestId: 'B-R1', paymentRequestId: 'T1-P', amountMinor: 200n },
    ]);
  });
});
