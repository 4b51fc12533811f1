import { getText, type Iso8583Message } from '@tapkit/emv';
import { type Clock, type RetrySchedule, retryDelayMs, retrySchedule } from '@tapkit/protocol';
import type { NetworkLogger } from './logger.ts';
import type { AdviceStore, IssuerLink, StoredAdvice } from './ports.ts';

// Advices (0120 after a stand-in approval, 0420 for a reversal the issuer did not answer) must reach
// the issuer processor: each is stored first, then sent again on a growing delay until the issuer
// acknowledges it with 0130/0430, whatever the response code in the acknowledgement. After a restart
// `resume()` picks up what was not acknowledged.

export interface AdviceSenderConfig {
  /** Wait before attempt n+1; the first attempt waits the schedule's first delay. */
  readonly retry: RetrySchedule;
  readonly attemptTimeoutMs: number;
  /** Attempts per advice in this process before it is left for the next resume() and logged. */
  readonly attemptCountMax: number;
  /** Advices in flight at once in memory; beyond it enqueue stores the advice for the next resume(). */
  readonly queueSizeMax: number;
}

export const defaultAdviceSenderConfig: AdviceSenderConfig = {
  retry: retrySchedule([2_000, 5_000, 10_000, 30_000, 60_000]),
  attemptTimeoutMs: 8_000,
  attemptCountMax: 1_000,
  queueSizeMax: 10_000,
};

export interface AdviceSenderDeps {
  readonly issuer: IssuerLink;
  readonly store: AdviceStore;
  readonly clock: Clock;
  readonly logger: NetworkLogger;
  readonly newAdviceId: () => string;
}

interface PendingAdvice {
  readonly adviceId: string;
  readonly message: Iso8583Message;
  attempts: number;
}

export class AdviceSender {
  private readonly pending = new Map<string, PendingAdvice>();
  private readonly acknowledged: Iso8583Message[] = [];
  private readonly acknowledgedKeptMax = 100;

  constructor(
    private readonly deps: AdviceSenderDeps,
    private readonly config: AdviceSenderConfig = defaultAdviceSenderConfig,
  ) {}

  /** Stores an advice and schedules its first attempt. */
  async enqueue(message: Iso8583Message): Promise<void> {
    const adviceId = this.deps.newAdviceId();
    await this.deps.store.add({ adviceId, message, createdAtMs: this.deps.clock.nowMs() });
    this.track({ adviceId, message, attemptCount: 0 });
  }

  /** Schedules the stored advices not yet acknowledged (call once at start). Returns how many. */
  async resume(): Promise<number> {
    const stored = await this.deps.store.pending(this.config.queueSizeMax);
    let count = 0;
    for (const advice of stored) {
      if (this.pending.has(advice.adviceId)) continue;
      this.track(advice);
      count += 1;
    }
    return count;
  }

  pendingCount(): number {
    return this.pending.size;
  }

  /** The last acknowledgements received (0130/0430), newest last, for tests and diagnostics. */
  recentAcknowledgements(): readonly Iso8583Message[] {
    return this.acknowledged;
  }

  private track(advice: StoredAdvice): void {
    if (this.pending.size >= this.config.queueSizeMax) {
      // Stored already: the next resume() sends it.
      this.deps.logger.error(
        { adviceId: advice.adviceId },
        'advice queue full: advice left for the next resume',
      );
      return;
    }
    const pending: PendingAdvice = { adviceId: advice.adviceId, message: advice.message, attempts: 0 };
    this.pending.set(advice.adviceId, pending);
    this.schedule(pending);
  }

  private schedule(advice: PendingAdvice): void {
    const delayMs = retryDelayMs(this.config.retry, advice.attempts + 1);
    this.deps.clock.setTimer(delayMs, () => {
      void this.attempt(advice).catch((error: unknown) => {
        // A store failure: keep the advice and try again later rather than lose it.
        this.deps.logger.error({ adviceId: advice.adviceId, error: String(error) }, 'advice attempt failed');
        this.schedule(advice);
      });
    });
  }

  private async attempt(advice: PendingAdvice): Promise<void> {
    advice.attempts += 1;
    await this.deps.store.recordAttempt(advice.adviceId);
    const result = await this.deps.issuer.exchange(advice.message, this.config.attemptTimeoutMs);
    const fields = {
      adviceId: advice.adviceId,
      mti: advice.message.mti,
      networkTraceId: getText(advice.message, 63),
      attempt: advice.attempts,
    };
    if (result.ok) {
      await this.deps.store.acknowledge(advice.adviceId, this.deps.clock.nowMs());
      this.pending.delete(advice.adviceId);
      this.acknowledged.push(result.value);
      if (this.acknowledged.length > this.acknowledgedKeptMax) this.acknowledged.shift();
      this.deps.logger.info({ ...fields, responseCode: getText(result.value, 39) }, 'advice acknowledged');
      return;
    }
    if (advice.attempts >= this.config.attemptCountMax) {
      this.pending.delete(advice.adviceId);
      this.deps.logger.error(
        { ...fields, code: result.error.code },
        'advice not acknowledged after attemptCountMax',
      );
      return;
    }
    this.deps.logger.warn({ ...fields, code: result.error.code }, 'advice not acknowledged, will retry');
    this.schedule(advice);
  }
}
