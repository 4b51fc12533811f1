import type { Clock, TimerHandle } from '@tapkit/protocol';
import type { AuthorizationEntry, NetworkEventListener } from '../network/ports.ts';
import {
  applyIncrement,
  closeTracked,
  type ExpiryRuleError,
  isDue,
  openAuthorization,
  type TrackedAuthorization,
} from './domain/validity.ts';
import type { ExpiryListener, ExpiryStore } from './ports.ts';

// Tracks every approved authorization until it is cleared, fully reversed or expires; on expiry it
// tells the listener. Timers run on the Clock (a VirtualClock in tests). It is also a network event
// listener, so the composition root can pass it to the network service directly.

export interface ExpiryTrackerConfig {
  /** Authorizations tracked at once; beyond it new ones are refused (and logged by the caller). */
  readonly trackedCountMax: number;
}

export type TrackResult =
  | { ok: true }
  | { ok: false; error: ExpiryRuleError | { code: 'EXPIRY_UNKNOWN' | 'EXPIRY_FULL' } };

export class ExpiryTracker implements NetworkEventListener {
  private readonly tracked = new Map<string, { auth: TrackedAuthorization; timer: TimerHandle }>();
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      clock: Clock;
      listener: ExpiryListener;
      /** Durable copy of the open authorizations; in memory only when absent (tests). */
      store?: ExpiryStore;
      /** Told about listener and store failures (the tracker keeps going). */
      onListenerError?: (error: unknown) => void;
    },
    private readonly config: ExpiryTrackerConfig = { trackedCountMax: 1_000_000 },
  ) {}

  /** NetworkEventListener: an approved final, undefined or pre-authorization starts a timer; an incremental extends its original. */
  authorizationApproved(entry: AuthorizationEntry): void {
    if (entry.type === 'INCREMENTAL') {
      if (entry.originalNetworkTraceId !== undefined)
        this.increment(entry.originalNetworkTraceId, entry.authorizedAtMs);
      return;
    }
    this.track({
      networkTraceId: entry.networkTraceId,
      type: entry.type,
      authorizedAtMs: entry.authorizedAtMs,
    });
  }

  /** NetworkEventListener: a full reversal ends tracking. */
  authorizationReversed(event: { networkTraceId: string }): void {
    this.stop(event.networkTraceId, 'REVERSED');
  }

  /** Re-arms the open authorizations of the store (call once at start). Returns how many. */
  async restore(): Promise<number> {
    if (this.deps.store === undefined) return 0;
    const open = await this.deps.store.listOpen(this.config.trackedCountMax);
    for (const auth of open) {
      if (!this.tracked.has(auth.networkTraceId)) this.arm(auth, false);
    }
    return open.length;
  }

  track(input: Parameters<typeof openAuthorization>[0]): TrackResult {
    if (this.tracked.has(input.networkTraceId)) return { ok: true };
    if (this.tracked.size >= this.config.trackedCountMax)
      return { ok: false, error: { code: 'EXPIRY_FULL' } };
    this.arm(openAuthorization(input));
    return { ok: true };
  }

  increment(networkTraceId: string, atMs: number): TrackResult {
    const current = this.tracked.get(networkTraceId);
    if (current === undefined) return { ok: false, error: { code: 'EXPIRY_UNKNOWN' } };
    const next = applyIncrement(current.auth, atMs);
    if (!next.ok) return next;
    current.timer.cancel();
    this.arm(next.value);
    return { ok: true };
  }

  /** Clearing (first presentment) stops the timer. */
  cleared(networkTraceId: string): TrackResult {
    return this.stop(networkTraceId, 'CLEARED');
  }

  get(networkTraceId: string): TrackedAuthorization | undefined {
    return this.tracked.get(networkTraceId)?.auth;
  }

  trackedCount(): number {
    return this.tracked.size;
  }

  private stop(networkTraceId: string, status: 'CLEARED' | 'REVERSED'): TrackResult {
    const current = this.tracked.get(networkTraceId);
    if (current === undefined) return { ok: false, error: { code: 'EXPIRY_UNKNOWN' } };
    const next = closeTracked(current.auth, status);
    if (!next.ok) return next;
    current.timer.cancel();
    this.tracked.delete(networkTraceId);
    this.persist((store) => store.remove(networkTraceId));
    return { ok: true };
  }

  private arm(auth: TrackedAuthorization, save = true): void {
    const delayMs = auth.expiresAtMs - this.deps.clock.nowMs();
    const timer = this.deps.clock.setTimer(delayMs, () => this.expire(auth.networkTraceId));
    this.tracked.set(auth.networkTraceId, { auth, timer });
    if (save) this.persist((store) => store.save(auth));
  }

  /**
   * Store writes run after the in-memory change and are not awaited: the network's event callbacks are
   * synchronous. Writes for one authorization are chained so they land in order.
   */
  private persist(write: (store: ExpiryStore) => Promise<void>): void {
    const store = this.deps.store;
    if (store === undefined) return;
    this.writes = this.writes
      .then(() => write(store))
      .catch((error: unknown) => this.deps.onListenerError?.(error));
  }

  /** Resolves when every store write issued so far has finished (tests, shutdown). */
  flushed(): Promise<void> {
    return this.writes;
  }

  private expire(networkTraceId: string): void {
    const current = this.tracked.get(networkTraceId);
    const nowMs = this.deps.clock.nowMs();
    if (current === undefined || !isDue(current.auth, nowMs)) return;
    this.tracked.delete(networkTraceId);
    this.persist((store) => store.remove(networkTraceId));
    const { auth } = current;
    const event = {
      networkTraceId,
      type: auth.type,
      authorizedAtMs: auth.authorizedAtMs,
      expiredAtMs: nowMs,
      incrementCount: auth.incrementCount,
    };
    // The listener is the issuer side; its failure must not break the clock's timer loop.
    Promise.resolve()
      .then(() => this.deps.listener.authorizationExpired(event))
      .catch((error: unknown) => this.deps.onListenerError?.(error));
  }
}
