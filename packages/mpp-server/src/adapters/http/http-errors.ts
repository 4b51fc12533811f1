import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';

// Every error the app and admin APIs answer, declared once with a stable code, its HTTP status and a
// message. The body is always { error: { code, message } }; clients branch on `code`, never on `message`.

export const HTTP_ERRORS = {
  BODY_INVALID: { status: 400, message: 'the request body is invalid' },
  QUERY_INVALID: { status: 400, message: 'the query string is invalid' },
  PATH_INVALID: { status: 400, message: 'a path parameter is invalid' },
  BODY_NOT_JSON: { status: 400, message: 'the request body is not JSON' },
  BODY_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  MEDIA_TYPE_UNSUPPORTED: { status: 415, message: 'send application/json' },
  UNAUTHENTICATED: { status: 401, message: 'a valid session token is required' },
  LOGIN_FAILED: { status: 401, message: 'unknown username or wrong password' },
  LOGIN_THROTTLED: { status: 429, message: 'too many login attempts; wait for the time in Retry-After' },
  ADMIN_UNAUTHORIZED: { status: 401, message: 'a valid admin bearer token is required' },
  ADMIN_DISABLED: { status: 503, message: 'the admin API is disabled (no admin token configured)' },
  CUSTOMER_NOT_FOUND: { status: 404, message: 'no such customer' },
  AMOUNT_NOT_POSITIVE: { status: 400, message: 'the amount must be above zero' },
  AMOUNT_OUT_OF_RANGE: {
    status: 422,
    message: 'the resulting balance would pass the 64-bit limit of the ledger',
  },
  REPEAT_REQ_INCONSISTENT: { status: 409, message: 'the same request id was used with different fields' },
  UPSTREAM_TIMEOUT: { status: 504, message: 'the upstream service did not answer in time' },
  UPSTREAM_UNAVAILABLE: { status: 502, message: 'the upstream service could not be reached' },
  UPSTREAM_INVALID_RESPONSE: {
    status: 502,
    message: 'the upstream answer was unsigned, badly signed or malformed',
  },
  UPSTREAM_REJECTED: { status: 502, message: 'the upstream service refused the request' },
  INTERNAL: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type HttpErrorCode = keyof typeof HTTP_ERRORS;

const httpErrorCodes = Object.keys(HTTP_ERRORS) as [HttpErrorCode, ...HttpErrorCode[]];

/** The body of every app and admin API error. */
export const HttpErrorBodySchema = z.strictObject({
  error: z.strictObject({
    code: z.enum(httpErrorCodes),
    message: z.string(),
    details: z.string().optional(),
  }),
});

export type HttpErrorBody = z.infer<typeof HttpErrorBodySchema>;

export function sendError(reply: FastifyReply, code: HttpErrorCode, details?: string): FastifyReply {
  const entry = HTTP_ERRORS[code];
  const body: HttpErrorBody = {
    error: { code, message: entry.message, ...(details === undefined ? {} : { details }) },
  };
  return reply.code(entry.status).send(body);
}

/** "field.path: message" for the first issue: enough for a client to fix its request, no input echoed. */
export function describeZodIssues(error: z.ZodError): string {
  const first = error.issues[0];
  if (first === undefined) return 'invalid';
  const where = first.path.length === 0 ? 'body' : first.path.map(String).join('.');
  return `${where}: ${first.message}`;
}

/**
 * The error handler of an encapsulated scope: Fastify's own 4xx (bad JSON, body too large, wrong
 * content type) become catalog errors; anything else is logged (name and message only) and answered 500.
 */
export function installErrorHandler(scope: FastifyInstance): void {
  scope.setErrorHandler((error: FastifyError, request, reply) => {
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 'BODY_TOO_LARGE');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 'MEDIA_TYPE_UNSUPPORTED');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendError(reply, 'BODY_NOT_JSON');
      case 'TAPKIT_BODY_OUT_OF_BOUNDS':
        return sendError(reply, 'BODY_INVALID', error.message);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(reply, 'BODY_INVALID');
    }
    if (error instanceof SyntaxError) return sendError(reply, 'BODY_NOT_JSON');
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, 'BODY_INVALID', error.code);
    }
    request.log.error({ errorName: error.name, errorMessage: error.message }, 'request failed');
    return sendError(reply, 'INTERNAL');
  });
}
