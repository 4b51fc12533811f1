// The issuer's two timer sets, on the Clock: an OPEN authorization's expiry, and the inquiry schedule of
// a pay whose outcome is unknown. Each only arms, re-arms and cancels; what runs when one is due is the
// callback its owner gave (the expiry and inquiry flows).
import type { TimerHandle } from '@tapkit/protocol';
import { inquiryDelayMs } from './domain/outcome.ts';
import type { MppCall, Plan } from './domain/types.ts';
import type { Clock, IssuerLogger } from './ports.ts';

export type PayCall = Extract<MppCall, { api: 'pay' }>;

export class ExpiryTimers {
  private readonly timers = new Map<string, TimerHandle>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly logger: IssuerLogger,
    private readonly timersMax: number,
    private readonly onDue: (trace: string) => void,
  ) {}

  arm(trace: string, expiresAtMs: number): void {
    if (this.stopped) return;
    this.timers.get(trace)?.cancel();
    if (!this.timers.has(trace) && this.timers.size >= this.timersMax) {
      this.logger.warn({ networkTraceId: trace }, 'expiry timers full; armed at the next start');
      return;
    }
    const timer = this.clock.setTimer(expiresAtMs - this.clock.nowMs(), () => {
      this.timers.delete(trace);
      this.onDue(trace);
    });
    this.timers.set(trace, timer);
  }

  cancel(trace: string): void {
    this.timers.get(trace)?.cancel();
    this.timers.delete(trace);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }
}

type InquiryDue = (trace: string, call: PayCall, plan: Plan, attempt: number) => void;

// Inquiry at 2, 3, 3, 5, 5, 10, 10, 30 s ... (inquiryDelayMs) until a final answer or the payment expiry.
export class InquiryTimers {
  private readonly timers = new Map<string, { timer: TimerHandle; fire: () => void }>();
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly onDue: InquiryDue,
  ) {}

  watch(trace: string, call: PayCall, plan: Plan, attempt: number): void {
    if (this.stopped) return;
    const fire = () => {
      this.timers.delete(call.paymentRequestId);
      this.onDue(trace, call, plan, attempt);
    };
    const timer = this.clock.setTimer(inquiryDelayMs(attempt), fire);
    this.timers.set(call.paymentRequestId, { timer, fire });
  }

  /** News from the MPP (a notifyPayment) about a payment being resolved: ask now instead of waiting. */
  expedite(paymentRequestId: string): boolean {
    const pending = this.timers.get(paymentRequestId);
    if (pending === undefined) return false;
    pending.timer.cancel();
    pending.fire();
    return true;
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.timers.values()) timer.cancel();
    this.timers.clear();
  }
}
