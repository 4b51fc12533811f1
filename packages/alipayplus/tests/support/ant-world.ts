// The Ant server wired to the REAL Mastercard token service (@tapkit/mastercard's buildTokenServiceApp),
// both on loopback ports with signed HTTP between them, on one virtual clock. The MPP's side is a signed
// client posting sdkProxy; the SDK's side is a stand-in speaking @tapkit/protocol/wire/token-service to the token
// service and @tapkit/protocol/wire/ant-sdk through sdkProxy.
import type { AddressInfo } from 'node:net';
import { hexToBytes } from '@tapkit/emv';
import {
  buildTokenServiceApp,
  openDatabase as openMastercardDb,
  type TokenServiceApp,
} from '@tapkit/mastercard';
import { VirtualClock } from '@tapkit/protocol';
import { generateRsaKeyPair, SignedClient } from '@tapkit/protocol/node';
import { type AntOp, type AntResponse, antResponseSchema } from '@tapkit/protocol/wire/ant-sdk';
import {
  ENVELOPE_CONTEXTS,
  exportPublicKeySpkiBase64,
  generateEnvelopeKeyPair,
  importEncryptionPublicKey,
  sealJson,
} from '@tapkit/protocol/wire/token-service';
import type { DbHandle } from '@tapkit/storage';
import { MastercardTokensHttp } from '../../src/ant/adapters/mastercard-http.ts';
import { type AntServerApp, type AntServerDatabase, buildAntServerApp } from '../../src/ant/app.ts';
import type { MastercardTokenManagement } from '../../src/ant/ports.ts';
import type { KnownPayment, PaymentKnowledge } from '../../src/notify/ports.ts';
import {
  alipayKeys,
  MPP_B_CLIENT_ID,
  MPP_CLIENT_ID,
  mppBKeys,
  mppKeys,
  TOKEN_SERVICE_CLIENT_ID,
  tokenServiceKeys,
} from './keys.ts';

export const ANT_SECRET = 'ant-bearer-secret-for-tests';
const TEST_IMK = hexToBytes('0123456789ABCDEFFEDCBA9876543210');
const encryptionKey = generateRsaKeyPair();

export class MemoryKnowledge implements PaymentKnowledge {
  readonly payments = new Map<string, KnownPayment>();
  readonly news: unknown[] = [];
  put(payment: KnownPayment): void {
    this.payments.set(`${payment.mppClientId}/${payment.paymentRequestId}`, payment);
  }
  async findPayment(mppClientId: string, paymentRequestId: string) {
    return this.payments.get(`${mppClientId}/${paymentRequestId}`);
  }
  async recordMppOutcome(news: unknown) {
    this.news.push(news);
  }
}

export interface AntWorld {
  clock: VirtualClock;
  ant: AntServerApp;
  antUrl: string;
  tokenService: TokenServiceApp;
  tokenServiceUrl: string;
  mpp: SignedClient;
  /** SYNC_TOKEN / NOTIFY / TRANSFER through sdkProxy as `customerId`. */
  sdk<Op extends AntOp>(
    customerId: string,
    type: string,
    body: { op: Op } & Record<string, unknown>,
  ): Promise<AntResponse<Op>>;
  /** The same through the second MPP (its own Client-Id and key). */
  sdkB<Op extends AntOp>(
    customerId: string,
    type: string,
    body: { op: Op } & Record<string, unknown>,
  ): Promise<AntResponse<Op>>;
  newDevice(customerId: string): Promise<TestDevice>;
  /** Stops the token service's HTTP server (Mastercard unavailable from then on). */
  stopTokenService(): Promise<void>;
  close(): Promise<void>;
}

/** The sdkRequestHeader this SDK stand-in sends (the Ant server requires one, doc). */
export const SDK_REQUEST_HEADER =
  '{"sdkVersion":"0.1.0","platform":"node","requestId":"00000000000000000000000000000001"}';

/** MPP A's remote configuration (nfc_issue_config); MPP B has none. */
export const MPP_A_NFC_ISSUE_CONFIG = {
  applyTokenTimes: 12,
  applyTokenInterval: 1_500,
  activateTimes: 5,
  activateInterval: 800,
  isSupportTransit: true,
  asyncAmountLimitSwitch: true,
} as const;

