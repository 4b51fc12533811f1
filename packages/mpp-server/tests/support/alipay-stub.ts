import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  type Clock,
  type NotifyPaymentRequest,
  type ResultCode,
  result,
  type SdkProxyRequest,
} from '@tapkit/protocol';
import { generateRsaKeyPair, registerSignedApi, SignedClient } from '@tapkit/protocol/node';
import Fastify from 'fastify';

// A stand-in for Alipay+'s side of notifyPayment and sdkProxy: a real signed Fastify endpoint built with
// registerSignedApi, which records every request it got and answers as the test's `mode` says. Keys are
// generated once per test file that imports this module.

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

function pair(): KeyPair {
  const generated = generateRsaKeyPair();
  return {
    privateKey: createPrivateKey(generated.privateKeyPem),
    publicKey: createPublicKey(generated.publicKeyPem),
    privateKeyPem: generated.privateKeyPem,
    publicKeyPem: generated.publicKeyPem,
  };
}

export const MPP_CLIENT_ID = 'TAPKIT_MPP_TEST';
export const mppKeys = pair();
export const alipayKeys = pair();

/** ack_S / ack_F / ack_U: a signed answer with that status; hang: no answer until released; unsigned: 200 JSON without signature. */
export type StubMode =
  | 'ack_S'
  | 'ack_F'
  | 'ack_U'
  | 'ack_PROCESS_FAIL'
  | 'ack_REPEAT_REQ_INCONSISTENT'
  | 'hang'
  | 'unsigned';

export interface ReceivedCall {
  readonly api: 'notifyPayment' | 'sdkProxy';
  readonly body: NotifyPaymentRequest | SdkProxyRequest;
  readonly raw: string;
}

export interface AlipayStub {
  readonly url: string;
  readonly received: ReceivedCall[];
  mode: StubMode;
  /** The sdkResponseBody of sdkProxy answers (ack_S). */
  sdkResponseBody: string;
  /** Lets every hung request answer (as ack_S). */
  releaseHung(): void;
  close(): Promise<void>;
}

export async function startAlipayStub(clock: Clock): Promise<AlipayStub> {
  const app = Fastify({ logger: false });
  const gates: (() => void)[] = [];
  const stub: AlipayStub = {
    url: '',
    received: [],
    mode: 'ack_S',
    sdkResponseBody: '{"answer":"from-ant-server"}',
    releaseHung() {
      for (const open of gates.splice(0)) open();
    },
    async close() {
      stub.releaseHung();
      await app.close();
    },
  };
  // Runs before the signed scope's own handling: an "unsigned" answer is what a broken or hostile peer sends.
  app.addHook('onRequest', async (_request, reply) => {
    if (stub.mode !== 'unsigned') return;
    await reply
      .code(200)
      .header('content-type', 'application/json')
      .send(JSON.stringify({ result: result('SUCCESS'), sdkResponseBody: stub.sdkResponseBody }));
  });
  const router = registerSignedApi(app, {
    resolvePeer: (clientId) =>
      clientId === MPP_CLIENT_ID
        ? {
            clientId,
            verifyKeys: new Map([['1', mppKeys.publicKey]]),
            signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
          }
        : undefined,
    defaultSigningKey: { key: alipayKeys.privateKey, keyVersion: '1' },
    clock,
  });
  const answer = async (api: ReceivedCall['api'], body: ReceivedCall['body']) => {
    stub.received.push({ api, body, raw: JSON.stringify(body) });
    if (stub.mode === 'hang') await new Promise<void>((resolve) => gates.push(resolve));
    const codes = {
      ack_F: 'PARAM_ILLEGAL',
      ack_U: 'UNKNOWN_EXCEPTION',
      ack_PROCESS_FAIL: 'PROCESS_FAIL',
      ack_REPEAT_REQ_INCONSISTENT: 'REPEAT_REQ_INCONSISTENT',
    } as const;
    const code: ResultCode = stub.mode in codes ? codes[stub.mode as keyof typeof codes] : 'SUCCESS';
    return {
      result: { ...result(code) },
      ...(api === 'sdkProxy' && code === 'SUCCESS' ? { sdkResponseBody: stub.sdkResponseBody } : {}),
    };
  };
  router.route('notifyPayment', (body) => answer('notifyPayment', body));
  router.route('sdkProxy', (body) => answer('sdkProxy', body));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return Object.assign(stub, { url: address });
}

/** The MPP's signed client to the stub, with short timeouts so "no answer" tests take a moment, not 5 s. */
export function mppClient(url: string, clock: Clock, timeoutMs = 400): SignedClient {
  return new SignedClient({
    baseUrl: url,
    clientId: MPP_CLIENT_ID,
    signingKey: { key: mppKeys.privateKey, keyVersion: '1' },
    peerVerifyKeys: new Map([['1', alipayKeys.publicKey]]),
    clock,
    timeoutsMs: { notifyPayment: timeoutMs, sdkProxy: timeoutMs },
  });
}
