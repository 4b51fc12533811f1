import type { Clock } from '@tapkit/protocol';

// Small runtime helpers of the issuer processor: a per-key mutex (one authorization is changed by one
// flow at a time in this process), sleeping on the Clock, and a set of background tasks tests can wait on.

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` after every earlier holder of `key` has finished. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

export function sleepOn(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => {
    clock.setTimer(delayMs, resolve);
  });
}

export class BackgroundTasks {
  private readonly tasks = new Set<Promise<unknown>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  add(task: Promise<unknown>): void {
    const tracked = task.catch(this.onError).finally(() => this.tasks.delete(tracked));
    this.tasks.add(tracked);
  }

  get size(): number {
    return this.tasks.size;
  }

  /** Waits until no task is running (tasks started meanwhile included); bounded by `roundsMax`. */
  async idle(roundsMax = 1_000): Promise<void> {
    for (let round = 0; round < roundsMax && this.tasks.size > 0; round++) {
      await Promise.allSettled([...this.tasks]);
    }
  }
}