export async function startAntWorld(
  db: DbHandle<AntServerDatabase>,
  options: { secondaryConfirmation?: boolean } = {},
): Promise<AntWorld> {
  const clock = new VirtualClock(Date.now());
  let mastercard: MastercardTokensHttp | undefined;
  // The token service needs the Ant server's URL and the other way round: the Ant server gets the real
  // HTTP adapter through this late binding once the token service listens.
  const late: MastercardTokenManagement = {
    suspend: (tur, reason) => must(mastercard).suspend(tur, reason),
    unsuspend: (tur, reason) => must(mastercard).unsuspend(tur, reason),
    delete: (tur) => must(mastercard).delete(tur),
  };
  const ant = buildAntServerApp({
    db,
    clock,
    signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
    mpps: [
      {
        clientId: MPP_CLIENT_ID,
        verifyKeys: new Map([['1', mppKeys.publicKey]]),
        baseUrl: 'http://127.0.0.1:9',
        secondaryConfirmationRequired: options.secondaryConfirmation ?? false,
        nfcIssueConfig: MPP_A_NFC_ISSUE_CONFIG,
      },
      {
        clientId: MPP_B_CLIENT_ID,
        verifyKeys: new Map([['1', mppBKeys.publicKey]]),
        baseUrl: 'http://127.0.0.1:9',
      },
    ],
    tokenService: {
      clientId: TOKEN_SERVICE_CLIENT_ID,
      verifyKeys: new Map([['1', tokenServiceKeys.publicKey]]),
      baseUrl: 'http://127.0.0.1:9',
      bearerSecret: ANT_SECRET,
    },
    paymentKnowledge: new MemoryKnowledge(),
    mastercard: late,
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
    encryptionKey: { keyId: 'ts-key-1', privateKeyText: encryptionKey.privateKeyPem },
    mppBearerSecret: null,
    antBearerSecret: ANT_SECRET,
    config: { provisioningDelay: { minMs: 0, maxMs: 0 } },
  });
  const tsUrl = await listen(tokenService.app);
  mastercard = new MastercardTokensHttp({ baseUrl: tsUrl, bearerSecret: ANT_SECRET, timeoutMs: 2_000 });
  const mppClient = (clientId: string, key: typeof mppKeys) =>
    new SignedClient({
      baseUrl: antUrl,
      clientId,
      signingKey: { key: key.privateKey, keyVersion: '1' },
      peerVerifyKeys: new Map([['1', alipayKeys.publicKey]]),
      clock,
    });
  const mpp = mppClient(MPP_CLIENT_ID, mppKeys);
  const mppB = mppClient(MPP_B_CLIENT_ID, mppBKeys);
  let tokenServiceOpen = true;
  const stopTokenService = async () => {
    if (!tokenServiceOpen) return;
    tokenServiceOpen = false;
    await tokenService.close();
  };
  return {
    clock,
    ant,
    antUrl,
    tokenService,
    tokenServiceUrl: tsUrl,
    mpp,
    sdk: (customerId, type, body) => sdkVia(mpp, customerId, type, body),
    sdkB: (customerId, type, body) => sdkVia(mppB, customerId, type, body),
    newDevice: async (customerId) => {
      const device = new TestDevice(directTransport(tokenService, customerId));
      await device.register();
      return device;
    },
    stopTokenService,
    async close() {
      await stopTokenService();
      await mpp.close();
      await mppB.close();
      await mastercard?.close();
      await ant.close();
      await tsDb.close();
    },
  };
}

async function sdkVia<Op extends AntOp>(
  client: SignedClient,
  customerId: string,
  type: string,
  body: { op: Op } & Record<string, unknown>,
): Promise<AntResponse<Op>> {
  const outcome = await client.callApi('sdkProxy', {
    customerId,
    sdkRequestType: type,
    sdkRequestHeader: SDK_REQUEST_HEADER,
    sdkRequestBody: JSON.stringify(body),
  });
  if (outcome.kind !== 'answered') throw new Error(`sdkProxy: ${outcome.reason} ${outcome.detail}`);
  if (outcome.response.result.resultStatus !== 'S')
    throw new Error(`sdkProxy: ${outcome.response.result.resultCode}`);
  return antResponseSchema(body.op).parse(
    JSON.parse(outcome.response.sdkResponseBody ?? 'null'),
  ) as AntResponse<Op>;
}

function must<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the token service is not wired yet');
  return value;
}

async function listen(app: AntServerApp['app']): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** The SDK's token-service side, as packages/mastercard's tests drive it. */
/** How the stand-in SDK reaches the token service: `(type, body text)` in, the answer's body text out. */
export type SdkTransport = (type: string, body: string) => Promise<string>;

/** Straight to the token service, as the MPP server's proxy would forward for `customerId`. */
export function directTransport(tokenService: TokenServiceApp, customerId: string): SdkTransport {
  return async (type, body) => {
    const response = await tokenService.app.inject({
      method: 'POST',
      url: '/mdes/v1/sdk',
      payload: { customerId, type, body },
    });
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${response.body}`);
    return (response.json() as { body: string }).body;
  };
}

export class TestDevice {
  deviceId = '';
  constructor(private readonly transport: SdkTransport) {}

  async send(
    type: string,
    body: object,
  ): Promise<{ ok: boolean; value?: Record<string, unknown>; error?: { code: string } }> {
    return JSON.parse(await this.transport(type, JSON.stringify(body)));
  }

  async ok(type: string, body: object): Promise<Record<string, unknown>> {
    const answer = await this.send(type, body);
    if (!answer.ok || answer.value === undefined)
      throw new Error(`${JSON.stringify(body)} failed: ${answer.error?.code}`);
    return answer.value;
  }

  async register(): Promise<void> {
    const keys = await generateEnvelopeKeyPair();
    const key = await this.ok('GET_PK', { action: 'GET_PUBLIC_KEY' });
    const serviceKey = await importEncryptionPublicKey(String(key.publicKey));
    if (!serviceKey.ok) throw new Error(serviceKey.error.message);
    const registration = await sealJson({
      publicKey: serviceKey.value,
      context: ENVELOPE_CONTEXTS.registration,
      value: {
        nonce: key.registrationNonce,
        devicePublicKey: await exportPublicKeySpkiBase64(keys.publicKey),
        deviceFingerprint: 'fp-ant-test',
      },
    });
    const registered = await this.ok('GET_PK', { action: 'REGISTER_DEVICE', keyId: key.keyId, registration });
    this.deviceId = String(registered.deviceId);
  }

  /** DIGITIZE: the token service asks Alipay+ (authorizeService) before creating the token. */
  digitize() {
    return this.send('APPLY', { action: 'DIGITIZE', deviceId: this.deviceId });
  }

  /** PROVISION then NOTIFY_PROVISION_RESULT SUCCESS: the token becomes ACTIVE at Mastercard. */
  async provisionAndActivate(taskId: string, tokenUniqueReference: string): Promise<void> {
    await this.ok('APPLY', { action: 'PROVISION', deviceId: this.deviceId, taskId });
    await this.ok('APPLY', {
      action: 'NOTIFY_PROVISION_RESULT',
      deviceId: this.deviceId,
      tokenUniqueReference,
      result: 'SUCCESS',
    });
  }
}
