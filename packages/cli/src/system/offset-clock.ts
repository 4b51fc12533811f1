import { assert, type Clock, type TimerHandle } from '@tapkit/protocol';

// The clock of `tapkit up`: real time plus an offset that only grows. The merchant panel's "advance the
// clock" adds to the offset, and every timer that the jump made due fires at once, in due order, so
// authorization expiry and the cancel window can be shown without waiting seven days.

/** Node's setTimeout fires at once for delays above 2^31 - 1 ms, so longer waits are re-armed. */
const nodeTimeoutMsMax = 2_147_483_647;

interface OffsetTimer {
  readonly dueMs: number;
  readonly sequence: number;
  readonly fn: () => void;
  handle: ReturnType<typeof setTimeout> | undefined;
}

/** Lets the promise chains a fired timer started run before the next timer fires. */
const flushMicrotasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class OffsetClock implements Clock {
  /** A bound on timers fired by one advanceMs, so a timer that re-arms itself at 0 ms cannot hang. */
  static readonly timersPerAdvanceMax = 100_000;
  /** One advance moves at most a year: beyond that nothing Tapkit schedules is still waiting. */
  static readonly advanceMsMax = 366 * 86_400_000;

  private offsetMs = 0;
  private sequenceNext = 0;
  private disposed = false;
  private readonly timers = new Set<OffsetTimer>();

  constructor(private readonly realNowMs: () => number = Date.now) {}

  nowMs(): number {
    return this.realNowMs() + this.offsetMs;
  }

  /** How far this clock is ahead of real time. */
  currentOffsetMs(): number {
    return this.offsetMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    assert(Number.isFinite(delayMs), `setTimer: delayMs must be finite, got ${delayMs}`);
    const timer: OffsetTimer = {
      dueMs: this.nowMs() + Math.max(0, delayMs),
      sequence: this.sequenceNext++,
      fn,
      handle: undefined,
    };
    if (this.disposed) return { cancel: () => undefined };
    this.timers.add(timer);
    this.arm(timer);
    return { cancel: () => this.remove(timer) };
  }

  /** Timers set and neither fired nor cancelled. */
  pendingTimerCount(): number {
    return this.timers.size;
  }

  /**
   * Moves time forward by `ms` at once, like a wall-clock jump, then fires every timer that is now due,
   * in due order. A timer set by a firing timer counts from the new time, so a poller that re-arms every
   * second fires once per jump rather than once per skipped second (a 30-day jump would otherwise replay
   * millions of polls); retry chains go on in real time after the jump.
   */
  async advanceMs(ms: number): Promise<void> {
    assert(
      Number.isFinite(ms) && ms >= 0 && ms <= OffsetClock.advanceMsMax,
      `advanceMs: ms must be within 0..${OffsetClock.advanceMsMax}, got ${ms}`,
    );
    this.offsetMs += ms;
    const due = [...this.timers]
      .filter((timer) => timer.dueMs <= this.nowMs())
      .sort((a, b) => a.dueMs - b.dueMs || a.sequence - b.sequence);
    await flushMicrotasks();
    for (const timer of due.slice(0, OffsetClock.timersPerAdvanceMax)) {
      this.fire(timer);
      await flushMicrotasks();
    }
  }

  /** Cancels every pending timer and refuses new ones (the system is closing). */
  dispose(): void {
    this.disposed = true;
    for (const timer of this.timers) this.remove(timer);
  }

  private arm(timer: OffsetTimer): void {
    const remainingMs = timer.dueMs - this.nowMs();
    if (remainingMs > nodeTimeoutMsMax) {
      timer.handle = setTimeout(() => this.arm(timer), nodeTimeoutMsMax);
      return;
    }
    // The offset may have moved while the timeout waited: check the due time again when it fires.
    timer.handle = setTimeout(
      () => {
        if (timer.dueMs <= this.nowMs()) this.fire(timer);
        else this.arm(timer);
      },
      Math.max(0, remainingMs),
    );
  }

  private fire(timer: OffsetTimer): void {
    if (!this.timers.has(timer)) return;
    this.remove(timer);
    timer.fn();
  }

  private remove(timer: OffsetTimer): void {
    if (timer.handle !== undefined) clearTimeout(timer.handle);
    timer.handle = undefined;
    this.timers.delete(timer);
  }
}
