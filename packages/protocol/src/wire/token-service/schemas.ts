// The wire contract between the SDK and the token service (tapkit). The SDK hands `(type, body)` to the
// wallet app's proxy; the MPP server adds the customer id and forwards `{ customerId, type, body }` to
// `POST /mdes/v1/sdk`; the token service answers `{ body }`. `body` both ways is the JSON text of the
// schemas below. The three proxy types carry several operations, told apart by `action`:
//
//   GET_PK     GET_PUBLIC_KEY, REGISTER_DEVICE
//   APPLY      DIGITIZE, TASK_STATUS, PROVISION, NOTIFY_PROVISION_RESULT
//   REPLENISH  REPLENISH
//
// Every answer is `{ ok: true, value }` or `{ ok: false, error: { code, message } }` with a code from
// codes.ts. Requests are strict (an unknown field is an error: a typo must not pass silently); answers
// are parsed leniently so an older SDK keeps working when the token service adds a field.
import * as z from 'zod';
import { TOKEN_SERVICE_ERROR_CODES, type TokenServiceErrorCode } from './codes.ts';
import { EnvelopeSchema } from './envelope.ts';

export const PROXY_TYPES = ['GET_PK', 'APPLY', 'REPLENISH'] as const;
export type ProxyType = (typeof PROXY_TYPES)[number];

/** A proxied body is an opaque JSON string; 64 KiB is far above any real one and bounds parsing. */
export const SDK_BODY_CHARS_MAX = 64 * 1024;
/** (tapkit) How many used ATCs one REPLENISH may report: far above a day of taps. */
export const USED_ATCS_MAX = 1000;
/** (tapkit) The most credentials one answer may carry, whatever the SDK asks for. */
export const CREDENTIAL_BATCH_MAX = 100;
/** The ATC is two bytes; 0 is never issued. */
export const ATC_MAX = 0xffff;

const idPattern = /^[A-Za-z0-9_-]{1,64}$/;
export const IdSchema = z.string().regex(idPattern, 'must be 1-64 characters of A-Z a-z 0-9 _ -');
export const CustomerIdSchema = z.string().min(1).max(64);
const hexPattern = /^(?:[0-9A-F]{2})+$/;
const hexField = (bytesMax: number) =>
  z
    .string()
    .max(bytesMax * 2)
    .regex(hexPattern, 'must be upper-case hex');
export const AtcSchema = z.int().min(1).max(ATC_MAX);

export const TOKEN_STATES = ['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED'] as const;
export const TokenStateSchema = z.enum(TOKEN_STATES);
export type TokenState = z.infer<typeof TokenStateSchema>;
export const SUSPEND_REASONS = ['CARDHOLDER', 'TOKEN_REQUESTOR', 'ISSUER', 'MOBILE_PIN_LOCKED'] as const;
export const SuspendReasonSchema = z.enum(SUSPEND_REASONS);
export type SuspendReason = z.infer<typeof SuspendReasonSchema>;

// ---- What the MPP server forwards ----

// Lenient about extra fields: the MPP server is another party that may add some (a request header).
export const ProxyRequestSchema = z.object({
  customerId: CustomerIdSchema,
  type: z.enum(PROXY_TYPES),
  body: z.string().max(SDK_BODY_CHARS_MAX),
});
export type ProxyRequest = z.infer<typeof ProxyRequestSchema>;
export const ProxyResponseSchema = z.object({ body: z.string() });
export type ProxyResponse = z.infer<typeof ProxyResponseSchema>;

// ---- Requests (the SDK's `body`) ----

