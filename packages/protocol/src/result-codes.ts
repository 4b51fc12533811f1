// The one catalog of Alipay+ result codes as Tapkit speaks them, with the API names, paths and timeouts.
// Facts from the public Alipay+ documentation are marked (doc); names and choices Tapkit had to make
// because the documentation is silent are marked (tapkit). All (tapkit) protocol decisions about result
// codes, paths and timeouts live in this file so they can change in one place.

export const API_NAMES = [
  'pay',
  'inquiryPayment',
  'cancelPayment',
  'refund',
  'adjustRefund',
  'notifyPayment',
  'sdkProxy',
] as const;

export type ApiName = (typeof API_NAMES)[number];

export const API_PATHS: Record<ApiName, string> = {
  pay: '/aps/api/v1/payments/pay', // (doc)
  inquiryPayment: '/aps/api/v1/payments/inquiryPayment', // (doc)
  cancelPayment: '/aps/api/v1/payments/cancelPayment', // (doc)
  refund: '/aps/api/v1/payments/refund', // (doc)
  adjustRefund: '/aps/api/v1/payments/adjustRefund', // (tapkit) path; the API itself is (doc)
  notifyPayment: '/aps/api/v1/payments/notifyPayment', // (doc)
  sdkProxy: '/aps/api/v1/mobile/sdkProxy', // (doc)
};

/** How long the caller waits for an answer before treating the call as unknown and re-sending it. */
export const API_TIMEOUTS_MS: Record<ApiName, number> = {
  pay: 8_000, // (doc)
  inquiryPayment: 5_000, // (doc)
  cancelPayment: 8_000, // (doc)
  refund: 8_000, // (doc)
  adjustRefund: 8_000, // (tapkit) the documentation gives none; same as refund.
  notifyPayment: 5_000, // (doc)
  sdkProxy: 12_000, // (tapkit) client timeout; longer than the upstream expiry below so U comes back signed.
};

/** (tapkit) How long the sdkProxy host waits for the Ant server before answering U SDK_UPSTREAM_TIMEOUT. */
export const SDK_PROXY_UPSTREAM_EXPIRY_MS = 10_000;

export type ResultStatus = 'S' | 'F' | 'U';

export const RESULT_STATUSES: readonly ResultStatus[] = ['S', 'F', 'U'];

/** A result object as it travels: resultCode is a string because a newer peer may send codes we lack. */
export interface WireResult {
  resultCode: string;
  resultStatus: ResultStatus;
  resultMessage: string;
}

export interface ResultCodeEntry {
  readonly status: ResultStatus;
  readonly message: string;
  readonly apis: readonly ApiName[];
}

/**
 * (doc) The HTTP status a result travels with: every Alipay+ answer, success or error, is HTTP 200 with
 * the result in the signed JSON body (the doc's examples and error tables). A bare 404 / 405 / 415 from
 * the framework would be unsigned and unreadable for the peer, so there is exactly one mapping.
 */
export const RESULT_HTTP_STATUS = 200;

/** The HTTP status of a code's answer (see RESULT_HTTP_STATUS: one mapping for every code). */
export function httpStatusOf(_code: ResultCode): number {
  return RESULT_HTTP_STATUS;
}

const allApis = API_NAMES;

