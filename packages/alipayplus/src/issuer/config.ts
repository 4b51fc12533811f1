import { type RetrySchedule, retrySchedule } from '@tapkit/protocol';
import { REFUND_MATCH_WINDOW_MS_DEFAULT } from './domain/conversion.ts';
import { FAULT_CONFIG_DEFAULT, type FaultConfig } from './domain/faults.ts';
import { PAYMENT_EXPIRY_MS_DEFAULT } from './domain/outcome.ts';

// The issuer processor's options with their defaults; every (tapkit) number lives here.

export interface IssuerConfig {
  readonly faults: FaultConfig;
  /** (doc) How long Alipay+ waits for pay; fault 9902 waits this long on the Clock before answering 91. */
  readonly payTimeoutMs: number;
  /** (doc) How long Alipay+ waits for inquiryPayment; fault 9903 waits this long on the first inquiry. */
  readonly inquiryTimeoutMs: number;
  /** (doc default 3 min) A payment still unknown this long after its pay is cancelled. */
  readonly paymentExpiryMs: number;
  /** (tapkit) Waits between identical re-sends of refund / cancel / adjustRefund / outbox pays. */
  readonly callRetry: RetrySchedule;
  /** (tapkit) Attempts per outbox call before it waits for the next resume. */
  readonly callAttemptsMax: number;
  readonly refundMatchWindowMs: number;
  /** (tapkit) Expiry timers held at once; authorizations beyond it are armed at the next start. */
  readonly expiryTimersMax: number;
  /** (tapkit) Rows read per resume query on start (pending calls, unknown payments, open authorizations). */
  readonly resumeBatchMax: number;
  /** (tapkit) Network messages handled at once per TCP connection; reading pauses above it. */
  readonly inFlightPerConnectionMax: number;
}

export const ISSUER_CONFIG_DEFAULT: IssuerConfig = {
  faults: FAULT_CONFIG_DEFAULT,
  payTimeoutMs: 8_000,
  inquiryTimeoutMs: 5_000,
  paymentExpiryMs: PAYMENT_EXPIRY_MS_DEFAULT,
  callRetry: retrySchedule([1_000, 2_000, 5_000, 10_000]),
  callAttemptsMax: 5,
  refundMatchWindowMs: REFUND_MATCH_WINDOW_MS_DEFAULT,
  expiryTimersMax: 1_000_000,
  resumeBatchMax: 10_000,
  inFlightPerConnectionMax: 256,
};
