import { VirtualClock } from '@tapkit/protocol';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { registerAdminRoutes } from '../src/adapters/http/admin-routes.ts';
import { testEngines } from './support/engines.ts';

const adminToken = 'admin-token-for-tests-0123456789';
const headers = { authorization: `Bearer ${adminToken}` };

describe.each(testEngines())('admin API on $name', (engine) => {
  let handle: DbHandle;
  let app: FastifyInstance;
  const clock = new VirtualClock(Date.UTC(2026, 10, 25, 4, 0, 0));

  beforeEach(async () => {
    handle = await engine.open();
    app = Fastify({ logger: false });
    registerAdminRoutes(app, { store: handle, clock, adminToken });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await handle.close();
  });

  const post = (url: string, payload?: object) =>
    app.inject({ method: 'POST', url, headers, ...(payload ? { payload } : {}) });
  const get = (url: string) => app.inject({ method: 'GET', url, headers });

  it('refuses a missing or wrong token with 401 and does nothing', async () => {
    for (const authorization of [
      undefined,
      'Bearer wrong',
      `Bearer ${adminToken}x`,
      adminToken,
      `Basic ${adminToken}`,
    ]) {
      const response = await app.inject({
        method: 'POST',
        url: '/admin/v1/customers',
        headers: authorization === undefined ? {} : { authorization },
        payload: { customerId: 'C-1' },
      });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('ADMIN_UNAUTHORIZED');
    }
    expect(await handle.db.selectFrom('customers').selectAll().execute()).toEqual([]);
  });

  it('answers ADMIN_DISABLED (503) when no token is configured', async () => {
    const disabled = Fastify({ logger: false });
    registerAdminRoutes(disabled, { store: handle, clock, adminToken: '' });
    const response = await disabled.inject({
      method: 'GET',
      url: '/admin/v1/ledger/invariants',
      headers: { authorization: 'Bearer ' },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json().error.code).toBe('ADMIN_DISABLED');
    await disabled.close();
  });

  it('creates customers idempotently', async () => {
    const first = await post('/admin/v1/customers', { customerId: 'C-1', currencies: ['HKD'] });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual({ customerId: 'C-1', created: true });
    const again = await post('/admin/v1/customers', { customerId: 'C-1', currencies: ['HKD', 'USD'] });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ customerId: 'C-1', created: false });
    const balances = await get('/admin/v1/customers/C-1/balances');
    expect(balances.json()).toEqual({
      customerId: 'C-1',
      status: 'ACTIVE',
      balances: [
        { currency: 'HKD', value: '0' },
        { currency: 'USD', value: '0' },
      ],
    });
  });

  it('tops up once per topupRequestId and refuses the same id with other fields', async () => {
    await post('/admin/v1/customers', { customerId: 'C-1', currencies: ['HKD'] });
    const topup = { topupRequestId: 'T-1', customerId: 'C-1', amount: { currency: 'HKD', value: '10000' } };
    const first = await post('/admin/v1/topups', topup);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      topupRequestId: 'T-1',
      applied: true,
      balance: { currency: 'HKD', value: '10000' },
    });
    const replay = await post('/admin/v1/topups', topup);
    expect(replay.json()).toEqual({
      topupRequestId: 'T-1',
      applied: false,
      balance: { currency: 'HKD', value: '10000' },
    });
    const different = await post('/admin/v1/topups', {
      ...topup,
      amount: { currency: 'HKD', value: '20000' },
    });
    expect(different.statusCode).toBe(409);
    expect(different.json().error.code).toBe('REPEAT_REQ_INCONSISTENT');
    expect((await get('/admin/v1/customers/C-1/balances')).json().balances).toEqual([
      { currency: 'HKD', value: '10000' },
    ]);
    const invariants = await get('/admin/v1/ledger/invariants');
    expect(invariants.json()).toMatchObject({
      ok: true,
      currencies: [{ currency: 'HKD', postingSumMinor: '0' }],
      violations: [],
    });
  });

  it('refuses bad top-ups with stable codes', async () => {
    await post('/admin/v1/customers', { customerId: 'C-1' });
    const cases: [object, number, string][] = [
      [
        { topupRequestId: 'T-2', customerId: 'C-404', amount: { currency: 'HKD', value: '1' } },
        404,
        'CUSTOMER_NOT_FOUND',
      ],
      [
        { topupRequestId: 'T-3', customerId: 'C-1', amount: { currency: 'HKD', value: '0' } },
        400,
        'AMOUNT_NOT_POSITIVE',
      ],
      [
        { topupRequestId: 'T-4', customerId: 'C-1', amount: { currency: 'HKD', value: '-5' } },
        400,
        'BODY_INVALID',
      ],
      [
        { topupRequestId: 'T-5', customerId: 'C-1', amount: { currency: 'XXZ', value: '5' } },
        400,
        'BODY_INVALID',
      ],
      [
        { topupRequestId: 'T-6', customerId: 'C-1', amount: { currency: 'HKD', value: 5 } },
        400,
        'BODY_INVALID',
      ],
      [
        {
          topupRequestId: 'T-7',
          customerId: 'C-1',
          amount: { currency: 'HKD', value: '99999999999999999999' },
        },
        400,
        'BODY_INVALID',
      ],
      [{ customerId: 'C-1', amount: { currency: 'HKD', value: '5' } }, 400, 'BODY_INVALID'],
    ];
    for (const [payload, status, code] of cases) {
      const response = await post('/admin/v1/topups', payload);
      expect([response.statusCode, response.json().error?.code]).toEqual([status, code]);
    }
    expect(await handle.db.selectFrom('transfers').selectAll().execute()).toEqual([]);
  });

  it('freezes and unfreezes a customer, 404 for an unknown one', async () => {
    await post('/admin/v1/customers', { customerId: 'C-1' });
    expect((await post('/admin/v1/customers/C-1/freeze')).json()).toEqual({
      customerId: 'C-1',
      status: 'FROZEN',
    });
    expect((await get('/admin/v1/customers/C-1/balances')).json().status).toBe('FROZEN');
    expect((await post('/admin/v1/customers/C-1/unfreeze')).json()).toEqual({
      customerId: 'C-1',
      status: 'ACTIVE',
    });
    expect((await get('/admin/v1/customers/C-1/balances')).json().status).toBe('ACTIVE');
    const missing = await post('/admin/v1/customers/C-404/freeze');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await get('/admin/v1/customers/C-404/balances')).statusCode).toBe(404);
    const tooLong = await post(`/admin/v1/customers/${'x'.repeat(65)}/freeze`);
    expect([tooLong.statusCode, tooLong.json().error.code]).toEqual([400, 'PATH_INVALID']);
  });
});
