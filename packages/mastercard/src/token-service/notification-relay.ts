// Delivers the notification outbox to Alipay+ (notifyTokenUpdated). A state change and its outbox row
// are stored in one transaction, so Alipay+ hears about every change even if it was down at the time
// or this process restarted: the relay runs at once after each change (kick), and on the clock for
// retries. Per token, notifications go out in version order: when one fails, the token's later ones
// wait for it, so Alipay+ never sees SUSPENDED after the ACTIVE that followed it.
//
// (tapkit) Assumes one token service process per database: two relays on one database could send a
// row twice (harmless for Alipay+, which records the latest state, but wasteful).
import {
  type Clock,
  type RetrySchedule,
  retryDelayMs,
  retrySchedule,
  type TimerHandle,
} from '@tapkit/protocol';
import type { Logger, OutboxNotification, TokenStore, TokenUpdateNotifier } from './ports.ts';

export interface RelayConfig {
  /** Waits before the 1st, 2nd, ... retry. */
  retry: RetrySchedule;
  /** Attempts before a notification is abandoned (logged as an error, kept in the table). */
  attemptCountMax: number;
  /** Rows taken per round. */
  batchSizeMax: number;
}

export const RELAY_CONFIG_DEFAULT: RelayConfig = {
  retry: retrySchedule([1_000, 5_000, 30_000, 120_000, 600_000, 3_600_000]),
  attemptCountMax: 30,
  batchSizeMax: 50,
};

/** Rounds one run may make before yielding to the next timer, so a flood cannot hold the loop forever. */
const ROUNDS_PER_RUN_MAX = 100;

export class NotificationRelay {
  private running: Promise<void> | undefined;
  private rerun = false;
  private timer: TimerHandle | undefined;
  private timerDueMs: number | undefined;
  private stopped = false;
  readonly config: RelayConfig;

  constructor(
    private readonly deps: {
      store: TokenStore;
      notifier: TokenUpdateNotifier;
      clock: Clock;
      logger: Logger;
      config?: Partial<RelayConfig>;
    },
  ) {
    this.config = { ...RELAY_CONFIG_DEFAULT, ...deps.config };
  }

  /** Starts a delivery run now, or right after the one in progress. Never rejects. */
  kick(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.rerun = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.rerun) {
        this.rerun = false;
        this.kick();
      }
    });
  }

  /** Resolves when no run is in progress (tests, shutdown). Bounded by the rerun chain. */
  async idle(): Promise<void> {
    for (let round = 0; round < ROUNDS_PER_RUN_MAX && this.running !== undefined; round++) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.idle();
  }

  private async run(): Promise<void> {
    try {
      for (let round = 0; round < ROUNDS_PER_RUN_MAX; round++) {
        const due = await this.deps.store.dueNotifications(this.deps.clock.nowMs(), this.config.batchSizeMax);
        // A delivery makes the token's next notification a queue head: go round again until none moves.
        if (due.length === 0 || (await this.deliverAll(due)) === 0) break;
      }
      await this.armTimer();
    } catch (error) {
      // Storage trouble: log, and try again on the shortest retry delay rather than going silent.
      this.deps.logger.error({ error: String(error) }, 'notification relay run failed');
      this.arm(this.deps.clock.nowMs() + retryDelayMs(this.config.retry, 1));
    }
  }

  /** Sends each notification once; returns how many left the queue (delivered or abandoned). */
  private async deliverAll(due: readonly OutboxNotification[]): Promise<number> {
    let done = 0;
    for (const notification of due) if (await this.deliver(notification)) done++;
    return done;
  }

  /** One attempt; true when the notification left the queue. */
  private async deliver(notification: OutboxNotification): Promise<boolean> {
    const { store, notifier, clock, logger } = this.deps;
    const outcome = await notifier
      .notifyTokenUpdated(notification.update)
      .catch((error: unknown) => ({ delivered: false, detail: String(error) }));
    const nowMs = clock.nowMs();
    if (outcome.delivered) {
      await store.markNotificationDelivered(notification.id, nowMs);
      return true;
    }
    const attemptCount = notification.attemptCount + 1;
    const lastError = (outcome.detail ?? 'not delivered').slice(0, 500);
    const log = { id: notification.id, attemptCount, lastError };
    if (attemptCount >= this.config.attemptCountMax) {
      logger.error(log, 'notifyTokenUpdated abandoned after the attempt limit');
      await store.abandonNotification({ id: notification.id, attemptCount, nowMs, lastError });
      return true; // Abandoned: the token's later notifications may go.
    }
    const delayMs = retryDelayMs(this.config.retry, attemptCount);
    logger.warn({ ...log, delayMs }, 'notifyTokenUpdated not delivered, will retry');
    await store.rescheduleNotification({
      id: notification.id,
      attemptCount,
      nextAttemptAtMs: nowMs + delayMs,
      lastError,
    });
    return false;
  }

  private async armTimer(): Promise<void> {
    const dueMs = await this.deps.store.nextNotificationDueMs();
    if (dueMs !== undefined) this.arm(dueMs);
  }

  private arm(dueMs: number): void {
    if (this.stopped) return;
    if (this.timer !== undefined && this.timerDueMs !== undefined && this.timerDueMs <= dueMs) return;
    this.timer?.cancel();
    this.timerDueMs = dueMs;
    this.timer = this.deps.clock.setTimer(dueMs - this.deps.clock.nowMs(), () => {
      this.timer = undefined;
      this.timerDueMs = undefined;
      this.kick();
    });
  }
}
