// The network against the real token service, on every storage engine: a device registers, digitizes
// and is provisioned over HTTP (fastify.inject); its credentials' session keys compute the ARQCs of
// 0100s sent over real TCP; the network checks them through the token service's TokenDirectory and
// keeps its ATC ledger, authorization log and advices in the same database.
import { DE48_SUBELEMENT, getSubelements, getText } from '@tapkit/emv';
import type { Kysely } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KyselyAtcLedger } from '../src/network/adapters/atc-ledger-kysely.ts';
import { migrateNetworkSchema } from '../src/network/adapters/migrations.ts';
import { KyselyAdviceStore, KyselyAuthorizationLog } from '../src/network/adapters/network-store-kysely.ts';
import { type RunningNetwork, startNetwork } from '../src/network/compose.ts';
import { silentLogger } from '../src/network/logger.ts';
import { noNetworkEvents } from '../src/network/ports.ts';
import type { TokenRecord } from '../src/ports.ts';
import { activateToken, startTokenService, type TestTokenService } from './support/app.ts';
import { tapRequest } from './support/card.ts';
import { ANT_SECRET, type OpenedCredential } from './support/device.ts';
import { testEngines } from './support/engines.ts';
import { TestAcquirer, TestIssuer } from './support/iso-peer.ts';

for (const engine of testEngines()) {
  describe(`network with the token service [${engine.name}]`, () => {
    let ts: TestTokenService;
    let issuer: TestIssuer;
    let network: RunningNetwork;
    let acquirer: TestAcquirer;
    let token: TokenRecord;
    let aip: string;
    let credentials: OpenedCredential[];

    beforeEach(async () => {
      ts = await startTokenService(engine);
      const db = ts.database.db as unknown as Kysely<unknown>;
      await migrateNetworkSchema(db);
      const activated = await activateToken(ts, 'customer-7');
      const { provisioned } = activated;
      credentials = activated.credentials;
      aip = provisioned.cardProfile.aip;
      const record = await ts.directory.lookupByTokenPan(provisioned.cardProfile.tokenPan);
      if (record === undefined) throw new Error('provisioned token not in the directory');
      token = record;

      issuer = new TestIssuer();
      network = await startNetwork({
        issuer: { host: '127.0.0.1', port: await issuer.listen() },
        acquirer: { port: 0 },
        tokens: ts.directory,
        atcLedger: new KyselyAtcLedger(db),
        authorizations: new KyselyAuthorizationLog(db),
        adviceStore: new KyselyAdviceStore(db),
        clock: ts.clock,
        logger: silentLogger,
        events: noNetworkEvents,
      });
      acquirer = await TestAcquirer.connect(network.acquirerPort);
      await vi.waitFor(() => expect(network.issuerLink.isConnected()).toBe(true));
    });

    afterEach(async () => {
      acquirer.close();
      await network.stop();
      await issuer.close();
      await ts.stop();
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
