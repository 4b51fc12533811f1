// Signed Alipay+ routes at paths outside @tapkit/protocol's API catalog (the token service's
// authorizeService and notifyTokenUpdated). Same order and promises as protocol's registerSignedApi:
//   raw bytes -> size limit -> signature verified (fail-closed) -> JSON -> schema -> handler -> signed answer
// every answer HTTP 200 JSON, signed with Response-Time and the caller's Client-Id.
import {
  type Clock,
  contentToSign,
  FRESHNESS_MS_DEFAULT,
  formatRequestTime,
  formatSignatureHeader,
  isWellFormedClientId,
  singleHeader,
  type WireResult,
} from '@tapkit/protocol';
import {
  BODY_BYTES_MAX_DEFAULT,
  CLIENT_ID_UNKNOWN,
  CONTENT_TYPE_JSON,
  type PeerKeys,
  parseJsonObject,
  type SigningKey,
  signContentAsync,
  verifySignedMessageAsync,
} from '@tapkit/protocol/node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';

export interface SignedRoute<S extends z.ZodType> {
  path: string;
  schema: S;
  handler(body: z.infer<S>, ctx: { clientId: string }): Promise<object>;
}

/** A route whose body type was erased so routes of different schemas share one list. */
export type AnyRoute = SignedRoute<z.ZodType<object>>;

/** Checks a route against its own schema, then erases the body type for the shared list. */
export function signedRoute<S extends z.ZodType<object>>(route: SignedRoute<S>): AnyRoute {
  return route as unknown as AnyRoute;
}

export interface SignedRoutesOptions {
  resolvePeer(clientId: string): PeerKeys | undefined;
  signingKey: SigningKey;
  clock: Clock;
  freshnessMs?: number;
  bodyBytesMax?: number;
}

const fail = (resultCode: string, resultMessage: string): { result: WireResult } => ({
  result: { resultCode, resultStatus: 'F', resultMessage },
});

export function registerSignedRoutes(app: FastifyInstance, options: SignedRoutesOptions, routes: AnyRoute[]) {
  const bodyBytesMax = options.bodyBytesMax ?? BODY_BYTES_MAX_DEFAULT;
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: bodyBytesMax }, (_request, body, done) =>
      done(null, body),
    );
    scope.setErrorHandler((error: { statusCode?: number }, request, reply) => {
      const status = error.statusCode ?? 500;
      const body =
        status >= 500
          ? { result: { resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U', resultMessage: 'retry' } }
          : fail('PARAM_ILLEGAL', `request rejected (${status})`);
      return answer(options, request, reply, body);
    });
    for (const route of routes) {
      scope.post(route.path, { bodyLimit: bodyBytesMax }, (request, reply) =>
        handle(options, route, request, reply),
      );
    }
  });
}

async function handle(
  options: SignedRoutesOptions,
  route: AnyRoute,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const verified = await verifySignedMessageAsync(
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
  if (!verified.ok) return answer(options, request, reply, fail(verified.error.code, verified.error.reason));
  const json = parseJsonObject(rawBody);
  if (json === undefined)
    return answer(options, request, reply, fail('PARAM_ILLEGAL', 'body is not a JSON object'));
  const parsed = route.schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? 'body' : issue.path.map(String).join('.');
    return answer(options, request, reply, fail('PARAM_ILLEGAL', `${where}: ${issue?.message ?? 'invalid'}`));
  }
  let body: object;
  try {
    body = await route.handler(parsed.data, { clientId: verified.value.clientId });
  } catch (error) {
    request.log.error(
      { path: route.path, errorMessage: error instanceof Error ? error.message : String(error) },
      'handler threw',
    );
    body = { result: { resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U', resultMessage: 'retry' } };
  }
  return answer(options, request, reply, body);
}

async function answer(
  options: SignedRoutesOptions,
  request: FastifyRequest,
  reply: FastifyReply,
  body: object,
): Promise<FastifyReply> {
  const requested = singleHeader(request.headers, 'client-id');
  const clientId = requested !== undefined && isWellFormedClientId(requested) ? requested : CLIENT_ID_UNKNOWN;
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  const time = formatRequestTime(options.clock.nowMs());
  const content = contentToSign({ method: request.method, path: request.url, clientId, time, body: bytes });
  const signature = await signContentAsync(content, options.signingKey.key);
  return reply
    .code(200)
    .header('content-type', CONTENT_TYPE_JSON)
    .header('client-id', clientId)
    .header('response-time', time)
    .header('signature', formatSignatureHeader({ keyVersion: options.signingKey.keyVersion, signature }))
    .send(bytes);
}
