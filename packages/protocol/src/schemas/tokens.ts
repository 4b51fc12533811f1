// The two Alipay+ APIs the Mastercard token service calls (tapkit: the Alipay+ documentation does not
// publish the Mastercard-facing side). Both are signed like every Alipay+ API
// (docs/protocol/alipayplus-api.md#headers-and-signatures) and answer
// `{ result: { resultCode, resultStatus, resultMessage }, ... }`. One copy here so the caller
// (@tapkit/mastercard) and the server (@tapkit/alipayplus's Ant server) cannot drift apart.
//
//   POST /aps/api/v1/tokens/authorizeService    the issuer's approval of a digitization (MDES
//        "Authorize Service"): result S with `decision` APPROVED | DECLINED |
//        REQUIRE_ADDITIONAL_AUTHENTICATION; result F (e.g. USER_NOT_EXIST) is a decline; U is unknown.
//   POST /aps/api/v1/tokens/notifyTokenUpdated  a token's state changed (MDES "Notify Token Updated");
//        result S means Alipay+ recorded it.
//
// Kept outside API_PATHS / REQUEST_SCHEMAS: those list the APIs a merchant-side SignedClient and the
// MPP server speak, and every consumer of that catalog would otherwise have to learn two token APIs.
import * as z from 'zod';
import { DateTimeSchema, ResultSchema, text } from './common.ts';

export const TOKEN_API_PATHS = {
  authorizeService: '/aps/api/v1/tokens/authorizeService',
  notifyTokenUpdated: '/aps/api/v1/tokens/notifyTokenUpdated',
} as const;
export type TokenApiName = keyof typeof TOKEN_API_PATHS;

/** (tapkit) Whole-call deadlines: the SDK's APPLY waits on authorizeService, so it must be short. */
export const TOKEN_API_TIMEOUTS_MS: Record<TokenApiName, number> = {
  authorizeService: 8_000,
  notifyTokenUpdated: 5_000,
};

/** The MDES token states and suspension reasons as they travel in notifyTokenUpdated. */
export const TOKEN_UPDATE_STATES = ['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED'] as const;
export const TokenUpdateStateSchema = z.enum(TOKEN_UPDATE_STATES);
export const TOKEN_SUSPEND_REASONS = [
  'CARDHOLDER',
  'TOKEN_REQUESTOR',
  'ISSUER',
  'MOBILE_PIN_LOCKED',
] as const;
export const TokenSuspendReasonSchema = z.enum(TOKEN_SUSPEND_REASONS);

export const AuthorizeServiceRequestSchema = z.looseObject({
  requestId: text(64),
  customerId: text(64),
  fundingReference: text(64).nullish(),
  tokenUniqueReference: text(64),
  deviceInfo: z.looseObject({ deviceId: text(64), deviceFingerprint: text(256) }),
});
export type AuthorizeServiceRequest = z.infer<typeof AuthorizeServiceRequestSchema>;

export const AuthorizeServiceDecisionSchema = z.enum([
  'APPROVED',
  'DECLINED',
  'REQUIRE_ADDITIONAL_AUTHENTICATION',
]);

export const AuthorizeServiceResponseSchema = z
  .looseObject({ result: ResultSchema, decision: AuthorizeServiceDecisionSchema.nullish() })
  .refine((body) => body.result.resultStatus !== 'S' || (body.decision ?? undefined) !== undefined, {
    message: 'decision is required when resultStatus is S',
    path: ['decision'],
  });
export type AuthorizeServiceResponse = z.infer<typeof AuthorizeServiceResponseSchema>;

export const NotifyTokenUpdatedRequestSchema = z.looseObject({
  tokenUniqueReference: text(64),
  customerId: text(64),
  tokenState: TokenUpdateStateSchema,
  suspendedBy: z.array(TokenSuspendReasonSchema).max(4),
  reason: z.enum(['ACTIVATED', 'SUSPENDED', 'RESUMED', 'DEACTIVATED']),
  eventTime: DateTimeSchema,
});
export type NotifyTokenUpdatedRequest = z.infer<typeof NotifyTokenUpdatedRequestSchema>;

export const NotifyTokenUpdatedResponseSchema = z.looseObject({ result: ResultSchema });
export type NotifyTokenUpdatedResponse = z.infer<typeof NotifyTokenUpdatedResponseSchema>;

export const TOKEN_API_REQUEST_SCHEMAS = {
  authorizeService: AuthorizeServiceRequestSchema,
  notifyTokenUpdated: NotifyTokenUpdatedRequestSchema,
} as const satisfies Record<TokenApiName, z.ZodType>;

export const TOKEN_API_RESPONSE_SCHEMAS = {
  authorizeService: AuthorizeServiceResponseSchema,
  notifyTokenUpdated: NotifyTokenUpdatedResponseSchema,
} as const satisfies Record<TokenApiName, z.ZodType>;

/** (tapkit) Result codes of these two APIs beyond the common ones. */
export const TOKEN_API_RESULT_CODES = {
  TOKEN_NOT_EXIST: { status: 'F', message: 'The token is not known to Alipay+.' },
} as const;
