// The Kysely TokenStore on every engine: single-use nonces, compare-and-set updates, the unique rules
// (token PAN, one live token per device) and the round trip of every field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { createKyselyTokenStore } from '../src/adapters/db/token-store.ts';
import type { StoredToken, TokenStore } from '../src/token-service/ports.ts';
import { testEngines } from './support/engines.ts';

const device = (deviceId: string, customerId = 'customer-1') => ({
  deviceId,
  customerId,
  publicKeySpki: 'MIIB...',
  fingerprint: 'fp',
  createdAtMs: 1_000,
});

function token(overrides: Partial<StoredToken> = {}): StoredToken {
  return {
    tokenUniqueReference: 'DTKMC01',
    tokenPan: '5413330000000019',
    psn: '00',
    expiryYymm: '2911',
    customerId: 'customer-1',
    deviceId: 'dev_1',
    taskId: 'task_1',
    status: { state: 'INACTIVE' },
    provisionReadyAtMs: 2_000,
    atcLastIssued: 0,
    version: 1,
    createdAtMs: 1_000,
    updatedAtMs: 1_000,
    ...overrides,
  };
}

for (const engine of testEngines()) {
  describe(`token store [${engine.name}]`, () => {
    let handle: DbHandle;
    let store: TokenStore;
    beforeAll(async () => {
      handle = await engine.open();
      store = createKyselyTokenStore(handle.db);
      await store.insertDevice(device('dev_1'));
      await store.insertDevice(device('dev_2'));
    });
    afterAll(() => handle.close());

    it('consumes a nonce once, for its customer only, and never after it expired', async () => {
      await store.insertNonce({ nonce: 'n1', customerId: 'c1', createdAtMs: 0, expiresAtMs: 100 });
      await store.insertNonce({ nonce: 'n2', customerId: 'c1', createdAtMs: 0, expiresAtMs: 100 });
      expect(await store.consumeNonce({ nonce: 'n1', customerId: 'c2', nowMs: 50 })).toBe(false);
      expect(await store.consumeNonce({ nonce: 'n1', customerId: 'c1', nowMs: 50 })).toBe(true);
      expect(await store.consumeNonce({ nonce: 'n1', customerId: 'c1', nowMs: 51 })).toBe(false);
      expect(await store.consumeNonce({ nonce: 'n2', customerId: 'c1', nowMs: 100 })).toBe(false);
      expect(await store.consumeNonce({ nonce: 'nope', customerId: 'c1', nowMs: 0 })).toBe(false);
      expect(await store.deleteExpiredNonces(100, 1)).toBe(1);
      expect(await store.deleteExpiredNonces(100, 10)).toBe(1);
      expect(await store.deleteExpiredNonces(100, 10)).toBe(0);
    });

    it('round-trips devices and tokens, found by every key', async () => {
      expect(await store.findDevice('dev_1')).toEqual(device('dev_1'));
      expect(await store.findDevice('dev_x')).toBeUndefined();
      expect(await store.insertToken(token())).toBe('INSERTED');
      for (const found of [
        await store.findToken('DTKMC01'),
        await store.findTokenByTaskId('task_1'),
        await store.findTokenByPan('5413330000000019'),
        await store.findLiveTokenByDevice('dev_1'),
      ]) {
        expect(found).toEqual(token());
      }
    });

    it('refuses a taken PAN and a second live token for a device', async () => {
      const pan = token({ tokenUniqueReference: 'DTKMC02', taskId: 'task_2', deviceId: 'dev_2' });
      expect(await store.insertToken(pan)).toBe('PAN_TAKEN');
      const second = token({
        tokenUniqueReference: 'DTKMC03',
        taskId: 'task_3',
        tokenPan: '5413330000000027',
      });
      expect(await store.insertToken(second)).toBe('DEVICE_HAS_TOKEN');
      expect(await store.findToken('DTKMC03')).toBeUndefined();
    });

    it('updates by compare-and-set on the version, with the suspendedBy set', async () => {
      const current = (await store.findToken('DTKMC01')) as StoredToken;
      const suspended: StoredToken = {
        ...current,
        status: { state: 'SUSPENDED', suspendedBy: ['CARDHOLDER', 'ISSUER'] },
        atcLastIssued: 40,
        version: current.version + 1,
        updatedAtMs: 5_000,
      };
      expect(await store.updateToken(suspended, current.version)).toBe(true);
      expect(await store.updateToken({ ...suspended, atcLastIssued: 60 }, current.version)).toBe(false);
      expect(await store.findToken('DTKMC01')).toEqual(suspended);
    });

    it('lets a device digitize again once its token is deactivated', async () => {
      const current = (await store.findToken('DTKMC01')) as StoredToken;
      const deactivated = {
        ...current,
        status: { state: 'DEACTIVATED' as const },
        version: current.version + 1,
      };
      expect(await store.updateToken(deactivated, current.version)).toBe(true);
      expect(await store.findLiveTokenByDevice('dev_1')).toBeUndefined();
      const next = token({ tokenUniqueReference: 'DTKMC04', taskId: 'task_4', tokenPan: '5413330000000035' });
      expect(await store.insertToken(next)).toBe('INSERTED');
      expect((await store.findLiveTokenByDevice('dev_1'))?.tokenUniqueReference).toBe('DTKMC04');
    });

    it('keeps the state and suspendedBy consistent in the database itself', async () => {
      await expect(
        handle.db
          .updateTable('ts_tokens')
          .set({ state: 'SUSPENDED', suspended_by: '' })
          .where('token_unique_reference', '=', 'DTKMC04')
          .execute(),
      ).rejects.toThrow();
    });
  });
}
