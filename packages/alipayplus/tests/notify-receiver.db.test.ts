// The notifyPayment receiver between a real MPP server and Alipay+'s knowledge (in memory here; the issuer
// processor's book in production): acknowledgements, idempotency, and a contradiction that makes Alipay+
// cancel the payment at the MPP — observed at the MPP (inquiry and balance).
import type { AddressInfo } from 'node:net';
import type { MppServerHandle } from '@tapkit/mpp-server';
import { type NotifyPaymentRequest, systemClock } from '@tapkit/protocol';
import { SignedClient } from '@tapkit/protocol/node';
import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ANT_SERVER_MIGRATIONS,
  type AntServerApp,
  type AntServerDatabase,
  buildAntServerApp,
  CANCEL_IDENTITY_DEFAULT,
} from '../src/ant/app.ts';
import { adminApiSetup, type ConformanceSetup } from '../src/conformance/setup.ts';
import { signedCanceller } from '../src/notify/canceller.ts';
import type { MppCanceller } from '../src/notify/ports.ts';
import { MemoryKnowledge } from './support/ant-world.ts';
import {
  ADMIN_TOKEN,
  alipayKeys,
  MPP_CLIENT_ID,
  mppKeys,
  TOKEN_SERVICE_CLIENT_ID,
  tokenServiceKeys,
} from './support/keys.ts';
import { startRealMpp } from './support/mpp.ts';

let mpp: MppServerHandle;
let admin: ConformanceSetup;
let toMpp: SignedClient;
let counter = 0;

beforeAll(async () => {
  mpp = await startRealMpp();
  admin = adminApiSetup(mpp.url, ADMIN_TOKEN);
  toMpp = new SignedClient({
    baseUrl: mpp.url,
    clientId: MPP_CLIENT_ID,
    signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
    peerVerifyKeys: new Map([['1', mppKeys.publicKey]]),
    clock: systemClock,
  });
});
afterAll(async () => {
  await toMpp.close();
  await admin.close?.();
  await mpp.close();
});

const hkd = (value: string) => ({ currency: 'HKD', value });

/** Pays `value` at the real MPP for a fresh customer; returns the notify the MPP would send for it. */
async function paidAtMpp(value = '1000'): Promise<{ notify: NotifyPaymentRequest; customerId: string }> {
  counter += 1;
  const customerId = `notify-cust-${Date.now()}-${counter}`;
  await admin.createCustomer(customerId, 'HKD', 10_000n);
  const paymentRequestId = `notify-pay-${Date.now()}-${counter}`;
  const paid = await toMpp.callApi('pay', {
    acquirerId: 'ACQ',
    pspId: 'PSP',
    paymentRequestId,
    paymentAmount: hkd(value),
    payToAmount: hkd(value),
    customerId,
    order: { referenceOrderId: paymentRequestId },
    paymentFactor: { authorizationType: 'FINAL' },
  });
  if (paid.kind !== 'answered' || paid.response.result.resultStatus !== 'S') throw new Error('pay failed');
  return {
    customerId,
    notify: {
      paymentRequestId,
      paymentId: paid.response.paymentId,
      paymentResult: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success.' },
      paymentAmount: hkd(value),
      payToAmount: hkd(value),
      customerId,
      paymentTime: paid.response.paymentTime,
    },
  };
}

