import { createHash, timingSafeEqual } from 'node:crypto';
import { IdSchema, parseAmount, WireAmountSchema } from '@tapkit/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { createCustomer, readCustomer, setCustomerStatus, topUp } from '../../customers.ts';
import { formatUtc8 } from '../../domain/time.ts';
import type { Clock } from '../../ports.ts';
import { checkInvariants } from '../db/ledger-repository.ts';
import type { DbHandle } from '../db/open.ts';
import { listStoppedNotify } from '../db/outbox-repository.ts';
import { installBoundedJsonParser } from './bounded-json.ts';
import { describeZodIssues, installErrorHandler, sendError } from './http-errors.ts';

// The operator's admin API, behind a bearer token from configuration (compared in constant time):
// customers, idempotent top-ups, freeze / unfreeze, balances and the ledger invariant check.

export interface AdminRoutesDeps {
  readonly store: DbHandle;
  readonly clock: Clock;
  /** Empty: the admin API answers ADMIN_DISABLED. */
  readonly adminToken: string;
  readonly bodyBytesMax?: number;
}

const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code');
/** (tapkit) A customer has at most this many wallets. */
const walletCurrenciesMax = 16;

export const CreateCustomerSchema = z.strictObject({
  customerId: IdSchema,
  currencies: z.array(CurrencySchema).max(walletCurrenciesMax).default([]),
});
export const TopUpSchema = z.strictObject({
  topupRequestId: IdSchema,
  customerId: IdSchema,
  amount: WireAmountSchema,
});
export const CustomerParamsSchema = z.strictObject({ id: IdSchema });

// The answers, as the OpenAPI document describes them; the handlers are typed by them.
const AdminMoneySchema = z.strictObject({ currency: z.string(), value: z.string() });
const CustomerStatusSchema = z.enum(['ACTIVE', 'FROZEN']);
export const CreateCustomerAnswerSchema = z.strictObject({ customerId: z.string(), created: z.boolean() });
export const TopUpAnswerSchema = z.strictObject({
  topupRequestId: z.string(),
  applied: z.boolean(),
  balance: AdminMoneySchema,
});
export const CustomerStatusAnswerSchema = z.strictObject({
  customerId: z.string(),
  status: CustomerStatusSchema,
});
export const BalancesAnswerSchema = z.strictObject({
  customerId: z.string(),
  status: CustomerStatusSchema,
  balances: z.array(AdminMoneySchema),
});
export const InvariantsAnswerSchema = z.strictObject({
  ok: z.boolean(),
  accountCount: z.number().int(),
  currencies: z.array(
    z.strictObject({ currency: z.string(), postingSumMinor: z.string(), accountCount: z.number().int() }),
  ),
  violations: z.array(z.strictObject({ rule: z.string(), subject: z.string(), detail: z.string() })),
});
/** (tapkit) Stopped notifications per page: 100 unless asked, at most 500. */
const STOPPED_LIMIT_DEFAULT = 100;
export const StoppedQuerySchema = z.strictObject({
  limit: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, 'limit must be a whole number from 1 to 500')
    .transform(Number)
    .refine((n) => n <= 500, 'limit must be at most 500')
    .optional(),
});
export const StoppedNotifyAnswerSchema = z.strictObject({
  notifications: z.array(
    z.strictObject({
      paymentRequestId: z.string(),
      stoppedCode: z.string(),
      stoppedAt: z.string(),
      attemptsTotal: z.number().int(),
      lastResultCode: z.string().nullable(),
      lastDetail: z.string().nullable(),
    }),
  ),
});

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  // Comparing digests keeps the comparison constant-time whatever the presented token's length.
  const expected = digest(deps.adminToken);
  const authorize = async (request: FastifyRequest, reply: FastifyReply) => {
    if (deps.adminToken === '') return sendError(reply, 'ADMIN_DISABLED');
    const match = /^Bearer (\S+)$/i.exec(request.headers.authorization?.trim() ?? '');
    if (match?.[1] === undefined || !timingSafeEqual(digest(match[1]), expected)) {
      return sendError(reply, 'ADMIN_UNAUTHORIZED');
    }
  };
  app.register(async (scope) => {
    installErrorHandler(scope);
    installBoundedJsonParser(scope);
    scope.addHook('preHandler', authorize);
    const bodyLimit = deps.bodyBytesMax ?? 65_536;
    registerCustomerRoutes(scope, deps, bodyLimit);
    registerReportRoutes(scope, deps);
  });
}

