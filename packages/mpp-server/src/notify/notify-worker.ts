import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock, NotifyPaymentResponse, TimerHandle } from '@tapkit/protocol';
import type { CallOutcome } from '@tapkit/protocol/node';
import type { DbHandle } from '../adapters/db/open.ts';
import {
  type ClaimedNotify,
  claimDue,
  completeNotify,
  recordAttempt,
  releaseClaims,
  rescheduleNotify,
} from '../adapters/db/outbox-repository.ts';
import { findPayment } from '../adapters/db/payment-repository.ts';
import type { PaymentRow } from '../adapters/db/schema.ts';
import { decideNotifyMessage, type PaymentFacts } from '../domain/notify-message.ts';
import { nextNotifyAttempt } from '../domain/notify-schedule.ts';

// The notifyPayment worker. Every poll it claims a bounded batch of due outbox rows with a lease (on
// PostgreSQL FOR UPDATE SKIP LOCKED, so any number of processes share one database without sending a row
// twice), re-reads each payment, sends its CURRENT state, records one notify_attempts row per send, and
// completes the row on an S acknowledgement or reschedules it by the retry schedule (giving up after
// 72 h). stop() lets the sends in flight finish and gives back every claim it still holds.

/** What the worker needs from the signed client (SignedClient satisfies it). */
export interface NotifyClient {
  call<T>(api: 'notifyPayment', body: object): Promise<CallOutcome<T>>;
}

/** The few pino methods the worker logs with. */
export interface WorkerLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface NotifyWorkerOptions {
  readonly handle: DbHandle;
  /** Sends to the configured Alipay+ URL. */
  readonly client: NotifyClient;
  /**
   * The client for a payment's own notify base URL (its allowed paymentNotifyUrl, stored with it); the
   * default client when absent or when it returns undefined.
   */
  readonly clientFor?: (baseUrl: string) => NotifyClient | undefined;
  readonly clock: Clock;
  readonly logger?: WorkerLogger;
  /** Unique per process; defaults to host:pid:random. */
  readonly workerId?: string;
  /** Pause between polls when the last one found less than a full batch. */
  readonly pollIntervalMs?: number;
  /** Rows claimed per poll. */
  readonly batchSizeMax?: number;
  /** Sends in flight at once within a batch. */
  readonly sendConcurrencyMax?: number;
  /** How long a claim holds; must exceed the 5 s notify timeout plus storage time. */
  readonly leaseMs?: number;
}

interface WorkerSettings {
  readonly pollIntervalMs: number;
  readonly batchSizeMax: number;
  readonly sendConcurrencyMax: number;
  readonly leaseMs: number;
}

export const NOTIFY_WORKER_DEFAULTS: WorkerSettings = {
  pollIntervalMs: 1_000,
  batchSizeMax: 32,
  sendConcurrencyMax: 8,
  leaseMs: 60_000,
};

/** notify_attempts.detail is for people; long upstream messages are cut. */
const detailCharsMax = 512;

export type AttemptOutcome = 'ACKNOWLEDGED' | 'REJECTED' | 'UNKNOWN' | 'STOPPED';

/**
 * (doc) Acknowledgements that end the retries without an S: PROCESS_FAIL says "do not retry", and
 * REPEAT_REQ_INCONSISTENT says Alipay+ holds another version of this notification (sending it again cannot
 * help). Both are kept on the outbox row for operators. Any other F, a U or no answer is retried.
 */
export const NOTIFY_STOP_CODES: readonly string[] = ['PROCESS_FAIL', 'REPEAT_REQ_INCONSISTENT'];
/** stopped_code of a notification given up after 72 h without an S. */
export const NOTIFY_GAVE_UP = 'GAVE_UP';

const silentLogger: WorkerLogger = { info() {}, warn() {}, error() {} };

export class NotifyWorker {
  readonly workerId: string;
  private readonly settings: WorkerSettings;
  private readonly logger: WorkerLogger;
  private timer: TimerHandle | undefined;
  /** Polls in progress (the timer's and any started by a test), so that stop() can wait for them. */
  private readonly polls = new Set<Promise<number>>();
  private started = false;
  private stopping = false;

