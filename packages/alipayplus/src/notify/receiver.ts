// The notifyPayment receiver (MPP → Alipay+): the signed-API plugin has verified the signature and the
// schema; this checks the notify against what Alipay+ knows, acknowledges, and cancels a payment the MPP
// reports as successful although Alipay+ closed it. Idempotent per (MPP, paymentRequestId): an identical
// notify gets the stored answer and triggers nothing again; concurrent duplicates have one effect.
import {
  type Clock,
  result as catalogResult,
  type NotifyPaymentRequest,
  type NotifyPaymentResponse,
  type ResultCode,
} from '@tapkit/protocol';
import { checkedFieldsOf, isAllowedChange, judgeNotify, type Verdict } from './domain.ts';
import type { CancelState, MppCanceller, NotifyReceipt, NotifyStore, PaymentKnowledge } from './ports.ts';

/**
 * (tapkit) When a contradiction's cancelPayment is retried after an unknown outcome (delays from the first
 * try). After the last one the receipt stays PENDING for an operator (or resumePending at the next start).
 */
export const CANCEL_RETRY_DELAYS_MS: readonly number[] = [
  0, 2_000, 5_000, 15_000, 30_000, 60_000, 300_000, 900_000,
];
/** Pending cancels picked up by one resumePending call. */
const RESUME_BATCH_MAX = 100;

export interface NotifyLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface NotifyReceiverDeps {
  store: NotifyStore;
  knowledge: PaymentKnowledge;
  canceller: MppCanceller;
  clock: Clock;
  logger?: NotifyLogger;
}

/** A catalog result as a plain object (the wire schemas' loose objects take no interface). */
const result = (code: ResultCode, message?: string) => ({ ...catalogResult(code, message) });

const quiet: NotifyLogger = { info() {}, warn() {}, error() {} };

export class NotifyReceiver {
  private readonly running = new Set<Promise<void>>();
  private readonly logger: NotifyLogger;
  private closed = false;

  constructor(private readonly deps: NotifyReceiverDeps) {
    this.logger = deps.logger ?? quiet;
  }

  async receive(mppClientId: string, notify: NotifyPaymentRequest): Promise<NotifyPaymentResponse> {
    const checkedFields = checkedFieldsOf(notify);
    const prior = await this.deps.store.find(mppClientId, notify.paymentRequestId);
    if (prior !== undefined && prior.checkedFields === checkedFields) return JSON.parse(prior.answerJson);
    if (prior !== undefined && !isAllowedChange(prior.checkedFields, notify)) {
      return { result: result('REPEAT_REQ_INCONSISTENT') };
    }
    const known = await this.deps.knowledge.findPayment(mppClientId, notify.paymentRequestId);
    // Not stored: Alipay+ may learn of the payment later, and the MPP retries until S.
    if (known === undefined) return { result: result('ORDER_NOT_EXIST') };
    const judgement = judgeNotify(known, notify);
    if (!judgement.ok) {
      return {
        result: result('PARAM_ILLEGAL', `${judgement.field} does not match the payment Alipay+ sent`),
      };
    }
    const answer: NotifyPaymentResponse = { result: result('SUCCESS') };
    const receipt = this.receiptFor(mppClientId, notify, checkedFields, judgement.verdict, answer);
    const stored =
      prior === undefined
        ? await this.deps.store.insert(receipt)
        : await this.deps.store.replace({ ...receipt, createdAtMs: prior.createdAtMs }, prior.checkedFields);
    if (!stored) return this.afterLostRace(mppClientId, notify.paymentRequestId, checkedFields);
    await this.act(receipt, notify);
    return answer;
  }

  /** Starts the cancels a previous process left PENDING (call once at start). */
  async resumePending(): Promise<number> {
    const pending = await this.deps.store.listPendingCancels(RESUME_BATCH_MAX);
    for (const receipt of pending)
      this.startCancel(receipt.mppClientId, receipt.paymentRequestId, receipt.cancelAttempts);
    return pending.length;
  }

  /** Waits for the cancels in flight (tests, shutdown); with a VirtualClock, advance it meanwhile. */
  async drain(): Promise<void> {
    for (let round = 0; round < CANCEL_RETRY_DELAYS_MS.length + 1 && this.running.size > 0; round++) {
      await Promise.all([...this.running]);
    }
  }

  /** Stops scheduling retries; attempts in flight finish. */
  close(): void {
    this.closed = true;
  }

