import { describe, expect, it } from 'vitest';
import { FAULTS, faultsFor } from './faults.ts';
import { de39Of, inquiryDelayMs, resolveLateOutcome } from './outcome.ts';

describe('pay outcome -> DE39', () => {
  it.each([
    ['USER_BALANCE_NOT_ENOUGH', '51'],
    ['USER_STATUS_ABNORMAL', '57'],
    ['RISK_REJECT', '59'],
    ['PAYMENT_AMOUNT_EXCEED_LIMIT', '61'],
    ['USER_AMOUNT_EXCEED_LIMIT', '61'],
    ['PAYMENT_COUNT_EXCEED_LIMIT', '65'],
    ['USER_NOT_EXIST', '05'],
    ['ORDER_IS_CLOSED', '05'],
    ['SOMETHING_NEW', '05'],
  ])('F %s -> %s', (resultCode, de39) => {
    expect(de39Of({ status: 'F', resultCode })).toBe(de39);
  });

  it('S -> 00, unknown -> 91', () => {
    expect(de39Of({ status: 'S' })).toBe('00');
    expect(de39Of({ status: 'UNKNOWN', reason: 'TIMEOUT' })).toBe('91');
  });
});

describe('inquiry schedule and late outcomes', () => {
  it('asks at 2, 3, 3, 5, 5, 10, 10, 30 s, then every 30 s', () => {
    expect(Array.from({ length: 10 }, (_, i) => inquiryDelayMs(i) / 1000)).toEqual([
      2, 3, 3, 5, 5, 10, 10, 30, 30, 30,
    ]);
  });

  it('cancels a late success unless the network approved it (advice)', () => {
    expect(resolveLateOutcome({ status: 'S' }, { adviceReceived: false, expired: false })).toBe('CANCEL');
    expect(resolveLateOutcome({ status: 'S' }, { adviceReceived: true, expired: false })).toBe('KEEP');
    expect(
      resolveLateOutcome({ status: 'F', resultCode: 'X' }, { adviceReceived: false, expired: false }),
    ).toBe('FAILED');
    expect(
      resolveLateOutcome({ status: 'UNKNOWN', reason: 'x' }, { adviceReceived: false, expired: false }),
    ).toBe('ASK_AGAIN');
    expect(
      resolveLateOutcome({ status: 'UNKNOWN', reason: 'x' }, { adviceReceived: false, expired: true }),
    ).toBe('CANCEL');
  });
});

describe('faults', () => {
  it('are selected by the amount suffix and by configuration', () => {
    expect([...faultsFor('129901')]).toEqual(['PAY_ANSWER_DROPPED']);
    expect([...faultsFor('9905')]).toEqual(['NO_CLEARING']);
    expect([...faultsFor('1000')]).toEqual([]);
    expect([...faultsFor('129901', { byAmountSuffix: false, always: [] })]).toEqual([]);
    expect([...faultsFor('1000', { byAmountSuffix: true, always: ['PAY_TIMEOUT'] })]).toEqual([
      'PAY_TIMEOUT',
    ]);
    expect(Object.values(FAULTS)).toEqual(['9901', '9902', '9903', '9904', '9905']);
  });
});
