// The two Alipay+ APIs the token service calls (tapkit: the Alipay+ documentation does not publish the
// Mastercard-facing side). Both are signed like every Alipay+ API (ALIPAYPLUS_API.md, "Headers and
// signatures") and answer `{ result: { resultCode, resultStatus, resultMessage }, ... }`.
//
//   POST /aps/api/v1/tokens/authorizeService    the issuer's approval of a digitization (MDES
//        "Authorize Service"): result S with `decision` APPROVED | DECLINED |
//        REQUIRE_ADDITIONAL_AUTHENTICATION; result F (e.g. USER_NOT_EXIST) is a decline; U is unknown.
//   POST /aps/api/v1/tokens/notifyTokenUpdated  a token's state changed (MDES "Notify Token Updated");
//        result S means Alipay+ recorded it.
//
// The schemas live here until the lead moves them to @tapkit/protocol, where the Alipay+ side can
// import them without depending on this package.
import { DateTimeSchema, ResultSchema } from '@tapkit/protocol';
import { z } from 'zod';
import { SuspendReasonSchema, TokenStateSchema } from '../wire/schemas.ts';

export const ISSUER_API_PATHS = {
  authorizeService: '/aps/api/v1/tokens/authorizeService',
  notifyTokenUpdated: '/aps/api/v1/tokens/notifyTokenUpdated',
} as const;
export type IssuerApiName = keyof typeof ISSUER_API_PATHS;

/** (tapkit) Whole-call deadlines: the SDK's APPLY waits on authorizeService, so it must be short. */
export const ISSUER_API_TIMEOUTS_MS: Record<IssuerApiName, number> = {
  authorizeService: 8_000,
  notifyTokenUpdated: 5_000,
};

const text = (charsMax: number) => z.string().min(1).max(charsMax);

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
  tokenState: TokenStateSchema,
  suspendedBy: z.array(SuspendReasonSchema).max(4),
  reason: z.enum(['ACTIVATED', 'SUSPENDED', 'RESUMED', 'DEACTIVATED']),
  eventTime: DateTimeSchema,
});
export type NotifyTokenUpdatedRequest = z.infer<typeof NotifyTokenUpdatedRequestSchema>;

export const NotifyTokenUpdatedResponseSchema = z.looseObject({ result: ResultSchema });
export type NotifyTokenUpdatedResponse = z.infer<typeof NotifyTokenUpdatedResponseSchema>;

export const ISSUER_RESPONSE_SCHEMAS = {
  authorizeService: AuthorizeServiceResponseSchema,
  notifyTokenUpdated: NotifyTokenUpdatedResponseSchema,
} as const;
