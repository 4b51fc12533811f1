// The one mutex of every party (a promise chain, no timers) and sleeping on the injectable Clock.
import type { Clock } from './clock.ts';

/** Runs async sections one at a time, in call order; a section that throws does not block the next. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section, section);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** One Mutex per key, held only while a section of that key runs or waits (no entry stays behind). */
export class KeyedMutex {
  private readonly mutexes = new Map<string, { mutex: Mutex; holders: number }>();

  /** Runs `section` after every earlier holder of `key` has finished. */
  async run<T>(key: string, section: () => Promise<T>): Promise<T> {
    let entry = this.mutexes.get(key);
    if (entry === undefined) {
      entry = { mutex: new Mutex(), holders: 0 };
      this.mutexes.set(key, entry);
    }
    entry.holders += 1;
    try {
      return await entry.mutex.run(section);
    } finally {
      entry.holders -= 1;
      if (entry.holders === 0) this.mutexes.delete(key);
    }
  }

  /** Keys with a section running or waiting (tests check nothing stays behind). */
  get size(): number {
    return this.mutexes.size;
  }
}

/** Waits `delayMs` on the injected clock, so tests drive retries and polling with a virtual clock. */
export function sleepOn(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(delayMs, resolve);
  });
}
