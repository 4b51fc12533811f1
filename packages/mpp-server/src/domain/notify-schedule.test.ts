import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NOTIFY_GIVE_UP_AFTER_MS, nextNotifyAttempt } from './notify-schedule.ts';

const s = 1_000;
const min = 60 * s;
const h = 60 * min;

/** Attempt instants when every attempt fails and finishes at the moment it started. */
function attemptTimesMs(openedAtMs: number): number[] {
  const times = [openedAtMs];
  for (let attempt = 1; attempt < 1_000; attempt++) {
    const decision = nextNotifyAttempt(attempt, openedAtMs, times[times.length - 1]!);
    if (decision.kind === 'give_up') return times;
    times.push(decision.atMs);
  }
  throw new Error('schedule never gave up');
}

describe('nextNotifyAttempt', () => {
  it('follows the spec: 10 s, 30 s, 1 min, 2 min, 5 min ×2, 15 min ×4, 1 h ×4, then 6 h up to 72 h', () => {
    const times = attemptTimesMs(0);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const head = [
      10 * s,
      30 * s,
      min,
      2 * min,
      5 * min,
      5 * min,
      15 * min,
      15 * min,
      15 * min,
      15 * min,
      h,
      h,
      h,
      h,
    ];
    expect(gaps.slice(0, head.length)).toEqual(head);
    const tail = gaps.slice(head.length);
    expect(tail.every((gap) => gap === 6 * h)).toBe(true);
    // 18,820 s of head, then 6 h steps while they stay within 72 h: 11 of them.
    expect(tail.length).toBe(11);
    expect(times.length).toBe(1 + head.length + 11);
    expect(times[times.length - 1]!).toBeLessThanOrEqual(72 * h);
    expect(times[times.length - 1]! + 6 * h).toBeGreaterThan(72 * h);
  });

  it('counts the 72 h from the opening of the row, not from the epoch', () => {
    const openedAtMs = 1_800_000_000_000;
    expect(attemptTimesMs(openedAtMs).map((t) => t - openedAtMs)).toEqual(attemptTimesMs(0));
  });

  it('bases the next attempt on when the failed one finished', () => {
    expect(nextNotifyAttempt(1, 0, 4_000)).toEqual({ kind: 'retry', atMs: 14_000 });
    expect(nextNotifyAttempt(100, 0, 0)).toEqual({ kind: 'retry', atMs: 6 * h });
  });

  it('gives up when the next attempt would pass 72 h', () => {
    expect(nextNotifyAttempt(20, 0, NOTIFY_GIVE_UP_AFTER_MS - 6 * h)).toEqual({
      kind: 'retry',
      atMs: NOTIFY_GIVE_UP_AFTER_MS,
    });
    expect(nextNotifyAttempt(20, 0, NOTIFY_GIVE_UP_AFTER_MS - 6 * h + 1)).toEqual({ kind: 'give_up' });
  });

  it('refuses an attempt count below 1', () => {
    expect(() => nextNotifyAttempt(0, 0, 0)).toThrow(/positive integer/);
  });
});

describe('nextNotifyAttempt (properties)', () => {
  it('never schedules into the past nor past 72 h after opening', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 100 * h }),
        (attemptCount, openedAtMs, sinceOpenMs) => {
          const nowMs = openedAtMs + sinceOpenMs;
          const decision = nextNotifyAttempt(attemptCount, openedAtMs, nowMs);
          if (decision.kind === 'retry') {
            expect(decision.atMs).toBeGreaterThan(nowMs);
            expect(decision.atMs - openedAtMs).toBeLessThanOrEqual(NOTIFY_GIVE_UP_AFTER_MS);
          } else {
            expect(nowMs - openedAtMs).toBeGreaterThan(NOTIFY_GIVE_UP_AFTER_MS - 6 * h);
          }
        },
      ),
    );
  });
});