export const GetPublicKeyRequestSchema = z.strictObject({ action: z.literal('GET_PUBLIC_KEY') });
export const RegisterDeviceRequestSchema = z.strictObject({
  action: z.literal('REGISTER_DEVICE'),
  keyId: IdSchema,
  /** Sealed to the token service key with context ENVELOPE_CONTEXTS.registration. */
  registration: EnvelopeSchema,
});
/** The registration envelope's payload. */
export const RegistrationPayloadSchema = z.strictObject({
  nonce: IdSchema,
  /** The device's RSA-OAEP public key, base64 DER SubjectPublicKeyInfo, at least 2048 bits. */
  devicePublicKey: z.string().min(1).max(2048),
  deviceFingerprint: z.string().min(1).max(256),
});
export type RegistrationPayload = z.infer<typeof RegistrationPayloadSchema>;

export const DigitizeRequestSchema = z.strictObject({ action: z.literal('DIGITIZE'), deviceId: IdSchema });
export const TaskStatusRequestSchema = z.strictObject({
  action: z.literal('TASK_STATUS'),
  deviceId: IdSchema,
  taskId: IdSchema,
});
export const ProvisionRequestSchema = z.strictObject({
  action: z.literal('PROVISION'),
  deviceId: IdSchema,
  taskId: IdSchema,
});
export const NotifyProvisionResultRequestSchema = z.strictObject({
  action: z.literal('NOTIFY_PROVISION_RESULT'),
  deviceId: IdSchema,
  tokenUniqueReference: IdSchema,
  result: z.enum(['SUCCESS', 'FAILURE']),
  reason: z.string().max(256).optional(),
});
export const ReplenishRequestSchema = z.strictObject({
  action: z.literal('REPLENISH'),
  deviceId: IdSchema,
  tokenUniqueReference: IdSchema,
  /** ATCs spent since the last REPLENISH (or PROVISION), any order; reporting one twice is harmless. */
  usedAtcs: z.array(AtcSchema).max(USED_ATCS_MAX),
  /** How many credentials the SDK wants; the token service's configured batch size when absent. */
  count: z.int().min(1).max(CREDENTIAL_BATCH_MAX).optional(),
});

export const SdkRequestSchemas = {
  GET_PK: z.discriminatedUnion('action', [GetPublicKeyRequestSchema, RegisterDeviceRequestSchema]),
  APPLY: z.discriminatedUnion('action', [
    DigitizeRequestSchema,
    TaskStatusRequestSchema,
    ProvisionRequestSchema,
    NotifyProvisionResultRequestSchema,
  ]),
  REPLENISH: ReplenishRequestSchema,
} as const satisfies Record<ProxyType, z.ZodType>;

export type GetPkRequest = z.infer<(typeof SdkRequestSchemas)['GET_PK']>;
export type ApplyRequest = z.infer<(typeof SdkRequestSchemas)['APPLY']>;
export type ReplenishRequest = z.infer<typeof ReplenishRequestSchema>;
export type SdkRequest = GetPkRequest | ApplyRequest | ReplenishRequest;
export type SdkAction = SdkRequest['action'];

// ---- Answer values ----

export const GetPublicKeyResultSchema = z.object({
  keyId: IdSchema,
  /** The token service's RSA-OAEP public key, base64 DER SubjectPublicKeyInfo. */
  publicKey: z.string().min(1),
  /** Single use, goes into the registration envelope. */
  registrationNonce: IdSchema,
  nonceExpiresAtMs: z.int().nonnegative(),
});
export const RegisterDeviceResultSchema = z.object({ deviceId: IdSchema });
export const DigitizeResultSchema = z.object({ taskId: IdSchema, tokenUniqueReference: IdSchema });

/**
 * PENDING: wait (retryAfterMs says how long); READY: send PROVISION; DONE: provisioned and confirmed
 * active; FAILED: the token is deactivated (a failed provisioning or a delete).
 */
export const TaskStatusSchema = z.enum(['PENDING', 'READY', 'DONE', 'FAILED']);
export const TaskStatusResultSchema = z.object({
  taskId: IdSchema,
  status: TaskStatusSchema,
  retryAfterMs: z.int().nonnegative().optional(),
});

