import { VirtualClock } from '@tapkit/protocol';
import type { SignedClient } from '@tapkit/protocol/node';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedUsers } from '../src/adapters/auth/seed-users.ts';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { registerAppRoutes } from '../src/adapters/http/app-routes.ts';
import { createNfcProxy, type NfcProxy } from '../src/adapters/http/nfc-proxy.ts';
import { topUp } from '../src/customers.ts';
import { type AlipayStub, mppClient, startAlipayStub } from './support/alipay-stub.ts';
import { testEngines } from './support/engines.ts';
import { startTokenServiceStub, type TokenServiceStub } from './support/token-service-stub.ts';

const startMs = Date.UTC(2026, 10, 25, 4, 0, 0);
const sessionTtlMs = 3_600_000;
/** The SDK's request header, opaque to the MPP server. */
const sdkHeader = '{"sdkVersion":"0.1.0","requestId":"0123456789abcdef0123456789abcdef"}';
/** Characters a re-serialization would be tempted to change: escapes, unicode, spacing, key order. */
const trickyBody = '{ "b":1,  "a":"\\u00e9\\"q\\"", "emoji":"💳", "sep":"\u2028", "n":1.50 }\n';

async function seedPayment(handle: DbHandle, id: string, createdAtMs: number, customData: string | null) {
  await handle.db
    .insertInto('payments')
    .values({
      payment_request_id: id,
      payment_id: `P-${id}`,
      status: 'SUCCESS',
      result_code: 'SUCCESS',
      customer_id: 'CUST-ALICE',
      payment_currency: 'HKD',
      payment_minor: 1500,
      pay_to_currency: 'HKD',
      pay_to_minor: 1500,
      payment_time_ms: createdAtMs,
      pay_day: 0,
      custom_data: customData,
      details_json: JSON.stringify({ order: { merchant: { merchantName: 'Tea Shop' } } }),
      pay_response_json: JSON.stringify({ paymentId: `P-${id}` }),
      created_at_ms: createdAtMs,
      updated_at_ms: createdAtMs,
    })
    .execute();
}

