// Plain data the issuer processor's rules work on: an authorization as the book keeps it, its payments at
// the MPP, and the MPP calls a rule asks for. Amounts are bigint minor units of the authorization's
// currency; times are epoch milliseconds read from the Clock by the caller.

/** How the authorization came to be (DE61 for 0100; ADVICE for a stand-in; UNLINKED for clearing alone). */
export type AuthorizationType = 'FINAL' | 'UNDEFINED' | 'PRE_AUTH' | 'ADVICE' | 'UNLINKED' | 'REFUND';

/**
 * PENDING: the pay is in flight. OPEN: approved, waiting for clearing. CLEARED, REVERSED (full reversal),
 * EXPIRED: closed with nothing left open. DECLINED: never approved (or approved late and cancelled).
 */
export type AuthorizationState = 'PENDING' | 'OPEN' | 'CLEARED' | 'REVERSED' | 'EXPIRED' | 'DECLINED';

/** The authorizationType of the pay request. */
export type PayKind = 'FINAL' | 'PRE_AUTH' | 'INCREMENTAL' | 'ADVICE' | 'CLEARING_ADJUSTMENT';

/** UNKNOWN: no final answer yet (U, timeout, bad signature): the inquiry schedule is resolving it. */
export type PaymentStatus = 'PENDING' | 'SUCCESS' | 'FAILED' | 'UNKNOWN' | 'CANCELLED';

export interface PaymentView {
  readonly paymentRequestId: string;
  readonly kind: PayKind;
  readonly amountMinor: bigint;
  readonly status: PaymentStatus;
  /** When the pay was sent: the cancel window counts from it. */
  readonly paidAtMs: number;
  /** Refunds asked for so far (planned or done) against this payment. */
  readonly refundedMinor: bigint;
  /** The network trace id of the message that caused the payment (an incremental has its own). */
  readonly messageTraceId: string;
  /** The MPP's paymentId once the pay succeeded (refunds name it). */
  readonly paymentId?: string | undefined;
}

export interface AuthorizationView {
  readonly networkTraceId: string;
  readonly type: AuthorizationType;
  readonly state: AuthorizationState;
  readonly currency: string;
  readonly authorizedMinor: bigint;
  readonly reversedMinor: bigint;
  readonly clearedMinor: bigint;
  readonly refundedMinor: bigint;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly payments: readonly PaymentView[];
}

export type SubScenarioType = 'EXCEED_REFUND' | 'UNLINKED_REFUND';

export type MppCall =
  | {
      readonly api: 'pay';
      readonly paymentRequestId: string;
      readonly authorizationType: PayKind;
      readonly amountMinor: bigint;
      readonly originalPaymentRequestId?: string;
    }
  | { readonly api: 'cancelPayment'; readonly paymentRequestId: string }
  | {
      readonly api: 'refund';
      readonly refundRequestId: string;
      readonly paymentRequestId: string;
      readonly amountMinor: bigint;
    }
  | {
      readonly api: 'adjustRefund';
      readonly refundRequestId: string;
      readonly subScenarioType: SubScenarioType;
      readonly amountMinor: bigint;
      readonly paymentRequestId?: string;
    };

/** What a rule decides: calls to make, and how the authorization's amounts and state change. */
export interface Plan {
  readonly calls: readonly MppCall[];
  readonly delta: {
    readonly authorizedMinor: bigint;
    readonly reversedMinor: bigint;
    readonly clearedMinor: bigint;
    readonly refundedMinor: bigint;
  };
  readonly state?: AuthorizationState;
  readonly expiresAtMs?: number;
}

export const noDelta: Plan['delta'] = {
  authorizedMinor: 0n,
  reversedMinor: 0n,
  clearedMinor: 0n,
  refundedMinor: 0n,
};
