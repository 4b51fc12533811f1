// Builds the token service alone, or the whole Mastercard counterpart (createMastercard), on a test
// engine with a virtual clock and Alipay+ doubles.
import { createPrivateKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hexToBytes } from '@tapkit/emv';
import { VirtualClock } from '@tapkit/protocol';
import { generateRsaKeyPair } from '@tapkit/protocol/node';
import type { DbHandle } from '../../src/adapters/db/open.ts';
import type { ClearingFileDelivery } from '../../src/clearing/index.ts';
import { createMastercard, type Mastercard } from '../../src/compose.ts';
import { silentLogger } from '../../src/network/logger.ts';
import { buildTokenServiceApp, type TokenServiceApp } from '../../src/token-service/app.ts';
import type { TokenServiceConfig } from '../../src/token-service/service.ts';
import { ANT_SECRET, MPP_SECRET, TestDevice } from './device.ts';
import { FakeIssuer, RecordingNotifier } from './doubles.ts';
import type { TestEngine } from './engines.ts';

/** The IMK-AC of the public vectors (packages/emv/tests/fixtures/emv-vectors.json). */
export const TEST_IMK = hexToBytes('0123456789ABCDEFFEDCBA9876543210');
/** 25 Nov 2026, 12:00 UTC. */
export const START_MS = Date.UTC(2026, 10, 25, 12);

// One RSA key for every test file run: generating RSA-2048 keys is the slow part of these tests.
const serviceKey = generateRsaKeyPair();

export interface TestTokenService extends TokenServiceApp {
  database: DbHandle;
  clock: VirtualClock;
  issuer: FakeIssuer;
  notifier: RecordingNotifier;
  /** Closes the app and the database. */
  stop(): Promise<void>;
}

export async function startTokenService(
  engine: TestEngine,
  config: Partial<TokenServiceConfig> = {},
): Promise<TestTokenService> {
  const database = await engine.open();
  const clock = new VirtualClock(START_MS);
  const issuer = new FakeIssuer();
  const notifier = new RecordingNotifier();
  const built = await buildTokenServiceApp({
    database,
    alipayPlus: { issuer, notifier },
    clock,
    imk: TEST_IMK,
    encryptionKey: { keyId: 'ts-key-1', privateKeyText: serviceKey.privateKeyPem },
    mppBearerSecret: MPP_SECRET,
    antBearerSecret: ANT_SECRET,
    config: { provisioningDelay: { minMs: 0, maxMs: 0 }, ...config },
  });
  return {
    ...built,
    database,
    clock,
    issuer,
    notifier,
    async stop() {
      await built.close();
      await database.close();
    },
  };
}

export interface TestMastercard {
  readonly mastercard: Mastercard;
  readonly clock: VirtualClock;
  readonly issuer: FakeIssuer;
  readonly notifier: RecordingNotifier;
  /** The clearing files the clearing desk delivered. */
  readonly delivered: Parameters<ClearingFileDelivery['clearingFileWritten']>[0][];
  /** Closes the counterpart and the database. */
  stop(): Promise<void>;
}

/**
 * The whole Mastercard counterpart as `tapkit up` builds it (token service, network, expiry tracking,
 * clearing desk on one database), with Alipay+ doubles behind the token service and the issuer
 * processor at `issuerPort`; every server on a free loopback port.
 */
export async function startMastercard(engine: TestEngine, issuerPort: number): Promise<TestMastercard> {
  const database = await engine.open();
  const clock = new VirtualClock(START_MS);
  const issuer = new FakeIssuer();
  const notifier = new RecordingNotifier();
  const delivered: TestMastercard['delivered'] = [];
  try {
    const mastercard = await createMastercard({
      db: database,
      clock,
      host: '127.0.0.1',
      tokenServicePort: 0,
      acquirerPort: 0,
      issuer: { host: '127.0.0.1', port: issuerPort },
      alipayPlus: { issuer, notifier },
      // Signs calls to Alipay+ only; the doubles above take those calls in process.
      signingKey: createPrivateKey(serviceKey.privateKeyPem),
      imk: TEST_IMK,
      encryptionKeyPem: serviceKey.privateKeyPem,
      mppBearerSecret: MPP_SECRET,
      antBearerSecret: ANT_SECRET,
      provisioningDelayMs: { minMs: 0, maxMs: 0 },
      // Only closing the business day writes there, which these tests do not do.
      clearingDir: join(tmpdir(), 'tapkit-mastercard-test-clearing'),
      delivery: { clearingFileWritten: async (file) => void delivered.push(file) },
      logger: silentLogger,
    });
    return {
      mastercard,
      clock,
      issuer,
      notifier,
      delivered,
      async stop() {
        await mastercard.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}

/**
 * A registered device with an ACTIVE token and its first credentials opened (session keys in clear),
 * for tests that go on to tap: the network's integration test builds 0100s from these.
 */
export async function activateToken(ts: Pick<TokenServiceApp, 'app'>, customerId: string) {
  const device = new TestDevice(ts.app, customerId);
  await device.register();
  const { taskId, tokenUniqueReference } = await device.ok('DIGITIZE', { deviceId: device.deviceId });
  const provisioned = await device.ok('PROVISION', { deviceId: device.deviceId, taskId });
  await device.ok('NOTIFY_PROVISION_RESULT', {
    deviceId: device.deviceId,
    tokenUniqueReference,
    result: 'SUCCESS',
  });
  const credentials = await device.openCredentials(tokenUniqueReference, provisioned.credentials);
  return { device, taskId, tokenUniqueReference, provisioned, credentials };
}
