import { z } from 'zod';
import {
  BalancesAnswerSchema,
  CreateCustomerAnswerSchema,
  CreateCustomerSchema,
  CustomerParamsSchema,
  CustomerStatusAnswerSchema,
  InvariantsAnswerSchema,
  StoppedNotifyAnswerSchema,
  StoppedQuerySchema,
  TopUpAnswerSchema,
  TopUpSchema,
} from './admin-routes.ts';
import {
  LoginAnswerSchema,
  LoginSchema,
  LogoutAnswerSchema,
  PaymentsAnswerSchema,
  PaymentsQuerySchema,
  ProxyAnswerSchema,
  ProxySchema,
  WalletAnswerSchema,
} from './app-routes.ts';
import { HTTP_ERRORS, HttpErrorBodySchema, type HttpErrorCode } from './http-errors.ts';
import type { OperationSpec, ResponseSpec } from './openapi.ts';

// The app, admin and operations routes as OpenAPI operations: each names the schemas its route validates
// with (request) and is typed by (answer), the catalog errors it can answer, and examples (checked against
// both the Zod schema and the generated JSON Schema by openapi.test.ts).

/** Fastify's own 4xx on a route with a JSON body, mapped to catalog codes by installErrorHandler. */
const BODY_ERRORS: readonly HttpErrorCode[] = ['BODY_NOT_JSON', 'BODY_TOO_LARGE', 'MEDIA_TYPE_UNSUPPORTED'];
const ADMIN_ERRORS: readonly HttpErrorCode[] = ['ADMIN_UNAUTHORIZED', 'ADMIN_DISABLED'];

