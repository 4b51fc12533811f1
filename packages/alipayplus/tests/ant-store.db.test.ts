// The Ant server's Kysely store and the notify receipts on every engine: customers, authorizations,
// tokens with compare-and-set, the event feed's sequence under concurrent appends, pending cancels.
import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AntDatabase, createKyselyAntStore, lookupTokenOwner } from '../src/ant/adapters/db.ts';
import { ANT_SERVER_MIGRATIONS, type AntServerDatabase } from '../src/ant/app.ts';
import type { AntToken } from '../src/ant/domain/token.ts';
import { tokenInfoOf } from '../src/ant/domain/token.ts';
import { createKyselyNotifyStore, type NotifyDatabase } from '../src/notify/db.ts';
import type { NotifyReceipt } from '../src/notify/ports.ts';

const token: AntToken = {
  tokenUniqueReference: 'DTKMC0001',
  mppClientId: 'MPP',
  customerId: 'c1',
  applicationStatus: 'APPROVED',
  tokenState: 'INACTIVE',
  suspendedBy: [],
  stateTimeMs: 1_700_000_000_000,
  activation: 'PENDING',
  confirmation: 'NOT_REQUIRED',
  createdAtMs: 1_700_000_000_000,
  updatedAtMs: 1_700_000_000_000,
  version: 1,
};

for (const engine of testEngines<AntServerDatabase>(ANT_SERVER_MIGRATIONS)) {
  describe(`Ant store (${engine.name})`, () => {
    let handle: DbHandle<AntServerDatabase> | undefined;
    let db: Kysely<AntDatabase>;

    beforeEach(async () => {
      handle = await engine.open();
      db = handle.db as unknown as Kysely<AntDatabase>;
    });
    afterEach(async () => {
      await handle?.close();
    });

    it('registers a customer once and keeps an operator status', async () => {
      const store = createKyselyAntStore(db);
      expect(await store.touchCustomer('MPP', 'c1', 1)).toEqual({
        mppClientId: 'MPP',
        customerId: 'c1',
        status: 'ACTIVE',
      });
      await store.setCustomerStatus('MPP', 'c1', 'FROZEN', 2);
      expect((await store.touchCustomer('MPP', 'c1', 3)).status).toBe('FROZEN');
      await store.touchCustomer('MPP_B', 'c1', 4);
      expect((await store.findCustomersById('c1', 10)).map((c) => c.mppClientId)).toEqual(['MPP', 'MPP_B']);
    });

    it('keeps the first authorization per requestId', async () => {
      const store = createKyselyAntStore(db);
      const first = {
        requestId: 'r1',
        tokenUniqueReference: 'T',
        customerId: 'c1',
        decision: 'APPROVED' as const,
        createdAtMs: 5,
      };
      expect(await store.insertAuthorization(first)).toBe(true);
      expect(await store.insertAuthorization({ ...first, decision: 'DECLINED' })).toBe(false);
      expect(await store.findAuthorization('r1')).toEqual(first);
    });

    it('stores tokens with compare-and-set and answers the owner lookup', async () => {
      const store = createKyselyAntStore(db);
      expect(await store.insertToken(token)).toBe(true);
      expect(await store.insertToken({ ...token, customerId: 'other' })).toBe(false);
      const next: AntToken = {
        ...token,
        tokenState: 'SUSPENDED',
        suspendedBy: ['CARDHOLDER', 'ISSUER'],
        version: 2,
      };
      expect(await store.updateToken(next, 1)).toBe(true);
      expect(await store.updateToken({ ...next, version: 3 }, 1)).toBe(false);
      expect(await store.findToken(token.tokenUniqueReference)).toEqual(next);
      expect(await lookupTokenOwner(db, token.tokenUniqueReference)).toEqual({
        mppClientId: 'MPP',
        customerId: 'c1',
      });
      await store.insertToken({ ...token, tokenUniqueReference: 'DECLINED1', applicationStatus: 'DECLINED' });
      expect(await lookupTokenOwner(db, 'DECLINED1')).toBeUndefined();
      expect((await store.listTokens('MPP', 'c1', 10)).length).toBe(2);
    });

    it('gives concurrent events distinct, gapless sequences per customer', async () => {
      const store = createKyselyAntStore(db);
      const owner = { mppClientId: 'MPP', customerId: 'c1' };
      const event = {
        tokenUniqueReference: 'T',
        kind: 'SUSPENDED' as const,
        token: tokenInfoOf(token),
        eventTimeMs: 7,
      };
      const sequences = await Promise.all(Array.from({ length: 6 }, () => store.appendEvent(owner, event)));
      expect([...sequences].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await store.appendEvent({ ...owner, customerId: 'c2' }, event)).toBe(1);
      const page = await store.listEvents(owner, 2, 3);
      expect(page.map((e) => e.sequence)).toEqual([3, 4, 5]);
      expect(page[0]?.token).toEqual(tokenInfoOf(token));
    });

    it('keeps notify receipts and lists pending cancels', async () => {
      const store = createKyselyNotifyStore(handle?.db as unknown as Kysely<NotifyDatabase>);
      const receipt: NotifyReceipt = {
        mppClientId: 'MPP',
        paymentRequestId: 'PR1',
        checkedFields: '["S"]',
        answerJson: '{}',
        verdict: 'CONTRADICTS_CLOSED',
        cancelState: 'PENDING',
        cancelAttempts: 0,
        cancelDetail: null,
        createdAtMs: 1,
        updatedAtMs: 1,
      };
      expect(await store.insert(receipt)).toBe(true);
      expect(await store.insert(receipt)).toBe(false);
      expect((await store.listPendingCancels(10)).map((r) => r.paymentRequestId)).toEqual(['PR1']);
      await store.updateCancel(receipt, {
        cancelState: 'DONE',
        cancelAttempts: 2,
        cancelDetail: null,
        updatedAtMs: 9,
      });
      expect(await store.listPendingCancels(10)).toEqual([]);
      expect(await store.replace({ ...receipt, checkedFields: '["F"]' }, 'stale')).toBe(false);
      expect(await store.replace({ ...receipt, checkedFields: '["F"]' }, '["S"]')).toBe(true);
      expect(await store.find('MPP', 'PR1')).toMatchObject({
        checkedFields: '["F"]',
        cancelState: 'PENDING',
      });
    });
  });
}