/** One payment credential: the ATC in clear (to count and order), the session key sealed to the device. */
export const CredentialSchema = z.object({
  atc: AtcSchema,
  /** Sealed to the device key with context ENVELOPE_CONTEXTS.credential(tokenUniqueReference, atc). */
  envelope: EnvelopeSchema,
});
export type Credential = z.infer<typeof CredentialSchema>;
/** A credential envelope's payload. */
export const CredentialPayloadSchema = z.strictObject({
  tokenUniqueReference: IdSchema,
  atc: AtcSchema,
  /** The 16-byte CVN 20 session key, upper-case hex. */
  sessionKey: z.string().regex(/^[0-9A-F]{32}$/),
});
export type CredentialPayload = z.infer<typeof CredentialPayloadSchema>;

/** The card profile of docs/protocol/emv.md#card-profile (tapkit values); the SDK builds its records from it. */
export const CardProfileSchema = z.object({
  aid: hexField(16),
  applicationLabel: z.string().max(16),
  tokenPan: z.string().regex(/^\d{12,19}$/),
  /** 5F34. */
  psn: z.string().regex(/^\d{2}$/),
  /** 5F24, YYMMDD (the last day of the expiry month). */
  expiryDate: z.string().regex(/^\d{6}$/),
  /** 82, 2 bytes. */
  aip: hexField(2),
  /** 94. */
  afl: hexField(252),
  /** 8C, the DOL itself (tags and lengths). */
  cdol1: hexField(252),
  /** 57. */
  track2EquivalentData: hexField(19),
  /** 9F10 first bytes: key derivation index and cryptogram version number. */
  keyDerivationIndex: z.int().min(0).max(255),
  cryptogramVersionNumber: z.int().min(0).max(255),
});
export type CardProfile = z.infer<typeof CardProfileSchema>;

export const ProvisionResultSchema = z.object({
  tokenUniqueReference: IdSchema,
  tokenState: TokenStateSchema,
  cardProfile: CardProfileSchema,
  credentials: z.array(CredentialSchema).max(CREDENTIAL_BATCH_MAX),
});
export const NotifyProvisionResultResultSchema = z.object({
  tokenUniqueReference: IdSchema,
  tokenState: TokenStateSchema,
});
export const ReplenishResultSchema = z.object({
  tokenUniqueReference: IdSchema,
  tokenState: TokenStateSchema,
  credentials: z.array(CredentialSchema).max(CREDENTIAL_BATCH_MAX),
});

export const SdkResultSchemas = {
  GET_PUBLIC_KEY: GetPublicKeyResultSchema,
  REGISTER_DEVICE: RegisterDeviceResultSchema,
  DIGITIZE: DigitizeResultSchema,
  TASK_STATUS: TaskStatusResultSchema,
  PROVISION: ProvisionResultSchema,
  NOTIFY_PROVISION_RESULT: NotifyProvisionResultResultSchema,
  REPLENISH: ReplenishResultSchema,
} as const satisfies Record<SdkAction, z.ZodType>;

export type SdkResultOf<A extends SdkAction> = z.infer<(typeof SdkResultSchemas)[A]>;

// ---- The answer envelope ----

export const SdkErrorBodySchema = z.object({
  // A string, not the enum: a newer token service may answer a code this SDK does not know.
  code: z.string().min(1).max(64),
  message: z.string().max(1024),
});

/** The schema of the answer to an `action`. */
export function sdkResponseSchema<A extends SdkAction>(action: A) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value: SdkResultSchemas[action] as (typeof SdkResultSchemas)[A] }),
    z.object({ ok: z.literal(false), error: SdkErrorBodySchema }),
  ]);
}

export type SdkResponse<A extends SdkAction> =
  | { ok: true; value: SdkResultOf<A> }
  | { ok: false; error: { code: TokenServiceErrorCode | (string & {}); message: string } };

export function isKnownErrorCode(code: string): code is TokenServiceErrorCode {
  return (TOKEN_SERVICE_ERROR_CODES as string[]).includes(code);
}
