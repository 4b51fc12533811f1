import { describe, expect, it } from 'vitest';
import { cancelDeadlineMs, formatUtc8, isInCancelWindow, isInRefundWindow, utc8Day } from './time.ts';

const at = (iso: string) => Date.parse(iso);

describe('UTC+8 calendar', () => {
  it('formats with the +08:00 offset', () => {
    expect(formatUtc8(at('2026-11-25T12:00:00.999Z'))).toBe('2026-11-25T20:00:00+08:00');
    expect(formatUtc8(at('2026-11-25T16:00:00Z'))).toBe('2026-11-26T00:00:00+08:00');
  });

  it('puts 23:59 and 00:00 UTC+8 on different days', () => {
    expect(utc8Day(at('2026-11-25T15:59:59Z'))).toBe(utc8Day(at('2026-11-25T00:00:00Z')));
    expect(utc8Day(at('2026-11-25T16:00:00Z'))).toBe(utc8Day(at('2026-11-25T15:59:59Z')) + 1);
  });

  it('ends the cancel window at 00:30 UTC+8 the next day', () => {
    // 10:00 UTC+8 on the 25th and 23:59 UTC+8 on the 25th share the deadline 00:30 UTC+8 on the 26th.
    const deadline = at('2026-11-25T16:30:00Z');
    expect(cancelDeadlineMs(at('2026-11-25T02:00:00Z'))).toBe(deadline);
    expect(cancelDeadlineMs(at('2026-11-25T15:59:00Z'))).toBe(deadline);
    // 00:10 UTC+8 on the 26th belongs to the 26th: its deadline is 00:30 on the 27th.
    expect(cancelDeadlineMs(at('2026-11-25T16:10:00Z'))).toBe(at('2026-11-26T16:30:00Z'));
    expect(isInCancelWindow(at('2026-11-25T02:00:00Z'), deadline - 1)).toBe(true);
    expect(isInCancelWindow(at('2026-11-25T02:00:00Z'), deadline)).toBe(false);
  });

  it('allows refunds for 366 days', () => {
    const paid = at('2026-01-01T00:00:00Z');
    expect(isInRefundWindow(paid, paid + 366 * 86_400_000)).toBe(true);
    expect(isInRefundWindow(paid, paid + 366 * 86_400_000 + 1)).toBe(false);
  });
});