/** Customers: create, top up, freeze / unfreeze, balances. */
function registerCustomerRoutes(scope: FastifyInstance, deps: AdminRoutesDeps, bodyLimit: number): void {
  scope.post('/admin/v1/customers', { bodyLimit }, async (request, reply) => {
    const parsed = CreateCustomerSchema.safeParse(request.body);
    if (!parsed.success) return sendError(reply, 'BODY_INVALID', describeZodIssues(parsed.error));
    const { created } = await createCustomer(deps, parsed.data);
    return reply
      .code(created ? 201 : 200)
      .send({ customerId: parsed.data.customerId, created } satisfies z.infer<
        typeof CreateCustomerAnswerSchema
      >);
  });

  scope.post('/admin/v1/topups', { bodyLimit }, async (request, reply) => {
    const parsed = TopUpSchema.safeParse(request.body);
    if (!parsed.success) return sendError(reply, 'BODY_INVALID', describeZodIssues(parsed.error));
    const amount = parseAmount(parsed.data.amount);
    if (!amount.ok) return sendError(reply, 'BODY_INVALID', `amount: ${amount.error.message}`);
    const done = await topUp(deps, {
      topupRequestId: parsed.data.topupRequestId,
      customerId: parsed.data.customerId,
      amount: { currency: amount.value.currency, value: amount.value.value },
    });
    if (!done.ok) return sendError(reply, done.error);
    return {
      topupRequestId: parsed.data.topupRequestId,
      applied: done.value.applied,
      balance: { currency: amount.value.currency, value: done.value.balanceMinor.toString() },
    } satisfies z.infer<typeof TopUpAnswerSchema>;
  });

  for (const [action, status] of [
    ['freeze', 'FROZEN'],
    ['unfreeze', 'ACTIVE'],
  ] as const) {
    scope.post(`/admin/v1/customers/:id/${action}`, async (request, reply) => {
      const params = CustomerParamsSchema.safeParse(request.params);
      if (!params.success) return sendError(reply, 'PATH_INVALID', describeZodIssues(params.error));
      const changed = await setCustomerStatus(deps, params.data.id, status);
      if (!changed.ok) return sendError(reply, changed.error);
      return { customerId: params.data.id, status } satisfies z.infer<typeof CustomerStatusAnswerSchema>;
    });
  }

  scope.get('/admin/v1/customers/:id/balances', async (request, reply) => {
    const params = CustomerParamsSchema.safeParse(request.params);
    if (!params.success) return sendError(reply, 'PATH_INVALID', describeZodIssues(params.error));
    const customer = await readCustomer(deps, params.data.id);
    if (customer === undefined) return sendError(reply, 'CUSTOMER_NOT_FOUND');
    return {
      customerId: customer.customerId,
      status: customer.status,
      balances: customer.balances.map((b) => ({ currency: b.currency, value: b.balanceMinor.toString() })),
    } satisfies z.infer<typeof BalancesAnswerSchema>;
  });
}

/** What an operator looks at: stopped notifications and the ledger invariants. */
function registerReportRoutes(scope: FastifyInstance, deps: AdminRoutesDeps): void {
  // Notifications whose retries ended without an S (PROCESS_FAIL, REPEAT_REQ_INCONSISTENT, GAVE_UP):
  // Alipay+ did not take them, and an operator has to look.
  scope.get('/admin/v1/notify/stopped', async (request, reply) => {
    const query = StoppedQuerySchema.safeParse(request.query);
    if (!query.success) return sendError(reply, 'QUERY_INVALID', describeZodIssues(query.error));
    const rows = await listStoppedNotify(deps.store.db, {
      limit: query.data.limit ?? STOPPED_LIMIT_DEFAULT,
    });
    return {
      notifications: rows.map((row) => ({
        paymentRequestId: row.paymentRequestId,
        stoppedCode: row.stoppedCode,
        stoppedAt: formatUtc8(row.stoppedAtMs),
        attemptsTotal: row.attemptsTotal,
        lastResultCode: row.lastResultCode,
        lastDetail: row.lastDetail,
      })),
    } satisfies z.infer<typeof StoppedNotifyAnswerSchema>;
  });

  scope.get('/admin/v1/ledger/invariants', async () => {
    const report = await checkInvariants(deps.store.db, deps.store.engine);
    return {
      ok: report.ok,
      accountCount: report.accountCount,
      currencies: report.currencies.map((c) => ({
        currency: c.currency,
        postingSumMinor: c.postingSumMinor.toString(),
        accountCount: c.accountCount,
      })),
      violations: [...report.violations],
    } satisfies z.infer<typeof InvariantsAnswerSchema>;
  });
}