// Every code, once. `apis` lists where a code may appear as the top-level `result`; inquiryPayment's
// nested `paymentResult` carries pay's codes plus PAYMENT_IN_PROCESS (see PAYMENT_RESULT_CODES).
const catalog = {
  // Common to every API (doc).
  SUCCESS: { status: 'S', message: 'Success.', apis: allApis },
  PARAM_ILLEGAL: { status: 'F', message: 'Illegal parameters.', apis: allApis },
  INVALID_SIGNATURE: { status: 'F', message: 'The signature is invalid.', apis: allApis },
  INVALID_CLIENT: { status: 'F', message: 'The client is invalid.', apis: allApis },
  MEDIA_TYPE_NOT_ACCEPTABLE: {
    status: 'F',
    message: 'The media type of the request is not acceptable.',
    apis: allApis,
  },
  // Generic codes every endpoint can answer (doc): a non-POST method and an unknown path under /aps/.
  METHOD_NOT_SUPPORTED: { status: 'F', message: 'The HTTP method is not supported.', apis: allApis },
  INVALID_API: { status: 'F', message: 'The API is not valid.', apis: allApis },
  // (doc) "do not retry": the request failed for good; a notifyPayment acknowledged so ends its retries.
  PROCESS_FAIL: { status: 'F', message: 'The process failed; do not retry.', apis: allApis },
  ACCESS_DENIED: { status: 'F', message: 'Access is denied.', apis: allApis },
  UNKNOWN_EXCEPTION: {
    status: 'U',
    message: 'The request could not be decided because of an unknown reason; retry with the same parameters.',
    apis: allApis,
  },
  REQUEST_TRAFFIC_EXCEED_LIMIT: {
    status: 'U',
    message: 'The request traffic exceeds the limit; retry later with the same parameters.',
    apis: allApis,
  },
  REPEAT_REQ_INCONSISTENT: {
    status: 'F',
    message: 'A request with the same idempotency key but different checked fields was received.',
    apis: ['pay', 'refund', 'adjustRefund', 'notifyPayment'],
  },
  // pay (doc).
  USER_BALANCE_NOT_ENOUGH: { status: 'F', message: "The user's balance is not enough.", apis: ['pay'] },
  USER_NOT_EXIST: { status: 'F', message: 'The user does not exist.', apis: ['pay', 'sdkProxy'] },
  USER_STATUS_ABNORMAL: { status: 'F', message: "The user's status is abnormal.", apis: ['pay'] },
  PAYMENT_AMOUNT_EXCEED_LIMIT: {
    status: 'F',
    message: 'The payment amount exceeds the limit.',
    apis: ['pay'],
  },
  USER_AMOUNT_EXCEED_LIMIT: {
    status: 'F',
    message: "The payment amount exceeds the user's cumulative limit.",
    apis: ['pay'],
  },
  PAYMENT_COUNT_EXCEED_LIMIT: {
    status: 'F',
    message: "The number of payments exceeds the user's limit.",
    apis: ['pay'],
  },
  RISK_REJECT: { status: 'F', message: 'The payment was rejected for risk reasons.', apis: ['pay'] },
  // Recommended business codes of pay (doc); Tapkit's own rules do not emit them yet, an MPP's may.
  USER_KYC_NOT_QUALIFIED: {
    status: 'F',
    message: "The user's KYC does not qualify for this payment.",
    apis: ['pay'],
  },
  UNAVAILABLE_PAYMENT_METHOD: {
    status: 'F',
    message: 'The payment method is not available.',
    apis: ['pay'],
  },
  USER_PAYMENT_VERIFICATION_FAILED: {
    status: 'F',
    message: "The user's payment verification failed.",
    apis: ['pay'],
  },
  MERCHANT_NOT_REGISTERED: { status: 'F', message: 'The merchant is not registered.', apis: ['pay'] },
  ORDER_IS_CLOSED: {
    status: 'F',
    message: 'The order is closed (cancelled).',
    apis: ['pay', 'refund'],
  },
  // (tapkit) the documentation gives no code for a currency the wallet cannot take.
  CURRENCY_NOT_SUPPORT: { status: 'F', message: 'The currency is not supported.', apis: ['pay', 'refund'] },
  // inquiryPayment / refund / notifyPayment (doc).
  ORDER_NOT_EXIST: {
    status: 'F',
    message: 'The order does not exist.',
    apis: ['inquiryPayment', 'refund', 'notifyPayment'],
  },
  // Only ever inside inquiryPayment's paymentResult (doc).
  PAYMENT_IN_PROCESS: { status: 'U', message: 'The payment is being processed.', apis: ['inquiryPayment'] },
  // (tapkit) name: the cancel window (until 00:30 UTC+8 the day after the payment) has passed.
  CANCEL_WINDOW_EXCEEDED: {
    status: 'F',
    message: 'The cancel window has passed; refund the payment instead.',
    apis: ['cancelPayment'],
  },
  // (tapkit) name: the sum of refunds would exceed the paid amount.
  REFUND_AMOUNT_EXCEED: {
    status: 'F',
    message: 'The total refund amount exceeds the paid amount.',
    apis: ['refund'],
  },
  // (tapkit) name: refunding a payment that did not succeed.
  ORDER_STATUS_INVALID: {
    status: 'F',
    message: 'The order status does not allow this operation.',
    apis: ['refund'],
  },
  // The Alipay family's spelling: the refund window (at least 366 days, doc; configured) has passed.
  REFUND_WINDOW_EXCEED: {
    status: 'F',
    message: 'The refund window has passed.',
    apis: ['refund'],
  },
  // (tapkit) the Ant server did not answer an sdkProxy request within SDK_PROXY_UPSTREAM_EXPIRY_MS.
  SDK_UPSTREAM_TIMEOUT: {
    status: 'U',
    message: 'The SDK server did not answer in time; retry.',
    apis: ['sdkProxy'],
  },
} as const satisfies Record<string, ResultCodeEntry>;

export type ResultCode = keyof typeof catalog;

export const RESULT_CODES: Readonly<Record<ResultCode, ResultCodeEntry>> = catalog;

/** Codes a `paymentResult` (inquiryPayment, notifyPayment) may carry: pay's outcomes plus in-process. */
export const PAYMENT_RESULT_CODES: readonly ResultCode[] = [
  'SUCCESS',
  'PAYMENT_IN_PROCESS',
  'UNKNOWN_EXCEPTION',
  ...(Object.keys(catalog) as ResultCode[]).filter(
    (code) => RESULT_CODES[code].apis.includes('pay') && RESULT_CODES[code].status === 'F',
  ),
];

export function isResultCode(code: string): code is ResultCode {
  return Object.hasOwn(catalog, code);
}

/** Builds a wire result object for a known code; the message defaults to the catalog's. */
export function result(code: ResultCode, message?: string): WireResult {
  const entry = RESULT_CODES[code];
  return { resultCode: code, resultStatus: entry.status, resultMessage: message ?? entry.message };
}
