// The signed Alipay+ HTTP client (undici). Its one promise: an answer is `answered` only when it came back
// HTTP 200, signed by the peer's key over the exact bytes received, fresh, and shaped like the API's
// response. Anything else (no answer, a timeout, an unsigned or badly signed or malformed answer) is
// `unknown`, because treating it as a success or a failure could lose or double money; the caller
// re-sends the identical prepared request or asks with an inquiry.

import type { KeyObject } from 'node:crypto';
import { Pool } from 'undici';
import {
  ALIPAYPLUS_APIS,
  type AlipayPlusApis,
  type ApiCatalog,
  type ApiNameOf,
  type CatalogRequest,
  type CatalogResponse,
} from './api-catalog.ts';
import type { Clock } from './clock.ts';
import { AssertionError } from './errors.ts';
import { checkJsonBounds, type JsonBounds } from './json-bounds.ts';
import {
  contentToSign,
  FRESHNESS_MS_DEFAULT,
  formatRequestTime,
  formatSignatureHeader,
  type HeaderBag,
  singleHeader,
} from './signature.ts';
import { type SigningKey, signContent, signContentAsync, verifySignedMessage } from './signing.ts';

export const CONTENT_TYPE_JSON = 'application/json; charset=UTF-8';
/** (tapkit) Connecting to a peer on the same network takes milliseconds; 3 s means it is not there. */
export const CONNECT_TIMEOUT_MS_DEFAULT = 3_000;
/** (tapkit) No Alipay+ response comes near 1 MiB; a bigger one is refused rather than buffered. */
export const RESPONSE_BYTES_MAX_DEFAULT = 1024 * 1024;
/** (tapkit) Keep-alive connections per peer origin. */
export const CONNECTIONS_MAX_DEFAULT = 16;
const KEEP_ALIVE_TIMEOUT_MS = 30_000;

export interface SignedClientOptions<C extends ApiCatalog = AlipayPlusApis> {
  /** Peer origin, optionally with a path prefix: http://127.0.0.1:8080 or https://host/prefix. */
  baseUrl: string;
  clientId: string;
  signingKey: SigningKey;
  /** The peer's response-signing keys by keyVersion. */
  peerVerifyKeys: ReadonlyMap<string, KeyObject>;
  clock: Clock;
  /** Whole-call deadlines per API (connect + headers + body); defaults are the catalog's timeoutsMs. */
  timeoutsMs?: Partial<Record<ApiNameOf<C>, number>>;
  /** The APIs this client calls; ALIPAYPLUS_APIS unless set (TOKEN_APIS for the token service). */
  catalog?: C;
  connectTimeoutMs?: number;
  freshnessMs?: number;
  responseBytesMax?: number;
  connectionsMax?: number;
}

