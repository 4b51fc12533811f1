import fc from 'fast-check';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { TOKEN_APIS } from '../src/api-catalog.ts';
import { VirtualClock } from '../src/clock.ts';
import { registerSignedApi, type SignedApiOptions, type SignedRouter } from '../src/fastify-plugin.ts';
import { API_PATHS } from '../src/result-codes.ts';
import type { InquiryPaymentResponse, NotifyTokenUpdatedResponse } from '../src/schemas/index.ts';
import type { HeaderBag } from '../src/signature.ts';
import {
  answerSignatureCode,
  CALLER_ID,
  callerKeysV2,
  callerPeer,
  hostKeys,
  inquiryBody,
  NOW_MS,
  signedRequestHeaders,
  strangerKeys,
} from './signed-fixtures.ts';

const PATH = API_PATHS.inquiryPayment;

const goodAnswer: InquiryPaymentResponse = {
  result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success.' },
  paymentResult: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success.' },
  paymentId: 'PAY_1',
  paymentTime: '2026-11-25T11:59:00+08:00',
};

interface Harness {
  app: FastifyInstance;
  router: SignedRouter;
  calls: Array<{ body: unknown; clientId: string }>;
}

let open: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(open.map((app) => app.close()));
  open = [];
});

function harness(
  overrides: Partial<SignedApiOptions> = {},
  handlerOverride?: () => Promise<unknown>,
): Harness {
  const app = Fastify({ logger: false });
  open.push(app);
  const router = registerSignedApi(app, {
    resolvePeer: (id) => (id === CALLER_ID ? callerPeer : undefined),
    defaultSigningKey: { key: hostKeys.privateKey, keyVersion: '1' },
    clock: new VirtualClock(NOW_MS),
    ...overrides,
  });
  const calls: Harness['calls'] = [];
  router.route('inquiryPayment', async (body, ctx) => {
    calls.push({ body, clientId: ctx.clientId });
    if (handlerOverride !== undefined) return (await handlerOverride()) as InquiryPaymentResponse;
    return goodAnswer;
  });
  return { app, router, calls };
}

interface Answer {
  statusCode: number;
  signatureCode: string;
  clientId: unknown;
  json: { result: { resultCode: string; resultStatus: string; resultMessage: string } } & Record<
    string,
    unknown
  >;
  raw: Buffer;
}

async function post(
  app: FastifyInstance,
  body: Buffer,
  headers: Record<string, string>,
  path = PATH,
): Promise<Answer> {
  const response = await app.inject({ method: 'POST', url: path, headers, payload: body });
  const raw = response.rawPayload;
  return {
    statusCode: response.statusCode,
    signatureCode: answerSignatureCode({ path, headers: response.headers as HeaderBag, body: raw }),
    clientId: response.headers['client-id'],
    json: JSON.parse(raw.toString('utf8')),
    raw,
  };
}

function signedPost(
  app: FastifyInstance,
  bodyObject: unknown,
  extra: Partial<Parameters<typeof signedRequestHeaders>[0]> = {},
) {
  const body = Buffer.from(typeof bodyObject === 'string' ? bodyObject : JSON.stringify(bodyObject));
  return post(app, body, signedRequestHeaders({ path: PATH, body, ...extra }));
}

