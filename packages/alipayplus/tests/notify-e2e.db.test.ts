// The real MPP server's notify worker delivering to this receiver over signed HTTP: a consistent payment
// is acknowledged and the outbox row completes; a contradicting one is cancelled at the MPP, whose own
// follow-up notify (F ORDER_IS_CLOSED) is then accepted.
import type { AddressInfo } from 'node:net';
import type { MppServerHandle } from '@tapkit/mpp-server';
import { systemClock } from '@tapkit/protocol';
import { SignedClient } from '@tapkit/protocol/node';
import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANT_SERVER_MIGRATIONS,
  type AntServerApp,
  type AntServerDatabase,
  buildAntServerApp,
  CANCEL_IDENTITY_DEFAULT,
} from '../src/ant/app.ts';
import { adminApiSetup } from '../src/conformance/setup.ts';
import { signedCanceller } from '../src/notify/canceller.ts';
import { createKyselyNotifyStore, type NotifyDatabase } from '../src/notify/db.ts';
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

const hkd = (value: string) => ({ currency: 'HKD', value });

for (const engine of testEngines<AntServerDatabase>(ANT_SERVER_MIGRATIONS)) {
  describe(`real MPP notify worker → receiver (${engine.name})`, () => {
    let db: DbHandle<AntServerDatabase> | undefined;
    let server: AntServerApp | undefined;
    let mpp: MppServerHandle | undefined;
    let toMpp: SignedClient | undefined;
    let knowledge: MemoryKnowledge;

    beforeEach(async () => {
      db = await engine.open();
      knowledge = new MemoryKnowledge();
      // The MPP needs the receiver's URL and the receiver cancels at the MPP: bound once both listen.
      const late: MppCanceller = {
        cancelPayment: (mppClientId, paymentRequestId) =>
          signedCanceller(
            new Map([[MPP_CLIENT_ID, toMpp as SignedClient]]),
            CANCEL_IDENTITY_DEFAULT,
          ).cancelPayment(mppClientId, paymentRequestId),
      };
      server = buildAntServerApp({
        db,
        clock: systemClock,
        signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
        mpps: [
          {
            clientId: MPP_CLIENT_ID,
            verifyKeys: new Map([['1', mppKeys.publicKey]]),
            baseUrl: 'http://127.0.0.1:9',
          },
        ],
        tokenService: {
          clientId: TOKEN_SERVICE_CLIENT_ID,
          verifyKeys: new Map([['1', tokenServiceKeys.publicKey]]),
          baseUrl: 'http://127.0.0.1:9',
          bearerSecret: 'unused',
        },
        paymentKnowledge: knowledge,
        canceller: late,
      });
      await server.app.listen({ host: '127.0.0.1', port: 0 });
      const antUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
      mpp = await startRealMpp({ alipayPlusUrl: antUrl });
      toMpp = new SignedClient({
        baseUrl: mpp.url,
        clientId: MPP_CLIENT_ID,
        signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
        peerVerifyKeys: new Map([['1', mppKeys.publicKey]]),
        clock: systemClock,
      });
    });
    afterEach(async () => {
      await toMpp?.close();
      await mpp?.close();
      await server?.close();
      await db?.close();
    });

    async function pay(customerId: string, paymentRequestId: string, value: string) {
      const admin = adminApiSetup(mpp?.url ?? '', ADMIN_TOKEN);
      await admin.createCustomer(customerId, 'HKD', 10_000n);
      await admin.close?.();
      const paid = await toMpp?.callApi('pay', {
        acquirerId: 'ACQ',
        pspId: 'PSP',
        paymentRequestId,
        paymentAmount: hkd(value),
        payToAmount: hkd(value),
        customerId,
        order: { referenceOrderId: paymentRequestId },
        paymentFactor: { authorizationType: 'FINAL' },
      });
      if (paid?.kind !== 'answered' || paid.response.result.resultStatus !== 'S')
        throw new Error('pay failed');
      return paid.response.paymentId ?? null;
    }

    const receipts = () => createKyselyNotifyStore(db?.db as unknown as Kysely<NotifyDatabase>);

    it('acknowledges a consistent payment; the outbox row is done', async () => {
      const paymentId = await pay('e2e-c1', 'e2e-pay-1', '1200');
      knowledge.put({
        mppClientId: MPP_CLIENT_ID,
        paymentRequestId: 'e2e-pay-1',
        customerId: 'e2e-c1',
        paymentAmount: hkd('1200'),
        payToAmount: hkd('1200'),
        status: 'SUCCESS',
        paymentId,
      });
      expect(await mpp?.worker.pollOnce()).toBe(1);
      expect(await receipts().find(MPP_CLIENT_ID, 'e2e-pay-1')).toMatchObject({
        verdict: 'CONSISTENT',
        cancelState: 'NONE',
      });
      // Acknowledged with S: nothing left to send.
      expect(await mpp?.worker.pollOnce()).toBe(0);
    });

    it('cancels a contradicting payment at the MPP and accepts its ORDER_IS_CLOSED notify', async () => {
      await pay('e2e-c2', 'e2e-pay-2', '700');
      knowledge.put({
        mppClientId: MPP_CLIENT_ID,
        paymentRequestId: 'e2e-pay-2',
        customerId: 'e2e-c2',
        paymentAmount: hkd('700'),
        payToAmount: hkd('700'),
        status: 'CANCELLED',
      });
      expect(await mpp?.worker.pollOnce()).toBe(1);
      await server?.notify.drain();
      expect(await receipts().find(MPP_CLIENT_ID, 'e2e-pay-2')).toMatchObject({ cancelState: 'DONE' });
      const admin = adminApiSetup(mpp?.url ?? '', ADMIN_TOKEN);
      expect(await admin.balanceOf('e2e-c2', 'HKD')).toBe(10_000n);
      await admin.close?.();
      // One final result per payment (doc): a cancel that landed after the S notification was
      // acknowledged is not notified again; one that landed while it was still pending (the receiver
      // cancels as it answers) replaces it with F ORDER_IS_CLOSED, which the receiver accepts.
      const resent = await mpp?.worker.pollOnce();
      expect([0, 1]).toContain(resent);
      const receipt = await receipts().find(MPP_CLIENT_ID, 'e2e-pay-2');
      const told = JSON.parse(receipt?.checkedFields ?? '[]').slice(0, 2);
      expect(told).toEqual(resent === 1 ? ['F', 'ORDER_IS_CLOSED'] : ['S', 'SUCCESS']);
      expect(await mpp?.worker.pollOnce()).toBe(0);
    });
  });
}