for (const engine of testEngines<AntServerDatabase>(ANT_SERVER_MIGRATIONS)) {
  describe(`notifyPayment receiver (${engine.name})`, () => {
    let db: DbHandle<AntServerDatabase> | undefined;
    let server: AntServerApp | undefined;
    let fromMpp: SignedClient | undefined;
    let knowledge: MemoryKnowledge;
    let cancels: string[];

    beforeEach(async () => {
      db = await engine.open();
      knowledge = new MemoryKnowledge();
      cancels = [];
      const real = signedCanceller(new Map([[MPP_CLIENT_ID, toMpp]]), CANCEL_IDENTITY_DEFAULT);
      const counting: MppCanceller = {
        cancelPayment: (mppClientId, paymentRequestId) => {
          cancels.push(paymentRequestId);
          return real.cancelPayment(mppClientId, paymentRequestId);
        },
      };
      server = buildAntServerApp({
        db,
        clock: systemClock,
        signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
        mpps: [
          { clientId: MPP_CLIENT_ID, verifyKeys: new Map([['1', mppKeys.publicKey]]), baseUrl: mpp.url },
        ],
        tokenService: {
          clientId: TOKEN_SERVICE_CLIENT_ID,
          verifyKeys: new Map([['1', tokenServiceKeys.publicKey]]),
          baseUrl: 'http://127.0.0.1:9',
          bearerSecret: 'unused',
        },
        paymentKnowledge: knowledge,
        canceller: counting,
      });
      await server.app.listen({ host: '127.0.0.1', port: 0 });
      fromMpp = new SignedClient({
        baseUrl: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`,
        clientId: MPP_CLIENT_ID,
        signingKey: { key: mppKeys.privateKey, keyVersion: '1' },
        peerVerifyKeys: new Map([['1', alipayKeys.publicKey]]),
        clock: systemClock,
      });
    });
    afterEach(async () => {
      await fromMpp?.close();
      await server?.close();
      await db?.close();
    });

    async function notify(body: NotifyPaymentRequest): Promise<string> {
      const outcome = await fromMpp?.callApi('notifyPayment', body);
      if (outcome?.kind !== 'answered') throw new Error(`notify: ${outcome?.kind}`);
      return `${outcome.response.result.resultStatus} ${outcome.response.result.resultCode}`;
    }

    const know = (n: NotifyPaymentRequest, status: 'SUCCESS' | 'FAILED' | 'CANCELLED' | 'PENDING') =>
      knowledge.put({
        mppClientId: MPP_CLIENT_ID,
        paymentRequestId: n.paymentRequestId,
        customerId: n.customerId,
        paymentAmount: n.paymentAmount,
        payToAmount: n.payToAmount,
        status,
        paymentId: status === 'SUCCESS' ? (n.paymentId ?? null) : null,
      });

    it('acknowledges a consistent notify, the same answer on replay, and cancels nothing', async () => {
      const { notify: n } = await paidAtMpp();
      know(n, 'SUCCESS');
      expect(await notify(n)).toBe('S SUCCESS');
      expect(await notify(n)).toBe('S SUCCESS');
      await server?.notify.drain();
      expect(cancels).toEqual([]);
    });

    it('cancels at the MPP a payment it reports S although Alipay+ recorded it as failed', async () => {
      const { notify: n, customerId } = await paidAtMpp('1500');
      expect(await admin.balanceOf(customerId, 'HKD')).toBe(8_500n);
      know(n, 'FAILED');
      expect(await notify(n)).toBe('S SUCCESS');
      await server?.notify.drain();
      expect(cancels).toEqual([n.paymentRequestId]);
      const inquiry = await toMpp.callApi('inquiryPayment', {
        acquirerId: 'ACQ',
        pspId: 'PSP',
        paymentRequestId: n.paymentRequestId,
      });
      expect(inquiry.kind === 'answered' && inquiry.response.paymentResult).toMatchObject({
        resultStatus: 'F',
        resultCode: 'ORDER_IS_CLOSED',
      });
      expect(await admin.balanceOf(customerId, 'HKD')).toBe(10_000n);
      // The MPP's retry of the same notify gets the stored answer and no second cancel; its later notify
      // of the cancellation (F ORDER_IS_CLOSED) is accepted.
      expect(await notify(n)).toBe('S SUCCESS');
      const closed = {
        ...n,
        paymentResult: { resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F' as const, resultMessage: 'closed' },
      };
      expect(await notify(closed)).toBe('S SUCCESS');
      await server?.notify.drain();
      expect(cancels).toEqual([n.paymentRequestId]);
    });

    it('cancels once when the contradicting notify arrives several times at once', async () => {
      const { notify: n, customerId } = await paidAtMpp();
      know(n, 'CANCELLED');
      const answers = await Promise.all(Array.from({ length: 5 }, () => notify(n)));
      expect(answers).toEqual(Array(5).fill('S SUCCESS'));
      await server?.notify.drain();
      expect(cancels).toEqual([n.paymentRequestId]);
      expect(await admin.balanceOf(customerId, 'HKD')).toBe(10_000n);
    });

    it('refuses an unknown payment, mismatched amounts and an inconsistent repeat', async () => {
      const { notify: n } = await paidAtMpp();
      expect(await notify(n)).toBe('F ORDER_NOT_EXIST');
      know(n, 'SUCCESS');
      expect(await notify({ ...n, payToAmount: hkd('999') })).toBe('F PARAM_ILLEGAL');
      expect(await notify(n)).toBe('S SUCCESS');
      const failed = {
        ...n,
        paymentResult: { resultCode: 'RISK_REJECT', resultStatus: 'F' as const, resultMessage: 'no' },
      };
      expect(await notify(failed)).toBe('F REPEAT_REQ_INCONSISTENT');
      expect(cancels).toEqual([]);
    });

    it('passes news about a payment Alipay+ has no final answer for to the issuer processor', async () => {
      const { notify: n } = await paidAtMpp();
      know(n, 'PENDING');
      expect(await notify(n)).toBe('S SUCCESS');
      expect(knowledge.news).toEqual([
        {
          mppClientId: MPP_CLIENT_ID,
          paymentRequestId: n.paymentRequestId,
          resultStatus: 'S',
          resultCode: 'SUCCESS',
          paymentId: n.paymentId,
        },
      ]);
    });
  });
}
