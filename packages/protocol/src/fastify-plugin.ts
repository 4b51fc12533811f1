// Hosting signed Alipay+ APIs on Fastify. The routes live in their own encapsulated context, where every
// body of any content type arrives as the raw Buffer: the signature covers the exact bytes, so nothing may
// parse (and possibly normalize) them before verification. Order for each request:
//   raw bytes -> size limit -> signature verified (fail-closed) -> depth and string bounds (on the raw
//   bytes) -> JSON parsed -> request schema -> handler
// and every answer, success or error, is HTTP 200 JSON signed with Response-Time and Client-Id. Bad input
// never reaches a handler, never yields an unsigned answer, a stack trace or an HTTP 500.
// Do not add onSend hooks or compression that rewrite these payloads: the signature covers the bytes sent.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  ALIPAYPLUS_APIS,
  type AlipayPlusApis,
  type ApiCatalog,
  type ApiNameOf,
  type CatalogRequest,
  type CatalogResponse,
} from './api-catalog.ts';
import { CONTENT_TYPE_JSON, parseJsonObject } from './client.ts';
import type { Clock } from './clock.ts';
import { AssertionError } from './errors.ts';
import { checkJsonBounds } from './json-bounds.ts';
import type { ResultCode } from './result-codes.ts';
import { result } from './result-codes.ts';
import {
  contentToSign,
  FRESHNESS_MS_DEFAULT,
  formatRequestTime,
  formatSignatureHeader,
  isWellFormedClientId,
  singleHeader,
} from './signature.ts';
import { type PeerKeys, type SigningKey, signContentAsync, verifySignedMessage } from './signing.ts';

/** (tapkit) Alipay+ request bodies are a few KB; 64 KiB leaves room and bounds the work per request. */
export const BODY_BYTES_MAX_DEFAULT = 64 * 1024;
/** resultMessage built from validation issues stays short and free of input echoes beyond field names. */
const RESULT_MESSAGE_CHARS_MAX = 256;
/** (tapkit) Client-Id on answers to requests whose own Client-Id is missing or malformed. */
export const CLIENT_ID_UNKNOWN = 'UNKNOWN';

/** (doc) Every Alipay+ API lives below this prefix; unknown paths under it answer INVALID_API. */
export const APS_PREFIX = '/aps/';
/** The methods answered METHOD_NOT_SUPPORTED on a known API path (HEAD comes with GET). */
const NON_POST_METHODS = ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

export type SignedPeer = PeerKeys & { signingKey: SigningKey };

export interface SignedApiOptions {
  resolvePeer(clientId: string): SignedPeer | undefined;
  /** Signs answers to requests from clients we do not know (their Client-Id is still echoed if well-formed). */
  defaultSigningKey: SigningKey;
  /** Client-Id on answers when the request had none usable; CLIENT_ID_UNKNOWN unless set. */
  defaultClientId?: string;
  clock: Clock;
  freshnessMs?: number;
  bodyBytesMax?: number;
  /**
   * Answer every other path under /aps/ with a signed INVALID_API (default true). An app that hosts other
   * /aps/ routes of its own may keep them: static routes win over this catch-all.
   */
  answerUnknownApis?: boolean;
}

/** registerSignedApi for another catalog than the Alipay+ one (the token APIs). */
export interface SignedCatalogOptions<C extends ApiCatalog> extends SignedApiOptions {
  catalog: C;
}

export interface SignedContext {
  clientId: string;
}

export type SignedHandler<A extends ApiNameOf<C>, C extends ApiCatalog = AlipayPlusApis> = (
  body: CatalogRequest<C, A>,
  ctx: SignedContext,
) => Promise<CatalogResponse<C, A>>;

export interface SignedRouter<C extends ApiCatalog = AlipayPlusApis> {
  /** Registers the API at the catalog's path. Call before the app is ready (listen / inject / ready). */
  route<A extends ApiNameOf<C>>(api: A, handler: SignedHandler<A, C>): void;
}

interface Registration {
  api: string;
  path: string;
  request: ApiCatalog['requests'][string];
  response: ApiCatalog['responses'][string];
  handler: (body: unknown, ctx: SignedContext) => Promise<unknown>;
}