/** The catalog errors of a route, one response per HTTP status, each code an example. */
export function errorResponses(codes: readonly HttpErrorCode[]): Record<string, ResponseSpec> {
  const byStatus = new Map<number, HttpErrorCode[]>();
  for (const code of [...codes, 'INTERNAL' as const]) {
    const status = HTTP_ERRORS[code].status;
    const list = byStatus.get(status) ?? [];
    if (!list.includes(code)) list.push(code);
    byStatus.set(status, list);
  }
  const out: Record<string, ResponseSpec> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    out[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${HTTP_ERRORS[code].message}`).join('; '),
      body: HttpErrorBodySchema,
      examples: Object.fromEntries(
        list.map((code) => [code, { error: { code, message: HTTP_ERRORS[code].message } }]),
      ),
    };
  }
  return out;
}

const json = (description: string, body: z.ZodType, example: unknown): ResponseSpec => ({
  description,
  body,
  examples: { example },
});

const sessionToken = 'qW3rTy7uIoP1aSdFgHjKlZxCvBnM0123456789abcde';
const balance = { currency: 'HKD', value: '100000', display: 'HKD 1,000.00' };
const paymentView = {
  paymentRequestId: 'PR-20261125-0001',
  paymentId: 'P-1',
  status: 'SUCCESS',
  resultCode: 'SUCCESS',
  paymentAmount: { currency: 'HKD', value: '1500' },
  payToAmount: { currency: 'HKD', value: '1500' },
  refundedAmount: { currency: 'HKD', value: '0' },
  paymentTime: '2026-11-25T12:00:01+08:00',
  createdAt: '2026-11-25T12:00:00+08:00',
  customData: 'order-ref-123',
  merchantName: 'Tapkit Coffee',
};

export const APP_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'POST',
    path: '/app/v1/login',
    surface: 'app',
    operationId: 'login',
    summary: 'Log in: a session token for the other app calls',
    body: { schema: LoginSchema, examples: { example: { username: 'alice', password: 'correct horse' } } },
    responses: {
      '200': json('A new session.', LoginAnswerSchema, {
        token: sessionToken,
        customerId: 'CUST-ALICE',
        expiresAt: '2026-11-25T05:00:00.000Z',
      }),
      ...errorResponses(['BODY_INVALID', 'LOGIN_FAILED', ...BODY_ERRORS]),
    },
  },
  {
    method: 'POST',
    path: '/app/v1/logout',
    surface: 'app',
    operationId: 'logout',
    summary: 'End the session',
    security: 'session',
    responses: {
      '200': json('The session is gone.', LogoutAnswerSchema, { ok: true }),
      ...errorResponses(['UNAUTHENTICATED']),
    },
  },
  {
    method: 'GET',
    path: '/app/v1/wallet',
    surface: 'app',
    operationId: 'wallet',
    summary: "The customer's status and balances",
    security: 'session',
    responses: {
      '200': json('Balances in minor units, with a display form.', WalletAnswerSchema, {
        customerId: 'CUST-ALICE',
        status: 'ACTIVE',
        balances: [balance],
      }),
      ...errorResponses(['UNAUTHENTICATED', 'CUSTOMER_NOT_FOUND']),
    },
  },
  {
    method: 'GET',
    path: '/app/v1/payments',
    surface: 'app',
    operationId: 'payments',
    summary: "The customer's payments, newest first",
    description:
      'customData filters by what the app gave the SDK; limit is 20 unless asked, 100 at most; cursor is the `next` of the previous page.',
    security: 'session',
    query: PaymentsQuerySchema,
    responses: {
      '200': json('One row per payment.', PaymentsAnswerSchema, {
        payments: [paymentView],
        next: 'MTc2NDA0MzIwMDAwMC5QUi0yMDI2MTEyNS0wMDAx',
      }),
      ...errorResponses(['QUERY_INVALID', 'UNAUTHENTICATED']),
    },
  },
  {
    method: 'POST',
    path: '/app/v1/nfc/proxy',
    surface: 'app',
    operationId: 'nfcProxy',
    summary: "Forward an SDK request (the SDK's NFC request proxy)",
    description:
      'GET_PK, APPLY and REPLENISH go to the Mastercard token service; SYNC_TOKEN, NOTIFY and TRANSFER go ' +
      "to Alipay+ sdkProxy, signed. `body` travels byte for byte; the upstream's answer body comes back " +
      'unchanged. A failure, a timeout or an unsigned answer is an error, never a made-up success.',
    security: 'session',
    body: {
      schema: ProxySchema,
      examples: { example: { type: 'REPLENISH', body: '{"tokenUniqueReference":"T1"}' } },
    },
    responses: {
      '200': json("The upstream's answer body.", ProxyAnswerSchema, { body: '{"credentials":[]}' }),
      ...errorResponses([
        'BODY_INVALID',
        'UNAUTHENTICATED',
        'UPSTREAM_UNAVAILABLE',
        'UPSTREAM_INVALID_RESPONSE',
        'UPSTREAM_REJECTED',
        'UPSTREAM_TIMEOUT',
        ...BODY_ERRORS,
      ]),
    },
  },
];

const customerStatus = (action: 'freeze' | 'unfreeze', status: 'FROZEN' | 'ACTIVE'): OperationSpec => ({
  method: 'POST',
  path: `/admin/v1/customers/:id/${action}`,
  surface: 'admin',
  operationId: `${action}Customer`,
  summary: action === 'freeze' ? 'Freeze a customer (payments are refused)' : 'Unfreeze a customer',
  security: 'admin',
  params: CustomerParamsSchema,
  responses: {
    '200': json('The new status.', CustomerStatusAnswerSchema, { customerId: 'CUST-ALICE', status }),
    ...errorResponses(['PATH_INVALID', 'CUSTOMER_NOT_FOUND', ...ADMIN_ERRORS]),
  },
});

export const ADMIN_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'POST',
    path: '/admin/v1/customers',
    surface: 'admin',
    operationId: 'createCustomer',
    summary: 'Create a customer with a wallet per currency (idempotent)',
    security: 'admin',
    body: {
      schema: CreateCustomerSchema,
      examples: { example: { customerId: 'CUST-ALICE', currencies: ['HKD'] } },
    },
    responses: {
      '200': json('The customer already existed.', CreateCustomerAnswerSchema, {
        customerId: 'CUST-ALICE',
        created: false,
      }),
      '201': json('The customer was created.', CreateCustomerAnswerSchema, {
        customerId: 'CUST-ALICE',
        created: true,
      }),
      ...errorResponses(['BODY_INVALID', ...BODY_ERRORS, ...ADMIN_ERRORS]),
    },
  },
  {
    method: 'POST',
    path: '/admin/v1/topups',
    surface: 'admin',
    operationId: 'topUp',
    summary: 'Top up a wallet (idempotent by topupRequestId)',
    security: 'admin',
    body: {
      schema: TopUpSchema,
      examples: {
        example: {
          topupRequestId: 'TU-1',
          customerId: 'CUST-ALICE',
          amount: { currency: 'HKD', value: '100000' },
        },
      },
    },
    responses: {
      '200': json('applied is false for a replay.', TopUpAnswerSchema, {
        topupRequestId: 'TU-1',
        applied: true,
        balance: { currency: 'HKD', value: '100000' },
      }),
      ...errorResponses([
        'BODY_INVALID',
        'AMOUNT_NOT_POSITIVE',
        'CUSTOMER_NOT_FOUND',
        'REPEAT_REQ_INCONSISTENT',
        ...BODY_ERRORS,
        ...ADMIN_ERRORS,
      ]),
    },
  },
  customerStatus('freeze', 'FROZEN'),
  customerStatus('unfreeze', 'ACTIVE'),
  {
    method: 'GET',
    path: '/admin/v1/customers/:id/balances',
    surface: 'admin',
    operationId: 'customerBalances',
    summary: "A customer's status and balances",
    security: 'admin',
    params: CustomerParamsSchema,
    responses: {
      '200': json('Balances in minor units.', BalancesAnswerSchema, {
        customerId: 'CUST-ALICE',
        status: 'ACTIVE',
        balances: [{ currency: 'HKD', value: '100000' }],
      }),
      ...errorResponses(['PATH_INVALID', 'CUSTOMER_NOT_FOUND', ...ADMIN_ERRORS]),
    },
  },
  {
    method: 'GET',
    path: '/admin/v1/notify/stopped',
    surface: 'admin',
    operationId: 'stoppedNotifications',
    summary:
      'Notifications whose retries ended without an S (PROCESS_FAIL, REPEAT_REQ_INCONSISTENT, GAVE_UP)',
    security: 'admin',
    query: StoppedQuerySchema,
    responses: {
      '200': json('Newest first.', StoppedNotifyAnswerSchema, {
        notifications: [
          {
            paymentRequestId: 'PR-1',
            stoppedCode: 'PROCESS_FAIL',
            stoppedAt: '2026-12-03T12:00:00+08:00',
            attemptsTotal: 1,
            lastResultCode: 'PROCESS_FAIL',
            lastDetail: null,
          },
        ],
      }),
      ...errorResponses(['QUERY_INVALID', ...ADMIN_ERRORS]),
    },
  },
  {
    method: 'GET',
    path: '/admin/v1/ledger/invariants',
    surface: 'admin',
    operationId: 'ledgerInvariants',
    summary: 'Check the ledger: postings sum to zero per currency, balances equal their postings',
    security: 'admin',
    responses: {
      '200': json('ok is false when any violation was found.', InvariantsAnswerSchema, {
        ok: true,
        accountCount: 3,
        currencies: [{ currency: 'HKD', postingSumMinor: '0', accountCount: 3 }],
        violations: [],
      }),
      ...errorResponses(ADMIN_ERRORS),
    },
  },
];

export const HealthAnswerSchema = z.strictObject({ status: z.literal('ok') });
export const ReadyAnswerSchema = z.strictObject({ status: z.literal('ready'), engine: z.string() });
export const NotReadyAnswerSchema = z.strictObject({ status: z.enum(['closing', 'database unavailable']) });
/** What /openapi.json answers, as far as a reader needs to know it is this document. */
export const OpenApiAnswerSchema = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
export const DocsPageSchema = z.string();

/** Where the document and its rendered page are served. */
export const OPENAPI_JSON_PATH = '/openapi.json';
export const DOCS_PAGE_PATH = '/admin/docs';

export const OPS_OPERATIONS: readonly OperationSpec[] = [
  {
    method: 'GET',
    path: '/healthz',
    surface: 'ops',
    operationId: 'health',
    summary: 'Liveness: the process answers',
    responses: { '200': json('Alive.', HealthAnswerSchema, { status: 'ok' }) },
  },
  {
    method: 'GET',
    path: '/readyz',
    surface: 'ops',
    operationId: 'ready',
    summary: 'Readiness: the database answers and the server is not shutting down',
    responses: {
      '200': json('Ready.', ReadyAnswerSchema, { status: 'ready', engine: 'sqlite' }),
      '503': json('Shutting down, or the database does not answer.', NotReadyAnswerSchema, {
        status: 'database unavailable',
      }),
    },
  },
  {
    method: 'GET',
    path: OPENAPI_JSON_PATH,
    surface: 'ops',
    operationId: 'openApiDocument',
    summary: 'This document (OpenAPI 3.1, generated from the Zod schemas at start-up)',
    responses: { '200': { description: 'The document.', body: OpenApiAnswerSchema } },
  },
  {
    method: 'GET',
    path: DOCS_PAGE_PATH,
    surface: 'ops',
    operationId: 'docsPage',
    summary: 'This document as a self-contained HTML page',
    responses: { '200': { description: 'The page.', body: DocsPageSchema, contentType: 'text/html' } },
  },
];
