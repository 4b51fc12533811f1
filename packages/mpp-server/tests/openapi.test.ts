import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileErrors, validate } from '@readme/openapi-parser';
import { API_PATHS, RESULT_CODES, type ResultCode } from '@tapkit/protocol';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { MPP_HOSTED_APIS } from '../src/adapters/http/alipay-routes.ts';
import { MPP_SENT_APIS, mppOperations } from '../src/adapters/http/docs-routes.ts';
import { type OpenApiDocument, openApiPath } from '../src/adapters/http/openapi.ts';
import { resultCodesOf } from '../src/adapters/http/openapi-alipay.ts';
import { loadConfig } from '../src/config.ts';
import { type MppServerHandle, startMppServer } from '../src/server.ts';
import { alipayKeys, MPP_CLIENT_ID, mppKeys } from './support/alipay-stub.ts';

// The OpenAPI document as the running server serves it: every registered route is in it, it validates
// with a standard validator, every example passes both its Zod schema and the generated JSON Schema, and
// real answers match the documented schemas.

const adminToken = 'openapi-test-admin-token-0123456789';
let server: MppServerHandle;
let document: OpenApiDocument;
let dir: string | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapkit-openapi-'));
  const path = join(dir, 'tapkit.config.json');
  writeFileSync(path, JSON.stringify({ mpp: { logLevel: 'silent' } }));
  const overrides = {
    db: join(dir, 'mpp.sqlite'),
    port: 0,
    adminToken,
    clientId: MPP_CLIENT_ID,
    // Never called here: the notify worker is off and no NFC request is proxied.
    alipayPlusUrl: 'http://127.0.0.1:9',
    tokenServiceUrl: 'http://127.0.0.1:9',
    notifyEnabled: false,
    users: [{ username: 'alice', password: 'correct horse', customerId: 'CUST-ALICE', currencies: ['HKD'] }],
  };
  const loaded = loadConfig({ path, env: {}, overrides });
  if (!loaded.ok) throw new Error(loaded.error.message);
  server = await startMppServer(loaded.value, {
    keys: {
      signingKey: { key: mppKeys.privateKey, keyVersion: '1' },
      alipayPlusVerifyKeys: new Map([['1', alipayKeys.publicKey]]),
    },
  });
  const answer = await server.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(answer.statusCode).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  document = answer.json() as OpenApiDocument;
});
afterAll(async () => {
  try {
    await server?.close();
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
});

type Json = Record<string, unknown>;
const methodsOf = (item: unknown) => Object.keys(item as Json).map((m) => m.toUpperCase());

describe('GET /openapi.json', () => {
  it('validates as OpenAPI 3.1 with @readme/openapi-parser', async () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
  });

  it('lists every registered route, and only registered routes', () => {
    const registered = server.app.registeredRoutes;
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, item]) => methodsOf(item).map((m) => `${m} ${path}`)),
    );
    const gets = new Set(registered.filter((r) => r.method === 'GET').map((r) => r.url));
    // Fastify answers HEAD for every GET; the document says so once instead of listing each.
    // The generic answers (any other method on an Alipay+ path, any other path under /aps/) are one rule,
    // written once in the Alipay+ tag's description rather than as an operation per method.
    const generic = (r: { method: string; url: string }) =>
      r.url.startsWith('/aps/') && (r.method !== 'POST' || r.url.endsWith('*'));
    const routes = registered
      .filter((r) => !(r.method === 'HEAD' && gets.has(r.url)) && !generic(r))
      .map((r) => `${r.method} ${openApiPath(r.url)}`);
    expect(routes.length).toBeGreaterThan(15);
    expect(routes.filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((operation) => !routes.includes(operation))).toEqual([]);
  });

  it('documents the signature headers and the result codes of every hosted Alipay+ API', () => {
    for (const api of MPP_HOSTED_APIS) {
      const operation = document.paths[API_PATHS[api]]?.post as Json;
      expect(operation.parameters).toEqual([
        { $ref: '#/components/parameters/ClientId' },
        { $ref: '#/components/parameters/RequestTime' },
        { $ref: '#/components/parameters/Signature' },
      ]);
      const catalog = (Object.keys(RESULT_CODES) as ResultCode[]).filter((c) =>
        RESULT_CODES[c].apis.includes(api),
      );
      expect((operation['x-tapkit-result-codes'] as { code: string }[]).map((c) => c.code)).toEqual(catalog);
      for (const code of catalog) expect(operation.description).toContain(`\`${code}\``);
      const ok = (operation.responses as Json)['200'] as { headers: Json };
      expect(Object.keys(ok.headers)).toEqual(['Client-Id', 'Response-Time', 'Signature']);
    }
    expect(Object.keys(document.webhooks as Json)).toEqual([...MPP_SENT_APIS]);
    expect(resultCodesOf('pay').map((c) => c.code)).toContain('USER_BALANCE_NOT_ENOUGH');
  });
});

