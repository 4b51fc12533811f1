import type { Clock } from '@tapkit/protocol';

// What the MPP server's services need from the world. Adapters in src/adapters implement them; tests
// pass deterministic ones (VirtualClock, counterIds).

export type { Clock };

/** Fresh identifiers the MPP hands out (paymentId, refundId); unique, at most 64 characters. */
export interface IdSource {
  paymentId(): string;
  refundId(): string;
}

/** Where the services report unexpected errors (storage down, broken invariants) before answering U. */
export type ErrorSink = (error: unknown, context: { operation: string; key: string }) => void;

/** What a rate limit store answers for a key: attempts counted in its current window, and when it ends. */
export interface RateLimitCount {
  readonly count: number;
  readonly resetInMs: number;
}

/**
 * Counts attempts per key (login attempts per username, per address). In-process by default; N server
 * instances that must share their counts plug in one store they all reach (a database, Redis).
 */
export interface RateLimitStore {
  /** Counts one more attempt; once `max` is passed, each further one doubles the wait (backoff). */
  increment(key: string, windowMs: number, max: number): Promise<RateLimitCount>;
  /** The current count without counting. */
  read(key: string, windowMs: number): Promise<RateLimitCount>;
}
