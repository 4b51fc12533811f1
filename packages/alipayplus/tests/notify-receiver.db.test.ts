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
  CANCEL_IDENTITY_DEFAULT,
} from '../src/ant/app.ts';
import { adminApiSetup, type ConformanceSetup } from '../src/conformance/setup.ts';
import { signedCanceller } from '../src/notify/canceller.ts';
import type { MppCanceller } from '../src/notify/ports.ts';
import { MemoryKnowledge } from './support/ant-world.ts';
import { ADMIN_TOKEN, alipayKeys, MPP_CLIENT_ID, mppKeys } from './support/keys.ts';
import { startRealMpp } from './support/mpp.ts';
import { alipayPlusClientTo, hkd, payAtMpp, startNotifyAntServer } from './support/notify.ts';

let mpp: MppServerHandle;
let admin: ConformanceSetup;
let toMpp: SignedClient;
let counter = 0;

beforeAll(async () => {
  mpp = await startRealMpp();
  admin = adminApiSetup(mpp.url, ADMIN_TOKEN);
  toMpp = alipayPlusClientTo(mpp.url);
});
afterAll(async () => {
  await toMpp.close();
  await admin.close?.();
  await mpp.close();
});

/** Pays `value` at the real MPP for a fresh customer; returns the notify the MPP would send for it. */
async function paidAtMpp(value = '1000'): Promise<{ notify: NotifyPaymentRequest; customerId: string }> {
  counter += 1;
  const customerId = `notify-cust-${Date.now()}-${counter}`;
  const paymentRequestId = `notify-pay-${Date.now()}-${counter}`;
  const paid = await payAtMpp(mpp.url, toMpp, { customerId, paymentRequestId, value });
  return {
    customerId,
    notify: {
      paymentRequestId,
      paymentId: paid.paymentId,
      paymentResult: { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success.' },
      paymentAmount: hkd(value),
      payToAmount: hkd(value),
      customerId,
      paymentTime: paid.paymentTime,
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
      const started = await startNotifyAntServer({ db, mppUrl: mpp.url, knowledge, canceller: counting });
      server = started.server;
      fromMpp = new SignedClient({
        baseUrl: started.url,
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
