import type { Clock, RateLimitCount, RateLimitStore } from '../../ports.ts';

// The in-process RateLimitStore (one server), on the injectable Clock, and the bridge that hands any
// RateLimitStore to @fastify/rate-limit as its `store`.

/** (tapkit) Keys remembered at most; the oldest window is forgotten first (a spray cannot grow memory). */
export const RATE_LIMIT_KEYS_MAX = 10_000;
/** (tapkit) The longest wait exponential backoff reaches. */
export const RATE_LIMIT_BACKOFF_MS_MAX = 3_600_000;

interface Window {
  count: number;
  startedAtMs: number;
  lengthMs: number;
}

export class InProcessRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();
  constructor(private readonly clock: Clock) {}

  async increment(key: string, windowMs: number, max: number): Promise<RateLimitCount> {
    const nowMs = this.clock.nowMs();
    let window = this.live(key, nowMs);
    if (window === undefined) {
      window = { count: 0, startedAtMs: nowMs, lengthMs: windowMs };
      if (this.windows.size >= RATE_LIMIT_KEYS_MAX) {
        const oldest = this.windows.keys().next().value;
        if (oldest !== undefined) this.windows.delete(oldest);
      }
    }
    window.count += 1;
    if (window.count > max) {
      // Every attempt while limited restarts the wait, twice as long as the one before.
      const exponent = Math.min(window.count - max - 1, 30);
      window.lengthMs = Math.min(windowMs * 2 ** exponent, RATE_LIMIT_BACKOFF_MS_MAX);
      window.startedAtMs = nowMs;
    }
    this.windows.delete(key);
    this.windows.set(key, window);
    return { count: window.count, resetInMs: window.startedAtMs + window.lengthMs - nowMs };
  }

  async read(key: string): Promise<RateLimitCount> {
    const nowMs = this.clock.nowMs();
    const window = this.live(key, nowMs);
    return window === undefined
      ? { count: 0, resetInMs: 0 }
      : { count: window.count, resetInMs: window.startedAtMs + window.lengthMs - nowMs };
  }

  private live(key: string, nowMs: number): Window | undefined {
    const window = this.windows.get(key);
    if (window === undefined) return undefined;
    if (window.startedAtMs + window.lengthMs <= nowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }
}

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** A `store` class for @fastify/rate-limit (it constructs the class itself) over the given port. */
export function fastifyRateLimitStore(store: RateLimitStore) {
  const settle = (promise: Promise<RateLimitCount>, callback: Callback) =>
    promise.then(
      (r) => callback(null, { current: r.count, ttl: Math.max(0, r.resetInMs) }),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
  return class PortStore {
    incr(key: string, callback: Callback, timeWindow: number, max: number): void {
      void settle(store.increment(key, timeWindow, max), callback);
    }
    read(key: string, callback: Callback, timeWindow: number): void {
      void settle(store.read(key, timeWindow), callback);
    }
    child(): PortStore {
      return this;
    }
  };
}
