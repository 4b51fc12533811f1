import { createHash, randomBytes } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import { amountOf, formatMajor, sdkBodyCharsMax, sdkHeaderCharsMax } from '@tapkit/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { readCustomer } from '../../customers.ts';
import { formatUtc8 } from '../../domain/time.ts';
import type { Clock, RateLimitStore } from '../../ports.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../auth/password.ts';
import { fastifyRateLimitStore, InProcessRateLimitStore } from '../auth/rate-limit-store.ts';
import {
  deleteSession,
  findSession,
  findUser,
  insertSession,
  type SessionRow,
  sweepExpiredSessions,
  trimUserSessions,
} from '../db/app-repository.ts';
import type { DbHandle } from '../db/open.ts';
import { type HistoryCursor, listCustomerPayments, recordTokenCustomer } from '../db/payment-repository.ts';
import type { PaymentRow } from '../db/schema.ts';
import { installBoundedJsonParser } from './bounded-json.ts';
import { describeZodIssues, installErrorHandler, sendError } from './http-errors.ts';
import {
  ALIPAY_PLUS_TYPES,
  NFC_PROXY_HTTP_BYTES_MAX,
  type NfcProxy,
  TOKEN_SERVICE_BODY_CHARS_MAX,
  TOKEN_SERVICE_TYPES,
} from './nfc-proxy.ts';

// The wallet app's API (session-token auth): login / logout, wallet balances, payment history (filtered by
// the custom data the app gave the SDK), and the NFC request proxy for the SDK.

export interface AppRoutesDeps {
  readonly store: DbHandle;
  readonly clock: Clock;
  readonly proxy: NfcProxy;
  readonly sessionTtlMs: number;
  readonly bodyBytesMax?: number;
  /** Where login attempts are counted; in-process unless N instances share one. */
  readonly loginAttempts?: RateLimitStore;
}

/** (tapkit) Failed logins per username in LOGIN_WINDOW_MS before each further attempt doubles the wait. */
export const LOGIN_FAILURES_PER_USERNAME_MAX = 5;
/** (tapkit) Login attempts per client address in LOGIN_WINDOW_MS (a spray over many usernames). */
export const LOGIN_ATTEMPTS_PER_ADDRESS_MAX = 30;
export const LOGIN_WINDOW_MS = 60_000;
/** (tapkit) Live sessions per user; a new login ends the oldest beyond it. */
export const SESSIONS_PER_USER_MAX = 10;

/** (tapkit) History page size: 20 unless asked, never more than 100 rows per request. */
export const PAYMENTS_LIMIT_DEFAULT = 20;
export const PAYMENTS_LIMIT_MAX = 100;
/** (tapkit) A history cursor: base64url of "<created at ms>.<payment request id>", opaque to the app. */
const cursorCharsMax = 256;
const tokenBytes = 32;
/** base64url of 32 bytes; anything else in the Authorization header is not one of our tokens. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

export const LoginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
export const PaymentsQuerySchema = z.strictObject({
  customData: z.string().min(1).max(256).optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'limit must be a whole number from 1')
    .transform(Number)
    .refine((n) => n <= PAYMENTS_LIMIT_MAX, `limit must be at most ${PAYMENTS_LIMIT_MAX}`)
    .optional(),
  /** The `next` of the previous page: the rows after it. */
  cursor: z
    .string()
    .max(cursorCharsMax)
    .transform((text, context) => {
      const cursor = decodeCursor(text);
      if (cursor === undefined)
        context.addIssue({ code: 'custom', message: 'cursor is not a history cursor' });
      return cursor ?? z.NEVER;
    })
    .optional(),
});
export const ProxySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.enum(TOKEN_SERVICE_TYPES),
    body: z.string().max(TOKEN_SERVICE_BODY_CHARS_MAX),
    // The SDK's sdkRequestHeader, passed on unchanged (the token service does not need it).
    header: z.string().min(1).max(sdkHeaderCharsMax).optional(),
  }),
  z.strictObject({
    type: z.enum(ALIPAY_PLUS_TYPES),
    // sdkProxy carries the SDK's body inside a signed Alipay+ message, with the protocol's own bounds.
    body: z.string().min(1).max(sdkBodyCharsMax),
    // REQUIRED by sdkProxy (doc): refused here with a clear error rather than upstream.
    header: z.string().min(1).max(sdkHeaderCharsMax),
  }),
]);