  constructor(private readonly options: NotifyWorkerOptions) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.logger = options.logger ?? silentLogger;
    this.settings = {
      pollIntervalMs: options.pollIntervalMs ?? NOTIFY_WORKER_DEFAULTS.pollIntervalMs,
      batchSizeMax: options.batchSizeMax ?? NOTIFY_WORKER_DEFAULTS.batchSizeMax,
      sendConcurrencyMax: options.sendConcurrencyMax ?? NOTIFY_WORKER_DEFAULTS.sendConcurrencyMax,
      leaseMs: options.leaseMs ?? NOTIFY_WORKER_DEFAULTS.leaseMs,
    };
  }

  /** Starts polling at once, then every pollIntervalMs (at once again while batches come back full). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.arm(0);
  }

  /** Stops polling, waits for the sends in flight, then releases this worker's claims. */
  async stop(): Promise<number> {
    this.stopping = true;
    this.timer?.cancel();
    this.timer = undefined;
    await Promise.allSettled([...this.polls]);
    return releaseClaims(this.options.handle.db, this.workerId);
  }

  /**
   * Gives back this worker's claims without waiting for the sends in flight (a shutdown past its deadline).
   * A row whose send is still in flight may then be sent again by another process; the receiver's
   * idempotency on paymentRequestId absorbs that, whereas a held claim would delay the row for a lease.
   */
  releaseClaimsNow(): Promise<number> {
    this.stopping = true;
    this.timer?.cancel();
    return releaseClaims(this.options.handle.db, this.workerId);
  }

  /** One poll: claims a batch and sends it. Returns how many rows were claimed. Tests call it directly. */
  pollOnce(): Promise<number> {
    if (this.stopping) return Promise.resolve(0);
    const poll = this.claimAndSend();
    this.polls.add(poll);
    const forget = () => this.polls.delete(poll);
    poll.then(forget, forget);
    return poll;
  }

  private async claimAndSend(): Promise<number> {
    const { handle, clock } = this.options;
    const claimed = await claimDue(handle.db, handle.engine, {
      workerId: this.workerId,
      nowMs: clock.nowMs(),
      limit: this.settings.batchSizeMax,
      leaseMs: this.settings.leaseMs,
    });
    const queue = [...claimed];
    const lanes = Array.from(
      { length: Math.min(this.settings.sendConcurrencyMax, queue.length) },
      async () => {
        // Each lane takes the next row until the batch is done; once stopping, no new send starts (the rows
        // left are released by stop()).
        for (let next = queue.shift(); next !== undefined && !this.stopping; next = queue.shift()) {
          await this.processSafely(next);
        }
      },
    );
    await Promise.all(lanes);
    return claimed.length;
  }

  private arm(delayMs: number): void {
    if (this.stopping) return;
    this.timer = this.options.clock.setTimer(delayMs, () => {
      this.timer = undefined;
      void this.tick();
    });
  }

  private async tick(): Promise<void> {
    let claimedCount = 0;
    try {
      claimedCount = await this.pollOnce();
    } catch (error) {
      this.logger.error({ workerId: this.workerId, errorMessage: messageOf(error) }, 'notify poll failed');
    }
    this.arm(claimedCount >= this.settings.batchSizeMax ? 0 : this.settings.pollIntervalMs);
  }

  private async processSafely(claimed: ClaimedNotify): Promise<void> {
    try {
      await this.process(claimed);
    } catch (error) {
      // Storage trouble: the claim runs out by itself and the row is taken again later.
      this.logger.error(
        {
          workerId: this.workerId,
          paymentRequestId: claimed.paymentRequestId,
          errorMessage: messageOf(error),
        },
        'notify attempt failed',
      );
    }
  }

  private async process(claimed: ClaimedNotify): Promise<void> {
    const { handle, clock } = this.options;
    const db = handle.db;
    const id = claimed.paymentRequestId;
    const hold = { paymentRequestId: id, workerId: this.workerId, generation: claimed.generation };
    const payment = await findPayment(db, id);
    const decision = decideNotifyMessage(toFacts(payment));
    if (decision.kind === 'SKIP') {
      this.logger.warn({ paymentRequestId: id, reason: decision.reason }, 'notifyPayment skipped');
      await completeNotify(db, { ...hold, nowMs: clock.nowMs() });
      return;
    }
    const startedAtMs = clock.nowMs();
    const judged = judge(await this.send(decision.body, payment?.notify_url ?? null));
    const finishedAtMs = clock.nowMs();
    const next =
      judged.outcome === 'ACKNOWLEDGED' || judged.outcome === 'STOPPED'
        ? undefined
        : nextNotifyAttempt(claimed.attemptCount + 1, claimed.openedAtMs, finishedAtMs);
    const gaveUp = next?.kind === 'give_up';
    const detail = gaveUp
      ? clip(`${judged.detail ?? ''} | gave up: no S acknowledgement within 72 h`)
      : judged.detail;
    const attemptNo = await recordAttempt(
      db,
      {
        paymentRequestId: id,
        workerId: this.workerId,
        startedAtMs,
        finishedAtMs,
        outcome: judged.outcome,
        resultCode: judged.resultCode,
        detail,
      },
      claimed.generation,
    );
    const logFields = {
      paymentRequestId: id,
      attemptNo,
      outcome: judged.outcome,
      resultCode: judged.resultCode,
    };
    if (judged.outcome === 'STOPPED') {
      // Kept for operators (GET /admin/v1/notify/stopped); warn so that it is also seen in the logs.
      this.logger.warn(logFields, 'notifyPayment acknowledged with a final F: retries stopped');
      await completeNotify(db, { ...hold, nowMs: finishedAtMs, stoppedCode: judged.resultCode ?? 'F' });
      return;
    }
    if (next === undefined || next.kind === 'give_up') {
      if (gaveUp) this.logger.warn(logFields, 'notifyPayment given up after 72 h');
      await completeNotify(db, {
        ...hold,
        nowMs: finishedAtMs,
        ...(gaveUp ? { stoppedCode: NOTIFY_GAVE_UP } : {}),
      });
      return;
    }
    this.logger.info({ ...logFields, nextAttemptAtMs: next.atMs }, 'notifyPayment not acknowledged');
    await rescheduleNotify(db, { ...hold, nextAttemptAtMs: next.atMs });
  }

  private async send(body: object, notifyUrl: string | null): Promise<CallOutcome<NotifyPaymentResponse>> {
    const client =
      (notifyUrl === null ? undefined : this.options.clientFor?.(notifyUrl)) ?? this.options.client;
    try {
      return await client.call<NotifyPaymentResponse>('notifyPayment', body);
    } catch (error) {
      return { kind: 'unknown', reason: 'NETWORK', detail: messageOf(error) };
    }
  }
}

