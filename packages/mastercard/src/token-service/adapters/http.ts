// The token service over HTTP (Fastify). Two surfaces:
//
//   POST /mdes/v1/sdk                       what the MPP server's NFC proxy forwards: { customerId, type,
//                                           body } → 200 { body } (body: the SDK's JSON text both ways;
//                                           operation failures travel inside it, see ../sdk-api.ts).
//   POST /mdes/v1/tokens/:tur/suspend       the Ant server (Alipay+) locks a token: { reason }
//   POST /mdes/v1/tokens/:tur/unsuspend     ... lifts its suspension: { reason }
//   POST /mdes/v1/tokens/:tur/delete        ... deletes it: { reason? }
//   GET  /mdes/v1/tokens/:tur               ... reads it
//                                           → 200 { tokenUniqueReference, tokenState, suspendedBy }
//
// Authentication (tapkit): each caller presents its own shared secret as `Authorization: Bearer
// <secret>` (compared in constant time) — the MPP server on /mdes/v1/sdk, the Ant server on
// /mdes/v1/tokens. A bearer secret rather than Alipay+ signatures because these hops are internal
// service-to-service calls over loopback or a private network in Tapkit; the secrets come from config.
//
// Edge errors answer `{ code, message }` with a stable code: 400 INVALID_REQUEST, 401 UNAUTHORIZED,
// 404 NOT_FOUND / TOKEN_NOT_FOUND, 409 TOKEN_* state conflicts, 413 BODY_TOO_LARGE, 415
// MEDIA_TYPE_UNSUPPORTED, 503 BUSY; 500 INTERNAL_ERROR only for our own faults, never for bad input.
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  firstIssue,
  ProxyRequestSchema,
  SDK_BODY_CHARS_MAX,
  type SuspendReason,
  type TokenServiceErrorCode,
  tokenServiceError,
} from '@tapkit/protocol/wire/token-service';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  DeleteTokenRequestSchema,
  TOKEN_ROUTE,
  TOKENS_PATH,
  TokenReasonRequestSchema,
  TokenRouteParamsSchema,
  type TokenServiceErrorResponse,
  type TokenViewResponse,
  tokenActionRoute,
} from '../../wire/tokens-api.ts';
import { handleSdkRequest } from '../sdk-api.ts';
import type { TokenService, TokenView, TsResult } from '../service.ts';

export const SDK_PROXY_PATH = '/mdes/v1/sdk';
// The Ant-facing routes' contract lives in ../../wire/tokens-api.ts, shared with the Ant server's client.
export { TOKENS_PATH };
/** The proxied body plus its JSON wrapping. */
export const HTTP_BODY_BYTES_MAX = SDK_BODY_CHARS_MAX * 2 + 4096;

export interface TokenServiceHttpOptions {
  service: TokenService;
  /** The MPP server's secret for /mdes/v1/sdk; null leaves the route open (local experiments only). */
  mppBearerSecret: string | null;
  /** The Ant server's secret for /mdes/v1/tokens. */
  antBearerSecret: string;
}

const statusOfCode: Partial<Record<TokenServiceErrorCode, number>> = {
  INVALID_REQUEST: 400,
  TOKEN_NOT_FOUND: 404,
  TOKEN_NOT_ACTIVE: 409,
  TOKEN_ALREADY_ACTIVE: 409,
  TOKEN_SUSPENDED: 409,
  TOKEN_DEACTIVATED: 409,
  BUSY: 503,
};

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function bearerMatches(request: FastifyRequest, secret: string): boolean {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  // Hashing first gives equal-length inputs, so the comparison time says nothing about the secret.
  return timingSafeEqual(digest(header.slice('Bearer '.length)), digest(secret));
}

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const body: TokenServiceErrorResponse = { code, message };
  return reply.code(status).send(body);
}

export function registerTokenServiceRoutes(app: FastifyInstance, options: TokenServiceHttpOptions): void {
  // JSON only: Fastify would otherwise hand a text/plain body to the handlers as a string.
  app.removeContentTypeParser('text/plain');
  app.setErrorHandler((error: FastifyError, request, reply) => edgeError(error, request, reply));
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404, 'NOT_FOUND', 'no such route'));
  registerSdkRoute(app, options);
  registerTokenRoutes(app, options);
}

