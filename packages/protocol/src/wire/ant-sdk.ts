// The wire contract between the NFC SDK and the Ant server (tapkit). Isomorphic: zod only, no node:
// imports, so the SDK (browser, React Native, Node) imports it as `@tapkit/protocol/wire/ant-sdk`.
//
// The SDK hands `(type, body)` to the wallet app's proxy; the MPP server adds the customer id and
// forwards `POST /aps/api/v1/mobile/sdkProxy { customerId, sdkRequestType, sdkRequestHeader,
// sdkRequestBody }` signed to Alipay+ (the header, REQUIRED by the doc, is the SDK's SdkRequestHeader
// below as JSON text, passed on unchanged); the Ant server answers `{ result, sdkResponseBody }`. `sdkRequestBody` / `sdkResponseBody`
// are the JSON text of the schemas below. Each request type carries several operations told apart by
// `op`:
//
//   SYNC_TOKEN  STATUS, APPLICATION_STATUS, ACTIVATE, CONFIRM_ACTIVATION, LOCK, UNLOCK, DELETE,
//               NFC_ISSUE_CONFIG (the remote configuration, doc name `nfc_issue_config`)
//   NOTIFY      PULL (events since a cursor: the SDK learns an issuer suspension, a deletion, and the
//               outcome of a tap the issuer decided: TRANSACTION_RESULT, tapkit)
//   TRANSFER    ACTIVATION_RESULT (the SDK reports how provisioning ended)
//
// Every sdkResponseBody is `{ ok: true, value }` or `{ ok: false, error: { code, message, retryable } }`
// with a code from ANT_ERRORS. The top-level `result` is S whenever the Ant server read the request;
// it is F only for an envelope it cannot read (unknown sdkRequestType, body not JSON of any op).
// Requests are strict (a typo must not pass silently); answers are parsed leniently by the SDK.
import * as z from 'zod';

export const ANT_REQUEST_TYPES = ['SYNC_TOKEN', 'NOTIFY', 'TRANSFER'] as const;
export type AntRequestType = (typeof ANT_REQUEST_TYPES)[number];

/** Same grammar as the token service's ids, so one tokenUniqueReference fits both. */
export const TokenReferenceSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ -');

// ---- Requests ----

const tokenOp = <Op extends string>(op: Op) =>
  z.strictObject({ op: z.literal(op), tokenUniqueReference: TokenReferenceSchema });

export const StatusRequestSchema = z.strictObject({ op: z.literal('STATUS') });
export const ApplicationStatusRequestSchema = tokenOp('APPLICATION_STATUS');
export const ActivateRequestSchema = tokenOp('ACTIVATE');
export const ConfirmActivationRequestSchema = tokenOp('CONFIRM_ACTIVATION');
export const LockRequestSchema = tokenOp('LOCK');
export const UnlockRequestSchema = tokenOp('UNLOCK');
export const DeleteRequestSchema = tokenOp('DELETE');
/** (tapkit op name) Reads the remote configuration the doc calls `nfc_issue_config`. */
export const NfcIssueConfigRequestSchema = z.strictObject({ op: z.literal('NFC_ISSUE_CONFIG') });

export const SyncTokenRequestSchema = z.discriminatedUnion('op', [
  StatusRequestSchema,
  ApplicationStatusRequestSchema,
  ActivateRequestSchema,
  ConfirmActivationRequestSchema,
  LockRequestSchema,
  UnlockRequestSchema,
  DeleteRequestSchema,
  NfcIssueConfigRequestSchema,
]);
export type SyncTokenRequest = z.infer<typeof SyncTokenRequestSchema>;
export type SyncTokenOp = SyncTokenRequest['op'];

/** (tapkit) Events per NOTIFY PULL answer: 50 events stay inside the 32 KiB sdkResponseBody. */
export const EVENTS_PER_PULL_MAX = 50;

