import { createRequire } from 'node:module';
import type { ApiName } from '@tapkit/protocol';
import type { FastifyInstance } from 'fastify';
import { MPP_HOSTED_APIS } from './alipay-routes.ts';
import { HttpErrorBodySchema } from './http-errors.ts';
import { buildOpenApiDocument, type OpenApiDocument, type OperationSpec } from './openapi.ts';
import {
  ALIPAY_NAMED_SCHEMAS,
  alipayOperation,
  SIGNED_HEADERS,
  SIGNED_PARAMETERS,
} from './openapi-alipay.ts';
import { renderOpenApiHtml } from './openapi-html.ts';
import {
  ADMIN_OPERATIONS,
  APP_OPERATIONS,
  DOCS_PAGE_PATH,
  OPENAPI_JSON_PATH,
  OPS_OPERATIONS,
} from './openapi-operations.ts';

// The MPP server's API reference: the OpenAPI document of all three surfaces (Alipay+, app, admin) plus
// the operations routes, built once at start-up from the route schemas, served as JSON and as a page.

/** The Alipay+ APIs the MPP calls (notify worker, NFC proxy): the document's webhooks. */
export const MPP_SENT_APIS = ['notifyPayment', 'sdkProxy'] as const satisfies readonly ApiName[];

const packageVersion = (createRequire(import.meta.url)('../../../package.json') as { version: string })
  .version;

const description =
  'The MPP server of Tapkit, an open implementation of the Alipay+ NFC payment system. Generated at ' +
  'start-up from the Zod schemas the routes validate with. Every scalar of the Alipay+ API is a JSON ' +
  'string; amounts are `{ currency, value }` with value in minor units. Every GET also answers HEAD.';

/** Every operation of the document with its Zod schemas: the routes, then the calls the MPP sends. */
export function mppOperations(): { operations: OperationSpec[]; webhooks: OperationSpec[] } {
  return {
    operations: [
      ...MPP_HOSTED_APIS.map((api) => alipayOperation(api, 'hosted')),
      ...APP_OPERATIONS,
      ...ADMIN_OPERATIONS,
      ...OPS_OPERATIONS,
    ],
    webhooks: MPP_SENT_APIS.map((api) => alipayOperation(api, 'sent')),
  };
}

export function mppOpenApiDocument(): OpenApiDocument {
  return buildOpenApiDocument({
    title: 'Tapkit MPP server',
    version: packageVersion,
    description,
    ...mppOperations(),
    namedSchemas: [...ALIPAY_NAMED_SCHEMAS, ['Error', HttpErrorBodySchema]],
    parameters: SIGNED_PARAMETERS,
    headers: SIGNED_HEADERS,
    securitySchemes: {
      session: { type: 'http', scheme: 'bearer', description: 'The token POST /app/v1/login answers.' },
      admin: { type: 'http', scheme: 'bearer', description: "The MPP configuration's admin token." },
    },
  });
}

/** GET /openapi.json and GET /admin/docs, both public and read-only; the bodies are built here, once. */
export function registerDocsRoutes(app: FastifyInstance, document: OpenApiDocument): void {
  const json = JSON.stringify(document);
  const html = renderOpenApiHtml(document);
  app.get(OPENAPI_JSON_PATH, async (_request, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').send(json),
  );
  app.get(DOCS_PAGE_PATH, async (_request, reply) =>
    reply
      .header('content-type', 'text/html; charset=utf-8')
      // The page has no script and needs nothing from elsewhere; say so to the browser.
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
      .send(html),
  );
}
