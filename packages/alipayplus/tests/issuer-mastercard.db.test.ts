import { type FieldValue, getText } from '@tapkit/emv';
import {
  type AuthorizationEntry,
  formatOriginalDataElements,
  InMemoryAtcLedger,
  InMemoryAuthorizationLog,
  noNetworkEvents,
  type RunningNetwork,
  silentLogger,
  startNetwork,
  type TokenRecord,
} from '@tapkit/mastercard';
import { testEngines } from '@tapkit/storage/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { issuerMigrations } from '../src/issuer/adapters/db/migrations.ts';
import type { IssuerDatabase } from '../src/issuer/adapters/db/schema.ts';
import {
  authorizationFields,
  CUSTOMER,
  MERCHANT,
  NetworkPeer,
  openEngine,
  startWorld,
  TOKEN,
  type World,
} from './support/issuer-world.ts';

// The real Mastercard network (packages/mastercard) in front of the issuer processor: checks that the two
// agree on the wire (sign-on, DE48 references, DE63 trace ids, DE90 reversals, incrementals' DE48 04).
// Taps with a cryptogram need the token service's keys; these flows use what comes without one:
// a refund authorization, an incremental on an open authorization, and reversals.

const TOKEN_PAN = '5413330000000019';
const token: TokenRecord = {
  tokenPan: TOKEN_PAN,
  state: 'ACTIVE',
  tokenUniqueReference: TOKEN,
  fundingReference: CUSTOMER,
  psn: '00',
  expiry: '2911',
};

describe.each(testEngines<IssuerDatabase>(issuerMigrations))(
  'network -> issuer processor on $name',
  (engine) => {
    let world: World;
    let closeDb: () => Promise<void>;
    let network: RunningNetwork;
    let acquirer: NetworkPeer;
    const log = new InMemoryAuthorizationLog();

    beforeEach(async () => {
      const handle = await openEngine(engine);
      closeDb = () => handle.close();
      world = await startWorld(handle);
      network = await startNetwork({
        issuer: { host: '127.0.0.1', port: world.issuer.port },
        acquirer: { port: 0 },
        tokens: {
          lookupByTokenPan: async (pan) => (pan === TOKEN_PAN ? token : undefined),
          iccMasterKey: async () => new Uint8Array(16),
        },
        atcLedger: new InMemoryAtcLedger(),
        clock: world.clock,
        logger: silentLogger,
        events: noNetworkEvents,
        authorizations: log,
      });
      acquirer = await NetworkPeer.connect(network.acquirerPort);
    });

    afterEach(async () => {
      acquirer.close();
      await network.stop();
      await world.close();
      await closeDb();
    });

    const acquirerFields = (extra: [number, FieldValue][]) =>
      new Map<number, FieldValue>([
        [2, TOKEN_PAN],
        [3, '000000'],
        [7, '1125030000'],
        [32, '123456'],
        [37, '000000000777'],
        [41, 'TERM0001'],
        [42, MERCHANT],
        [49, '344'],
        ...extra,
      ]);

    it('incremental and full reversal through the network: pay INCREMENTAL, then both payments cancelled', async () => {
      const trace = 'T00000000000000000A01';
      expect(
        getText(
          await world.peer.send(
            '0100',
            authorizationFields({ trace, amountMinor: 1000n, type: 'PRE_AUTHORIZATION' }),
          ),
          39,
        ),
      ).toBe('00');
      const entry: AuthorizationEntry = {
        networkTraceId: trace,
        acquirerKey: '123456|000001|1125020000',
        tokenUniqueReference: TOKEN,
        fundingReference: CUSTOMER,
        processingCode: '000000',
        amountMinor: 1000n,
        currencyNumeric: '344',
        type: 'PRE_AUTHORIZATION',
        responseCode: '00',
        approvalCode: 'A1B2C3',
        standIn: false,
        authorizedAtMs: world.clock.nowMs(),
        originalNetworkTraceId: undefined,
        merchantId: MERCHANT,
        terminalId: 'TERM0001',
      };
      await log.save(entry);
      const incremental = await acquirer.send(
        '0100',
        acquirerFields([
          [4, '000000000500'],
          [61, 'INCREMENTAL'],
          [63, trace],
        ]),
      );
      expect(getText(incremental, 39)).toBe('00');
      const incrementTrace = getText(incremental, 63) ?? '';
      expect(incrementTrace).not.toBe(trace);
      expect(await world.balance()).toBe(8500n);
      expect((await world.issuer.processor.getAuthorization(incrementTrace))?.networkTraceId).toBe(trace);
      const original = formatOriginalDataElements({
        mti: '0100',
        stan: '000001',
        transmissionDateTime: '1125020000',
        acquirerId: '123456',
      });
      const reversal = await acquirer.send(
        '0400',
        acquirerFields([
          [4, '000000001000'],
          [90, original],
        ]),
      );
      expect(getText(reversal, 39)).toBe('00');
      await world.settle();
      expect(world.calls('cancelPayment')).toBe(2);
      expect(await world.balance()).toBe(10_000n);
      expect(await world.issuer.processor.getAuthorization(trace)).toMatchObject({
        state: 'REVERSED',
        authorizedMinor: 1500n,
      });
    });

    it('a refund authorization (DE3 = 20, no cryptogram) is forwarded with the references and approved', async () => {
      const answer = await acquirer.send(
        '0100',
        acquirerFields([
          [3, '200000'],
          [4, '000000000300'],
          [61, 'FINAL'],
        ]),
      );
      expect(getText(answer, 39)).toBe('00');
      const trace = getText(answer, 63) ?? '';
      expect(await world.issuer.processor.getAuthorization(trace)).toMatchObject({
        type: 'REFUND',
        tokenUniqueReference: TOKEN,
        customerId: CUSTOMER,
        merchantId: MERCHANT,
      });
      expect(world.calls('pay')).toBe(0);
    });
  },
);
