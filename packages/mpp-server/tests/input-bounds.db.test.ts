import { VirtualClock } from '@tapkit/protocol';
import type { PreparedRequest } from '@tapkit/protocol/node';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readAccount, readWalletBalances } from '../src/adapters/db/ledger-repository.ts';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { registerAdminRoutes } from '../src/adapters/http/admin-routes.ts';
import { testEngines } from './support/engines.ts';
import { expectLedgerSound, fundedCustomer, money, START_MS } from './support/fixtures.ts';
import { type RunningMpp, startMpp } from './support/http.ts';

// Input bounds before parsing and id grammar, the same on both engines: a body nested 20,000 deep or
// carrying a huge string is refused with a signed PARAM_ILLEGAL (it used to overflow the stack: U on every
// retry); a NUL or other control character in an id or in customData is PARAM_ILLEGAL (SQLite stored it,
// PostgreSQL refused it for ever); an adjustRefund of "0" is PARAM_ILLEGAL (it answered S and credited
// nothing); and an adjustRefund in a currency the customer holds no wallet in waits in SUSPENSE.

type Answer = {
  result: { resultCode: string; resultStatus: string; resultMessage: string };
  refundId?: string;
};
const adminToken = 'admin-token-for-bounds-tests-01234';

const pay = (id: string, extra: Record<string, unknown> = {}) => ({
  acquirerId: 'ACQ-1',
  pspId: 'PSP-1',
  paymentRequestId: id,
  paymentAmount: { currency: 'HKD', value: '100' },
  payToAmount: { currency: 'HKD', value: '100' },
  customerId: 'C1',
  paymentMethod: { paymentMethodType: 'CONNECT_WALLET_NFC', paymentMethodId: 'TUR-1' },
  order: { referenceOrderId: 'RO-1' },
  paymentFactor: { authorizationType: 'FINAL' },
  ...extra,
});
const adjust = (id: string, extra: Record<string, unknown> = {}) => ({
  acquirerId: 'ACQ-1',
  pspId: 'PSP-1',
  refundRequestId: id,
  customerId: 'C1',
  refundAmount: { currency: 'HKD', value: '50' },
  subScenarioType: 'UNLINKED_REFUND',
  ...extra,
});

