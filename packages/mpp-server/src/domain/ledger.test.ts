import { describe, expect, it } from 'vitest';
import {
  type AccountSnapshot,
  customerAccountId,
  evaluateInvariants,
  isSystemAccountOf,
  keepsRunningBalance,
  systemAccountId,
} from './ledger.ts';

const wallet = (balanceMinor: bigint, postingSumMinor: bigint): AccountSnapshot => ({
  id: customerAccountId('C1', 'HKD'),
  kind: 'CUSTOMER',
  currency: 'HKD',
  balanceMinor,
  postingSumMinor,
});
const settlement = (balanceMinor: bigint, postingSumMinor: bigint): AccountSnapshot => ({
  id: systemAccountId('ALIPAYPLUS_SETTLEMENT', 'HKD'),
  kind: 'ALIPAYPLUS_SETTLEMENT',
  currency: 'HKD',
  balanceMinor,
  postingSumMinor,
});

describe('ledger accounts', () => {
  it('keeps a running balance only for customer wallets', () => {
    expect(keepsRunningBalance(customerAccountId('S:x', 'HKD'))).toBe(true);
    expect(keepsRunningBalance(systemAccountId('SUSPENSE', 'HKD'))).toBe(false);
  });

  it('tells the system accounts of a currency', () => {
    expect(isSystemAccountOf('S:REFUNDS:HKD', 'HKD')).toBe(true);
    expect(isSystemAccountOf('S:REFUNDS:HKD', 'EUR')).toBe(false);
    expect(isSystemAccountOf('S:OTHER:HKD', 'HKD')).toBe(false);
    expect(isSystemAccountOf(customerAccountId('C1', 'HKD'), 'HKD')).toBe(false);
  });
});

describe('evaluateInvariants', () => {
  it('accepts wallets matching their postings and system accounts that store no balance', () => {
    const report = evaluateInvariants([wallet(70n, 70n), settlement(0n, -70n)], []);
    expect(report.ok).toBe(true);
    expect(report.currencies).toEqual([{ currency: 'HKD', postingSumMinor: 0n, accountCount: 2 }]);
  });

  it('flags a stored system balance, a stale or negative wallet and a non-zero currency sum', () => {
    const report = evaluateInvariants(
      [wallet(-1n, 70n), settlement(-70n, -71n)],
      [{ id: 'pay:x', sumMinor: 1n }],
    );
    expect(report.violations.map((v) => v.rule)).toEqual([
      'BALANCE_NOT_POSTING_SUM',
      'CUSTOMER_NEGATIVE',
      'SYSTEM_BALANCE_STORED',
      'CURRENCY_SUM_NOT_ZERO',
      'TRANSFER_NOT_BALANCED',
    ]);
  });
});
