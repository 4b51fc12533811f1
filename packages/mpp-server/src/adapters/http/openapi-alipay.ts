import {
  API_PATHS,
  API_TIMEOUTS_MS,
  type ApiName,
  FRESHNESS_MS_DEFAULT,
  MerchantSchema,
  PAYMENT_RESULT_CODES,
  REQUEST_SCHEMAS,
  RESPONSE_SCHEMAS,
  RESULT_CODES,
  type ResultCode,
  ResultSchema,
  result,
  WireAmountSchema,
} from '@tapkit/protocol';
import { REQUEST_SAMPLES, RESPONSE_SAMPLES } from '@tapkit/protocol/samples';
import type { z } from 'zod';
import type { OperationSpec } from './openapi.ts';

// The Alipay+ part of the OpenAPI document, read from the protocol's catalogs: the paths, the request and
// response schemas, the timeouts and the result codes of every API. Nothing is listed twice: an API added
// to the catalog, a loosened schema or a new result code shows up here without an edit.

/** One line per API for readers; an API missing here is still documented, under its name. */
const SUMMARIES: Partial<Record<ApiName, string>> = {
  pay: 'Debit the wallet for a payment (an NFC tap)',
  inquiryPayment: 'Read the outcome of a payment',
  cancelPayment: 'Cancel a payment and give its funds back',
  refund: 'Refund all or part of a successful payment',
  adjustRefund: 'Credit an excess or unlinked NFC refund',
  notifyPayment: "Tell Alipay+ a payment's final result",
  sdkProxy: 'Forward an SDK request to the Ant server',
};

/** The idempotency key of the APIs that have one (docs/protocol/alipayplus-api.md#idempotency). */
const IDEMPOTENCY_KEYS: Partial<Record<ApiName, string>> = {
  pay: 'paymentRequestId',
  cancelPayment: 'paymentRequestId',
  refund: 'refundRequestId',
  adjustRefund: 'refundRequestId',
  notifyPayment: 'paymentRequestId',
};

export const SIGNED_REQUEST_PARAMETERS = ['ClientId', 'RequestTime', 'Signature'] as const;
export const SIGNED_RESPONSE_HEADERS = ['Client-Id', 'Response-Time', 'Signature'] as const;

const signatureFormat =
  'algorithm=RSA256,keyVersion=<version>,signature=<URL-encoded base64 RSASSA-PKCS1-v1_5 SHA-256 signature>';

/** components.parameters: the signature headers of every Alipay+ request. */
export const SIGNED_PARAMETERS: Readonly<Record<(typeof SIGNED_REQUEST_PARAMETERS)[number], unknown>> = {
  ClientId: {
    name: 'Client-Id',
    in: 'header',
    required: true,
    description: 'The Client-Id Alipay+ was given for this MPP; answers echo it.',
    schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' },
  },
  RequestTime: {
    name: 'Request-Time',
    in: 'header',
    required: true,
    description:
      'ISO 8601 with an offset (2026-11-25T12:00:00+08:00) or epoch milliseconds; signed as sent. ' +
      `A time more than ${FRESHNESS_MS_DEFAULT / 60_000} minutes (configurable) from the MPP's clock is ` +
      'refused with F INVALID_SIGNATURE.',
    schema: { type: 'string', minLength: 1, maxLength: 64 },
  },
  Signature: {
    name: 'Signature',
    in: 'header',
    required: true,
    description:
      `${signatureFormat}, over "POST <Request-URI>\\n<Client-Id>.<Request-Time>.<exact body bytes>". ` +
      'Missing, malformed, an unknown keyVersion or a bad signature: F INVALID_SIGNATURE (signed), ' +
      'an unknown Client-Id: F INVALID_CLIENT.',
    schema: { type: 'string', minLength: 1, maxLength: 1024 },
  },
};

/** components.headers: the signature headers of every Alipay+ answer. */
export const SIGNED_HEADERS: Readonly<Record<(typeof SIGNED_RESPONSE_HEADERS)[number], unknown>> = {
  'Client-Id': { description: "The request's Client-Id.", schema: { type: 'string' } },
  'Response-Time': {
    description: 'ISO 8601 with an offset; part of the signed content.',
    schema: { type: 'string' },
  },
  Signature: {
    description:
      `${signatureFormat}, over "POST <Request-URI>\\n<Client-Id>.<Response-Time>.<exact body bytes>". ` +
      'An unsigned or badly signed answer must be treated as unknown (U), never as success.',
    schema: { type: 'string' },
  },
};

/** The shared pieces named as components, so every API refers to one Amount and one Result. */
export const ALIPAY_NAMED_SCHEMAS: readonly (readonly [string, z.ZodType])[] = [
  ['Amount', WireAmountSchema],
  ['Result', ResultSchema],
  ['Merchant', MerchantSchema],
];

export interface ResultCodeDoc {
  readonly code: string;
  readonly status: string;
  readonly message: string;
}

/** The catalog codes an API can answer as its top-level result. */
export function resultCodesOf(api: ApiName): ResultCodeDoc[] {
  return (Object.keys(RESULT_CODES) as ResultCode[])
    .filter((code) => RESULT_CODES[code].apis.includes(api))
    .map((code) => ({ code, status: RESULT_CODES[code].status, message: RESULT_CODES[code].message }));
}

const codeList = (codes: readonly ResultCodeDoc[]) =>
  codes.map((c) => `- \`${c.code}\` (${c.status}) ${c.message}`).join('\n');

function describe(api: ApiName, direction: 'hosted' | 'sent'): string {
  const key = IDEMPOTENCY_KEYS[api];
  const paragraphs = [
    direction === 'hosted'
      ? `Alipay+ waits ${API_TIMEOUTS_MS[api] / 1000} s for the answer; on a timeout it re-sends with identical parameters.`
      : `The MPP sends this to Alipay+ and waits ${API_TIMEOUTS_MS[api] / 1000} s for the answer.`,
    key === undefined
      ? ''
      : `Idempotent by \`${key}\`: the same key with the same checked fields gets the stored first answer; ` +
        'with other fields, F REPEAT_REQ_INCONSISTENT and nothing happens.',
    'The answer is always HTTP 200 JSON, signed. Its result codes:',
    codeList(resultCodesOf(api)),
  ];
  if (api === 'inquiryPayment') {
    const payment = PAYMENT_RESULT_CODES.map((code) => ({ code, ...RESULT_CODES[code] }));
    paragraphs.push("The payment's own outcome, in `paymentResult`:", codeList(payment));
  }
  return paragraphs.filter((p) => p !== '').join('\n\n');
}

/** One signed Alipay+ API as an operation: signature headers, the catalog schemas, samples as examples. */
export function alipayOperation(api: ApiName, direction: 'hosted' | 'sent'): OperationSpec {
  const failure = { result: result('PARAM_ILLEGAL', 'paymentRequestId: Required') };
  return {
    method: 'POST',
    path: API_PATHS[api],
    surface: 'alipayplus',
    operationId: api,
    summary: SUMMARIES[api] ?? api,
    description: describe(api, direction),
    headerParameters: SIGNED_REQUEST_PARAMETERS,
    body: { schema: REQUEST_SCHEMAS[api], examples: { sample: REQUEST_SAMPLES[api] } },
    responses: {
      '200': {
        description: 'The signed answer; read `result.resultStatus` (S, F or U) first.',
        body: RESPONSE_SCHEMAS[api],
        headers: SIGNED_RESPONSE_HEADERS,
        examples: { success: RESPONSE_SAMPLES[api], failure },
      },
    },
    extensions: { 'x-tapkit-result-codes': resultCodesOf(api) },
  };
}
