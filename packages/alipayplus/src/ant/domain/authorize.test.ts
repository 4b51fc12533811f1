import { describe, expect, it } from 'vitest';
import { decideAuthorization, type KnownCustomer } from './authorize.ts';

const configured = (id: string) => id !== 'OLD_MPP';
const customer = (mppClientId: string, status: KnownCustomer['status'] = 'ACTIVE'): KnownCustomer => ({
  mppClientId,
  customerId: 'c1',
  status,
});

describe('decideAuthorization', () => {
  it('approves the one active customer of a configured MPP', () => {
    expect(decideAuthorization([customer('MPP_A')], configured)).toEqual({
      decision: 'APPROVED',
      owner: customer('MPP_A'),
    });
  });

  it('declines unknown, frozen and ambiguous customers', () => {
    expect(decideAuthorization([], configured)).toMatchObject({
      decision: 'DECLINED',
      reason: 'CUSTOMER_UNKNOWN',
    });
    expect(decideAuthorization([customer('OLD_MPP')], configured)).toMatchObject({
      reason: 'CUSTOMER_UNKNOWN',
    });
    expect(decideAuthorization([customer('MPP_A', 'FROZEN')], configured)).toMatchObject({
      reason: 'CUSTOMER_NOT_ACTIVE',
    });
    expect(decideAuthorization([customer('MPP_A'), customer('MPP_B')], configured)).toMatchObject({
      decision: 'DECLINED',
      reason: 'CUSTOMER_AMBIGUOUS',
    });
  });
});
