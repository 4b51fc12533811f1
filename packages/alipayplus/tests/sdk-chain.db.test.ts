// The whole SDK request chain over real sockets: a logged-in wallet app posts to the REAL MPP server's NFC
// proxy, which forwards GET_PK / APPLY to the real Mastercard token service and SYNC_TOKEN to this Ant
// server over signed sdkProxy (the MPP identified by its Client-Id); the token service asks the Ant server
// to approve the digitization. Lock goes MPP → Ant → Mastercard and back.
import type { MppServerHandle } from '@tapkit/mpp-server';
import type { DbHandle } from '@tapkit/storage';
import { testEngines } from '@tapkit/storage/testing';
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANT_SERVER_MIGRATIONS, type AntServerDatabase } from '../src/ant/app.ts';
import { type AntWorld, SDK_REQUEST_HEADER, startAntWorld, TestDevice } from './support/ant-world.ts';
import { MPP_CLIENT_ID } from './support/keys.ts';
import { startRealMpp } from './support/mpp.ts';

const user = { username: 'alice', password: 'alice-password', customerId: 'cust-alice', currencies: ['HKD'] };

for (const engine of testEngines<AntServerDatabase>(ANT_SERVER_MIGRATIONS)) {
  describe(`SDK chain: app → MPP server → Ant server / token service (${engine.name})`, () => {
    let db: DbHandle<AntServerDatabase> | undefined;
    let world: AntWorld | undefined;
    let mpp: MppServerHandle | undefined;

    beforeEach(async () => {
      db = await engine.open();
      world = await startAntWorld(db);
      mpp = await startRealMpp({
        alipayPlusUrl: world.antUrl,
        tokenServiceUrl: world.tokenServiceUrl,
        users: [user],
      });
    });
    afterEach(async () => {
      await mpp?.close();
      await world?.close();
      await db?.close();
    });

    async function appSession(): Promise<(type: string, body: string) => Promise<string>> {
      const login = await request(`${mpp?.url}/app/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user.username, password: user.password }),
      });
      const { token } = (await login.body.json()) as { token: string };
      return async (type, body) => {
        const answer = await request(`${mpp?.url}/app/v1/nfc/proxy`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ type, body, header: SDK_REQUEST_HEADER }),
        });
        const json = (await answer.body.json()) as { body?: string; error?: { code: string } };
        if (answer.statusCode !== 200 || json.body === undefined)
          throw new Error(`proxy ${type}: ${JSON.stringify(json)}`);
        return json.body;
      };
    }

    it('activates and locks a token through the MPP server', async () => {
      const proxy = await appSession();
      const sync = async (body: object) => JSON.parse(await proxy('SYNC_TOKEN', JSON.stringify(body)));
      expect(await sync({ op: 'STATUS' })).toEqual({
        ok: true,
        value: { customerStatus: 'ACTIVE', tokens: [] },
      });

      const device = new TestDevice(proxy);
      await device.register();
      const digitized = await device.digitize();
      expect(digitized.ok).toBe(true);
      const { taskId, tokenUniqueReference } = digitized.value as {
        taskId: string;
        tokenUniqueReference: string;
      };
      expect(await world?.ant.lookupTokenOwner(tokenUniqueReference)).toEqual({
        mppClientId: MPP_CLIENT_ID,
        customerId: user.customerId,
      });
      await device.provisionAndActivate(taskId, tokenUniqueReference);
      await world?.tokenService.service.drainNotifications();
      expect(await sync({ op: 'ACTIVATE', tokenUniqueReference })).toMatchObject({
        ok: true,
        value: { tokenState: 'ACTIVE', paymentAllowed: true },
      });

      expect(await sync({ op: 'LOCK', tokenUniqueReference })).toMatchObject({
        ok: true,
        value: { tokenState: 'SUSPENDED', lockedByCardholder: true, paymentAllowed: false },
      });
      expect(await world?.tokenService.service.getToken(tokenUniqueReference)).toMatchObject({
        ok: true,
        value: { state: 'SUSPENDED', suspendedBy: ['CARDHOLDER'] },
      });
    });
  });
}