export const NotifyPullRequestSchema = z.strictObject({
  op: z.literal('PULL'),
  /** The last sequence the SDK has seen; 0 (or absent) from the start. */
  afterSequence: z.int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.int().min(1).max(EVENTS_PER_PULL_MAX).optional(),
});
export const NotifyRequestSchema = NotifyPullRequestSchema;
export type NotifyRequest = z.infer<typeof NotifyRequestSchema>;

export const ActivationResultRequestSchema = z.strictObject({
  op: z.literal('ACTIVATION_RESULT'),
  tokenUniqueReference: TokenReferenceSchema,
  result: z.enum(['SUCCESS', 'FAILURE']),
  reason: z.string().max(256).optional(),
});
export const TransferRequestSchema = ActivationResultRequestSchema;
export type TransferRequest = z.infer<typeof TransferRequestSchema>;

export const AntRequestSchemas = {
  SYNC_TOKEN: SyncTokenRequestSchema,
  NOTIFY: NotifyRequestSchema,
  TRANSFER: TransferRequestSchema,
} as const satisfies Record<AntRequestType, z.ZodType>;

// ---- The SDK's request header ----

/**
 * (tapkit fields) The `sdkRequestHeader` the SDK builds for every request (the doc makes the header
 * REQUIRED on sdkProxy without listing its fields). Nothing secret: the device appears only as a hash of
 * its fingerprint. Parsed leniently: a newer SDK may add fields.
 */
export const SdkRequestHeaderSchema = z.looseObject({
  sdkVersion: z.string().min(1).max(32),
  platform: z.string().min(1).max(32),
  /** SHA-256 of the app's device fingerprint, base64url (43 characters). */
  deviceFingerprintHash: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  /** Unique per request (32 hex digits), for tracing one request through the proxies. */
  requestId: z.string().regex(/^[0-9a-f]{32}$/),
  /** When the SDK built the request, ISO 8601 UTC. */
  requestTime: z.string().min(1).max(32),
  requestType: z.string().min(1).max(32),
});
export type SdkRequestHeader = z.infer<typeof SdkRequestHeaderSchema>;

// ---- Values ----

export const TOKEN_STATES = ['INACTIVE', 'ACTIVE', 'SUSPENDED', 'DEACTIVATED'] as const;
export const TokenStateSchema = z.enum(TOKEN_STATES);
export type TokenState = z.infer<typeof TokenStateSchema>;
export const SUSPEND_REASONS = ['CARDHOLDER', 'TOKEN_REQUESTOR', 'ISSUER', 'MOBILE_PIN_LOCKED'] as const;
export const SuspendReasonSchema = z.enum(SUSPEND_REASONS);
export type SuspendReason = z.infer<typeof SuspendReasonSchema>;

/** APPROVED / DECLINED: the issuer's (Alipay+'s) answer to the token service's authorizeService. */
export const ApplicationStatusSchema = z.enum(['PENDING', 'APPROVED', 'DECLINED', 'FAILED']);
export type ApplicationStatus = z.infer<typeof ApplicationStatusSchema>;
/** Secondary confirmation (SDK status 21): REQUIRED until the user confirms, when the MPP asks for it. */
export const ConfirmationSchema = z.enum(['NOT_REQUIRED', 'REQUIRED', 'CONFIRMED']);
export type Confirmation = z.infer<typeof ConfirmationSchema>;
export const ActivationSchema = z.enum(['PENDING', 'ACTIVATED']);
export type Activation = z.infer<typeof ActivationSchema>;

export const TokenInfoSchema = z.object({
  tokenUniqueReference: TokenReferenceSchema,
  applicationStatus: ApplicationStatusSchema,
  /** The token's Mastercard state as Alipay+ last learned it. */
  tokenState: TokenStateSchema,
  suspendedBy: z.array(SuspendReasonSchema).max(SUSPEND_REASONS.length),
  /** The cardholder's own lock (suspendedBy contains CARDHOLDER): the page shows "Unlock". */
  lockedByCardholder: z.boolean(),
  activation: ActivationSchema,
  confirmation: ConfirmationSchema,
  /** ACTIVE at Mastercard, activated, and confirmed when a confirmation is required. */
  paymentAllowed: z.boolean(),
  updatedAtMs: z.int().nonnegative(),
});
export type TokenInfo = z.infer<typeof TokenInfoSchema>;