/** Hosts the Alipay+ APIs (ALIPAYPLUS_APIS), or with `catalog` another set of signed APIs. */
export function registerSignedApi(app: FastifyInstance, options: SignedApiOptions): SignedRouter;
export function registerSignedApi<C extends ApiCatalog>(
  app: FastifyInstance,
  options: SignedCatalogOptions<C>,
): SignedRouter<C>;
export function registerSignedApi(
  app: FastifyInstance,
  options: SignedApiOptions & { catalog?: ApiCatalog },
): SignedRouter<ApiCatalog> {
  const catalog: ApiCatalog = options.catalog ?? ALIPAYPLUS_APIS;
  const bodyBytesMax = options.bodyBytesMax ?? BODY_BYTES_MAX_DEFAULT;
  const registrations = new Map<string, Registration>();
  let started = false;
  app.register(async (scope) => {
    started = true;
    // Encapsulated: these parsers and this error handler apply to the signed routes only.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: bodyBytesMax },
      (_request, body, done) => {
        done(null, body);
      },
    );
    scope.setErrorHandler((error: FastifyError, request, reply) =>
      answerFrameworkError(options, bodyBytesMax, error, request, reply),
    );
    for (const registration of registrations.values()) {
      const path = registration.path;
      scope.post(path, { bodyLimit: bodyBytesMax }, (request, reply) =>
        handleSigned(options, bodyBytesMax, registration, request, reply),
      );
      // (doc) A known API called with another method is a signed METHOD_NOT_SUPPORTED, not a bare 404.
      scope.route({
        method: NON_POST_METHODS,
        url: path,
        bodyLimit: bodyBytesMax,
        handler: (request, reply) => answer(options, request, reply, failure('METHOD_NOT_SUPPORTED')),
      });
    }
    if (options.answerUnknownApis !== false) {
      // (doc) Any other path under /aps/ is a signed INVALID_API, whatever the method.
      scope.all(`${APS_PREFIX}*`, { bodyLimit: bodyBytesMax }, (request, reply) =>
        answer(options, request, reply, failure('INVALID_API')),
      );
    }
  });
  return {
    route(api, handler) {
      if (started) throw new AssertionError(`registerSignedApi: route(${api}) after the app started`);
      if (registrations.has(api))
        throw new AssertionError(`registerSignedApi: route(${api}) registered twice`);
      const path = catalog.paths[api];
      const request = catalog.requests[api];
      const response = catalog.responses[api];
      if (path === undefined || request === undefined || response === undefined)
        throw new AssertionError(`registerSignedApi: ${api} is not in the catalog`);
      registrations.set(api, { api, path, request, response, handler: handler as Registration['handler'] });
    },
  };
}

async function handleSigned(
  options: SignedApiOptions,
  bodyBytesMax: number,
  registration: Registration,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (!isJsonMediaType(request.headers['content-type'])) {
    return answer(options, request, reply, failure('MEDIA_TYPE_NOT_ACCEPTABLE'));
  }
  const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  if (rawBody.length > bodyBytesMax) {
    return answer(
      options,
      request,
      reply,
      failure('PARAM_ILLEGAL', `body is larger than ${bodyBytesMax} bytes`),
    );
  }
  const verified = verifySignedMessage(
    {
      method: request.method,
      path: request.url,
      headers: request.headers,
      rawBody,
      resolvePeer: options.resolvePeer,
      nowMs: options.clock.nowMs(),
      freshnessMs: options.freshnessMs ?? FRESHNESS_MS_DEFAULT,
    },
    'request-time',
  );
  if (!verified.ok)
    return answer(options, request, reply, failure(verified.error.code, verified.error.reason));
  const bounded = checkJsonBounds(rawBody);
  if (!bounded.ok)
    return answer(options, request, reply, failure('PARAM_ILLEGAL', `body: ${bounded.reason}`));
  const json = parseJsonObject(rawBody);
  if (json === undefined)
    return answer(options, request, reply, failure('PARAM_ILLEGAL', 'body is not a JSON object'));
  const parsed = registration.request.safeParse(json);
  if (!parsed.success) {
    return answer(options, request, reply, failure('PARAM_ILLEGAL', describeIssues(parsed.error.issues)));
  }
  const response = await runHandler(registration, parsed.data, verified.value.clientId, request);
  return answer(options, request, reply, response);
}

