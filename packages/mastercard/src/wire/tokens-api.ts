// The token service's management routes as the Ant server (Alipay+) calls them (tapkit). One copy for
// both sides: the token service's Fastify routes (token-service/adapters/http.ts) and the Ant server's
// client (@tapkit/alipayplus ant/adapters/mastercard-http.ts). Isomorphic like the rest of this subpath.
//
//   POST {base}/mdes/v1/tokens/:tur/suspend    { reason }   → 200 TokenView
//   POST {base}/mdes/v1/tokens/:tur/unsuspend  { reason }   → 200 TokenView
//   POST {base}/mdes/v1/tokens/:tur/delete     { reason? }  → 200 TokenView
//   GET  {base}/mdes/v1/tokens/:tur                         → 200 TokenView
//   errors: 4xx/5xx { code, message }. Authentication: `Authorization: Bearer <antBearerSecret>`.

import { IdSchema, SuspendReasonSchema, TokenStateSchema } from '@tapkit/protocol/wire/token-service';
import { z } from 'zod';

/** The path below the token service's base URL. */
export const TOKENS_PATH = '/mdes/v1/tokens';

export const TOKEN_ACTIONS = ['suspend', 'unsuspend', 'delete'] as const;
export type TokenAction = (typeof TOKEN_ACTIONS)[number];

/** The route pattern the token service registers, e.g. `/mdes/v1/tokens/:tur/suspend`. */
export const tokenActionRoute = (action: TokenAction): string => `${TOKENS_PATH}/:tur/${action}`;
export const TOKEN_ROUTE = `${TOKENS_PATH}/:tur`;

/** The concrete path a caller posts to, the token reference percent-encoded. */
export const tokenActionPath = (tokenUniqueReference: string, action: TokenAction): string =>
  `${TOKENS_PATH}/${encodeURIComponent(tokenUniqueReference)}/${action}`;

export const TokenRouteParamsSchema = z.object({ tur: IdSchema });

/** suspend and unsuspend: strict, a misspelt field must not pass silently. */
export const TokenReasonRequestSchema = z.strictObject({ reason: SuspendReasonSchema });
export type TokenReasonRequest = z.infer<typeof TokenReasonRequestSchema>;

/** delete: the body may be absent; a free-text reason is accepted and only logged. */
export const DeleteTokenRequestSchema = z.strictObject({ reason: z.string().max(256).optional() }).optional();
export type DeleteTokenRequest = z.infer<typeof DeleteTokenRequestSchema>;

/** Every 200 answer. Loose: the caller accepts fields a newer token service adds. */
export const TokenViewResponseSchema = z.looseObject({
  tokenUniqueReference: z.string().min(1).max(64),
  tokenState: TokenStateSchema,
  suspendedBy: z.array(SuspendReasonSchema).max(8),
});
export type TokenViewResponse = z.infer<typeof TokenViewResponseSchema>;

/** Every 4xx/5xx answer; `code` is one of TOKEN_SERVICE_ERRORS or an edge code (NOT_FOUND, ...). */
export const TokenServiceErrorResponseSchema = z.looseObject({
  code: z.string().min(1).max(64),
  message: z.string().max(1024),
});
export type TokenServiceErrorResponse = z.infer<typeof TokenServiceErrorResponseSchema>;
