import { describe, expect, it } from 'vitest';
import {
  cardProfileOf,
  expiryAfter,
  expiryFromYymm,
  TOKEN_CDOL1,
  track2EquivalentData,
} from './card-profile.ts';
import { allocateAtcs, atcsOf, firstUnissuedAtc, provisioningDelayMs, taskStatusOf } from './provisioning.ts';

describe('provisioning delay', () => {
  it('spans the configured range', () => {
    const range = { minMs: 20_000, maxMs: 30_000 };
    expect(provisioningDelayMs(range, 0)).toBe(20_000);
    expect(provisioningDelayMs(range, 0.999_999_9)).toBe(30_000);
    expect(provisioningDelayMs({ minMs: 0, maxMs: 0 }, 0.5)).toBe(0);
    expect(() => provisioningDelayMs(range, 1)).toThrow(RangeError);
  });
});

describe('task status', () => {
  it('is PENDING with the wait left, then READY, then DONE or FAILED', () => {
    const token = { state: 'INACTIVE' as const, provisionReadyAtMs: 25_000 };
    expect(taskStatusOf(token, 10_000)).toEqual({ status: 'PENDING', retryAfterMs: 15_000 });
    expect(taskStatusOf(token, 25_000)).toEqual({ status: 'READY' });
    expect(taskStatusOf({ ...token, state: 'ACTIVE' }, 0)).toEqual({ status: 'DONE' });
    expect(taskStatusOf({ ...token, state: 'SUSPENDED' }, 0)).toEqual({ status: 'DONE' });
    expect(taskStatusOf({ ...token, state: 'DEACTIVATED' }, 0)).toEqual({ status: 'FAILED' });
  });
});

describe('ATC allocation', () => {
  it('starts above the last issued ATC', () => {
    expect(allocateAtcs(0, 20)).toEqual({ ok: true, range: { first: 1, last: 20 } });
    expect(allocateAtcs(20, 5)).toEqual({ ok: true, range: { first: 21, last: 25 } });
    expect(atcsOf({ first: 21, last: 25 })).toEqual([21, 22, 23, 24, 25]);
  });

  it('cuts the last batch short at 0xFFFF and then refuses', () => {
    expect(allocateAtcs(65_530, 20)).toEqual({ ok: true, range: { first: 65_531, last: 65_535 } });
    expect(allocateAtcs(65_535, 1)).toEqual({ ok: false, code: 'ATC_EXHAUSTED' });
  });

  it('finds reported ATCs that were never issued', () => {
    expect(firstUnissuedAtc([1, 5, 20], 20)).toBeUndefined();
    expect(firstUnissuedAtc([3, 21], 20)).toBe(21);
    expect(firstUnissuedAtc([0], 20)).toBe(0);
  });
});

describe('card profile', () => {
  it('expires three years on, at the end of the month', () => {
    const expiry = expiryAfter(Date.UTC(2026, 1, 10)); // 10 Feb 2026
    expect(expiry).toEqual({ yymm: '2902', yymmdd: '290228' });
    expect(expiryAfter(Date.UTC(2027, 1, 28))).toEqual({ yymm: '3002', yymmdd: '300228' });
    expect(expiryFromYymm('2802')).toEqual({ yymm: '2802', yymmdd: '280229' }); // 2028 is a leap year
    expect(expiryFromYymm('2813')).toBeUndefined();
  });

  it('builds track 2 equivalent data and the CDOL1 of the spec (45 bytes of data)', () => {
    const expiry = { yymm: '2912', yymmdd: '291231' };
    expect(track2EquivalentData('5413330000000019', expiry)).toBe('5413330000000019D291220100000F');
    let total = 0;
    for (let i = 0; i < TOKEN_CDOL1.length; ) {
      const tagBytes = (Number.parseInt(TOKEN_CDOL1.slice(i, i + 2), 16) & 0x1f) === 0x1f ? 2 : 1;
      i += tagBytes * 2;
      total += Number.parseInt(TOKEN_CDOL1.slice(i, i + 2), 16);
      i += 2;
    }
    expect(total).toBe(45);
    const profile = cardProfileOf({ tokenPan: '5413330000000019', psn: '00', expiry });
    expect(profile).toMatchObject({
      aid: 'A0000000041010',
      expiryDate: '291231',
      psn: '00',
      cryptogramVersionNumber: 20,
    });
  });
});
