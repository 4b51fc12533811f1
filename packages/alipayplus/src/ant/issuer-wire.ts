// The two Alipay+ APIs the Mastercard token service calls (tapkit: the documentation does not publish the
// Mastercard-facing side). Mirrors packages/mastercard/src/token-service/issuer-api.ts field for field —
// a party does not import another's internals; tests/ant-flows run the real token service against this
// server, so a drift between the two copies fails there. Both signed like every Alipay+ API.
//   POST /aps/api/v1/tokens/authorizeService    → { result, decision: APPROVED | DECLINED }
//   POST /aps/api/v1/tokens/notifyTokenUpdated  → { result } (S: recorded)
import { DateTimeSchema, ResultSchema } from '@tapkit/protocol';
import { z } from 'zod';
import { SuspendReasonSchema, TokenStateSchema } from './wire.ts';

export const TOKEN_API_PATHS = {
  authorizeService: '/aps/api/v1/tokens/authorizeService',
  notifyTokenUpdated: '/aps/api/v1/tokens/notifyTokenUpdated',
} as const;
export type TokenApiName = keyof typeof TOKEN_API_PATHS;

const text = (charsMax: number) => z.string().min(1).max(charsMax);

export const AuthorizeServiceRequestSchema = z.looseObject({
  requestId: text(64),
  customerId: text(64),
  fundingReference: text(64).nullish(),
  tokenUniqueReference: text(64),
  deviceInfo: z.looseObject({ deviceId: text(64), deviceFingerprint: text(256) }),
});
export type AuthorizeServiceRequest = z.infer<typeof AuthorizeServiceRequestSchema>;

export const AuthorizeServiceResponseSchema = z.looseObject({
  result: ResultSchema,
  decision: z.enum(['APPROVED', 'DECLINED', 'REQUIRE_ADDITIONAL_AUTHENTICATION']).nullish(),
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

export const TOKEN_API_REQUEST_SCHEMAS = {
  authorizeService: AuthorizeServiceRequestSchema,
  notifyTokenUpdated: NotifyTokenUpdatedRequestSchema,
} as const;

/** (tapkit) Result codes of these two APIs beyond the common ones. */
export const TOKEN_API_RESULT_CODES = {
  TOKEN_NOT_EXIST: { status: 'F', message: 'The token is not known to Alipay+.' },
} as const;