function registerSdkRoute(app: FastifyInstance, options: TokenServiceHttpOptions): void {
  app.post(SDK_PROXY_PATH, { bodyLimit: HTTP_BODY_BYTES_MAX }, async (request, reply) => {
    if (options.mppBearerSecret !== null && !bearerMatches(request, options.mppBearerSecret)) {
      return sendError(reply, 401, 'UNAUTHORIZED', 'missing or wrong bearer secret');
    }
    const parsed = ProxyRequestSchema.safeParse(request.body);
    if (!parsed.success) return sendError(reply, 400, 'INVALID_REQUEST', firstIssue(parsed.error));
    const body = await handleSdkRequest(options.service, parsed.data);
    return reply.code(200).send({ body });
  });
}

function registerTokenRoutes(app: FastifyInstance, options: TokenServiceHttpOptions): void {
  const { service } = options;
  const guarded =
    (handler: (tur: string, body: unknown) => Promise<TsResult<TokenView>>) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (!bearerMatches(request, options.antBearerSecret)) {
        return sendError(reply, 401, 'UNAUTHORIZED', 'missing or wrong bearer secret');
      }
      const params = TokenRouteParamsSchema.safeParse(request.params);
      if (!params.success)
        return sendError(reply, 400, 'INVALID_REQUEST', `tur: ${firstIssue(params.error)}`);
      return sendTokenResult(reply, await handler(params.data.tur, request.body));
    };
  const withReason =
    (run: (tur: string, reason: SuspendReason) => Promise<TsResult<TokenView>>) =>
    async (tur: string, body: unknown): Promise<TsResult<TokenView>> => {
      const parsed = TokenReasonRequestSchema.safeParse(body);
      if (!parsed.success)
        return { ok: false, error: tokenServiceError('INVALID_REQUEST', firstIssue(parsed.error)) };
      return run(tur, parsed.data.reason);
    };
  app.post(tokenActionRoute('suspend'), guarded(withReason((tur, reason) => service.suspend(tur, reason))));
  app.post(
    tokenActionRoute('unsuspend'),
    guarded(withReason((tur, reason) => service.unsuspend(tur, reason))),
  );
  app.post(
    tokenActionRoute('delete'),
    guarded(async (tur, body) => {
      const parsed = DeleteTokenRequestSchema.safeParse(body ?? undefined);
      if (!parsed.success)
        return { ok: false, error: tokenServiceError('INVALID_REQUEST', firstIssue(parsed.error)) };
      return service.delete(tur);
    }),
  );
  app.get(
    TOKEN_ROUTE,
    guarded((tur) => service.getToken(tur)),
  );
}

function sendTokenResult(reply: FastifyReply, result: TsResult<TokenView>): FastifyReply {
  if (!result.ok) {
    const status = statusOfCode[result.error.code] ?? 500;
    return sendError(reply, status, result.error.code, result.error.message);
  }
  const { tokenUniqueReference, state, suspendedBy } = result.value;
  const body: TokenViewResponse = { tokenUniqueReference, tokenState: state, suspendedBy: [...suspendedBy] };
  return reply.code(200).send(body);
}

/** Fastify's own errors (body parsing, limits) mapped to stable codes; anything else is our fault. */
function edgeError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(reply, 413, 'BODY_TOO_LARGE', 'the request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(reply, 415, 'MEDIA_TYPE_UNSUPPORTED', 'send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return sendError(reply, 400, 'INVALID_REQUEST', error.message);
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    // Malformed JSON and similar client faults: Fastify marks them 4xx.
    return sendError(reply, error.statusCode, 'INVALID_REQUEST', 'the request body is not valid JSON');
  }
  request.log.error({ err: { message: error.message, code: error.code } }, 'token service request failed');
  return sendError(reply, 500, 'INTERNAL_ERROR', 'the token service failed');
}
