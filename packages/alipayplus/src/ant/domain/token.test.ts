import { describe, expect, it } from 'vitest';
import { type AntToken, foldMastercardState, planCardholderOp, tokenInfoOf } from './token.ts';

const base: AntToken = {
  tokenUniqueReference: 'DTKMC1',
  mppClientId: 'MPP',
  customerId: 'c1',
  applicationStatus: 'APPROVED',
  tokenState: 'ACTIVE',
  suspendedBy: [],
  stateTimeMs: 1_000,
  activation: 'ACTIVATED',
  confirmation: 'NOT_REQUIRED',
  createdAtMs: 0,
  updatedAtMs: 1_000,
  version: 3,
};

describe('foldMastercardState', () => {
  it('takes a newer state and normalizes the reasons', () => {
    const folded = foldMastercardState(
      base,
      { tokenState: 'SUSPENDED', suspendedBy: ['ISSUER', 'CARDHOLDER'] },
      2_000,
    );
    expect(folded).toEqual({ changed: true, tokenState: 'SUSPENDED', suspendedBy: ['CARDHOLDER', 'ISSUER'] });
  });

  it('ignores an older notification unless it is authoritative or final', () => {
    const older = { tokenState: 'SUSPENDED' as const, suspendedBy: ['CARDHOLDER' as const] };
    expect(foldMastercardState(base, older, 500)).toEqual({ changed: false });
    expect(foldMastercardState(base, older, 500, true).changed).toBe(true);
    expect(foldMastercardState(base, { tokenState: 'DEACTIVATED', suspendedBy: [] }, 500).changed).toBe(true);
  });

  it('never leaves DEACTIVATED and never goes back to INACTIVE', () => {
    const deleted = { ...base, tokenState: 'DEACTIVATED' as const };
    expect(foldMastercardState(deleted, { tokenState: 'ACTIVE', suspendedBy: [] }, 9_000, true)).toEqual({
      changed: false,
    });
    expect(foldMastercardState(base, { tokenState: 'INACTIVE', suspendedBy: [] }, 9_000, true)).toEqual({
      changed: false,
    });
  });

  it('activates an INACTIVE token whatever the event time', () => {
    const inactive = { ...base, tokenState: 'INACTIVE' as const, stateTimeMs: 5_000 };
    expect(foldMastercardState(inactive, { tokenState: 'ACTIVE', suspendedBy: [] }, 4_000).changed).toBe(
      true,
    );
  });
});

describe('planCardholderOp', () => {
  it('calls Mastercard only when the command changes something', () => {
    expect(planCardholderOp(base, 'LOCK')).toEqual({ kind: 'call' });
    expect(planCardholderOp(base, 'UNLOCK')).toEqual({ kind: 'noop' });
    const locked = { ...base, tokenState: 'SUSPENDED' as const, suspendedBy: ['CARDHOLDER' as const] };
    expect(planCardholderOp(locked, 'LOCK')).toEqual({ kind: 'noop' });
    expect(planCardholderOp(locked, 'UNLOCK')).toEqual({ kind: 'call' });
    expect(planCardholderOp(locked, 'DELETE')).toEqual({ kind: 'call' });
  });

  it('refuses commands on deleted and inactive tokens; a second delete is a no-op', () => {
    const deleted = { ...base, tokenState: 'DEACTIVATED' as const };
    expect(planCardholderOp(deleted, 'LOCK')).toMatchObject({
      kind: 'refuse',
      error: { code: 'TOKEN_DEACTIVATED' },
    });
    expect(planCardholderOp(deleted, 'DELETE')).toEqual({ kind: 'noop' });
    const inactive = { ...base, tokenState: 'INACTIVE' as const };
    expect(planCardholderOp(inactive, 'LOCK')).toMatchObject({
      kind: 'refuse',
      error: { code: 'TOKEN_NOT_ACTIVE' },
    });
  });
});

describe('tokenInfoOf', () => {
  it('allows payment only when active, activated and confirmed where required', () => {
    expect(tokenInfoOf(base).paymentAllowed).toBe(true);
    expect(tokenInfoOf({ ...base, confirmation: 'REQUIRED' }).paymentAllowed).toBe(false);
    expect(tokenInfoOf({ ...base, confirmation: 'CONFIRMED' }).paymentAllowed).toBe(true);
    expect(tokenInfoOf({ ...base, activation: 'PENDING' }).paymentAllowed).toBe(false);
    const issuerHold = tokenInfoOf({ ...base, tokenState: 'SUSPENDED', suspendedBy: ['ISSUER'] });
    expect(issuerHold).toMatchObject({ paymentAllowed: false, lockedByCardholder: false });
  });
});