  private receiptFor(
    mppClientId: string,
    notify: NotifyPaymentRequest,
    checkedFields: string,
    verdict: Verdict,
    answer: NotifyPaymentResponse,
  ): NotifyReceipt {
    const nowMs = this.deps.clock.nowMs();
    const cancelState: CancelState = verdict === 'CONTRADICTS_CLOSED' ? 'PENDING' : 'NONE';
    return {
      mppClientId,
      paymentRequestId: notify.paymentRequestId,
      checkedFields,
      answerJson: JSON.stringify(answer),
      verdict,
      cancelState,
      cancelAttempts: 0,
      cancelDetail: null,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    };
  }

  private async afterLostRace(mppClientId: string, paymentRequestId: string, checkedFields: string) {
    const winner = await this.deps.store.find(mppClientId, paymentRequestId);
    if (winner !== undefined && winner.checkedFields === checkedFields) return JSON.parse(winner.answerJson);
    return { result: result('REPEAT_REQ_INCONSISTENT') };
  }

  private async act(receipt: NotifyReceipt, notify: NotifyPaymentRequest): Promise<void> {
    const key = { mppClientId: receipt.mppClientId, paymentRequestId: receipt.paymentRequestId };
    if (receipt.verdict === 'CONTRADICTS_CLOSED') {
      this.logger.warn(key, 'notifyPayment says S for a payment Alipay+ closed: cancelling it at the MPP');
      this.startCancel(key.mppClientId, key.paymentRequestId, 0);
      return;
    }
    if (receipt.verdict === 'MPP_FAILED_ALIPAY_SUCCEEDED') {
      this.logger.error(key, 'notifyPayment says F for a payment Alipay+ approved: manual follow-up');
    }
    if (receipt.verdict === 'NEWS' || receipt.verdict === 'MPP_FAILED_ALIPAY_SUCCEEDED') {
      await this.deps.knowledge.recordMppOutcome?.({
        ...key,
        resultStatus: notify.paymentResult.resultStatus === 'S' ? 'S' : 'F',
        resultCode: notify.paymentResult.resultCode,
        paymentId: notify.paymentId ?? null,
      });
    }
  }

  private startCancel(mppClientId: string, paymentRequestId: string, attemptsDone: number): void {
    const run = this.cancelFrom(mppClientId, paymentRequestId, attemptsDone).catch((error: unknown) => {
      this.logger.error({ mppClientId, paymentRequestId, error: String(error) }, 'cancel runner failed');
    });
    const tracked = run.finally(() => this.running.delete(tracked));
    this.running.add(tracked);
  }

  private async cancelFrom(
    mppClientId: string,
    paymentRequestId: string,
    attemptsDone: number,
  ): Promise<void> {
    const key = { mppClientId, paymentRequestId };
    for (let attempt = attemptsDone; attempt < CANCEL_RETRY_DELAYS_MS.length; attempt++) {
      const previousDelayMs = attempt === 0 ? 0 : (CANCEL_RETRY_DELAYS_MS[attempt - 1] ?? 0);
      await this.sleep((CANCEL_RETRY_DELAYS_MS[attempt] ?? 0) - previousDelayMs);
      if (this.closed) return;
      const outcome = await this.deps.canceller.cancelPayment(mppClientId, paymentRequestId);
      const change = { cancelAttempts: attempt + 1, updatedAtMs: this.deps.clock.nowMs() };
      if (outcome.kind === 'cancelled') {
        await this.deps.store.updateCancel(key, { ...change, cancelState: 'DONE', cancelDetail: null });
        this.logger.info(key, 'contradicting payment cancelled at the MPP');
        return;
      }
      if (outcome.kind === 'refused') {
        // e.g. CANCEL_WINDOW_EXCEEDED: a person decides (refund, or accept); never retried blindly.
        await this.deps.store.updateCancel(key, {
          ...change,
          cancelState: 'REFUSED',
          cancelDetail: outcome.resultCode,
        });
        this.logger.error({ ...key, resultCode: outcome.resultCode }, 'the MPP refused the cancel');
        return;
      }
      await this.deps.store.updateCancel(key, {
        ...change,
        cancelState: 'PENDING',
        cancelDetail: outcome.detail.slice(0, 256),
      });
    }
    this.logger.error(key, 'cancel still unknown after every retry; left PENDING');
  }

  private sleep(delayMs: number): Promise<void> {
    if (delayMs <= 0) return Promise.resolve();
    return new Promise((resolve) => this.deps.clock.setTimer(delayMs, resolve));
  }
}