export interface PreparedRequest<N extends string = ApiNameOf<AlipayPlusApis>> {
  api: N;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export type UnknownReason =
  | 'TIMEOUT'
  | 'NETWORK'
  | 'UNSIGNED'
  | 'BAD_SIGNATURE'
  | 'HTTP_STATUS'
  | 'MALFORMED_BODY';

export type CallOutcome<T> =
  | { kind: 'answered'; response: T; raw: Buffer }
  | { kind: 'unknown'; reason: UnknownReason; detail: string };

const TIMEOUT_ERROR_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export class SignedClient<C extends ApiCatalog = AlipayPlusApis> {
  private readonly pool: Pool;
  private readonly pathPrefix: string;
  private readonly catalog: ApiCatalog;

  constructor(private readonly options: SignedClientOptions<C>) {
    this.catalog = options.catalog ?? ALIPAYPLUS_APIS;
    const url = new URL(options.baseUrl);
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.pool = new Pool(url.origin, {
      connections: options.connectionsMax ?? CONNECTIONS_MAX_DEFAULT,
      connect: { timeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT },
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    });
  }

  /** Serializes and signs once; the result can be sent again byte for byte (same time, same signature). */
  prepare(api: ApiNameOf<C>, body: object): PreparedRequest<ApiNameOf<C>> {
    return this.prepareBytes(api, Buffer.from(JSON.stringify(body), 'utf8'));
  }

  /** Like prepare, for bytes the caller serialized itself (tests, replays). */
  prepareBytes(api: ApiNameOf<C>, body: Buffer): PreparedRequest<ApiNameOf<C>> {
    const { path, time, content } = this.signingInput(api, body);
    const signature = signContent(content, this.options.signingKey.key);
    return this.assemble(api, path, time, body, signature);
  }

  /** prepare with the RSA signature computed in the libuv threadpool. */
  async prepareAsync(api: ApiNameOf<C>, body: object): Promise<PreparedRequest<ApiNameOf<C>>> {
    const bytes = Buffer.from(JSON.stringify(body), 'utf8');
    const { path, time, content } = this.signingInput(api, bytes);
    const signature = await signContentAsync(content, this.options.signingKey.key);
    return this.assemble(api, path, time, bytes, signature);
  }

  async call<T>(api: ApiNameOf<C>, body: object): Promise<CallOutcome<T>> {
    return this.send<T>(await this.prepareAsync(api, body));
  }

  /** call, typed by the API: the body must be the API's request shape, the answer is its response shape. */
  callApi<A extends ApiNameOf<C>>(
    api: A,
    body: CatalogRequest<C, A>,
  ): Promise<CallOutcome<CatalogResponse<C, A>>> {
    return this.call<CatalogResponse<C, A>>(api, body as object);
  }

  async send<T>(prepared: PreparedRequest<ApiNameOf<C>>): Promise<CallOutcome<T>> {
    const timeoutMs = this.options.timeoutsMs?.[prepared.api] ?? this.catalog.timeoutsMs[prepared.api];
    if (timeoutMs === undefined)
      throw new AssertionError(`SignedClient: ${prepared.api} is not in the catalog`);
    let statusCode: number;
    let headers: HeaderBag;
    let raw: Buffer;
    try {
      const response = await this.pool.request({
        method: 'POST',
        path: prepared.path,
        headers: prepared.headers,
        body: prepared.body,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        // The per-phase timeouts above reset on progress; this deadline bounds the whole call.
        signal: AbortSignal.timeout(timeoutMs),
      });
      statusCode = response.statusCode;
      headers = response.headers;
      raw = await readCapped(response.body, this.options.responseBytesMax ?? RESPONSE_BYTES_MAX_DEFAULT);
    } catch (error) {
      return classifyError(error);
    }
    return this.judge<T>(prepared, statusCode, headers, raw);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private signingInput(api: ApiNameOf<C>, body: Buffer): { path: string; time: string; content: Uint8Array } {
    const apiPath = this.catalog.paths[api];
    if (apiPath === undefined) throw new AssertionError(`SignedClient: ${api} is not in the catalog`);
    const path = `${this.pathPrefix}${apiPath}`;
    const time = formatRequestTime(this.options.clock.nowMs());
    const content = contentToSign({ method: 'POST', path, clientId: this.options.clientId, time, body });
    return { path, time, content };
  }

  private assemble(
    api: ApiNameOf<C>,
    path: string,
    time: string,
    body: Buffer,
    signature: Buffer,
  ): PreparedRequest<ApiNameOf<C>> {
    const headers = {
      'content-type': CONTENT_TYPE_JSON,
      'client-id': this.options.clientId,
      'request-time': time,
      signature: formatSignatureHeader({ keyVersion: this.options.signingKey.keyVersion, signature }),
    };
    return { api, path, headers, body };
  }

  private judge<T>(
    prepared: PreparedRequest<ApiNameOf<C>>,
    statusCode: number,
    headers: HeaderBag,
    raw: Buffer,
  ): CallOutcome<T> {
    if (statusCode !== 200) return unknown('HTTP_STATUS', `HTTP ${statusCode}`);
    if (singleHeader(headers, 'signature') === undefined) {
      return unknown('UNSIGNED', 'the response carries no single Signature header');
    }
    const { clientId, peerVerifyKeys } = this.options;
    const verified = verifySignedMessage(
      {
        method: 'POST',
        path: prepared.path,
        headers,
        rawBody: raw,
        // The peer echoes our Client-Id on its answer; any other id is not an answer to us.
        resolvePeer: (id) => (id === clientId ? { clientId, verifyKeys: peerVerifyKeys } : undefined),
        nowMs: this.options.clock.nowMs(),
        freshnessMs: this.options.freshnessMs ?? FRESHNESS_MS_DEFAULT,
      },
      'response-time',
    );
    if (!verified.ok) return unknown('BAD_SIGNATURE', `${verified.error.code}: ${verified.error.reason}`);
    const json = parseJsonObject(raw);
    if (json === undefined) return unknown('MALFORMED_BODY', 'the response body is not a JSON object');
    const schema = this.catalog.responses[prepared.api];
    if (schema === undefined) return unknown('MALFORMED_BODY', `${prepared.api} is not in the catalog`);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.join('.');
      return unknown('MALFORMED_BODY', `${where}: ${issue?.message ?? 'invalid'}`);
    }
    return { kind: 'answered', response: parsed.data as T, raw };
  }
}

function unknown(reason: UnknownReason, detail: string): CallOutcome<never> {
  return { kind: 'unknown', reason, detail };
}

function classifyError(error: unknown): CallOutcome<never> {
  const code = (error as { code?: unknown } | null)?.code;
  const name = (error as { name?: unknown } | null)?.name;
  const message = error instanceof Error ? error.message : String(error);
  if (code === RESPONSE_TOO_LARGE_CODE) return unknown('MALFORMED_BODY', message);
  if ((typeof code === 'string' && TIMEOUT_ERROR_CODES.has(code)) || name === 'TimeoutError') {
    return unknown('TIMEOUT', message);
  }
  return unknown('NETWORK', typeof code === 'string' ? `${code}: ${message}` : message);
}

const RESPONSE_TOO_LARGE_CODE = 'TAPKIT_RESPONSE_TOO_LARGE';

class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
  readonly code = RESPONSE_TOO_LARGE_CODE;
}

/** An undici body read whole, or a throw once it passes `bytesMax` (the rest is not buffered). */
export async function readCapped(
  body: AsyncIterable<Uint8Array> & { destroy(): void },
  bytesMax: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > bytesMax) {
      body.destroy();
      throw new ResponseTooLargeError(`the response is larger than ${bytesMax} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** The body as a JSON object, or undefined for anything else (invalid UTF-8, not JSON, an array, a string). */
export function parseJsonObject(raw: Uint8Array, bounds?: JsonBounds): Record<string, unknown> | undefined {
  // A body too deep or with a string too long is not worth parsing (see json-bounds.ts); a caller that
  // expects one long string (the token service's answer) raises that one bound.
  if (!checkJsonBounds(raw, bounds).ok) return undefined;
  try {
    const value: unknown = JSON.parse(utf8Strict.decode(raw));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return value as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
