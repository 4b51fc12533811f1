import { assert } from './errors.ts';

// Time is a port: domain code and services read time and schedule work only through a Clock, so that
// tests can drive hours of retries and expiries on a VirtualClock without sleeping.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Runs `fn` once after `delayMs` (negative delays count as 0). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

// Node's setTimeout fires at once (with a warning) for delays above 2^31 - 1 ms (about 24.8 days), and
// Tapkit schedules longer waits (authorization expiry is 30 days), so long delays are chained.
const nodeTimeoutMsMax = 2_147_483_647;

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, fn) {
    assert(Number.isFinite(delayMs), `setTimer: delayMs must be finite, got ${delayMs}`);
    const dueMs = Date.now() + Math.max(0, delayMs);
    let handle: ReturnType<typeof setTimeout> | undefined;
    const arm = (): void => {
      const remainingMs = dueMs - Date.now();
      if (remainingMs > nodeTimeoutMsMax) {
        handle = setTimeout(arm, nodeTimeoutMsMax);
      } else {
        handle = setTimeout(fn, Math.max(0, remainingMs));
      }
    };
    arm();
    return {
      cancel() {
        if (handle !== undefined) clearTimeout(handle);
      },
    };
  },
};

interface VirtualTimer {
  readonly dueMs: number;
  readonly sequence: number;
  readonly fn: () => void;
}

/**
 * Lets every pending promise chain settle: setImmediate runs only after the microtask queue is empty.
 * (So VirtualClock must not be combined with vi.useFakeTimers, which fakes setImmediate too.)
 */
const flushMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A deterministic clock for tests. Time moves only when the test says so. Timers fire in due-time order,
 * ties in the order they were set. Between two timers, advanceMs lets pending microtasks run, so an async
 * chain started by one timer (await a store, then set the next timer) progresses as it would in real time.
 * Timer callbacks that throw propagate out of advanceMs: a test should see them.
 */
export class VirtualClock implements Clock {
  /** A bound on timers fired by one advanceMs, so a timer that re-arms itself at 0 ms cannot hang a test. */
  static readonly timersPerAdvanceMax = 100_000;

  private currentMs: number;
  private sequenceNext = 0;
  private advancing = false;
  private readonly timers = new Set<VirtualTimer>();

  constructor(startMs = 0) {
    assert(Number.isFinite(startMs), `VirtualClock: startMs must be finite, got ${startMs}`);
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    assert(Number.isFinite(delayMs), `setTimer: delayMs must be finite, got ${delayMs}`);
    const timer: VirtualTimer = {
      dueMs: this.currentMs + Math.max(0, delayMs),
      sequence: this.sequenceNext++,
      fn,
    };
    this.timers.add(timer);
    return { cancel: () => this.timers.delete(timer) };
  }

  /** Number of timers set and neither fired nor cancelled. */
  pendingTimerCount(): number {
    return this.timers.size;
  }

  /** Due time of the next timer, or undefined when none is pending. */
  nextTimerDueMs(): number | undefined {
    return this.nextTimer()?.dueMs;
  }

  /** Moves time forward by `ms`, firing every timer that becomes due on the way, in order. */
  async advanceMs(ms: number): Promise<void> {
    assert(Number.isFinite(ms) && ms >= 0, `advanceMs: ms must be finite and >= 0, got ${ms}`);
    // Two advances at once would interleave their timers; a test that does it has a bug.
    assert(!this.advancing, 'advanceMs: already advancing (await the previous advanceMs first)');
    this.advancing = true;
    try {
      await this.fireUntil(this.currentMs + ms);
    } finally {
      this.advancing = false;
    }
  }

  /**
   * Sets the time to `ms` without firing timers (like a wall-clock jump, forwards or backwards).
   * Timers already due fire on the next advanceMs (advanceMs(0) fires them at once).
   */
  setMs(ms: number): void {
    assert(Number.isFinite(ms), `setMs: ms must be finite, got ${ms}`);
    this.currentMs = ms;
  }

  private async fireUntil(targetMs: number): Promise<void> {
    await flushMicrotasks();
    for (let fired = 0; ; fired++) {
      assert(fired < VirtualClock.timersPerAdvanceMax, 'advanceMs: too many timers fired in one advance');
      const timer = this.nextTimer();
      if (timer === undefined || timer.dueMs > targetMs) break;
      this.timers.delete(timer);
      // Time never runs backwards, even for a timer that was due before a setMs jumped past it.
      this.currentMs = Math.max(this.currentMs, timer.dueMs);
      timer.fn();
      await flushMicrotasks();
    }
    this.currentMs = Math.max(this.currentMs, targetMs);
  }

  private nextTimer(): VirtualTimer | undefined {
    let best: VirtualTimer | undefined;
    for (const timer of this.timers) {
      if (
        best === undefined ||
        timer.dueMs < best.dueMs ||
        (timer.dueMs === best.dueMs && timer.sequence < best.sequence)
      ) {
        best = timer;
      }
    }
    return best;
  }
}
