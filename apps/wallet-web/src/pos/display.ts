import type { JournalStatus, PanelResult, TerminalOutcome } from '@tapkit/terminal';
import { currencyOfNumeric, formatMoney } from '../shared/money.ts';
import { responseCodeText } from '../shared/words.ts';

// What the POS page says: the terminal display after a tap and the merchant panel's results, in plain
// words for the person at the counter, with the Kernel 2 or ISO 8583 code second (small).

export interface Display {
  readonly headline: string;
  readonly detail: string;
  /** The technical reason, shown small under the words. */
  readonly code?: string;
  readonly tone: 'ok' | 'bad' | 'wait';
}

/** Runs one merchant-panel action and shows what it came to. */
export type Act = (action: () => Promise<Display>) => Promise<void>;

/** SW 6985 "conditions of use not satisfied": the Tapkit card's answer while it is locked (docs/protocol/sdk.md#result-codes). */
const swConditionsNotSatisfied = 0x6985;

export function displayOf(outcome: TerminalOutcome): Display {
  switch (outcome.kind) {
    case 'APPROVED': {
      const t = outcome.transaction;
      return {
        headline: 'APPROVED',
        detail: `${formatMoney(t.amountMinor, currencyOfNumeric(t.currencyCode))} · RRN ${t.rrn} · ${t.maskedPan}`,
        tone: 'ok',
      };
    }
    case 'DECLINED':
      return outcome.reason.source === 'NETWORK'
        ? {
            headline: 'DECLINED',
            detail: `Declined: ${responseCodeText(outcome.reason.responseCode)}. Ask for another way to pay.`,
            code: `DE39 ${outcome.reason.responseCode}`,
            tone: 'bad',
          }
        : { headline: 'DECLINED', detail: 'The card declined the payment.', code: 'AAC', tone: 'bad' };
    case 'SEE_PHONE':
      return {
        headline: 'SEE PHONE',
        detail: 'Verification needed: the customer confirms on the phone, then taps again.',
        tone: 'wait',
      };
    case 'TRY_AGAIN':
      return tryAgainDisplay(outcome.reason);
    case 'END_APPLICATION':
      return endApplicationDisplay(outcome);
  }
}

function tryAgainDisplay(reason: Extract<TerminalOutcome, { kind: 'TRY_AGAIN' }>['reason']): Display {
  if (reason === 'CARD_TIMEOUT' || reason === 'CARD_LINK_LOST')
    return {
      headline: 'TRY AGAIN',
      detail: 'No phone answered. Open the wallet page in this browser, then tap again.',
      code: reason,
      tone: 'wait',
    };
  return {
    headline: 'TRY AGAIN',
    detail: 'Network trouble: nothing was charged. Tap again in a moment.',
    code: reason,
    tone: 'wait',
  };
}

function endApplicationDisplay(outcome: Extract<TerminalOutcome, { kind: 'END_APPLICATION' }>): Display {
  const sw = outcome.sw === undefined ? '' : ` SW ${outcome.sw.toString(16).padStart(4, '0').toUpperCase()}`;
  const code = `${outcome.reason} at ${outcome.step ?? 'start'}${sw}`;
  if (outcome.sw === swConditionsNotSatisfied)
    return {
      headline: 'CARD REFUSED',
      detail: 'The card refused to pay: it may be locked. Ask the customer to check their phone.',
      code,
      tone: 'bad',
    };
  if (outcome.reason === 'PPSE_NOT_FOUND' || outcome.reason === 'NO_SUPPORTED_APPLICATION')
    return { headline: 'NO CARD', detail: 'The phone has no card ready to pay.', code, tone: 'bad' };
  return { headline: 'CARD ERROR', detail: 'The card could not be read. Try again.', code, tone: 'bad' };
}

/** The merchant panel's journal status, for a person. */
export function journalStatusWords(status: JournalStatus): string {
  switch (status) {
    case 'PENDING':
      return 'Waiting for answer';
    case 'APPROVED':
      return 'Approved';
    case 'DECLINED':
      return 'Declined';
    case 'NOT_SENT':
      return 'Not sent (network down)';
    case 'REVERSAL_PENDING':
      return 'Being cancelled';
    case 'REVERSED':
      return 'Voided';
  }
}

/** Why the panel refused or the network declined, in words (PanelErrorCode). */
const PANEL_ERRORS: Readonly<Record<string, string>> = {
  TRANSACTION_NOT_FOUND: 'the sale is not in this terminal’s journal',
  NOT_VOIDABLE: 'only an approved sale without refunds can be voided',
  NOT_REFUNDABLE: 'only an approved sale can be refunded',
  AMOUNT_INVALID: 'the amount is more than what is left to refund, or not an amount',
  NETWORK_RESPONSE_INVALID: 'the network answered something unreadable',
};

/** One panel action's result: "Refund approved · RRN …" or "Refund refused: why", with the code. */
export function panelResultDisplay(action: string, result: PanelResult): Display {
  if (result.ok) return { headline: `${action} approved`, detail: `RRN ${result.value.rrn}`, tone: 'ok' };
  const { code, responseCode } = result.error;
  if (code === 'DECLINED' && responseCode !== undefined)
    return {
      headline: `${action} declined`,
      detail: responseCodeText(responseCode),
      code: `DE39 ${responseCode}`,
      tone: 'bad',
    };
  const why = PANEL_ERRORS[code] ?? (code.startsWith('NETWORK') ? 'network trouble, try again' : 'it failed');
  return { headline: `${action} refused`, detail: why, code, tone: 'bad' };
}