describe.each(testEngines())('input bounds on $name', (engine) => {
  let store: DbHandle;
  let clock: VirtualClock;
  let mpp: RunningMpp;
  let admin: FastifyInstance;

  beforeAll(async () => {
    store = await engine.open();
    clock = new VirtualClock(START_MS);
    mpp = await startMpp(store, clock);
    admin = Fastify({ logger: false });
    registerAdminRoutes(admin, { store, clock, adminToken });
    await admin.ready();
    await fundedCustomer({ store, clock }, 'C1', money('HKD', 10_000));
  });
  afterAll(async () => {
    await admin.close();
    await mpp.close();
    await store.close();
  });
  beforeEach(async () => {
    await expectLedgerSound(store);
  });

  async function sendSigned(prepared: PreparedRequest): Promise<Answer> {
    const outcome = await mpp.client.send<Answer>(prepared);
    if (outcome.kind !== 'answered') throw new Error(`not a signed answer: ${outcome.reason}`);
    return outcome.response;
  }
  const call = async (
    api: 'pay' | 'refund' | 'adjustRefund' | 'inquiryPayment' | 'cancelPayment',
    body: object,
  ) => sendSigned(mpp.client.prepare(api, body));

  it('answers a 20,000-deep body with a signed PARAM_ILLEGAL, every time', async () => {
    const body = JSON.stringify(pay('PR-DEEP')).replace(
      '"referenceOrderId":"RO-1"',
      `"referenceOrderId":"RO-1","x":${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    );
    expect(body.length).toBeGreaterThan(40_000);
    for (let attempt = 0; attempt < 2; attempt++) {
      const answer = await sendSigned(mpp.client.prepareBytes('pay', Buffer.from(body)));
      expect(answer.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
      expect(answer.result.resultMessage).toContain('nesting is deeper than 32');
    }
    const long = JSON.stringify(pay('PR-LONG', { note: 'x'.repeat(40_000) }));
    const answer = await sendSigned(mpp.client.prepareBytes('pay', Buffer.from(long)));
    expect(answer.result.resultCode).toBe('PARAM_ILLEGAL');
    expect(await store.db.selectFrom('payments').select('payment_request_id').execute()).toEqual([]);
  });

  it.each([
    ['paymentRequestId', () => pay('PR-\u0000-1')],
    ['customerId', () => pay('PR-NUL-2', { customerId: 'C1\u0000' })],
    ['customData', () => pay('PR-NUL-3', { customData: 'cart\u00007' })],
    ['customData (a line break)', () => pay('PR-NUL-4', { customData: 'cart\n7' })],
    ['paymentRequestId (an escape character)', () => pay('PR-\u001b[31m')],
    ['paymentRequestId (a C1 control)', () => pay('PR-\u0085')],
  ])('refuses a control character in %s with PARAM_ILLEGAL', async (_field, body) => {
    const answer = await call('pay', body());
    expect(answer.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
    expect(await store.db.selectFrom('payments').select('payment_request_id').execute()).toEqual([]);
  });

  it('refuses control characters in refund and adjustRefund ids, keeps printable Unicode', async () => {
    const paid = await call('pay', pay('PR-OK-香港', { customData: 'café ☕ 7' }));
    expect(paid.result.resultCode).toBe('SUCCESS');
    const refund = await call('refund', {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      paymentRequestId: 'PR-OK-香港',
      paymentId: 'PAY-1',
      refundRequestId: 'RF-\u0000',
      refundAmount: { currency: 'HKD', value: '10' },
    });
    expect(refund.result.resultCode).toBe('PARAM_ILLEGAL');
    expect((await call('adjustRefund', adjust('AR-\u0000'))).result.resultCode).toBe('PARAM_ILLEGAL');
    expect((await call('adjustRefund', adjust('AR-1', { customerId: 'C\u00001' }))).result.resultCode).toBe(
      'PARAM_ILLEGAL',
    );
    expect(
      (await call('inquiryPayment', { acquirerId: 'A', pspId: 'P', paymentRequestId: 'P\u0000' })).result
        .resultCode,
    ).toBe('PARAM_ILLEGAL');
    expect(await store.db.selectFrom('refunds').selectAll().execute()).toEqual([]);
    expect(await store.db.selectFrom('adjust_refunds').selectAll().execute()).toEqual([]);
    const stored = await store.db
      .selectFrom('payments')
      .select(['payment_request_id', 'custom_data'])
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ payment_request_id: 'PR-OK-香港', custom_data: 'café ☕ 7' });
  });

  it('refuses a payToAmount that does not agree with paymentAmount (PARAM_ILLEGAL, nothing debited)', async () => {
    const answer = await call('pay', pay('PR-PAYTO', { payToAmount: { currency: 'HKD', value: '1' } }));
    expect(answer.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
    expect(
      await store.db
        .selectFrom('payments')
        .select('payment_request_id')
        .where('payment_request_id', '=', 'PR-PAYTO')
        .execute(),
    ).toEqual([]);
  });

  it('refuses an adjustRefund of "0" and credits nothing', async () => {
    const answer = await call(
      'adjustRefund',
      adjust('AR-ZERO', { refundAmount: { currency: 'HKD', value: '0' } }),
    );
    expect(answer.result).toMatchObject({ resultCode: 'PARAM_ILLEGAL', resultStatus: 'F' });
    expect(answer.refundId).toBeUndefined();
    expect(await store.db.selectFrom('adjust_refunds').selectAll().execute()).toEqual([]);
  });

  it('credits an adjustRefund in a currency without a wallet to SUSPENSE, opening no wallet', async () => {
    const answer = await call(
      'adjustRefund',
      adjust('AR-JPY', { refundAmount: { currency: 'JPY', value: '500' } }),
    );
    expect(answer.result.resultCode).toBe('SUCCESS');
    expect((await readWalletBalances(store.db, 'C1')).map((w) => w.currency)).toEqual(['HKD']);
    expect((await readAccount(store.db, 'S:SUSPENSE:JPY'))?.balanceMinor).toBe(500n);
  });

  it('refuses deep bodies and control characters in ids on the admin API (400 BODY_INVALID)', async () => {
    const send = (payload: string) =>
      admin.inject({
        method: 'POST',
        url: '/admin/v1/customers',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        payload,
      });
    const deep = await send(`{"customerId":"C9","currencies":${'['.repeat(5_000)}${']'.repeat(5_000)}}`);
    expect(deep.statusCode).toBe(400);
    expect(deep.json().error).toMatchObject({ code: 'BODY_INVALID' });
    expect(deep.json().error.details).toContain('nesting');
    const nul = await send(JSON.stringify({ customerId: 'C\u00009' }));
    expect(nul.statusCode).toBe(400);
    expect(nul.json().error.code).toBe('BODY_INVALID');
    expect(await store.db.selectFrom('customers').select('id').where('id', 'like', 'C%9').execute()).toEqual(
      [],
    );
  });
});