interface Judged {
  readonly outcome: AttemptOutcome;
  readonly resultCode: string | null;
  readonly detail: string | null;
}

/**
 * A signed, well-formed S completes the notification; an F of NOTIFY_STOP_CODES stops it for operators;
 * any other F, a U and no answer are retried.
 */
function judge(outcome: CallOutcome<NotifyPaymentResponse>): Judged {
  if (outcome.kind === 'unknown') {
    return { outcome: 'UNKNOWN', resultCode: null, detail: clip(`${outcome.reason}: ${outcome.detail}`) };
  }
  const ack = outcome.response.result;
  const detail = ack.resultMessage === '' ? null : clip(ack.resultMessage);
  if (ack.resultStatus === 'S') return { outcome: 'ACKNOWLEDGED', resultCode: ack.resultCode, detail };
  if (ack.resultStatus === 'F' && NOTIFY_STOP_CODES.includes(ack.resultCode)) {
    return { outcome: 'STOPPED', resultCode: ack.resultCode, detail };
  }
  return { outcome: ack.resultStatus === 'F' ? 'REJECTED' : 'UNKNOWN', resultCode: ack.resultCode, detail };
}

function toFacts(row: PaymentRow | undefined): PaymentFacts | undefined {
  if (row === undefined) return undefined;
  return {
    paymentRequestId: row.payment_request_id,
    paymentId: row.payment_id ?? storedPaymentId(row.pay_response_json),
    status: row.status,
    resultCode: row.result_code,
    customerId: row.customer_id,
    paymentCurrency: row.payment_currency,
    paymentMinor: row.payment_minor,
    payToCurrency: row.pay_to_currency,
    payToMinor: row.pay_to_minor,
    paymentTimeMs: row.payment_time_ms === null ? null : Number(row.payment_time_ms),
  };
}

/** The paymentId of the stored pay answer, for rows that keep it only there. */
function storedPaymentId(json: string | null): string | null {
  if (json === null) return null;
  try {
    const value = (JSON.parse(json) as { paymentId?: unknown }).paymentId;
    return typeof value === 'string' && value !== '' ? value : null;
  } catch {
    return null;
  }
}

function clip(text: string): string {
  return text.length > detailCharsMax ? `${text.slice(0, detailCharsMax - 3)}...` : text;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
