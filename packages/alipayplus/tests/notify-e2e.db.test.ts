import type { MppServerHandle } from '@tapkit/mpp-server';
import type { SignedClient } from '@tapkit/protocol/node';
import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ANT_SERVER_MIGRATIONS,
  type AntServerApp,
  type AntServerDatabase,
  CANCEL_IDENTITY_DEFAULT,
} from '../src/ant/app.ts';
import { adminApiSetup } from '../src/conformance/setup.ts';
import { signedCanceller } from '../src/notify/canceller.ts';
import { createKyselyNotifyStore, type NotifyDatabase } from '../src/notify/db.ts';
import type { MppCanceller } from '../src/notify/ports.ts';
import { MemoryKnowledge } from './support/ant-world.ts';
import { ADMIN_TOKEN, MPP_CLIENT_ID } from './support/keys.ts';
import { startRealMpp } from './support/mpp.ts';
import { alipayPlusClientTo, hkd, payAtMpp, startNotifyAntServer } from './support/notify.ts';

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
      const started = await startNotifyAntServer({
        db,
        mppUrl: 'http://127.0.0.1:9',
        knowledge,
        canceller: late,
      });
      server = started.server;
      mpp = await startRealMpp({ alipayPlusUrl: started.url });
      toMpp = alipayPlusClientTo(mpp.url);
    });
    afterEach(async () => {
      await toMpp?.close();
      await mpp?.close();
      await server?.close();
      await db?.close();
    });

    async function pay(customerId: string, paymentRequestId: string, value: string) {
      const paid = await payAtMpp(mpp?.url ?? '', toMpp as SignedClient, {
        customerId,
        paymentRequestId,
        value,
      });
      return paid.paymentId ?? null;
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
