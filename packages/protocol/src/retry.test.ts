import { describe, expect, it } from 'vitest';
import { VirtualClock } from './clock.ts';
import { KeyedMutex, Mutex, sleepOn } from './concurrency.ts';
import { retryDelayMs, retrySchedule } from './retry.ts';

describe('RetrySchedule', () => {
  it('walks the list, then repeats the last wait or the tail', () => {
    const repeating = retrySchedule([1_000, 5_000]);
    expect([1, 2, 3, 9].map((n) => retryDelayMs(repeating, n))).toEqual([1_000, 5_000, 5_000, 5_000]);
    const tailed = retrySchedule([1_000, 5_000], 60_000);
    expect([1, 2, 3].map((n) => retryDelayMs(tailed, n))).toEqual([1_000, 5_000, 60_000]);
  });

  it('refuses an empty list and a count below one', () => {
    expect(() => retrySchedule([])).toThrow(/must not be empty/);
    expect(() => retryDelayMs(retrySchedule([1]), 0)).toThrow(/positive integer/);
  });
});

describe('Mutex and KeyedMutex', () => {
  it('runs sections of one key in call order, a failure not blocking the next', async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    const clock = new VirtualClock(0);
    const first = mutex.run(async () => {
      await sleepOn(clock, 10);
      order.push('first');
      throw new Error('boom');
    });
    const second = mutex.run(async () => {
      order.push('second');
    });
    await clock.advanceMs(10);
    await expect(first).rejects.toThrow('boom');
    await second;
    expect(order).toEqual(['first', 'second']);
  });

  it('lets other keys run meanwhile and keeps no entry behind', async () => {
    const locks = new KeyedMutex();
    const clock = new VirtualClock(0);
    const order: string[] = [];
    const slow = locks.run('a', async () => {
      await sleepOn(clock, 10);
      order.push('a1');
    });
    const same = locks.run('a', async () => {
      order.push('a2');
    });
    await locks.run('b', async () => {
      order.push('b');
    });
    expect(order).toEqual(['b']);
    await clock.advanceMs(10);
    await Promise.all([slow, same]);
    expect(order).toEqual(['b', 'a1', 'a2']);
    expect(locks.size).toBe(0);
  });
});