async function inject(
  app: FastifyInstance,
  method: 'GET' | 'PUT' | 'DELETE' | 'POST',
  path: string,
  headers: Record<string, string> = {},
  payload?: Buffer,
): Promise<Answer> {
  const response = await app.inject({
    method,
    url: path,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
  const raw = response.rawPayload;
  return {
    statusCode: response.statusCode,
    signatureCode: answerSignatureCode({
      path,
      method,
      headers: response.headers as HeaderBag,
      body: raw,
    }),
    clientId: response.headers['client-id'],
    json: JSON.parse(raw.toString('utf8')),
    raw,
  };
}

describe('generic answers (doc): every /aps/ path answers a signed JSON result', () => {
  it('answers another method on a known API with a signed F METHOD_NOT_SUPPORTED', async () => {
    const { app, calls } = harness();
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const answer = await inject(app, method, PATH, { 'client-id': CALLER_ID });
      expect(answer.statusCode, method).toBe(200);
      expect(answer.signatureCode, method).toBe('OK');
      expect(answer.json.result, method).toMatchObject({
        resultCode: 'METHOD_NOT_SUPPORTED',
        resultStatus: 'F',
      });
    }
    expect(calls).toHaveLength(0);
  });

  it('answers an unknown path under /aps/ with a signed F INVALID_API, for POST and GET', async () => {
    const { app } = harness();
    const body = Buffer.from(JSON.stringify(inquiryBody));
    const path = '/aps/api/v1/payments/noSuchApi';
    const posted = await inject(app, 'POST', path, signedRequestHeaders({ path, body }), body);
    const got = await inject(app, 'GET', '/aps/whatever');
    for (const answer of [posted, got]) {
      expect(answer.statusCode).toBe(200);
      expect(answer.signatureCode).toBe('OK');
      expect(answer.json.result).toMatchObject({ resultCode: 'INVALID_API', resultStatus: 'F' });
    }
  });

  it('leaves paths outside /aps/ to the app (a plain 404)', async () => {
    const { app } = harness();
    const response = await app.inject({ method: 'GET', url: '/elsewhere' });
    expect(response.statusCode).toBe(404);
  });

  it('answers a non-JSON media type with a signed F MEDIA_TYPE_NOT_ACCEPTABLE, handler not run', async () => {
    const { app, calls } = harness();
    const body = Buffer.from(JSON.stringify(inquiryBody));
    const headers = { ...signedRequestHeaders({ path: PATH, body }), 'content-type': 'text/plain' };
    const answer = await post(app, body, headers);
    expect(answer.signatureCode).toBe('OK');
    expect(answer.json.result).toMatchObject({ resultCode: 'MEDIA_TYPE_NOT_ACCEPTABLE', resultStatus: 'F' });
    expect(calls).toHaveLength(0);
    // application/json with any charset parameter is fine.
    const charset = { ...signedRequestHeaders({ path: PATH, body }), 'content-type': 'Application/JSON' };
    expect((await post(app, body, charset)).json.result.resultCode).toBe('SUCCESS');
  });
});

describe('registerSignedApi', () => {
  it('runs the handler on a good request and signs exactly the bytes it sends', async () => {
    const { app, calls } = harness();
    const answer = await signedPost(app, { ...inquiryBody, extraField: 'kept' });
    expect(answer.statusCode).toBe(200);
    expect(answer.signatureCode).toBe('OK');
    expect(answer.clientId).toBe(CALLER_ID);
    expect(answer.raw.toString('utf8')).toBe(JSON.stringify(goodAnswer));
    expect(calls).toEqual([{ body: { ...inquiryBody, extraField: 'kept' }, clientId: CALLER_ID }]);
  });

  it('accepts the second key version during a rotation', async () => {
    const { app, calls } = harness();
    const answer = await signedPost(app, inquiryBody, { key: callerKeysV2.privateKey, keyVersion: '2' });
    expect(answer.json.result.resultStatus).toBe('S');
    expect(calls).toHaveLength(1);
  });

  it('answers a signed F INVALID_SIGNATURE to unsigned, stale and badly signed requests', async () => {
    const { app, calls } = harness();
    const body = Buffer.from(JSON.stringify(inquiryBody));
    const { signature: _omit, ...unsigned } = signedRequestHeaders({ path: PATH, body });
    const cases = [
      await post(app, body, unsigned),
      await signedPost(app, inquiryBody, { nowMs: NOW_MS - 301_000 }),
      await signedPost(app, inquiryBody, { nowMs: NOW_MS + 301_000 }),
      await signedPost(app, inquiryBody, { key: strangerKeys.privateKey }),
      await signedPost(app, inquiryBody, { keyVersion: '9' }),
    ];
    for (const answer of cases) {
      expect(answer.statusCode).toBe(200);
      expect(answer.signatureCode).toBe('OK');
      expect(answer.json.result).toMatchObject({ resultCode: 'INVALID_SIGNATURE', resultStatus: 'F' });
      expect(answer.clientId).toBe(CALLER_ID);
    }
    expect(calls).toHaveLength(0);
  });

  it('answers a signed F INVALID_CLIENT, echoing the unknown Client-Id, signed with the default key', async () => {
    const { app, calls } = harness();
    const answer = await signedPost(app, inquiryBody, { clientId: 'SOMEONE_ELSE' });
    expect(answer.signatureCode).toBe('OK');
    expect(answer.clientId).toBe('SOMEONE_ELSE');
    expect(answer.json.result).toMatchObject({ resultCode: 'INVALID_CLIENT', resultStatus: 'F' });
    expect(calls).toHaveLength(0);
  });

  it('answers a signed F PARAM_ILLEGAL naming the field for malformed or invalid bodies', async () => {
    const { app, calls } = harness();
    const notJson = await signedPost(app, '{"acquirerId": ');
    expect(notJson.json.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
    const missing = await signedPost(app, { acquirerId: 'A', pspId: 'P' });
    expect(missing.json.result.resultMessage).toMatch(/^paymentRequestId: /);
    const wrongType = await signedPost(app, { ...inquiryBody, pspId: 7 });
    expect(wrongType.json.result.resultMessage).toMatch(/^pspId: /);
    const array = await signedPost(app, [inquiryBody]);
    expect(array.json.result.resultCode).toBe('PARAM_ILLEGAL');
    for (const answer of [notJson, missing, wrongType, array]) {
      expect(answer.signatureCode).toBe('OK');
      expect(answer.json.result.resultMessage).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(calls).toHaveLength(0);
  });

  it('answers a signed F PARAM_ILLEGAL (not HTTP 413) to a body over bodyBytesMax', async () => {
    const { app, calls } = harness({ bodyBytesMax: 1024 });
    const answer = await signedPost(app, { ...inquiryBody, padding: 'x'.repeat(2000) });
    expect(answer.statusCode).toBe(200);
    expect(answer.signatureCode).toBe('OK');
    expect(answer.json.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
    expect(calls).toHaveLength(0);
  });

  it('verifies JSON bodies (with or without a charset) and bodies without a content type as raw bytes', async () => {
    const { app, calls } = harness();
    const body = Buffer.from(JSON.stringify(inquiryBody));
    const headers = { ...signedRequestHeaders({ path: PATH, body }), 'content-type': 'application/json' };
    const answer = await post(app, body, headers);
    expect(answer.json.result.resultStatus).toBe('S');
    const { 'content-type': _omit, ...noType } = headers;
    expect((await post(app, body, noType)).json.result.resultStatus).toBe('S');
    expect(calls).toHaveLength(2);
  });

  it('turns a throwing handler into a signed U UNKNOWN_EXCEPTION without the error text', async () => {
    const { app } = harness({}, async () => {
      throw new Error('database password=hunter2 unreachable');
    });
    const answer = await signedPost(app, inquiryBody);
    expect(answer.statusCode).toBe(200);
    expect(answer.signatureCode).toBe('OK');
    expect(answer.json.result).toMatchObject({ resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' });
    expect(answer.raw.toString()).not.toContain('hunter2');
  });

  it('turns an answer outside the response schema into a signed U', async () => {
    const { app } = harness({}, async () => ({ result: { resultCode: 'SUCCESS', resultStatus: 'S' } }));
    const answer = await signedPost(app, inquiryBody);
    expect(answer.json.result).toMatchObject({ resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' });
  });

  it('still signs an answer when the peer lookup itself throws', async () => {
    const { app, calls } = harness({
      resolvePeer: () => {
        throw new Error('key store down');
      },
    });
    const answer = await signedPost(app, inquiryBody);
    expect(answer.statusCode).toBe(200);
    expect(answer.signatureCode).toBe('OK');
    expect(answer.json.result).toMatchObject({ resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' });
    expect(calls).toHaveLength(0);
  });

  it('leaves other routes of the app with the normal JSON parser', async () => {
    const { app } = harness();
    app.post('/plain', async (request) => ({ echoed: request.body }));
    const response = await app.inject({ method: 'POST', url: '/plain', payload: { a: 1 } });
    expect(response.json()).toEqual({ echoed: { a: 1 } });
  });

  it('refuses routes registered twice or after the app started', async () => {
    const { app, router } = harness();
    expect(() => router.route('inquiryPayment', async () => goodAnswer)).toThrow(/twice/);
    await app.ready();
    expect(() => router.route('pay', async () => ({ result: goodAnswer.result }))).toThrow(
      /after the app started/,
    );
  });
});

describe('registerSignedApi under garbage (property)', () => {
  const printable = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 80,
  });
  const garbageBody = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    fc.json().map((text) => Buffer.from(text)),
    fc
      .jsonValue()
      .map((value) => Buffer.from(JSON.stringify({ ...inquiryBody, pspId: value, acquirerId: 1 }) ?? '')),
    printable.map((text) => Buffer.from(text)),
  );
  const headerValue = fc.option(printable, { nil: undefined });
  const headerMode = fc.constantFrom('signed', 'garbled', 'random');

  it('only ever answers HTTP 200, signed, F', async () => {
    const { app, calls } = harness({ bodyBytesMax: 256 });
    await fc.assert(
      fc.asyncProperty(
        garbageBody,
        headerMode,
        fc.record({
          clientId: headerValue,
          time: headerValue,
          signature: headerValue,
          contentType: headerValue,
        }),
        fc.nat(),
        async (body, mode, random, position) => {
          let headers: Record<string, string>;
          if (mode === 'random') {
            headers = {};
            if (random.clientId !== undefined) headers['client-id'] = random.clientId;
            if (random.time !== undefined) headers['request-time'] = random.time;
            if (random.signature !== undefined) headers.signature = random.signature;
            if (random.contentType !== undefined) headers['content-type'] = random.contentType;
          } else {
            headers = signedRequestHeaders({ path: PATH, body });
            if (mode === 'garbled') {
              const names = ['client-id', 'request-time', 'signature'] as const;
              const name = names[position % names.length] ?? 'signature';
              const value = headers[name] ?? '';
              const index = position % Math.max(1, value.length);
              const replaced = value[index] === 'A' ? 'B' : 'A';
              headers[name] = value.slice(0, index) + replaced + value.slice(index + 1);
            }
          }
          const answer = await post(app, body, headers);
          expect(answer.statusCode).toBe(200);
          expect(answer.signatureCode).toBe('OK');
          expect(answer.json.result.resultStatus).toBe('F');
          expect([
            'PARAM_ILLEGAL',
            'INVALID_SIGNATURE',
            'INVALID_CLIENT',
            'MEDIA_TYPE_NOT_ACCEPTABLE',
          ]).toContain(answer.json.result.resultCode);
        },
      ),
      { numRuns: 300 },
    );
    expect(calls).toHaveLength(0);
  });
});

describe('another catalog (the token APIs) gets the same safeguards', () => {
  const tokenPath = TOKEN_APIS.paths.notifyTokenUpdated;
  const tokenBody = {
    tokenUniqueReference: 'DTKMC01',
    customerId: 'customer-1',
    tokenState: 'SUSPENDED',
    suspendedBy: ['CARDHOLDER'],
    reason: 'SUSPENDED',
    eventTime: '2026-11-25T12:00:00+08:00',
  };

  function tokenHarness(
    answerWith: () => Promise<unknown>,
    peer: typeof callerPeer = callerPeer,
  ): FastifyInstance {
    const app = Fastify({ logger: false });
    open.push(app);
    const router = registerSignedApi(app, {
      catalog: TOKEN_APIS,
      resolvePeer: (id) => (id === CALLER_ID ? peer : undefined),
      defaultSigningKey: { key: hostKeys.privateKey, keyVersion: '1' },
      clock: new VirtualClock(NOW_MS),
    });
    router.route('notifyTokenUpdated', async () => (await answerWith()) as NotifyTokenUpdatedResponse);
    return app;
  }

  async function call(app: FastifyInstance, bodyObject: unknown): Promise<Answer> {
    const body = Buffer.from(JSON.stringify(bodyObject));
    return post(app, body, signedRequestHeaders({ path: tokenPath, body }), tokenPath);
  }

  it('answers a good request with the handler result, signed with the peer key', async () => {
    const app = tokenHarness(async () => ({
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'ok' },
    }));
    const answer = await call(app, tokenBody);
    expect(answer.json.result.resultCode).toBe('SUCCESS');
    expect(answer.signatureCode).toBe('OK');
    // A peer with a key of its own gets answers signed with that key, not the default one.
    const ownKey = { ...callerPeer, signingKey: { key: strangerKeys.privateKey, keyVersion: '1' } };
    const success = async () => ({
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'ok' },
    });
    expect((await call(tokenHarness(success, ownKey), tokenBody)).signatureCode).toBe('INVALID_SIGNATURE');
  });

  it('turns an answer outside the response schema or not serializable into UNKNOWN_EXCEPTION', async () => {
    const outside = await call(
      tokenHarness(async () => ({ result: {} })),
      tokenBody,
    );
    expect(outside.json.result).toMatchObject({ resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U' });
    const cyclic: Record<string, unknown> = {
      result: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'ok' },
    };
    cyclic.self = cyclic;
    const unserializable = await call(
      tokenHarness(async () => cyclic),
      tokenBody,
    );
    expect(unserializable.json.result.resultCode).toBe('UNKNOWN_EXCEPTION');
  });

  it('clips a long resultMessage built from the request schema issues', async () => {
    const app = tokenHarness(async () => ({}));
    const answer = await call(app, { ...tokenBody, ['x'.repeat(300)]: 1, tokenState: 'NOPE'.repeat(100) });
    expect(answer.json.result.resultCode).toBe('PARAM_ILLEGAL');
    expect(answer.json.result.resultMessage.length).toBeLessThanOrEqual(256);
  });
});