/** Every media object with examples, by where it is: "POST /x request", "GET /y 200". */
function mediaWithExamples(doc: OpenApiDocument): { where: string; schema: Json; examples: Json }[] {
  const out: { where: string; schema: Json; examples: Json }[] = [];
  const collect = (where: string, content: unknown) => {
    for (const [type, media] of Object.entries((content ?? {}) as Json)) {
      const m = media as { schema: Json; examples?: Json };
      if (m.examples !== undefined)
        out.push({ where: `${where} ${type}`, schema: m.schema, examples: m.examples });
    }
  };
  for (const items of [doc.paths, doc.webhooks as OpenApiDocument['paths']]) {
    for (const [path, item] of Object.entries(items)) {
      for (const [method, operation] of Object.entries(item)) {
        const o = operation as { requestBody?: { content: unknown }; responses: Json };
        collect(`${method} ${path} request`, o.requestBody?.content);
        for (const [status, response] of Object.entries(o.responses)) {
          collect(`${method} ${path} ${status}`, (response as { content?: unknown }).content);
        }
      }
    }
  }
  return out;
}

describe('examples', () => {
  it('every example in the document validates against its JSON Schema', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'openapi', components: document.components });
    const media = mediaWithExamples(document);
    expect(media.length).toBeGreaterThan(30);
    const failures: string[] = [];
    for (const { where, schema, examples } of media) {
      const check = ajv.compile({ $ref: `openapi${String(schema.$ref)}` });
      for (const [name, example] of Object.entries(examples)) {
        if (!check((example as { value: unknown }).value)) {
          failures.push(`${where} ${name}: ${ajv.errorsText(check.errors)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('every example passes the Zod schema its route validates with', () => {
    const { operations, webhooks } = mppOperations();
    const failures: string[] = [];
    let checked = 0;
    const check = (where: string, schema: z.ZodType, examples: Readonly<Json> | undefined) => {
      for (const [name, example] of Object.entries(examples ?? {})) {
        checked++;
        const parsed = schema.safeParse(example);
        if (!parsed.success) failures.push(`${where} ${name}: ${parsed.error.message}`);
      }
    };
    for (const operation of [...operations, ...webhooks]) {
      const where = `${operation.method} ${operation.path}`;
      if (operation.body !== undefined)
        check(`${where} request`, operation.body.schema, operation.body.examples);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response.body !== undefined) check(`${where} ${status}`, response.body, response.examples);
      }
    }
    expect(checked).toBeGreaterThan(30);
    expect(failures).toEqual([]);
  });
});

describe('real answers match the documented schemas', () => {
  const { operations } = mppOperations();
  const answerSchema = (method: string, path: string, status: string) => {
    const body = operations.find((o) => o.method === method && o.path === path)?.responses[status]?.body;
    if (body === undefined) throw new Error(`no documented ${status} answer for ${method} ${path}`);
    return body;
  };
  const expectDocumented = async (
    request: { method: 'GET' | 'POST'; url: string; route?: string; body?: object; token?: string },
    status: string,
  ) => {
    const answer = await server.app.inject({
      method: request.method,
      url: request.url,
      ...(request.body === undefined ? {} : { payload: request.body }),
      headers: request.token === undefined ? {} : { authorization: `Bearer ${request.token}` },
    });
    expect(String(answer.statusCode)).toBe(status);
    const parsed = answerSchema(request.method, request.route ?? request.url, status).safeParse(
      answer.json(),
    );
    expect(parsed.error?.message ?? '').toBe('');
    return answer.json() as Json;
  };

  it('ops, app and admin routes answer what the document says', async () => {
    await expectDocumented({ method: 'GET', url: '/healthz' }, '200');
    await expectDocumented({ method: 'GET', url: '/readyz' }, '200');
    await expectDocumented({ method: 'GET', url: '/openapi.json' }, '200');
    const login = await expectDocumented(
      { method: 'POST', url: '/app/v1/login', body: { username: 'alice', password: 'correct horse' } },
      '200',
    );
    const token = String(login.token);
    await expectDocumented({ method: 'GET', url: '/app/v1/wallet', token }, '200');
    await expectDocumented(
      { method: 'GET', url: '/app/v1/payments?limit=5', route: '/app/v1/payments', token },
      '200',
    );
    await expectDocumented({ method: 'GET', url: '/app/v1/wallet' }, '401');
    await expectDocumented(
      { method: 'POST', url: '/app/v1/login', body: { username: 'alice', password: 'wrong' } },
      '401',
    );
    const balances = '/admin/v1/customers/:id/balances';
    await expectDocumented(
      { method: 'GET', url: '/admin/v1/customers/CUST-ALICE/balances', route: balances, token: adminToken },
      '200',
    );
    await expectDocumented(
      { method: 'GET', url: '/admin/v1/customers/NOBODY/balances', route: balances, token: adminToken },
      '404',
    );
    await expectDocumented({ method: 'GET', url: '/admin/v1/ledger/invariants', token: adminToken }, '200');
    await expectDocumented({ method: 'POST', url: '/app/v1/logout', token }, '200');
  });
});

describe('GET /admin/docs', () => {
  it('is a self-contained page with every operation', async () => {
    const answer = await server.app.inject({ method: 'GET', url: '/admin/docs' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/html/);
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
    const html = answer.body;
    expect(html).not.toMatch(/<script|<link|src="http|href="http/i);
    for (const operation of Object.values(document.paths).flatMap((item) => Object.values(item))) {
      expect(html).toContain(`id="op-${String((operation as Json).operationId)}"`);
    }
    for (const name of Object.keys(document.components.schemas))
      expect(html).toContain(`id="schema-${name}"`);
  });
});
