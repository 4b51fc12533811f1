import type { NotifyPaymentRequest } from '@tapkit/protocol';
import { describe, expect, it } from 'vitest';
import { checkedFieldsOf, isAllowedChange, judgeNotify } from './domain.ts';
import type { KnownPayment } from './ports.ts';

const hkd = (value: string) => ({ currency: 'HKD', value });
const notify: NotifyPaymentRequest = {
  paymentRequestId: 'PR1',
  paymentId: 'P1',
  paymentResult: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'ok' },
  paymentAmount: hkd('1000'),
  payToAmount: hkd('1000'),
  customerId: 'c1',
};
const known = (status: KnownPayment['status']): KnownPayment => ({
  mppClientId: 'MPP',
  paymentRequestId: 'PR1',
  customerId: 'c1',
  paymentAmount: hkd('1000'),
  payToAmount: hkd('1000'),
  status,
});
const closed: NotifyPaymentRequest = {
  ...notify,
  paymentResult: { resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F', resultMessage: 'closed' },
};

describe('judgeNotify', () => {
  it('finds a success for a closed payment contradictory', () => {
    expect(judgeNotify(known('FAILED'), notify)).toEqual({ ok: true, verdict: 'CONTRADICTS_CLOSED' });
    expect(judgeNotify(known('CANCELLED'), notify)).toEqual({ ok: true, verdict: 'CONTRADICTS_CLOSED' });
    expect(judgeNotify(known('CANCELLED'), closed)).toEqual({ ok: true, verdict: 'CONSISTENT' });
  });

  it('agrees, records news, or flags a failed success', () => {
    expect(judgeNotify(known('SUCCESS'), notify)).toEqual({ ok: true, verdict: 'CONSISTENT' });
    expect(judgeNotify(known('UNKNOWN'), notify)).toEqual({ ok: true, verdict: 'NEWS' });
    expect(judgeNotify(known('SUCCESS'), closed)).toEqual({
      ok: true,
      verdict: 'MPP_FAILED_ALIPAY_SUCCEEDED',
    });
  });

  it('names the first field that does not match', () => {
    expect(judgeNotify(known('SUCCESS'), { ...notify, customerId: 'c2' })).toEqual({
      ok: false,
      field: 'customerId',
    });
    expect(judgeNotify(known('SUCCESS'), { ...notify, payToAmount: hkd('999') })).toEqual({
      ok: false,
      field: 'payToAmount',
    });
    expect(judgeNotify({ ...known('SUCCESS'), paymentId: 'P9' }, notify)).toEqual({
      ok: false,
      field: 'paymentId',
    });
  });
});

describe('isAllowedChange', () => {
  it('allows S then F ORDER_IS_CLOSED for the same payment, nothing else', () => {
    const first = checkedFieldsOf(notify);
    expect(isAllowedChange(first, closed)).toBe(true);
    expect(isAllowedChange(first, { ...closed, paymentId: null })).toBe(true);
    expect(isAllowedChange(first, { ...closed, paymentAmount: hkd('1') })).toBe(false);
    const risk = {
      ...notify,
      paymentResult: { resultCode: 'RISK_REJECT', resultStatus: 'F' as const, resultMessage: '' },
    };
    expect(isAllowedChange(first, risk)).toBe(false);
    expect(isAllowedChange(checkedFieldsOf(closed), notify)).toBe(false);
  });
});
