// The SDK's real counterparts in one process on one virtual clock: the Mastercard token service
// (@tapkit/mastercard buildTokenServiceApp, SQLite in memory) and the Alipay+ Ant server
// (@tapkit/alipayplus buildAntServerApp), talking to each other over signed HTTP on loopback as in
// production. The app's NFCRequestProxy is played by `proxy`: it does what the MPP server does — adds
// the customer id and forwards (token service through fastify.inject, the Ant server's sdkProxy
// operation in process) — and answers null when the test takes the network away.
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  ANT_SERVER_MIGRATIONS,
  type AntServerApp,
  type AntServerDatabase,
  buildAntServerApp,
  MastercardTokensHttp,
} from '@tapkit/alipayplus';
import {
  buildTokenServiceApp,
  openDatabase as openMastercardDb,
  type TokenServiceApp,
} from '@tapkit/mastercard';
import { VirtualClock } from '@tapkit/protocol';
import { generateRsaKeyPair, loadPrivateKey, loadPublicKey } from '@tapkit/protocol/node';
import {
  type NfcIssueConfig,
  type SdkRequestHeader,
  SdkRequestHeaderSchema,
} from '@tapkit/protocol/wire/ant-sdk';
import { openDatabase } from '@tapkit/storage';
import type { FastifyInstance } from 'fastify';
import type { NfcRequestProxy, ProxyRequestType } from '../../src/ports.ts';
import { START_MS, TEST_IMK } from './card-fixture.ts';

function keyPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  const pair = generateRsaKeyPair();
  const privateKey = loadPrivateKey(pair.privateKeyPem);
  const publicKey = loadPublicKey(pair.publicKeyPem);
  if (!privateKey.ok || !publicKey.ok) throw new Error('test keys failed to load');
  return { privateKey: privateKey.value, publicKey: publicKey.value };
}

const alipayKeys = keyPair();
const tokenServiceKeys = keyPair();
const tokenServiceEncryption = generateRsaKeyPair();
const MPP_CLIENT_ID = 'TAPKIT_MPP_SDK_TEST';
const TOKEN_SERVICE_CLIENT_ID = 'MASTERCARD_TS_SDK_TEST';
const ANT_SECRET = 'ant-secret-sdk-tests';
const TOKEN_SERVICE_TYPES = new Set<ProxyRequestType>(['GET_PK', 'APPLY', 'REPLENISH']);

export interface World {
  clock: VirtualClock;
  tokenService: TokenServiceApp;
  ant: AntServerApp;
  proxyFor(customerId: string): NfcRequestProxy;
  /** Proxy types sent so far, in order. */
  calls: ProxyRequestType[];
  /** The sdkRequestHeader of each request, parsed, in the same order. */
  headers: SdkRequestHeader[];
  /** While true every proxy call fails (returns null), as when the phone is offline. */
  offline: boolean;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

export async function startWorld(
  options: {
    secondaryConfirmation?: boolean;
    provisioningDelayMs?: { minMs: number; maxMs: number };
    /** The Ant server's nfc_issue_config for the MPP (none: an empty one). */
    nfcIssueConfig?: NfcIssueConfig;
  } = {},
): Promise<World> {
  const clock = new VirtualClock(START_MS);
  let mastercard: MastercardTokensHttp | undefined;
  const antDb = await openDatabase<AntServerDatabase>(':memory:', { migrations: ANT_SERVER_MIGRATIONS });
  const ant = buildAntServerApp({
    db: antDb,
    clock,
    signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
    mpps: [
      {
        clientId: MPP_CLIENT_ID,
        verifyKeys: new Map(),
        baseUrl: 'http://127.0.0.1:9',
        secondaryConfirmationRequired: options.secondaryConfirmation ?? false,
        ...(options.nfcIssueConfig === undefined ? {} : { nfcIssueConfig: options.nfcIssueConfig }),
      },
    ],
    tokenService: {
      clientId: TOKEN_SERVICE_CLIENT_ID,
      verifyKeys: new Map([['1', tokenServiceKeys.publicKey]]),
      baseUrl: 'http://127.0.0.1:9',
      bearerSecret: ANT_SECRET,
    },
    paymentKnowledge: { findPayment: async () => undefined, recordMppOutcome: async () => undefined },
    // The token service listens only after the Ant server does; bind its client late.
    mastercard: {
      suspend: (tur, reason) => (mastercard as MastercardTokensHttp).suspend(tur, reason),
      unsuspend: (tur, reason) => (mastercard as MastercardTokensHttp).unsuspend(tur, reason),
      delete: (tur) => (mastercard as MastercardTokensHttp).delete(tur),
    },
  });
  const antUrl = await listen(ant.app);
  const tsDb = await openMastercardDb(':memory:');
  const tokenService = await buildTokenServiceApp({
    database: tsDb,
    alipayPlus: {
      http: {
        baseUrl: antUrl,
        clientId: TOKEN_SERVICE_CLIENT_ID,
        signingKey: { key: tokenServiceKeys.privateKey, keyVersion: '1' },
        peerVerifyKeys: new Map([['1', alipayKeys.publicKey]]),
      },
    },
    clock,
    imk: TEST_IMK,
    encryptionKey: { keyId: 'ts-key-1', privateKeyText: tokenServiceEncryption.privateKeyPem },
    mppBearerSecret: null,
    antBearerSecret: ANT_SECRET,
    config: { provisioningDelay: options.provisioningDelayMs ?? { minMs: 20_000, maxMs: 30_000 } },
  });
  const tsUrl = await listen(tokenService.app);
  mastercard = new MastercardTokensHttp({ baseUrl: tsUrl, bearerSecret: ANT_SECRET, timeoutMs: 5_000 });
  const world: World = {
    clock,
    tokenService,
    ant,
    calls: [],
    headers: [],
    offline: false,
    proxyFor: (customerId) => ({
      async sendRequest(type, body, header) {
        world.calls.push(type);
        world.headers.push(SdkRequestHeaderSchema.parse(JSON.parse(header)));
        if (world.offline) return null;
        if (TOKEN_SERVICE_TYPES.has(type)) {
          const response = await tokenService.app.inject({
            method: 'POST',
            url: '/mdes/v1/sdk',
            payload: { customerId, type, body, header },
          });
          return response.statusCode === 200 ? (response.json() as { body: string }).body : null;
        }
        const answer = await ant.ant.handleSdkProxy(MPP_CLIENT_ID, {
          customerId,
          sdkRequestType: type,
          sdkRequestHeader: header,
          sdkRequestBody: body,
        });
        return answer.result.resultStatus === 'S' ? (answer.sdkResponseBody ?? null) : null;
      },
    }),
    async close() {
      await tokenService.close();
      await mastercard?.close();
      await ant.close();
      await tsDb.close();
      await antDb.close();
    },
  };
  return world;
}

/**
 * Runs `promise` to completion while moving the virtual clock: between steps it lets real I/O (loopback
 * HTTP) progress, then advances to the next timer, at most `stepMs` at a time. The step bound is far
 * above any test (each step waits at least 1 ms of real time), so a slow machine hits the test timeout,
 * not a silent stop of the clock.
 */
export async function drive<T>(
  clock: VirtualClock,
  promise: Promise<T>,
  stepMs = 500,
  stepCountMax = 5_000,
): Promise<T> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let step = 0; step < stepCountMax && !settled; step++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
    if (settled) break;
    const dueMs = clock.nextTimerDueMs();
    if (dueMs !== undefined) await clock.advanceMs(Math.min(stepMs, Math.max(0, dueMs - clock.nowMs())));
  }
  return promise;
}
