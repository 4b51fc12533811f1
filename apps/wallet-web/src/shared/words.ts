// What the pages say, in plain words first and the code second (small, for support): one place for the
// wallet's tap results, history reasons and activation phases, and the POS display's declines, so both
// pages name the same state the same way.

/** A message for a person, and the technical code behind it (shown small), when there is one. */
export interface Words {
  readonly text: string;
  readonly code?: string;
}

/** The MPP's resultCode of a payment that did not go through (docs/protocol/alipayplus-api.md#result-codes). */
const PAYMENT_REASONS: Readonly<Record<string, string>> = {
  USER_BALANCE_NOT_ENOUGH: 'Not enough money in your wallet',
  USER_AMOUNT_EXCEED_LIMIT: 'Above your payment limit',
  USER_STATUS_ABNORMAL: 'Your wallet is frozen',
  USER_NOT_EXIST: 'This wallet account was not found',
  RISK_REJECT: 'Refused by the risk check',
  CURRENCY_NOT_SUPPORT: 'This currency is not supported',
  ORDER_IS_CLOSED: 'The payment was closed',
  ORDER_STATUS_INVALID: 'The payment was cancelled',
  PAYMENT_EXPIRED: 'The payment expired',
  PAYMENT_AMOUNT_EXCEED_LIMIT: 'Above the amount allowed for one payment',
  PAYMENT_COUNT_EXCEED_LIMIT: 'Too many payments today',
  PAYMENT_IN_PROCESS: 'Still being processed',
  ORDER_NOT_EXIST: 'The payment was not found',
  REPEAT_REQ_INCONSISTENT: 'A repeated request did not match the first',
  PROCESS_FAIL: 'The payment service failed',
  SYSTEM_ERROR: 'The payment service failed',
  UNKNOWN_EXCEPTION: 'The payment service failed',
  REQUEST_TRAFFIC_EXCEED_LIMIT: 'The payment service is busy',
};

/** The plain reason of a payment's resultCode; undefined for a success. */
export function paymentReason(status: string, resultCode: string | null): Words | undefined {
  if (status === 'SUCCESS') return undefined;
  if (status === 'CANCELLED') return { text: 'Cancelled by the shop', ...codeOf(resultCode) };
  if (resultCode === null) return status === 'FAILED' ? { text: 'Not paid' } : undefined;
  return { text: PAYMENT_REASONS[resultCode] ?? 'Not paid', code: resultCode };
}

const codeOf = (code: string | null) => (code === null || code === 'SUCCESS' ? {} : { code });

/** The status column of the history, for a person. */
export function paymentStatusWords(status: string, refunded: boolean): string {
  switch (status) {
    case 'SUCCESS':
      return refunded ? 'Paid, refunded' : 'Paid';
    case 'FAILED':
      return 'Declined';
    case 'CANCELLED':
      return 'Cancelled';
    default:
      return status.charAt(0) + status.slice(1).toLowerCase();
  }
}

/** The SDK's numbered results (docs/protocol/sdk.md#result-codes, 10001-10011) as a person reads them. */
const SDK_RESULTS: Readonly<Record<string, string>> = {
  PROVISION_FAILED: 'We could not set up your card. Try again later.',
  DEVICE_UNSAFE: 'This device cannot keep a card safely.',
  CDCVM_REQUIRED: 'Verify it is you, then tap again.',
  INNER_EXCEPTION: 'Something went wrong on this phone. Try again.',
  NETWORK_EXCEPTION: 'We could not reach the payment service. Check your connection and try again.',
  SDK_NOT_CONNECTED: 'The card is not connected yet. Try again in a moment.',
  INSUFFICIENT_CREDENTIALS: 'Your card has no payment keys left. Get more, then tap again.',
  TOKEN_UNAVAILABLE: 'Your card is locked, so the payment was refused. Unlock it to pay.',
  TOKEN_NOT_EXIST: 'There is no card on this phone yet.',
  ACTIVATION_IN_PROGRESS: 'Your card is still being set up.',
  INVALID_INPUT_PARAMETERS: 'The payment could not be read. Try again.',
};

/** An SdkError-like value: the numbered result and its name. */
interface NumberedResult {
  readonly code: number;
  readonly resultName: string;
}

function isNumberedResult(value: unknown): value is NumberedResult {
  const v = value as Partial<NumberedResult> | null;
  return (
    typeof v === 'object' && v !== null && typeof v.code === 'number' && typeof v.resultName === 'string'
  );
}

/** What an action that threw says: an SDK result in words with its number, anything else plainly. */
export function errorWords(error: unknown): Words {
  if (isNumberedResult(error)) {
    const text = SDK_RESULTS[error.resultName] ?? 'Something went wrong. Try again.';
    return { text, code: `${error.code} ${error.resultName}` };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { text: 'Something went wrong. Try again.', code: detail.slice(0, 200) };
}

/** The wallet's words for a tap the SDK reports failed (TransactionFailure, by its fields). */
export function tapFailureWords(failure: {
  readonly result: string;
  readonly error?: unknown;
  readonly de39?: string;
  readonly declineReason?: string;
}): Words {
  if (failure.error !== undefined) return errorWords(failure.error);
  if (failure.result === 'NETWORK_DECLINED') {
    const reason = failure.declineReason;
    if (reason !== undefined) return { text: `Declined: ${declineText(reason)}`, code: reason };
    if (failure.de39 !== undefined)
      return { text: `Declined: ${responseCodeText(failure.de39)}`, code: `DE39 ${failure.de39}` };
    return { text: 'Declined by your bank' };
  }
  if (failure.result === 'TERMINAL_DECLINED')
    return { text: 'The shop’s reader cancelled the payment', code: failure.result };
  return { text: 'This phone declined the payment', code: failure.result };
}

const declineText = (resultCode: string) => (PAYMENT_REASONS[resultCode] ?? 'not paid').toLowerCase();

/** ISO 8583 DE39 response codes the issuer and network answer (docs/protocol/emv.md#de39), for the POS display. */
const RESPONSE_CODES: Readonly<Record<string, string>> = {
  '00': 'approved',
  '01': 'refer to the card issuer',
  '03': 'this shop is not accepted',
  '04': 'keep the card',
  '05': 'refused by the card issuer',
  '12': 'this kind of payment is not allowed',
  '13': 'the amount is not valid',
  '14': 'the card number is not valid',
  '30': 'the message was malformed',
  '51': 'not enough funds',
  '54': 'the card has expired',
  '55': 'wrong PIN',
  '57': 'not allowed for this card',
  '58': 'not allowed at this terminal',
  '61': 'above the card’s amount limit',
  '62': 'the card is restricted',
  '65': 'too many payments on this card',
  '78': 'the card is blocked',
  '91': 'the card issuer cannot be reached',
  '94': 'a duplicate payment',
  '96': 'the payment system failed',
};

export function responseCodeText(de39: string): string {
  return RESPONSE_CODES[de39] ?? 'refused by the card issuer';
}

/** The activation phases of the SDK (ActivationProgress.phase) named for people. */
const PHASES: Readonly<Record<string, string>> = {
  REGISTER_DEVICE: 'Registering this phone',
  APPLY_TOKEN: 'Asking your bank for a card',
  WAIT_APPROVAL: 'Waiting for your bank to approve',
  PROVISION: 'Receiving your card',
  STORE: 'Saving your card on this phone',
  NOTIFY_RESULT: 'Switching your card on',
  DONE: 'Your card is ready',
};

export function phaseWords(phase: string): string {
  return PHASES[phase] ?? 'Setting up your card';
}
