import { createHash, randomBytes } from 'node:crypto';
import { amountOf, formatMajor, sdkBodyCharsMax, sdkHeaderCharsMax } from '@tapkit/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { readCustomer } from '../../customers.ts';
import { formatUtc8 } from '../../domain/time.ts';
import type { Clock } from '../../ports.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../auth/password.ts';
import {
  deleteSession,
  findSession,
  findUser,
  insertSession,
  type SessionRow,
  sweepExpiredSessions,
} from '../db/app-repository.ts';
import type { DbHandle } from '../db/open.ts';
import { listCustomerPayments, recordTokenCustomer } from '../db/payment-repository.ts';
import type { PaymentRow } from '../db/schema.ts';
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
}

/** (tapkit) History page size: 20 unless asked, never more than 100 rows per request. */
export const PAYMENTS_LIMIT_DEFAULT = 20;
export const PAYMENTS_LIMIT_MAX = 100;
const tokenBytes = 32;
/** base64url of 32 bytes; anything else in the Authorization header is not one of our tokens. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;

const LoginSchema = z.strictObject({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(256),
});
const PaymentsQuerySchema = z.strictObject({
  customData: z.string().min(1).max(256).optional(),
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'limit must be a whole number from 1')
    .transform(Number)
    .refine((n) => n <= PAYMENTS_LIMIT_MAX, `limit must be at most ${PAYMENTS_LIMIT_MAX}`)
    .optional(),
});
const ProxySchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.enum(TOKEN_SERVICE_TYPES),
    body: z.string().max(TOKEN_SERVICE_BODY_CHARS_MAX),
  }),
  z.strictObject({
    type: z.enum(ALIPAY_PLUS_TYPES),
    // sdkProxy carries the SDK's body inside a signed Alipay+ message, with the protocol's own bounds.
    body: z.string().min(1).max(sdkBodyCharsMax),
    header: z.string().min(1).max(sdkHeaderCharsMax).optional(),
  }),
]);

const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export function registerAppRoutes(app: FastifyInstance, deps: AppRoutesDeps): void {
  app.register(async (scope) => {
    installErrorHandler(scope);
    const sessions = new WeakMap<FastifyRequest, SessionRow & { tokenHash: string }>();
    const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
      const token = bearerToken(request.headers.authorization);
      const tokenHash = token === undefined ? undefined : hashToken(token);
      const session =
        tokenHash === undefined ? undefined : await findSession(deps.store.db, tokenHash, deps.clock.nowMs());
      if (session === undefined || tokenHash === undefined) return sendError(reply, 'UNAUTHENTICATED');
      sessions.set(request, { ...session, tokenHash });
    };
    const sessionOf = (request: FastifyRequest) => {
      const session = sessions.get(request);
      if (session === undefined) throw new Error('app route without a session: authenticate is missing');
      return session;
    };
    const routeOptions = { bodyLimit: deps.bodyBytesMax ?? 65_536 };

    scope.post('/app/v1/login', routeOptions, (request, reply) => login(deps, request, reply));
    scope.post('/app/v1/logout', { preHandler: authenticate }, async (request, reply) => {
      await deleteSession(deps.store.db, sessionOf(request).tokenHash);
      return reply.code(200).send({ ok: true });
    });
    scope.get('/app/v1/wallet', { preHandler: authenticate }, async (request, reply) => {
      const customer = await readCustomer(deps, sessionOf(request).customerId);
      if (customer === undefined) return sendError(reply, 'CUSTOMER_NOT_FOUND');
      return {
        customerId: customer.customerId,
        status: customer.status,
        balances: customer.balances.map((b) => wireBalance(b.currency, b.balanceMinor)),
      };
    });
    scope.get('/app/v1/payments', { preHandler: authenticate }, async (request, reply) => {
      const query = PaymentsQuerySchema.safeParse(request.query);
      if (!query.success) return sendError(reply, 'QUERY_INVALID', describeZodIssues(query.error));
      const rows = await listCustomerPayments(deps.store.db, sessionOf(request).customerId, {
        ...(query.data.customData === undefined ? {} : { customData: query.data.customData }),
        limit: query.data.limit ?? PAYMENTS_LIMIT_DEFAULT,
      });
      return { payments: rows.map(paymentView) };
    });
    scope.post(
      '/app/v1/nfc/proxy',
      { bodyLimit: NFC_PROXY_HTTP_BYTES_MAX, preHandler: authenticate },
      async (request, reply) => {
        const parsed = ProxySchema.safeParse(request.body);
        if (!parsed.success) return sendError(reply, 'BODY_INVALID', describeZodIssues(parsed.error));
        const forwarded = await deps.proxy.forward({
          customerId: sessionOf(request).customerId,
          ...parsed.data,
        });
        if (forwarded.ok) {
          await learnTokenReference(deps, request, {
            type: parsed.data.type,
            customerId: sessionOf(request).customerId,
            body: forwarded.value.body,
          });
          return { body: forwarded.value.body };
        }
        const { code, upstream, detail } = forwarded.error;
        request.log.warn({ type: parsed.data.type, upstream, code, detail }, 'nfc proxy upstream failed');
        return sendError(reply, code, upstream);
      },
    );
  });
}

/**
 * The MPP's token mapping (ALIPAYPLUS_API.md, pay: the customer "resolved from paymentMethodId through the
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

async function login(deps: AppRoutesDeps, request: FastifyRequest, reply: FastifyReply) {
  const parsed = LoginSchema.safeParse(request.body);
  if (!parsed.success) return sendError(reply, 'BODY_INVALID', describeZodIssues(parsed.error));
  const user = await findUser(deps.store.db, parsed.data.username);
  // An unknown user costs one scrypt too, so timing does not tell which usernames exist.
  const matches = await verifyPassword(parsed.data.password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (user === undefined || !matches) return sendError(reply, 'LOGIN_FAILED');
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
  return reply
    .code(200)
    .send({ token, customerId: user.customerId, expiresAt: new Date(expiresAtMs).toISOString() });
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
function paymentView(row: PaymentRow) {
  return {
    paymentRequestId: row.payment_request_id,
    paymentId: row.payment_id,
    status: row.status,
    resultCode: row.result_code,
    paymentAmount: money(row.payment_currency, row.payment_minor),
    payToAmount: money(row.pay_to_currency, row.pay_to_minor),
    refundedAmount: money(row.payment_currency, row.refunded_minor),
    paymentTime: row.payment_time_ms === null ? null : formatUtc8(Number(row.payment_time_ms)),
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
