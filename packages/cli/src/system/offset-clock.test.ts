import { describe, expect, it } from 'vitest';
import { OffsetClock } from './offset-clock.ts';

// The clock of `tapkit up` on a fake "real time", so the test decides when real time moves too.

function fakeReal(startMs: number) {
  const real = { nowMs: startMs };
  return { real, clock: new OffsetClock(() => real.nowMs) };
}

describe('OffsetClock', () => {
  it('reads real time plus the offset, and advanceMs adds to the offset', async () => {
    const { real, clock } = fakeReal(1_000_000);
    expect(clock.nowMs()).toBe(1_000_000);
    await clock.advanceMs(5_000);
    real.nowMs += 10;
    expect(clock.nowMs()).toBe(1_005_010);
    expect(clock.currentOffsetMs()).toBe(5_000);
  });

  it('fires the timers an advance makes due, in due order, and leaves the later ones', async () => {
    const { clock } = fakeReal(0);
    const fired: string[] = [];
    clock.setTimer(7 * 86_400_000, () => fired.push('expiry'));
    clock.setTimer(3_000, () => fired.push('b'));
    clock.setTimer(1_000, () => fired.push('a'));
    clock.setTimer(3_000, () => fired.push('c'));
    await clock.advanceMs(3_000);
    expect(fired).toEqual(['a', 'b', 'c']);
    expect(clock.pendingTimerCount()).toBe(1);
    await clock.advanceMs(7 * 86_400_000);
    expect(fired).toEqual(['a', 'b', 'c', 'expiry']);
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it('jumps: a timer set by a firing timer counts from the new time, so a poller fires once per jump', async () => {
    const { clock } = fakeReal(0);
    const fired: number[] = [];
    const poll = () => {
      fired.push(clock.nowMs());
      clock.setTimer(1_000, poll);
    };
    clock.setTimer(1_000, poll);
    await clock.advanceMs(86_400_000);
    expect(fired).toEqual([86_400_000]);
    expect(clock.pendingTimerCount()).toBe(1);
    clock.dispose();
  });

  it('fires on real time too, and a cancelled timer never fires', async () => {
    const clock = new OffsetClock();
    const fired: string[] = [];
    const cancelled = clock.setTimer(1, () => fired.push('cancelled'));
    cancelled.cancel();
    await new Promise<void>((resolve) => clock.setTimer(1, resolve));
    expect(fired).toEqual([]);
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it('dispose cancels every pending timer and refuses new ones', async () => {
    const { clock } = fakeReal(0);
    const fired: string[] = [];
    clock.setTimer(10, () => fired.push('old'));
    clock.dispose();
    clock.setTimer(10, () => fired.push('new'));
    await clock.advanceMs(100);
    expect(fired).toEqual([]);
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it('refuses a negative or absurd advance', async () => {
    const { clock } = fakeReal(0);
    await expect(clock.advanceMs(-1)).rejects.toThrow();
    await expect(clock.advanceMs(OffsetClock.advanceMsMax + 1)).rejects.toThrow();
  });
});
