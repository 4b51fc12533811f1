import { describe, expect, it } from 'vitest';
import { applyIncrement, closeTracked, dayMs, isDue, openAuthorization } from './validity.ts';

const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('authorization validity rules', () => {
  it('gives final and undefined authorizations 7 days, pre-authorizations 30', () => {
    expect(openAuthorization({ networkTraceId: 'A', type: 'FINAL', authorizedAtMs: t0 }).expiresAtMs).toBe(
      t0 + 7 * dayMs,
    );
    expect(
      openAuthorization({ networkTraceId: 'A', type: 'UNDEFINED', authorizedAtMs: t0 }).expiresAtMs,
    ).toBe(t0 + 7 * dayMs);
    expect(
      openAuthorization({ networkTraceId: 'A', type: 'PRE_AUTHORIZATION', authorizedAtMs: t0 }).expiresAtMs,
    ).toBe(t0 + 30 * dayMs);
  });

  it('adds 30 days per incremental, to the current expiry', () => {
    const open = openAuthorization({ networkTraceId: 'A', type: 'PRE_AUTHORIZATION', authorizedAtMs: t0 });
    const once = applyIncrement(open, t0 + dayMs);
    expect(once.ok && once.value.expiresAtMs).toBe(t0 + 60 * dayMs);
    const twice = once.ok ? applyIncrement(once.value, t0 + 2 * dayMs) : once;
    expect(twice.ok && twice.value.expiresAtMs).toBe(t0 + 90 * dayMs);
    expect(twice.ok && twice.value.incrementCount).toBe(2);
  });

  it('refuses an incremental after expiry and any change after closing', () => {
    const open = openAuthorization({ networkTraceId: 'A', type: 'FINAL', authorizedAtMs: t0 });
    expect(applyIncrement(open, t0 + 7 * dayMs)).toEqual({
      ok: false,
      error: { code: 'EXPIRY_INCREMENT_AFTER_EXPIRY' },
    });
    const cleared = closeTracked(open, 'CLEARED');
    expect(cleared.ok).toBe(true);
    if (cleared.ok) {
      expect(applyIncrement(cleared.value, t0)).toEqual({
        ok: false,
        error: { code: 'EXPIRY_NOT_OPEN', status: 'CLEARED' },
      });
      expect(closeTracked(cleared.value, 'EXPIRED').ok).toBe(false);
      expect(isDue(cleared.value, t0 + 100 * dayMs)).toBe(false);
    }
  });

  it('is due exactly at the expiry time', () => {
    const open = openAuthorization({ networkTraceId: 'A', type: 'FINAL', authorizedAtMs: t0 });
    expect(isDue(open, t0 + 7 * dayMs - 1)).toBe(false);
    expect(isDue(open, t0 + 7 * dayMs)).toBe(true);
  });
});