// The answers, as the OpenAPI document describes them; the handlers are typed by them.
const MoneySchema = z.strictObject({ currency: z.string(), value: z.string() });
export const LoginAnswerSchema = z.strictObject({
  token: z.string(),
  customerId: z.string(),
  expiresAt: z.iso.datetime(),
});
export const LogoutAnswerSchema = z.strictObject({ ok: z.literal(true) });
export const WalletAnswerSchema = z.strictObject({
  customerId: z.string(),
  status: z.enum(['ACTIVE', 'FROZEN']),
  balances: z.array(z.strictObject({ currency: z.string(), value: z.string(), display: z.string() })),
});
export const PaymentViewSchema = z.strictObject({
  paymentRequestId: z.string(),
  paymentId: z.string().nullable(),
  status: z.enum(['SUCCESS', 'FAILED', 'CANCELLED', 'TOMBSTONE']),
  resultCode: z.string().nullable(),
  paymentAmount: MoneySchema.nullable(),
  payToAmount: MoneySchema.nullable(),
  refundedAmount: MoneySchema.nullable(),
  paymentTime: z.string().nullable(),
  /** When the MPP first saw the pay (UTC+8, like paymentTime): a declined pay has no paymentTime. */
  createdAt: z.string(),
  customData: z.string().nullable(),
  merchantName: z.string().nullable(),
});
export const PaymentsAnswerSchema = z.strictObject({
  payments: z.array(PaymentViewSchema),
  /** The cursor of the next page (older rows), or null when this page is the last. */
  next: z.string().nullable(),
});
export const ProxyAnswerSchema = z.strictObject({ body: z.string().nullable() });

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function registerAppRoutes(app: FastifyInstance, deps: AppRoutesDeps): void {
  app.register(async (scope) => {
    installErrorHandler(scope);
    // Session tokens and balances must not sit in caches, and nothing here is to be sniffed as HTML.
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
      reply.header('x-content-type-options', 'nosniff');
    });
    const throttle = await loginThrottle(scope, deps);
    // The NFC proxy carries token service bodies of up to 65,536 characters in one string.
    installBoundedJsonParser(scope, { stringCharsMax: TOKEN_SERVICE_BODY_CHARS_MAX });
    const session = sessionGuard(deps);
    const routeOptions = { bodyLimit: deps.bodyBytesMax ?? 65_536 };
    scope.post('/app/v1/login', routeOptions, (request, reply) => login(deps, throttle, request, reply));
    registerSessionRoutes(scope, deps, session);
    scope.post(
      '/app/v1/nfc/proxy',
      { bodyLimit: NFC_PROXY_HTTP_BYTES_MAX, preHandler: session.authenticate },
      (request, reply) => forwardProxy(deps, session.of(request).customerId, request, reply),
    );
  });
}

async function loginThrottle(scope: FastifyInstance, deps: AppRoutesDeps): Promise<LoginThrottle> {
  await scope.register(rateLimit, {
    global: false,
    store: fastifyRateLimitStore(deps.loginAttempts ?? new InProcessRateLimitStore(deps.clock)),
    exponentialBackoff: true,
  });
  return {
    byAddress: scope.createRateLimit({
      keyGenerator: (request) => `address:${request.ip}`,
      max: LOGIN_ATTEMPTS_PER_ADDRESS_MAX,
      timeWindow: LOGIN_WINDOW_MS,
    }),
    byUsername: scope.createRateLimit({
      keyGenerator: (request) => `username:${loginUsername(request)}`,
      max: LOGIN_FAILURES_PER_USERNAME_MAX,
      timeWindow: LOGIN_WINDOW_MS,
    }),
  };
}

