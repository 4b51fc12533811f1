// What the notifyPayment receiver needs from the world.
//
// PaymentKnowledge is what Alipay+ itself knows of a payment it sent to an MPP: the issuer processor
// (src/issuer) implements it over its authorization book; tests use an in-memory one. Statuses follow the
// issuer processor's PaymentStatus: PENDING (pay in flight), UNKNOWN (no final answer yet, the inquiry
// schedule is resolving it), SUCCESS, FAILED (declined, or closed as failed after the POS was told 91),
// CANCELLED (Alipay+ cancelled it).
import type { WireAmount } from '@tapkit/protocol';

export type KnownPaymentStatus = 'PENDING' | 'SUCCESS' | 'FAILED' | 'UNKNOWN' | 'CANCELLED';

export interface KnownPayment {
  readonly mppClientId: string;
  readonly paymentRequestId: string;
  readonly customerId: string;
  readonly paymentAmount: WireAmount;
  readonly payToAmount: WireAmount;
  readonly status: KnownPaymentStatus;
  /** The MPP's paymentId when Alipay+ has seen one (a successful pay answer). */
  readonly paymentId?: string | null;
}

export interface MppOutcomeNews {
  readonly mppClientId: string;
  readonly paymentRequestId: string;
  readonly resultStatus: 'S' | 'F';
  readonly resultCode: string;
  readonly paymentId: string | null;
}

export interface PaymentKnowledge {
  findPayment(mppClientId: string, paymentRequestId: string): Promise<KnownPayment | undefined>;
  /**
   * Optional: the MPP told a final outcome Alipay+ had no final answer for (PENDING / UNKNOWN) or one
   * that disagrees with a SUCCESS. The issuer processor may use it to stop its inquiry schedule early.
   */
  recordMppOutcome?(news: MppOutcomeNews): Promise<void>;
}

export type CancelOutcome =
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'refused'; readonly resultCode: string }
  | { readonly kind: 'unknown'; readonly detail: string };

/** cancelPayment to an MPP (a SignedClient per MPP in production). */
export interface MppCanceller {
  cancelPayment(mppClientId: string, paymentRequestId: string): Promise<CancelOutcome>;
}

export type CancelState = 'NONE' | 'PENDING' | 'DONE' | 'REFUSED';

export interface NotifyReceipt {
  readonly mppClientId: string;
  readonly paymentRequestId: string;
  /** Canonical text of the checked fields (docs/protocol/alipayplus-api.md#idempotency). */
  readonly checkedFields: string;
  /** The JSON of the answer given, replayed for an identical notify. */
  readonly answerJson: string;
  readonly verdict: string;
  readonly cancelState: CancelState;
  readonly cancelAttempts: number;
  readonly cancelDetail: string | null;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export interface NotifyStore {
  find(mppClientId: string, paymentRequestId: string): Promise<NotifyReceipt | undefined>;
  /** False when a receipt for the key exists already (a concurrent duplicate won). */
  insert(receipt: NotifyReceipt): Promise<boolean>;
  /** Replaces the receipt if its checked fields are still `expectedCheckedFields`. */
  replace(receipt: NotifyReceipt, expectedCheckedFields: string): Promise<boolean>;
  updateCancel(
    key: { mppClientId: string; paymentRequestId: string },
    change: {
      cancelState: CancelState;
      cancelAttempts: number;
      cancelDetail: string | null;
      updatedAtMs: number;
    },
  ): Promise<void>;
  listPendingCancels(limit: number): Promise<NotifyReceipt[]>;
}
