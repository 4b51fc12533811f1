import { type Iso8583Message, maskPan } from '@tapkit/emv';
import type { CardIdentity } from '../domain/card-data.ts';
import type { TransactionSummary } from '../domain/outcome.ts';

// The terminal's record of what it sent, so the merchant panel can refund and void, and an unanswered
// authorization can be reversed. It holds the PAN (a refund needs it); only summaries leave it.

export type JournalStatus =
  /** Sent, no answer yet. */
  | 'PENDING'
  | 'APPROVED'
  | 'DECLINED'
  /** Not sent: the network was unreachable. */
  | 'NOT_SENT'
  /** No answer (or a broken one): a reversal is being delivered. */
  | 'REVERSAL_PENDING'
  /** Reversed: after a timeout, or voided from the panel. */
  | 'REVERSED';

export interface JournalEntry {
  readonly rrn: string;
  readonly stan: string;
  readonly kind: 'PURCHASE' | 'REFUND';
  readonly amountMinor: bigint;
  readonly currencyCode: string;
  readonly card: CardIdentity;
  readonly atMs: number;
  /** The 0100 as sent: a reversal points at it through DE90. */
  readonly request: Iso8583Message;
  readonly status: JournalStatus;
  readonly responseCode: string | undefined;
  readonly approvalCode: string | undefined;
  /** Refunds approved against this purchase so far. */
  readonly refundedMinor: bigint;
  /** For a refund: the purchase it refunds. */
  readonly originalRrn: string | undefined;
}

export interface TransactionJournal {
  save(entry: JournalEntry): Promise<void>;
  get(rrn: string): Promise<JournalEntry | undefined>;
  /** Newest first, at most `limit`. */
  list(limit: number): Promise<JournalEntry[]>;
}

export interface JournalSummary extends TransactionSummary {
  readonly kind: JournalEntry['kind'];
  readonly status: JournalStatus;
  readonly responseCode: string | undefined;
  readonly refundedMinor: bigint;
  readonly atMs: number;
}

export function summaryOf(entry: JournalEntry): JournalSummary {
  return {
    rrn: entry.rrn,
    stan: entry.stan,
    amountMinor: entry.amountMinor,
    currencyCode: entry.currencyCode,
    maskedPan: maskPan(entry.card.pan),
    kind: entry.kind,
    status: entry.status,
    responseCode: entry.responseCode,
    refundedMinor: entry.refundedMinor,
    atMs: entry.atMs,
  };
}
