// The token service and the network together, on every storage engine: a credential the token service
// provisioned (decrypted by the device with its own key) computes an ARQC that the network accepts
// through the token service's TokenDirectory (MK derived from IMK-AC), and a suspension made by the Ant
// server over HTTP reaches the network at once (DE39 57 without asking the issuer). Both are built by
// createMastercard, as `tapkit up` builds them.
import { getText } from '@tapkit/emv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNetwork } from '../src/network/compose.ts';
import type { TokenServiceApp } from '../src/token-service/app.ts';
import { activateToken, startMastercard, type TestMastercard } from './support/app.ts';
import { tapRequest } from './support/card.ts';
import { ANT_SECRET } from './support/device.ts';
import { testEngines } from './support/engines.ts';
import { TestAcquirer, TestIssuer } from './support/iso-peer.ts';

for (const engine of testEngines()) {
  describe(`token service + network [${engine.name}]`, () => {
    let world: TestMastercard;
    let ts: TokenServiceApp;
    let issuer: TestIssuer;
    let network: RunningNetwork;
    let acquirer: TestAcquirer;
    beforeAll(async () => {
      issuer = new TestIssuer();
      // createMastercard waits for the network's issuer link to sign on.
      world = await startMastercard(engine, await issuer.listen());
      ts = world.mastercard.tokenService;
      network = world.mastercard.network;
      acquirer = await TestAcquirer.connect(network.acquirerPort);
    });
    afterAll(async () => {
      acquirer.close();
      await world.stop();
      await issuer.close();
    });

    it('approves taps made with provisioned credentials and declines a suspended token with 57', async () => {
      const { tokenUniqueReference, provisioned, credentials } = await activateToken(ts, 'customer-net');
      const record = await ts.directory.lookupByTokenPan(provisioned.cardProfile.tokenPan);
      if (record === undefined) throw new Error('token not in the directory');
      expect(record).toMatchObject({ state: 'ACTIVE', fundingReference: 'customer-net', psn: '00' });
      const tap = (index: number, stan: string) => {
        const credential = credentials[index];
        if (credential === undefined) throw new Error('no such credential');
        return tapRequest({
          token: record,
          atc: credential.atc,
          sessionKey: credential.sessionKey,
          aip: provisioned.cardProfile.aip,
          amountMinor: 1_250n,
          stan,
        });
      };

      const approved = await acquirer.request(tap(0, '000101'));
      expect(getText(approved, 39)).toBe('00');
      expect(issuer.receivedOf('0100')).toHaveLength(1);
      // One credential's key with another's ATC: the network derives a different session key.
      const [second, third] = [credentials[2], credentials[3]];
      if (second === undefined || third === undefined) throw new Error('batch too small');
      const swapped = tapRequest({
        token: record,
        atc: third.atc,
        sessionKey: second.sessionKey,
        aip: provisioned.cardProfile.aip,
        amountMinor: 1_250n,
        stan: '000103',
      });
      expect(getText(await acquirer.request(swapped), 39)).toBe('88');
      expect(issuer.receivedOf('0100')).toHaveLength(1);

      const suspended = await ts.app.inject({
        method: 'POST',
        url: `/mdes/v1/tokens/${tokenUniqueReference}/suspend`,
        headers: { authorization: `Bearer ${ANT_SECRET}` },
        payload: { reason: 'CARDHOLDER' },
      });
      expect(suspended.statusCode).toBe(200);
      const locked = await acquirer.request(tap(1, '000102'));
      expect(getText(locked, 39)).toBe('57');
      expect(issuer.receivedOf('0100')).toHaveLength(1);
    });
  });
}
