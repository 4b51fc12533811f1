import { API_TIMEOUTS_MS, err, ok, type Result, type SdkProxyResponse } from '@tapkit/protocol';
import { type CallOutcome, parseJsonObject, readCapped } from '@tapkit/protocol/node';
import { Pool } from 'undici';
import type { HttpErrorCode } from './http-errors.ts';

// The NFC request proxy (docs/architecture.md#proxying-sdk-requests): the SDK hands (type, body, header) to the
// app, the app posts it here with the user's session, and this adds the customer id (only that) and
// forwards it, by type, to the Mastercard token service or to Alipay+ sdkProxy (signed). `body` and
// `header` (the SDK's sdkRequestHeader) are opaque strings passed through byte for byte; the upstream's
// answer body comes back unchanged. A failure, a timeout or an unsigned
// answer is an error, never a made-up success.

export const TOKEN_SERVICE_TYPES = ['GET_PK', 'APPLY', 'REPLENISH'] as const;
export const ALIPAY_PLUS_TYPES = ['SYNC_TOKEN', 'NOTIFY', 'TRANSFER'] as const;
export type NfcRequestType = (typeof TOKEN_SERVICE_TYPES)[number] | (typeof ALIPAY_PLUS_TYPES)[number];

/** (tapkit) Path of the token service's SDK endpoint, below tokenServiceUrl. */
export const TOKEN_SERVICE_SDK_PATH = '/mdes/v1/sdk';
/**
 * (tapkit) The client timeout of both upstreams: above the 10 s upstream expiry
 * (docs/protocol/alipayplus-api.md#timeouts).
 */
export const NFC_PROXY_TIMEOUT_MS = API_TIMEOUTS_MS.sdkProxy;
/** (tapkit) SDK bodies for the token service: the token service accepts up to 64 Ki characters. */
export const TOKEN_SERVICE_BODY_CHARS_MAX = 65_536;
/** The HTTP body of POST /app/v1/nfc/proxy: the largest SDK body, JSON-escaped, plus the envelope. */
export const NFC_PROXY_HTTP_BYTES_MAX = 2 * TOKEN_SERVICE_BODY_CHARS_MAX + 4_096;
/** (tapkit) A token-service answer (a card profile with a batch of credentials) stays well under 1 MiB. */
const tokenServiceResponseBytesMax = 1_048_576;

export interface NfcProxyRequest {
  readonly customerId: string;
  readonly type: NfcRequestType;
  readonly body: string;
  /** The SDK's sdkRequestHeader; REQUIRED by sdkProxy, so always present for the Alipay+ types. */
  readonly header?: string;
}

export interface NfcProxyError {
  readonly code: Extract<
    HttpErrorCode,
    'UPSTREAM_TIMEOUT' | 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_INVALID_RESPONSE' | 'UPSTREAM_REJECTED'
  >;
  readonly upstream: 'TOKEN_SERVICE' | 'ALIPAY_PLUS';
  readonly detail: string;
}

export type NfcProxyResult = Result<{ body: string | null }, NfcProxyError>;

/** What the proxy needs from the signed Alipay+ client (SignedClient satisfies it). */
export interface SdkProxyClient {
  call<T>(api: 'sdkProxy', body: object): Promise<CallOutcome<T>>;
}

export interface NfcProxy {
  forward(request: NfcProxyRequest): Promise<NfcProxyResult>;
  close(): Promise<void>;
}

export function createNfcProxy(o: {
  tokenServiceUrl: string;
  /** Sent as `Authorization: Bearer <secret>` to the token service when not empty. */
  tokenServiceSecret?: string;
  alipayPlus: SdkProxyClient;
  timeoutMs?: number;
}): NfcProxy {
  const timeoutMs = o.timeoutMs ?? NFC_PROXY_TIMEOUT_MS;
  const base = new URL(o.tokenServiceUrl);
  const tokenPath = `${base.pathname.replace(/\/+$/, '')}${TOKEN_SERVICE_SDK_PATH}`;
  const pool = new Pool(base.origin, { connections: 16, connect: { timeout: Math.min(3_000, timeoutMs) } });
  return {
    forward(request) {
      return (TOKEN_SERVICE_TYPES as readonly string[]).includes(request.type)
        ? forwardToTokenService(
            pool,
            { path: tokenPath, timeoutMs, secret: o.tokenServiceSecret ?? '' },
            request,
          )
        : forwardToAlipayPlus(o.alipayPlus, request);
    },
    close: () => pool.close(),
  };
}

