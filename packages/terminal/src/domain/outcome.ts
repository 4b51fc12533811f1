// The terminal's outcomes: one catalog, stable codes, the text the POS shows. The outcome names follow
// EMV Kernel 2's user interface messages (APPROVED, DECLINED, SEE PHONE, TRY AGAIN) and its
// END APPLICATION outcome for a dialogue that cannot go on.

/** Where the card dialogue stopped. */
export type KernelStep =
  | 'SELECT_PPSE'
  | 'SELECT_AID'
  | 'GET_PROCESSING_OPTIONS'
  | 'READ_RECORD'
  | 'GENERATE_AC';

export const END_APPLICATION_REASONS = {
  /** SELECT PPSE answered 6A82: the phone has no contactless payment application. */
  PPSE_NOT_FOUND: 'the card has no payment directory',
  /** No directory entry is an AID this terminal accepts. */
  NO_SUPPORTED_APPLICATION: 'no supported application on the card',
  /** A status word other than 9000 where 9000 was required. */
  STATUS_WORD: 'the card answered an error status',
  /** Not BER-TLV, the wrong template, a value of the wrong length. */
  RESPONSE_MALFORMED: 'the card answer is malformed',
  /** A tag the dialogue needs (84, 82, 94, 5A, 5F24, 8C, 9F27, 9F36, 9F26, 9F10) is absent. */
  MANDATORY_DATA_MISSING: 'the card did not send mandatory data',
  /** Data that decodes but means nothing (AFL, PAN, expiry date, DOL). */
  DATA_INVALID: 'the card sent invalid data',
  /** PDOL or CDOL data longer than a short APDU carries. */
  DOL_TOO_LONG: 'the card asked for too much terminal data',
  /** The same data object in two records (EMV: the card is faulty). */
  CARD_DATA_DUPLICATE: 'the card sent the same data twice',
  /** The AFL lists more records than the reader reads. */
  RECORD_COUNT_EXCEEDED: 'the card lists too many records',
  /** CID neither 80 (ARQC) nor 00 (AAC); the Tapkit card never answers TC. */
  CRYPTOGRAM_TYPE_INVALID: 'the card answered an unexpected cryptogram type',
  /** The transaction itself cannot be sent to a card (amount out of range). */
  TRANSACTION_INVALID: 'the transaction is invalid',
  /** A defect in the terminal; logged with its cause. */
  TERMINAL_ERROR: 'terminal error',
} as const;

export type EndApplicationCode = keyof typeof END_APPLICATION_REASONS;

export const TRY_AGAIN_REASONS = {
  CARD_TIMEOUT: 'the card did not answer in time',
  CARD_LINK_LOST: 'the card left the field',
  NETWORK_TIMEOUT: 'the network did not answer in time (a reversal is sent)',
  NETWORK_LINK_LOST: 'the network connection dropped (a reversal is sent)',
  NETWORK_UNAVAILABLE: 'the network is unreachable',
  NETWORK_BUSY: 'the network connection is saturated',
  NETWORK_RESPONSE_INVALID: 'the network answered a malformed response (a reversal is sent)',
} as const;

export type TryAgainCode = keyof typeof TRY_AGAIN_REASONS;

export type DeclineReason =
  /** The issuer or the network declined: DE39 of the 0110. */
  | { readonly source: 'NETWORK'; readonly responseCode: string }
  /** The card declined offline: it answered an AAC without asking for cardholder action. */
  | { readonly source: 'CARD'; readonly code: 'CARD_DECLINED_AAC' };

/** What the merchant panel may show about a transaction: never the PAN in clear. */
export interface TransactionSummary {
  readonly rrn: string;
  readonly stan: string;
  readonly amountMinor: bigint;
  readonly currencyCode: string;
  readonly maskedPan: string;
}

export type TerminalOutcome =
  | {
      readonly kind: 'APPROVED';
      readonly transaction: TransactionSummary;
      readonly approvalCode: string | undefined;
    }
  | { readonly kind: 'DECLINED'; readonly reason: DeclineReason; readonly transaction?: TransactionSummary }
  | { readonly kind: 'SEE_PHONE' }
  | { readonly kind: 'TRY_AGAIN'; readonly reason: TryAgainCode; readonly reversalOwed: boolean }
  | {
      readonly kind: 'END_APPLICATION';
      readonly reason: EndApplicationCode;
      readonly step: KernelStep | undefined;
      readonly detail: string;
      /** The status word, when the reason is STATUS_WORD. */
      readonly sw?: number;
    };

export type TerminalOutcomeKind = TerminalOutcome['kind'];

/** The text on the reader's display (Kernel 2 message names). */
export function displayMessage(outcome: TerminalOutcome): string {
  switch (outcome.kind) {
    case 'APPROVED':
      return 'Approved';
    case 'DECLINED':
      return 'Declined';
    case 'SEE_PHONE':
      return 'See phone';
    case 'TRY_AGAIN':
      return 'Try again';
    case 'END_APPLICATION':
      return 'Card error: try another card';
  }
}

/** A one-line description for logs and the merchant panel. Holds no card data beyond a masked PAN. */
export function describeOutcome(outcome: TerminalOutcome): string {
  switch (outcome.kind) {
    case 'APPROVED':
      return `APPROVED rrn=${outcome.transaction.rrn} pan=${outcome.transaction.maskedPan}`;
    case 'DECLINED':
      return outcome.reason.source === 'NETWORK'
        ? `DECLINED by the network, DE39 ${outcome.reason.responseCode}`
        : 'DECLINED by the card (AAC)';
    case 'SEE_PHONE':
      return 'SEE_PHONE: the card asks for on-device verification';
    case 'TRY_AGAIN':
      return `TRY_AGAIN ${outcome.reason}: ${TRY_AGAIN_REASONS[outcome.reason]}`;
    case 'END_APPLICATION': {
      const sw =
        outcome.sw === undefined ? '' : ` SW ${outcome.sw.toString(16).padStart(4, '0').toUpperCase()}`;
      return `END_APPLICATION ${outcome.reason} at ${outcome.step ?? 'start'}${sw}: ${outcome.detail}`;
    }
  }
}
