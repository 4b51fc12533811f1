// The network against the real token service, on every storage engine, both built by createMastercard
// as `tapkit up` builds them: a device registers, digitizes and is provisioned over HTTP
// (fastify.inject); its credentials' session keys compute the ARQCs of 0100s sent over real TCP; the
// network checks them through the token service's TokenDirectory and keeps its ATC ledger,
// authorization log and advices in the same database.
import { DE48_SUBELEMENT, getSubelements, getText } from '@tapkit/emv';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunningNetwork } from '../src/network/compose.ts';
import type { TokenRecord } from '../src/ports.ts';
import type { TokenServiceApp } from '../src/token-service/app.ts';
import { activateToken, startMastercard, type TestMastercard } from './support/app.ts';
import { tapRequest } from './support/card.ts';
import { ANT_SECRET, type OpenedCredential } from './support/device.ts';
import { testEngines } from './support/engines.ts';
import { TestAcquirer, TestIssuer } from './support/iso-peer.ts';

for (const engine of testEngines()) {
  describe(`network with the token service [${engine.name}]`, () => {
    let world: TestMastercard;
    let ts: TokenServiceApp;
    let issuer: TestIssuer;
    let network: RunningNetwork;
    let acquirer: TestAcquirer;
    let token: TokenRecord;
    let aip: string;
    let credentials: OpenedCredential[];

    beforeEach(async () => {
      issuer = new TestIssuer();
      // createMastercard waits for the network's issuer link to sign on, so later counts see only the
      // test's messages.
      world = await startMastercard(engine, await issuer.listen());
      ts = world.mastercard.tokenService;
      network = world.mastercard.network;
      const activated = await activateToken(ts, 'customer-7');
      const { provisioned } = activated;
      credentials = activated.credentials;
      aip = provisioned.cardProfile.aip;
      const record = await ts.directory.lookupByTokenPan(provisioned.cardProfile.tokenPan);
      if (record === undefined) throw new Error('provisioned token not in the directory');
      token = record;
      acquirer = await TestAcquirer.connect(network.acquirerPort);
    });

    afterEach(async () => {
      acquirer.close();
      await world.stop();
      await issuer.close();
    });

    function tap(credential: OpenedCredential | undefined, stan: string) {
      if (credential === undefined) throw new Error('no credential left');
      return tapRequest({
        token,
        atc: credential.atc,
        sessionKey: credential.sessionKey,
        aip,
        amountMinor: 1_250n,
        stan,
      });
    }

    it('approves a tap made with a provisioned credential and forwards the funding reference', async () => {
      const response = await acquirer.request(tap(credentials[0], '000001'));
      expect(getText(response, 39)).toBe('00');
      const forwarded = issuer.receivedOf('0100');
      expect(forwarded).toHaveLength(1);
      const references = new Map(
        (getSubelements(forwarded[0]!) ?? []).map((element) => [element.id, element.value]),
      );
      expect(references.get(DE48_SUBELEMENT.FUNDING_REFERENCE)).toBe('customer-7');
      expect(references.get(DE48_SUBELEMENT.TOKEN_UNIQUE_REFERENCE)).toBe(token.tokenUniqueReference);
      // The authorization is in the durable log, for reversals and clearing.
      const traceId = getText(response, 63) ?? '';
      expect((await network.authorizations.findByTraceId(traceId))?.fundingReference).toBe('customer-7');
    });

    it('declines the same credential used twice (05) and a cryptogram of another ATC (88)', async () => {
      expect(getText(await acquirer.request(tap(credentials[1], '000002')), 39)).toBe('00');
      expect(getText(await acquirer.request(tap(credentials[1], '000003')), 39)).toBe('05');
      const [a, b] = [credentials[2], credentials[3]];
      if (a === undefined || b === undefined) throw new Error('credentials missing');
      // ATC of one credential, session key of another: the network derives a different key.
      const mixed = tap({ atc: a.atc, sessionKey: b.sessionKey }, '000004');
      expect(getText(await acquirer.request(mixed), 39)).toBe('88');
      expect(issuer.receivedOf('0100')).toHaveLength(1);
    });

    it('answers 57 once the Ant server suspended the token, without reaching the issuer', async () => {
      const suspended = await ts.app.inject({
        method: 'POST',
        url: `/mdes/v1/tokens/${token.tokenUniqueReference}/suspend`,
        headers: { authorization: `Bearer ${ANT_SECRET}` },
        payload: { reason: 'CARDHOLDER' },
      });
      expect(suspended.statusCode).toBe(200);
      expect(getText(await acquirer.request(tap(credentials[4], '000005')), 39)).toBe('57');
      expect(issuer.received).toHaveLength(0);
    });
  });
}