async function runHandler(
  registration: Registration,
  body: unknown,
  clientId: string,
  request: FastifyRequest,
): Promise<object> {
  let response: unknown;
  try {
    response = await registration.handler(body, { clientId });
  } catch (error) {
    // Name and message only: a stack or a request dump could carry secrets into the logs.
    request.log.error(
      { api: registration.api, errorName: nameOf(error), errorMessage: messageOf(error) },
      'handler threw',
    );
    return failure('UNKNOWN_EXCEPTION');
  }
  // A handler answering outside the wire shape is a programmer error; the peer would read it as unknown
  // anyway, so say so explicitly (U) instead of sending something malformed.
  const checked = registration.response.safeParse(response);
  if (!checked.success) {
    const issues = describeIssues(checked.error.issues);
    request.log.error({ api: registration.api, issues }, 'handler answered outside the response schema');
    return failure('UNKNOWN_EXCEPTION');
  }
  // The handler's own object is serialized (not the parsed copy), so what it returned is what is signed.
  return response as object;
}

function answerFrameworkError(
  options: SignedApiOptions,
  bodyBytesMax: number,
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const status = error.statusCode ?? 500;
  if (status >= 500) {
    request.log.error(
      { errorName: error.name, errorCode: error.code, errorMessage: error.message },
      'signed route failed',
    );
    return answer(options, request, reply, failure('UNKNOWN_EXCEPTION'));
  }
  // 4xx from Fastify itself: body too large, broken Content-Type or Content-Length, aborted upload.
  const message =
    error.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? `body is larger than ${bodyBytesMax} bytes`
      : `request rejected (${error.code ?? status})`;
  return answer(options, request, reply, failure('PARAM_ILLEGAL', message));
}

/**
 * (tapkit, liberal) An absent Content-Type is let through (the signature still decides); a present one
 * must name application/json, whatever its parameters (charset).
 */
function isJsonMediaType(header: string | string[] | undefined): boolean {
  if (header === undefined) return true;
  const value = Array.isArray(header) ? header[0] : header;
  const mediaType = (value ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return mediaType === 'application/json';
}

function failure(code: ResultCode, message?: string): object {
  return { result: result(code, message === undefined ? undefined : clipMessage(message)) };
}

async function answer(
  options: SignedApiOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  body: object,
): Promise<FastifyReply> {
  const { clientId, signingKey } = signerFor(options, request);
  let bytes: Buffer;
  try {
    bytes = Buffer.from(JSON.stringify(body), 'utf8');
  } catch (error) {
    request.log.error(
      { errorName: nameOf(error), errorMessage: messageOf(error) },
      'answer not serializable',
    );
    bytes = Buffer.from(JSON.stringify(failure('UNKNOWN_EXCEPTION')), 'utf8');
  }
  const time = formatRequestTime(options.clock.nowMs());
  const content = contentToSign({ method: request.method, path: request.url, clientId, time, body: bytes });
  const signature = await signContentAsync(content, signingKey.key);
  return reply
    .code(200)
    .header('content-type', CONTENT_TYPE_JSON)
    .header('client-id', clientId)
    .header('response-time', time)
    .header('signature', formatSignatureHeader({ keyVersion: signingKey.keyVersion, signature }))
    .send(bytes);
}

/** Answers echo the request's Client-Id; a known client's own signing key is used, else the default key. */
function signerFor(
  options: SignedApiOptions,
  request: FastifyRequest,
): { clientId: string; signingKey: SigningKey } {
  const requested = singleHeader(request.headers, 'client-id');
  if (requested === undefined || !isWellFormedClientId(requested)) {
    return { clientId: options.defaultClientId ?? CLIENT_ID_UNKNOWN, signingKey: options.defaultSigningKey };
  }
  let peer: SignedPeer | undefined;
  try {
    peer = options.resolvePeer(requested);
  } catch {
    // The peer lookup failing must not leave the answer unsigned: the default key still signs it.
    peer = undefined;
  }
  return { clientId: requested, signingKey: peer?.signingKey ?? options.defaultSigningKey };
}

interface IssueLike {
  path: readonly PropertyKey[];
  message: string;
}

/** "paymentAmount.value: <message>" for the first issue, so the caller knows which field to fix. */
function describeIssues(issues: readonly IssueLike[]): string {
  const first = issues[0];
  if (first === undefined) return 'body is invalid';
  const where = first.path.length === 0 ? 'body' : first.path.map(String).join('.');
  return `${where}: ${first.message}`;
}

function clipMessage(message: string): string {
  return message.length > RESULT_MESSAGE_CHARS_MAX
    ? `${message.slice(0, RESULT_MESSAGE_CHARS_MAX - 3)}...`
    : message;
}

function nameOf(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
