import { describe, expect, it } from 'vitest';
import { systemClock, VirtualClock } from './clock.ts';

describe('VirtualClock', () => {
  it('starts at the given time and moves only when advanced', async () => {
    const clock = new VirtualClock(1_000);
    expect(clock.nowMs()).toBe(1_000);
    await clock.advanceMs(250);
    expect(clock.nowMs()).toBe(1_250);
  });

  it('fires timers in due-time order, then in the order they were set', async () => {
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.setTimer(30, () => fired.push('c@30'));
    clock.setTimer(10, () => fired.push('a@10'));
    clock.setTimer(20, () => fired.push('b1@20'));
    clock.setTimer(20, () => fired.push('b2@20'));
    await clock.advanceMs(25);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20']);
    await clock.advanceMs(5);
    expect(fired).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
  });

  it('shows each timer its own due time', async () => {
    const clock = new VirtualClock(0);
    const seenMs: number[] = [];
    clock.setTimer(7, () => seenMs.push(clock.nowMs()));
    clock.setTimer(3, () => seenMs.push(clock.nowMs()));
    await clock.advanceMs(100);
    expect(seenMs).toEqual([3, 7]);
    expect(clock.nowMs()).toBe(100);
  });

  it('does not fire cancelled timers', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    const handle = clock.setTimer(5, () => fired.push(5));
    clock.setTimer(6, () => fired.push(6));
    handle.cancel();
    handle.cancel();
    expect(clock.pendingTimerCount()).toBe(1);
    await clock.advanceMs(10);
    expect(fired).toEqual([6]);
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it('lets async chains started by a timer progress between timers', async () => {
    const clock = new VirtualClock(0);
    const log: string[] = [];
    // A retry loop like the notifyPayment outbox: await some async work, then set the next timer.
    const attempt = async (n: number): Promise<void> => {
      await Promise.resolve();
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      log.push(`attempt ${n} at ${clock.nowMs()}`);
      if (n < 3) clock.setTimer(10_000, () => void attempt(n + 1));
    };
    clock.setTimer(10_000, () => void attempt(1));
    await clock.advanceMs(60_000);
    expect(log).toEqual(['attempt 1 at 10000', 'attempt 2 at 20000', 'attempt 3 at 30000']);
  });

  it('fires a 0 ms timer set by a timer within the same advance', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    clock.setTimer(5, () => clock.setTimer(0, () => fired.push(clock.nowMs())));
    await clock.advanceMs(5);
    expect(fired).toEqual([5]);
  });

  it('does not fire timers due after the target', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    clock.setTimer(11, () => fired.push(11));
    await clock.advanceMs(10);
    expect(fired).toEqual([]);
    expect(clock.nextTimerDueMs()).toBe(11);
  });

  it('setMs jumps without firing; the next advance fires what is due', async () => {
    const clock = new VirtualClock(0);
    const fired: number[] = [];
    clock.setTimer(100, () => fired.push(clock.nowMs()));
    clock.setMs(500);
    expect(fired).toEqual([]);
    expect(clock.nowMs()).toBe(500);
    await clock.advanceMs(0);
    expect(fired).toEqual([500]);
    clock.setMs(50);
    expect(clock.nowMs()).toBe(50);
  });

  it('stops a timer that re-arms itself forever', async () => {
    const clock = new VirtualClock(0);
    const rearm = (): void => {
      clock.setTimer(0, rearm);
    };
    clock.setTimer(0, rearm);
    await expect(clock.advanceMs(1)).rejects.toThrow(/too many timers/);
  });

  it('refuses two advances at once', async () => {
    const clock = new VirtualClock(0);
    const first = clock.advanceMs(10);
    await expect(clock.advanceMs(10)).rejects.toThrow(/already advancing/);
    await first;
    expect(clock.nowMs()).toBe(10);
  });

  it('rejects non-finite and negative advances', async () => {
    const clock = new VirtualClock(0);
    await expect(clock.advanceMs(-1)).rejects.toThrow();
    await expect(clock.advanceMs(Number.NaN)).rejects.toThrow();
    expect(() => clock.setTimer(Number.POSITIVE_INFINITY, () => {})).toThrow();
  });
});

describe('systemClock', () => {
  it('reads the real time', () => {
    const before = Date.now();
    const nowMs = systemClock.nowMs();
    expect(nowMs).toBeGreaterThanOrEqual(before);
    expect(nowMs).toBeLessThanOrEqual(Date.now());
  });

  it('fires a timer and can cancel one', async () => {
    const fired: string[] = [];
    const cancelled = systemClock.setTimer(0, () => fired.push('cancelled'));
    cancelled.cancel();
    await new Promise<void>((resolve) => systemClock.setTimer(1, resolve));
    expect(fired).toEqual([]);
  });

  it('accepts delays longer than Node allows for one setTimeout without firing early', async () => {
    const fired: string[] = [];
    const handle = systemClock.setTimer(40 * 24 * 3_600_000, () => fired.push('early'));
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
    handle.cancel();
    expect(fired).toEqual([]);
  });
});