export const CustomerStatusSchema = z.enum(['ACTIVE', 'FROZEN']);
export type CustomerStatus = z.infer<typeof CustomerStatusSchema>;

/** (tapkit) Tokens per STATUS answer: keeps the answer inside the 32 KiB sdkResponseBody. */
export const TOKENS_PER_STATUS_MAX = 20;

export const StatusResultSchema = z.object({
  customerStatus: CustomerStatusSchema,
  /** The customer's tokens that are not DEACTIVATED, newest first. */
  tokens: z.array(TokenInfoSchema).max(TOKENS_PER_STATUS_MAX),
});
export type StatusResult = z.infer<typeof StatusResultSchema>;

export const TokenEventKindSchema = z.enum([
  'APPROVED',
  'ACTIVATED',
  'SUSPENDED',
  'RESUMED',
  'DEACTIVATED',
  'CONFIRMED',
  // (tapkit) Added after the token kinds: the issuer decided an authorization made with the token.
  'TRANSACTION_RESULT',
]);
export type TokenEventKind = z.infer<typeof TokenEventKindSchema>;

/**
 * (tapkit) What the issuer answered the network (DE39) for an authorization of the token: the 0110 never
 * reaches the phone, so the SDK learns a decline (e.g. 51, insufficient balance) from this event.
 */
export const TransactionResultSchema = z.object({
  /** 9F36 of the cryptogram, which the SDK matches against the tap it made. */
  atc: z.int().min(0).max(0xffff),
  networkTraceId: z.string().min(1).max(64),
  approved: z.boolean(),
  de39: z.string().regex(/^[0-9A-Z]{2}$/),
  /** The MPP's resultCode when the MPP declined (e.g. USER_BALANCE_NOT_ENOUGH). */
  resultCode: z.string().min(1).max(64).optional(),
  /** Minor units as a decimal string: money never travels as a JSON number. */
  amount: z.object({ currency: z.string().regex(/^[A-Z]{3}$/), value: z.string().regex(/^\d{1,19}$/) }),
  customData: z.string().max(256).optional(),
});
export type TransactionResult = z.infer<typeof TransactionResultSchema>;

export const TokenEventSchema = z.object({
  sequence: z.int().min(1),
  tokenUniqueReference: TokenReferenceSchema,
  kind: TokenEventKindSchema,
  /** The token as it stands when the event was recorded. */
  token: TokenInfoSchema,
  eventTimeMs: z.int().nonnegative(),
  /** Present exactly on TRANSACTION_RESULT events. */
  transaction: TransactionResultSchema.optional(),
});
export type TokenEvent = z.infer<typeof TokenEventSchema>;

export const NotifyPullResultSchema = z.object({
  events: z.array(TokenEventSchema).max(EVENTS_PER_PULL_MAX),
  /** Pass as afterSequence next time. */
  lastSequence: z.int().min(0),
});
export type NotifyPullResult = z.infer<typeof NotifyPullResultSchema>;

/** Bounds on the remote configuration: a typo on the server cannot make a poll loop run for hours. */
export const NFC_ISSUE_CONFIG_TIMES_MAX = 1000;
export const NFC_ISSUE_CONFIG_INTERVAL_MS_MAX = 60_000;

const times = z.int().min(1).max(NFC_ISSUE_CONFIG_TIMES_MAX);
const intervalMs = z.int().min(0).max(NFC_ISSUE_CONFIG_INTERVAL_MS_MAX);

/**
 * The remote configuration (doc: `nfc_issue_config`, field names from the doc; intervals in milliseconds,
 * tapkit). Every field is optional: what the server leaves out, the SDK takes from its local config.
 * Unknown fields are kept (a newer server may send more).
 */