describe.each(testEngines())('app API on $name', (engine) => {
  let handle: DbHandle;
  let clock: VirtualClock;
  let alipay: AlipayStub;
  let tokenService: TokenServiceStub;
  let client: SignedClient;
  let proxy: NfcProxy;
  let app: FastifyInstance;

  beforeAll(async () => {
    clock = new VirtualClock(startMs);
    alipay = await startAlipayStub(clock);
    tokenService = await startTokenServiceStub();
    client = mppClient(alipay.url, clock, 400);
    proxy = createNfcProxy({
      tokenServiceUrl: tokenService.url,
      tokenServiceSecret: 'mpp-to-token-service-secret',
      alipayPlus: client,
      timeoutMs: 400,
    });
  });
  afterAll(async () => {
    await proxy.close();
    await client.close();
    await alipay.close();
    await tokenService.close();
  });
  beforeEach(async () => {
    clock.setMs(startMs);
    alipay.mode = 'ack_S';
    alipay.received.length = 0;
    tokenService.mode = 'ok';
    tokenService.received.length = 0;
    handle = await engine.open();
    await seedUsers(handle, clock, [
      { username: 'alice', password: 'correct horse', customerId: 'CUST-ALICE', currencies: ['HKD'] },
      { username: 'bob', password: 'battery staple', customerId: 'CUST-BOB', currencies: ['HKD', 'USD'] },
    ]);
    app = Fastify({ logger: false });
    registerAppRoutes(app, { store: handle, clock, proxy, sessionTtlMs });
    await app.ready();
  });
  afterEach(async () => {
    alipay.releaseHung();
    tokenService.releaseHung();
    await app.close();
    await handle.close();
  });

  async function login(username = 'alice', password = 'correct horse'): Promise<string> {
    const response = await app.inject({
      method: 'POST',
      url: '/app/v1/login',
      payload: { username, password },
    });
    expect(response.statusCode).toBe(200);
    return response.json().token as string;
  }
  const auth = (token: string) => ({ authorization: `Bearer ${token}` });

  describe('login and sessions', () => {
    it('logs in with the right password and refuses a wrong one or an unknown user alike', async () => {
      const good = await app.inject({
        method: 'POST',
        url: '/app/v1/login',
        payload: { username: 'alice', password: 'correct horse' },
      });
      expect(good.json()).toMatchObject({ customerId: 'CUST-ALICE', expiresAt: '2026-11-25T05:00:00.000Z' });
      expect(good.json().token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      for (const payload of [
        { username: 'alice', password: 'wrong' },
        { username: 'mallory', password: 'correct horse' },
      ]) {
        const bad = await app.inject({ method: 'POST', url: '/app/v1/login', payload });
        expect(bad.statusCode).toBe(401);
        expect(bad.json().error.code).toBe('LOGIN_FAILED');
      }
    });

    it('stores only a hash of the password and of the session token', async () => {
      const token = await login();
      const user = await handle.db
        .selectFrom('users')
        .selectAll()
        .where('username', '=', 'alice')
        .executeTakeFirst();
      expect(user?.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/);
      expect(user?.password_hash).not.toContain('correct horse');
      const sessions = await handle.db.selectFrom('sessions').select('token_hash').execute();
      expect(sessions).toHaveLength(1);
      expect(sessions[0]!.token_hash).not.toContain(token);
      expect(sessions[0]!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('answers 400 with a stable code for a bad login body', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/app/v1/login',
        payload: { username: 'alice' },
      });
      expect(response.statusCode).toBe(400);
      expect(response.json().error).toMatchObject({
        code: 'BODY_INVALID',
        details: expect.stringMatching(/^password/),
      });
      const notJson = await app.inject({
        method: 'POST',
        url: '/app/v1/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"username":',
      });
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json().error.code).toBe('BODY_NOT_JSON');
    });

    it('refuses requests without a valid session (401), and a session after it expires or logs out', async () => {
      for (const headers of [
        {},
        { authorization: 'Bearer nope' },
        auth('A'.repeat(43)),
        { authorization: 'Basic x' },
      ]) {
        const response = await app.inject({ method: 'GET', url: '/app/v1/wallet', headers });
        expect(response.statusCode).toBe(401);
        expect(response.json().error.code).toBe('UNAUTHENTICATED');
      }
      const token = await login();
      clock.setMs(startMs + sessionTtlMs - 1);
      expect(
        (await app.inject({ method: 'GET', url: '/app/v1/wallet', headers: auth(token) })).statusCode,
      ).toBe(200);
      clock.setMs(startMs + sessionTtlMs);
      expect(
        (await app.inject({ method: 'GET', url: '/app/v1/wallet', headers: auth(token) })).statusCode,
      ).toBe(401);
      const second = await login();
      const out = await app.inject({ method: 'POST', url: '/app/v1/logout', headers: auth(second) });
      expect(out.statusCode).toBe(200);
      expect(
        (await app.inject({ method: 'GET', url: '/app/v1/wallet', headers: auth(second) })).statusCode,
      ).toBe(401);
    });
  });

  describe('wallet and history', () => {
    it('shows the balances per currency as strings', async () => {
      await topUp(
        { store: handle, clock },
        { topupRequestId: 'T1', customerId: 'CUST-BOB', amount: { currency: 'HKD', value: 12345n } },
      );
      const token = await login('bob', 'battery staple');
      const response = await app.inject({ method: 'GET', url: '/app/v1/wallet', headers: auth(token) });
      expect(response.json()).toEqual({
        customerId: 'CUST-BOB',
        status: 'ACTIVE',
        balances: [
          { currency: 'HKD', value: '12345', display: '123.45' },
          { currency: 'USD', value: '0', display: '0.00' },
        ],
      });
    });

    it('lists own payments newest first, filtered by customData, bounded by limit', async () => {
      await seedPayment(handle, 'PR-1', startMs - 3_000, 'order-1');
      await seedPayment(handle, 'PR-2', startMs - 2_000, 'order-2');
      await seedPayment(handle, 'PR-3', startMs - 1_000, 'order-1');
      const token = await login();
      const all = await app.inject({ method: 'GET', url: '/app/v1/payments', headers: auth(token) });
      expect(all.json().payments.map((p: { paymentRequestId: string }) => p.paymentRequestId)).toEqual([
        'PR-3',
        'PR-2',
        'PR-1',
      ]);
      expect(all.json().payments[0]).toMatchObject({
        paymentId: 'P-PR-3',
        status: 'SUCCESS',
        paymentAmount: { currency: 'HKD', value: '1500' },
        customData: 'order-1',
        merchantName: 'Tea Shop',
        paymentTime: '2026-11-25T11:59:59+08:00',
      });
      const filtered = await app.inject({
        method: 'GET',
        url: '/app/v1/payments?customData=order-1&limit=1',
        headers: auth(token),
      });
      expect(filtered.json().payments.map((p: { paymentRequestId: string }) => p.paymentRequestId)).toEqual([
        'PR-3',
      ]);
      const bob = await login('bob', 'battery staple');
      const others = await app.inject({ method: 'GET', url: '/app/v1/payments', headers: auth(bob) });
      expect(others.json().payments).toEqual([]);
    });

    it('pages the history with a cursor, rows of the same millisecond included once', async () => {
      for (const id of ['PR-A', 'PR-B', 'PR-C']) await seedPayment(handle, id, startMs - 1_000, null);
      await seedPayment(handle, 'PR-D', startMs - 5_000, null);
      const token = await login();
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 5; page++) {
        const suffix: string = cursor === null ? '' : `&cursor=${cursor}`;
        const response = await app.inject({
          method: 'GET',
          url: `/app/v1/payments?limit=2${suffix}`,
          headers: auth(token),
        });
        expect(response.statusCode).toBe(200);
        const body = response.json() as {
          payments: { paymentRequestId: string; createdAt: string }[];
          next: string | null;
        };
        seen.push(...body.payments.map((p) => p.paymentRequestId));
        cursor = body.next;
        if (cursor === null) break;
      }
      expect(seen).toEqual(['PR-A', 'PR-B', 'PR-C', 'PR-D']);
      const first = await app.inject({
        method: 'GET',
        url: '/app/v1/payments?limit=4',
        headers: auth(token),
      });
      expect(first.json().next).toBeNull();
      expect(first.json().payments[3].createdAt).toBe('2026-11-25T11:59:55+08:00');
    });

    it('refuses a cursor it did not make with QUERY_INVALID', async () => {
      const token = await login();
      const forged = Buffer.from('soon.PR-1').toString('base64url');
      for (const cursor of ['not base64!', forged, 'x'.repeat(300)]) {
        const response = await app.inject({
          method: 'GET',
          url: `/app/v1/payments?cursor=${encodeURIComponent(cursor)}`,
          headers: auth(token),
        });
        expect(response.statusCode).toBe(400);
        expect(response.json().error.code).toBe('QUERY_INVALID');
      }
    });

    it('refuses a bad limit with QUERY_INVALID', async () => {
      const token = await login();
      for (const query of ['limit=0', 'limit=101', 'limit=abc', 'other=1']) {
        const response = await app.inject({
          method: 'GET',
          url: `/app/v1/payments?${query}`,
          headers: auth(token),
        });
        expect(response.statusCode).toBe(400);
        expect(response.json().error.code).toBe('QUERY_INVALID');
      }
    });
  });

  describe('NFC proxy', () => {
    const proxyCall = (token: string, payload: object) =>
      app.inject({ method: 'POST', url: '/app/v1/nfc/proxy', headers: auth(token), payload });

    it('sends GET_PK, APPLY and REPLENISH to the token service with the customer id, body untouched', async () => {
      const token = await login();
      for (const type of ['GET_PK', 'APPLY', 'REPLENISH']) {
        const response = await proxyCall(token, { type, body: trickyBody, header: sdkHeader });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ body: tokenService.responseBody });
      }
      expect(alipay.received).toHaveLength(0);
      expect(tokenService.received.map((r) => r.path)).toEqual([
        '/mdes/v1/sdk',
        '/mdes/v1/sdk',
        '/mdes/v1/sdk',
      ]);
      const sent = JSON.parse(tokenService.received[1]!.raw);
      // The customer id is the only thing added; body and header go on unchanged.
      expect(sent).toEqual({ customerId: 'CUST-ALICE', type: 'APPLY', body: trickyBody, header: sdkHeader });
      expect(sent.body === trickyBody).toBe(true);
      expect(tokenService.received[0]!.authorization).toBe('Bearer mpp-to-token-service-secret');
    });

    it('sends SYNC_TOKEN, NOTIFY and TRANSFER to Alipay+ sdkProxy, signed, body untouched', async () => {
      const token = await login();
      for (const type of ['SYNC_TOKEN', 'NOTIFY', 'TRANSFER']) {
        const response = await proxyCall(token, { type, body: trickyBody, header: sdkHeader });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ body: alipay.sdkResponseBody });
      }
      expect(tokenService.received).toHaveLength(0);
      expect(alipay.received.map((r) => r.body)).toEqual(
        ['SYNC_TOKEN', 'NOTIFY', 'TRANSFER'].map((type) => ({
          customerId: 'CUST-ALICE',
          sdkRequestType: type,
          sdkRequestHeader: sdkHeader,
          sdkRequestBody: trickyBody,
        })),
      );
    });

    it('carries the largest SDK body the token service accepts', async () => {
      const token = await login();
      const big = `"${'é'.repeat(65_534)}"`;
      const response = await proxyCall(token, { type: 'REPLENISH', body: big });
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(tokenService.received[0]!.raw).body === big).toBe(true);
    });

    it('brings back a token service answer longer than the default string bound (a large REPLENISH)', async () => {
      const token = await login();
      const credentials = Array.from({ length: 100 }, (_, i) => ({ atc: i, key: 'k'.repeat(600) }));
      const before = tokenService.responseBody;
      const big = JSON.stringify({ credentials });
      expect(big.length).toBeGreaterThan(32_768);
      tokenService.responseBody = big;
      try {
        const response = await proxyCall(token, { type: 'REPLENISH', body: '{"count":100}' });
        expect(response.statusCode).toBe(200);
        expect(response.json()).toEqual({ body: big });
      } finally {
        tokenService.responseBody = before;
      }
    });

    it('answers an upstream timeout with 504 UPSTREAM_TIMEOUT, never a success', async () => {
      const token = await login();
      tokenService.mode = 'hang';
      const viaToken = await proxyCall(token, { type: 'APPLY', body: '{}' });
      expect(viaToken.statusCode).toBe(504);
      expect(viaToken.json().error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', details: 'TOKEN_SERVICE' });
      alipay.mode = 'hang';
      const viaAlipay = await proxyCall(token, { type: 'SYNC_TOKEN', body: '{}', header: sdkHeader });
      expect(viaAlipay.statusCode).toBe(504);
      expect(viaAlipay.json().error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', details: 'ALIPAY_PLUS' });
    });

    it('answers an unsigned Alipay+ answer, an F result or a broken token service with 502', async () => {
      const token = await login();
      alipay.mode = 'unsigned';
      const unsigned = await proxyCall(token, { type: 'NOTIFY', body: '{}', header: sdkHeader });
      expect(unsigned.statusCode).toBe(502);
      expect(unsigned.json().error.code).toBe('UPSTREAM_INVALID_RESPONSE');
      alipay.mode = 'ack_F';
      const refused = await proxyCall(token, { type: 'NOTIFY', body: '{}', header: sdkHeader });
      expect(refused.statusCode).toBe(502);
      expect(refused.json().error.code).toBe('UPSTREAM_REJECTED');
      for (const mode of ['http_500', 'not_json'] as const) {
        tokenService.mode = mode;
        const broken = await proxyCall(token, { type: 'GET_PK', body: '{}' });
        expect(broken.statusCode).toBe(502);
        expect(broken.json().error.code).toBe('UPSTREAM_INVALID_RESPONSE');
      }
    });

    it('refuses an unknown type or a non-string body with 400, and needs a session', async () => {
      const token = await login();
      for (const payload of [
        { type: 'PAY', body: '{}' },
        { type: 'APPLY', body: { a: 1 } },
        { type: 'APPLY' },
        // sdkProxy requires the SDK's header (doc): refused at the edge, never sent upstream.
        { type: 'SYNC_TOKEN', body: '{}' },
        { type: 'NOTIFY', body: '{}', header: '' },
      ]) {
        const response = await proxyCall(token, payload);
        expect(response.statusCode).toBe(400);
        expect(response.json().error.code).toBe('BODY_INVALID');
      }
      const anonymous = await app.inject({
        method: 'POST',
        url: '/app/v1/nfc/proxy',
        payload: { type: 'APPLY', body: '' },
      });
      expect(anonymous.statusCode).toBe(401);
      expect(tokenService.received).toHaveLength(0);
      expect(alipay.received).toHaveLength(0);
    });
  });
});
