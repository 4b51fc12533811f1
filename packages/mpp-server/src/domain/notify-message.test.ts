import { describe, expect, it } from 'vitest';
import { decideNotifyMessage, type PaymentFacts } from './notify-message.ts';

const base: PaymentFacts = {
  paymentRequestId: 'PR-1',
  paymentId: 'P-1',
  status: 'SUCCESS',
  resultCode: 'SUCCESS',
  customerId: 'C-1',
  paymentCurrency: 'USD',
  paymentMinor: 1234n,
  payToCurrency: 'HKD',
  payToMinor: 9600n,
  paymentTimeMs: Date.UTC(2026, 10, 25, 4, 0, 0),
};

describe('decideNotifyMessage', () => {
  it('tells a success with both amounts and the UTC+8 payment time', () => {
    expect(decideNotifyMessage(base)).toEqual({
      kind: 'SEND',
      state: 'SUCCESS',
      body: {
        paymentRequestId: 'PR-1',
        paymentId: 'P-1',
        paymentResult: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: expect.any(String) },
        paymentAmount: { currency: 'USD', value: '1234' },
        payToAmount: { currency: 'HKD', value: '9600' },
        customerId: 'C-1',
        paymentTime: '2026-11-25T12:00:00+08:00',
      },
    });
  });

  it('tells a cancelled payment as F ORDER_IS_CLOSED', () => {
    const decision = decideNotifyMessage({ ...base, status: 'CANCELLED' });
    expect(decision.kind === 'SEND' && decision.body.paymentResult).toMatchObject({
      resultCode: 'ORDER_IS_CLOSED',
      resultStatus: 'F',
    });
  });

  it('tells a failure with its code, and falls back to paymentAmount when payToAmount is unknown', () => {
    const decision = decideNotifyMessage({
      ...base,
      status: 'FAILED',
      resultCode: 'USER_BALANCE_NOT_ENOUGH',
      paymentId: null,
      payToCurrency: null,
      payToMinor: null,
    });
    expect(decision.kind).toBe('SEND');
    if (decision.kind !== 'SEND') return;
    expect(decision.body.paymentResult).toMatchObject({
      resultCode: 'USER_BALANCE_NOT_ENOUGH',
      resultStatus: 'F',
    });
    expect(decision.body.payToAmount).toEqual({ currency: 'USD', value: '1234' });
    expect('paymentId' in decision.body).toBe(false);
  });

  it('never tells U, a tombstone or a missing payment', () => {
    expect(decideNotifyMessage({ ...base, status: 'FAILED', resultCode: 'UNKNOWN_EXCEPTION' }).kind).toBe(
      'SKIP',
    );
    expect(decideNotifyMessage({ ...base, status: 'FAILED', resultCode: 'PAYMENT_IN_PROCESS' }).kind).toBe(
      'SKIP',
    );
    expect(decideNotifyMessage({ ...base, status: 'FAILED', resultCode: null }).kind).toBe('SKIP');
    expect(decideNotifyMessage({ ...base, status: 'TOMBSTONE' }).kind).toBe('SKIP');
    expect(decideNotifyMessage(undefined).kind).toBe('SKIP');
    expect(decideNotifyMessage({ ...base, paymentId: null }).kind).toBe('SKIP');
  });
});