interface SessionGuard {
  /** preHandler: the bearer token's live session, or UNAUTHENTICATED. */
  authenticate(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  /** The session `authenticate` found for this request. */
  of(request: FastifyRequest): SessionRow & { tokenHash: string };
}

function sessionGuard(deps: AppRoutesDeps): SessionGuard {
  const sessions = new WeakMap<FastifyRequest, SessionRow & { tokenHash: string }>();
  return {
    async authenticate(request, reply) {
      const token = bearerToken(request.headers.authorization);
      const tokenHash = token === undefined ? undefined : hashToken(token);
      const session =
        tokenHash === undefined ? undefined : await findSession(deps.store.db, tokenHash, deps.clock.nowMs());
      if (session === undefined || tokenHash === undefined) return sendError(reply, 'UNAUTHENTICATED');
      sessions.set(request, { ...session, tokenHash });
    },
    of(request) {
      const session = sessions.get(request);
      if (session === undefined) throw new Error('app route without a session: authenticate is missing');
      return session;
    },
  };
}

/** logout, wallet and payments: what a logged-in user reads of their own account. */
function registerSessionRoutes(scope: FastifyInstance, deps: AppRoutesDeps, session: SessionGuard): void {
  const preHandler = session.authenticate;
  scope.post('/app/v1/logout', { preHandler }, async (request, reply) => {
    await deleteSession(deps.store.db, session.of(request).tokenHash);
    return reply.code(200).send({ ok: true } satisfies z.infer<typeof LogoutAnswerSchema>);
  });
  scope.get('/app/v1/wallet', { preHandler }, async (request, reply) => {
    const customer = await readCustomer(deps, session.of(request).customerId);
    if (customer === undefined) return sendError(reply, 'CUSTOMER_NOT_FOUND');
    return {
      customerId: customer.customerId,
      status: customer.status,
      balances: customer.balances.map((b) => wireBalance(b.currency, b.balanceMinor)),
    } satisfies z.infer<typeof WalletAnswerSchema>;
  });
  scope.get('/app/v1/payments', { preHandler }, (request, reply) =>
    listPayments(deps, session.of(request).customerId, request, reply),
  );
}

/** The NFC proxy: the SDK's token service call forwarded for the session's customer. */
async function forwardProxy(
  deps: AppRoutesDeps,
  customerId: string,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const parsed = ProxySchema.safeParse(request.body);
  if (!parsed.success) return sendError(reply, 'BODY_INVALID', describeZodIssues(parsed.error));
  const forwarded = await deps.proxy.forward({ customerId, ...parsed.data });
  if (forwarded.ok) {
    await learnTokenReference(deps, request, {
      type: parsed.data.type,
      customerId,
      body: forwarded.value.body,
    });
    return { body: forwarded.value.body } satisfies z.infer<typeof ProxyAnswerSchema>;
  }
  const { code, upstream, detail } = forwarded.error;
  request.log.warn({ type: parsed.data.type, upstream, code, detail }, 'nfc proxy upstream failed');
  return sendError(reply, code, upstream);
}

/** GET /app/v1/payments: one page of the customer's history, newest first, and the next page's cursor. */
async function listPayments(
  deps: AppRoutesDeps,
  customerId: string,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const query = PaymentsQuerySchema.safeParse(request.query);
  if (!query.success) return sendError(reply, 'QUERY_INVALID', describeZodIssues(query.error));
  const limit = query.data.limit ?? PAYMENTS_LIMIT_DEFAULT;
  // One row beyond the page tells whether there is a next page.
  const rows = await listCustomerPayments(deps.store.db, customerId, {
    ...(query.data.customData === undefined ? {} : { customData: query.data.customData }),
    ...(query.data.cursor === undefined ? {} : { after: query.data.cursor }),
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const next = rows.length > limit && last !== undefined ? encodeCursor(last) : null;
  return { payments: page.map(paymentView), next } satisfies z.infer<typeof PaymentsAnswerSchema>;
}

/**
 * The MPP's token mapping (docs/protocol/alipayplus-api.md#pay: the customer "resolved from paymentMethodId through the
 * MPP's token mapping"): a token-service answer the proxy carries back to this session's user names the
 * token it created or serves for them (value.tokenUniqueReference). The body itself is passed on untouched;
 * reading it never changes or fails the proxied call.
 */
async function learnTokenReference(
  deps: AppRoutesDeps,
  request: FastifyRequest,
  seen: { type: string; customerId: string; body: string | null },
): Promise<void> {
  const { type, customerId, body } = seen;
  if (body === null || !(TOKEN_SERVICE_TYPES as readonly string[]).includes(type)) return;
  const tokenReference = tokenReferenceOf(body);
  if (tokenReference === undefined) return;
  try {
    const mine = await recordTokenCustomer(deps.store.db, {
      tokenReference,
      customerId,
      source: 'TOKEN_SERVICE_ANSWER',
      nowMs: deps.clock.nowMs(),
    });
    if (!mine) request.log.warn({ type }, 'token reference already mapped to another customer; kept');
  } catch (error) {
    request.log.warn({ type, errorMessage: String(error) }, 'token mapping not recorded');
  }
}

/** The tokenUniqueReference of a token-service answer `{ ok: true, value: { tokenUniqueReference } }`. */
export function tokenReferenceOf(body: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const answer = json as { ok?: unknown; value?: { tokenUniqueReference?: unknown } | null };
  const reference = typeof answer.value === 'object' ? answer.value?.tokenUniqueReference : undefined;
  return answer.ok === true && typeof reference === 'string' && reference.length > 0 && reference.length <= 64
    ? reference
    : undefined;
}

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

interface LoginThrottle {
  readonly byAddress: Limiter;
  readonly byUsername: Limiter;
}

const loginUsername = (request: FastifyRequest): string => {
  const username = (request.body as { username?: unknown } | null)?.username;
  return typeof username === 'string' ? username.normalize('NFC').toLowerCase() : '';
};

/**
 * Whether the login may go on to the password check. Every attempt counts against the client address;
 * a username counts its failures, and once past them every further attempt counts too, so hammering
 * while throttled doubles the wait each time (backoff). Checked before the KDF runs: a throttled attempt
 * costs no scrypt.
 */
async function loginAllowed(throttle: LoginThrottle, request: FastifyRequest, reply: FastifyReply) {
  let verdict = await throttle.byAddress(request);
  if (verdict.isAllowed || !verdict.isExceeded) {
    // Its failures used up (remaining 0), the username waits: this attempt counts and passes the max.
    const peek = await throttle.byUsername(request, { increment: false });
    verdict = !peek.isAllowed && peek.remaining === 0 ? await throttle.byUsername(request) : peek;
  }
  if (verdict.isAllowed || !verdict.isExceeded) return true;
  reply.header('retry-after', String(Math.max(1, verdict.ttlInSeconds)));
  sendError(reply, 'LOGIN_THROTTLED');
  return false;
}

async function login(
  deps: AppRoutesDeps,
  throttle: LoginThrottle,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const parsed = LoginSchema.safeParse(request.body);
  if (!parsed.success) return sendError(reply, 'BODY_INVALID', describeZodIssues(parsed.error));
  if (!(await loginAllowed(throttle, request, reply))) return reply;
  const user = await findUser(deps.store.db, parsed.data.username);
  // An unknown user costs one scrypt too, so timing does not tell which usernames exist. scrypt runs in
  // the libuv threadpool, off the event loop that serves pay.
  const matches = await verifyPassword(parsed.data.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (user === undefined || !matches) {
    await throttle.byUsername(request);
    return sendError(reply, 'LOGIN_FAILED');
  }
  const nowMs = deps.clock.nowMs();
  await sweepExpiredSessions(deps.store.db, nowMs);
  const token = randomBytes(tokenBytes).toString('base64url');
  const expiresAtMs = nowMs + deps.sessionTtlMs;
  await insertSession(deps.store.db, {
    tokenHash: hashToken(token),
    username: user.username,
    customerId: user.customerId,
    nowMs,
    expiresAtMs,
  });
  await trimUserSessions(deps.store.db, user.username, SESSIONS_PER_USER_MAX);
  return reply.code(200).send({
    token,
    customerId: user.customerId,
    expiresAt: new Date(expiresAtMs).toISOString(),
  } satisfies z.infer<typeof LoginAnswerSchema>);
}

function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  const token = match?.[1];
  return token !== undefined && tokenPattern.test(token) ? token : undefined;
}

function wireBalance(currency: string, valueMinor: bigint) {
  return { currency, value: valueMinor.toString(), display: formatMajor(amountOf(currency, valueMinor)) };
}

function money(currency: string | null, valueMinor: bigint | null) {
  return currency === null || valueMinor === null ? null : { currency, value: valueMinor.toString() };
}

/** One history row as the app shows it; nothing the app does not need (no stored answers, no details). */
function paymentView(row: PaymentRow): z.infer<typeof PaymentViewSchema> {
  return {
    paymentRequestId: row.payment_request_id,
    paymentId: row.payment_id,
    status: row.status,
    resultCode: row.result_code,
    paymentAmount: money(row.payment_currency, row.payment_minor),
    payToAmount: money(row.pay_to_currency, row.pay_to_minor),
    refundedAmount: money(row.payment_currency, row.refunded_minor),
    paymentTime: row.payment_time_ms === null ? null : formatUtc8(Number(row.payment_time_ms)),
    createdAt: formatUtc8(Number(row.created_at_ms)),
    customData: row.custom_data,
    merchantName: merchantName(row.details_json),
  };
}

function merchantName(detailsJson: string | null): string | null {
  if (detailsJson === null) return null;
  try {
    const name = (JSON.parse(detailsJson) as { order?: { merchant?: { merchantName?: unknown } } }).order
      ?.merchant?.merchantName;
    return typeof name === 'string' ? name : null;
  } catch {
    return null;
  }
}

function encodeCursor(row: PaymentRow): string {
  return Buffer.from(`${String(row.created_at_ms)}.${row.payment_request_id}`, 'utf8').toString('base64url');
}

function decodeCursor(text: string): HistoryCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const match = /^(\d{1,16})\.([\x21-\x7e]{1,128})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  if (match === null || match[1] === undefined || match[2] === undefined) return undefined;
  return { createdAtMs: Number(match[1]), paymentRequestId: match[2] };
}