export const NfcIssueConfigSchema = z.looseObject({
  /** WAIT_APPROVAL: how many times, and how far apart, the application status is polled. */
  applyTokenTimes: times.optional(),
  applyTokenInterval: intervalMs.optional(),
  /** NOTIFY_RESULT: how many times, and how far apart, the token is polled until it shows active. */
  activateTimes: times.optional(),
  activateInterval: intervalMs.optional(),
  /** (tapkit meaning) After a tap: how many times, and how far apart, its result is pulled. */
  sessionTimes: z.int().min(0).max(20).optional(),
  sessionInterval: z.int().min(1).max(NFC_ISSUE_CONFIG_INTERVAL_MS_MAX).optional(),
  isSupportTransit: z.boolean().optional(),
  isSupportTransitWithoutConsent: z.boolean().optional(),
  /** isPaymentAvailable also reports the password-free (no-CVM) amount. */
  asyncAmountLimitSwitch: z.boolean().optional(),
});
export type NfcIssueConfig = z.infer<typeof NfcIssueConfigSchema>;

/** The value of each op's successful answer. */
export const AntResultSchemas = {
  STATUS: StatusResultSchema,
  APPLICATION_STATUS: TokenInfoSchema,
  ACTIVATE: TokenInfoSchema,
  CONFIRM_ACTIVATION: TokenInfoSchema,
  LOCK: TokenInfoSchema,
  UNLOCK: TokenInfoSchema,
  DELETE: TokenInfoSchema,
  NFC_ISSUE_CONFIG: NfcIssueConfigSchema,
  PULL: NotifyPullResultSchema,
  ACTIVATION_RESULT: TokenInfoSchema,
} as const;
export type AntOp = keyof typeof AntResultSchemas;
export type AntResultOf<Op extends AntOp> = z.infer<(typeof AntResultSchemas)[Op]>;

// ---- Errors ----

/** The one catalog of Ant server error codes the SDK sees; `retryable`: the same request later can work. */
export const ANT_ERRORS = {
  INVALID_REQUEST: { retryable: false, message: 'The request body is malformed.' },
  CUSTOMER_NOT_ACTIVE: { retryable: false, message: 'The customer is not active at Alipay+.' },
  TOKEN_NOT_EXIST: { retryable: false, message: 'No such token for this customer.' },
  TOKEN_DEACTIVATED: { retryable: false, message: 'The token is deleted.' },
  TOKEN_NOT_ACTIVE: { retryable: false, message: 'The token is not active yet.' },
  APPLICATION_DECLINED: { retryable: false, message: 'The digitization was declined.' },
  CONFIRMATION_NOT_REQUIRED: { retryable: false, message: 'The token needs no secondary confirmation.' },
  MASTERCARD_UNAVAILABLE: {
    retryable: true,
    message: 'The token service did not confirm the change; nothing changed, try again.',
  },
  MASTERCARD_REJECTED: { retryable: false, message: 'The token service refused the change.' },
  INTERNAL_ERROR: { retryable: true, message: 'The Ant server failed; try again later.' },
} as const satisfies Record<string, { retryable: boolean; message: string }>;
export type AntErrorCode = keyof typeof ANT_ERRORS;

export const AntErrorSchema = z.object({
  // A string, not the enum: a newer Ant server may answer a code an older SDK does not know.
  code: z.string().min(1).max(64),
  message: z.string().max(1024),
  retryable: z.boolean(),
});
export type AntError = { code: AntErrorCode; message: string; retryable: boolean };

export function antError(code: AntErrorCode, message?: string): AntError {
  return { code, message: message ?? ANT_ERRORS[code].message, retryable: ANT_ERRORS[code].retryable };
}

/** The schema of the answer to an op, for the SDK. */
export function antResponseSchema<Op extends AntOp>(op: Op) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value: AntResultSchemas[op] as (typeof AntResultSchemas)[Op] }),
    z.object({ ok: z.literal(false), error: AntErrorSchema }),
  ]);
}

export type AntResponse<Op extends AntOp> =
  | { ok: true; value: AntResultOf<Op> }
  | { ok: false; error: { code: string; message: string; retryable: boolean } };