async function forwardToAlipayPlus(
  client: SdkProxyClient,
  request: NfcProxyRequest,
): Promise<NfcProxyResult> {
  const fail = (code: NfcProxyError['code'], detail: string) =>
    err<NfcProxyError>({ code, upstream: 'ALIPAY_PLUS', detail });
  if (request.header === undefined) return fail('UPSTREAM_REJECTED', 'sdkRequestHeader is required');
  let outcome: CallOutcome<SdkProxyResponse>;
  try {
    outcome = await client.call<SdkProxyResponse>('sdkProxy', {
      customerId: request.customerId,
      sdkRequestType: request.type,
      sdkRequestHeader: request.header,
      sdkRequestBody: request.body,
    });
  } catch (error) {
    return fail('UPSTREAM_UNAVAILABLE', error instanceof Error ? error.message : String(error));
  }
  if (outcome.kind === 'unknown') {
    if (outcome.reason === 'TIMEOUT') return fail('UPSTREAM_TIMEOUT', outcome.detail);
    if (outcome.reason === 'NETWORK') return fail('UPSTREAM_UNAVAILABLE', outcome.detail);
    return fail('UPSTREAM_INVALID_RESPONSE', `${outcome.reason}: ${outcome.detail}`);
  }
  const answered = outcome.response.result;
  if (answered.resultStatus !== 'S') {
    return fail(
      answered.resultStatus === 'U' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_REJECTED',
      answered.resultCode,
    );
  }
  return ok({ body: outcome.response.sdkResponseBody ?? null });
}

async function forwardToTokenService(
  pool: Pool,
  target: { path: string; timeoutMs: number; secret: string },
  request: NfcProxyRequest,
): Promise<NfcProxyResult> {
  const { path, timeoutMs, secret } = target;
  const fail = (code: NfcProxyError['code'], detail: string) =>
    err<NfcProxyError>({ code, upstream: 'TOKEN_SERVICE', detail });
  const payload = {
    customerId: request.customerId,
    type: request.type,
    body: request.body,
    ...(request.header === undefined ? {} : { header: request.header }),
  };
  let statusCode: number;
  let raw: Buffer;
  try {
    const response = await pool.request({
      method: 'POST',
      path,
      headers: {
        'content-type': 'application/json; charset=UTF-8',
        ...(secret === '' ? {} : { authorization: `Bearer ${secret}` }),
      },
      body: JSON.stringify(payload),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    statusCode = response.statusCode;
    raw = await readCapped(response.body, tokenServiceResponseBytesMax);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const name = (error as { name?: unknown }).name;
    const detail = error instanceof Error ? error.message : String(error);
    const timedOut = name === 'TimeoutError' || (typeof code === 'string' && code.endsWith('_TIMEOUT'));
    return fail(timedOut ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE', detail);
  }
  if (statusCode !== 200) return fail('UPSTREAM_INVALID_RESPONSE', `HTTP ${statusCode}`);
  // The answer's body is one string (a card profile with up to the token service's batch of credentials),
  // bounded by the bytes read above rather than by the default string bound of signed bodies.
  const json = parseJsonObject(raw, { stringCharsMax: tokenServiceResponseBytesMax });
  const body = json?.body;
  if (json === undefined || !(typeof body === 'string' || body === null)) {
    return fail('UPSTREAM_INVALID_RESPONSE', 'the answer is not {"body": string | null}');
  }
  return ok({ body });
}
