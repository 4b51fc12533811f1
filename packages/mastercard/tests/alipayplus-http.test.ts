// The Alipay+ adapter (authorizeService, notifyTokenUpdated) against a small signed Alipay+ stand-in on
// a real loopback port: requests arrive signed by the Mastercard key over the exact bytes; answers
// count only when signed by Alipay+.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { contentToSign, formatRequestTime, formatSignatureHeader, VirtualClock } from '@tapkit/protocol';
import { generateRsaKeyPair, signContentAsync, verifySignedMessage } from '@tapkit/protocol/node';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlipayPlusTokenClient } from '../src/token-service/adapters/alipayplus-http.ts';
import {
  AuthorizeServiceRequestSchema,
  ISSUER_API_PATHS,
  NotifyTokenUpdatedRequestSchema,
} from '../src/token-service/issuer-api.ts';

const CLIENT_ID = 'MASTERCARD_TAPKIT';
const mastercardKeys = generateRsaKeyPair();
const alipayKeys = generateRsaKeyPair();
const wrongKeys = generateRsaKeyPair();
const NOW_MS = Date.UTC(2026, 10, 25, 12);

interface Behaviour {
  answer: object;
  signWith: KeyObject;
  status: number;
}

async function startAlipayPlus(behaviour: Behaviour, received: object[]): Promise<FastifyInstance> {
  const app = Fastify();
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const mastercardPublic = createPublicKey(mastercardKeys.publicKeyPem);
  for (const path of Object.values(ISSUER_API_PATHS)) {
    app.post(path, async (request, reply) => {
      const rawBody = request.body as Buffer;
      const verified = verifySignedMessage(
        {
          method: 'POST',
          path: request.url,
          headers: request.headers,
          rawBody,
          resolvePeer: (id) =>
            id === CLIENT_ID ? { clientId: id, verifyKeys: new Map([['1', mastercardPublic]]) } : undefined,
          nowMs: NOW_MS,
        },
        'request-time',
      );
      if (!verified.ok) return reply.code(401).send(verified.error);
      const schema =
        path === ISSUER_API_PATHS.authorizeService
          ? AuthorizeServiceRequestSchema
          : NotifyTokenUpdatedRequestSchema;
      received.push(schema.parse(JSON.parse(rawBody.toString('utf8'))));
      const bytes = Buffer.from(JSON.stringify(behaviour.answer));
      const time = formatRequestTime(NOW_MS);
      const content = contentToSign({
        method: 'POST',
        path: request.url,
        clientId: CLIENT_ID,
        time,
        body: bytes,
      });
      const signature = await signContentAsync(content, behaviour.signWith);
      return reply
        .code(behaviour.status)
        .header('content-type', 'application/json; charset=UTF-8')
        .header('client-id', CLIENT_ID)
        .header('response-time', time)
        .header('signature', formatSignatureHeader({ keyVersion: '1', signature }))
        .send(bytes);
    });
  }
  await app.listen({ host: '127.0.0.1', port: 0 });
  return app;
}

const success = { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success.' };
const input = {
  requestId: 'authz_1',
  customerId: 'customer-1',
  tokenUniqueReference: 'DTKMC01',
  deviceInfo: { deviceId: 'dev_1', deviceFingerprint: 'fp' },
};

describe('Alipay+ token APIs over signed HTTP', () => {
  const behaviour: Behaviour = {
    answer: {},
    signWith: createPrivateKey(alipayKeys.privateKeyPem),
    status: 200,
  };
  const received: object[] = [];
  let server: FastifyInstance;
  let client: AlipayPlusTokenClient;
  beforeAll(async () => {
    server = await startAlipayPlus(behaviour, received);
    const address = server.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    client = new AlipayPlusTokenClient({
      baseUrl: `http://127.0.0.1:${address.port}`,
      clientId: CLIENT_ID,
      signingKey: { key: createPrivateKey(mastercardKeys.privateKeyPem), keyVersion: '1' },
      peerVerifyKeys: new Map([['1', createPublicKey(alipayKeys.publicKeyPem)]]),
      clock: new VirtualClock(NOW_MS),
    });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('sends a signed authorizeService and reads each decision', async () => {
    for (const decision of ['APPROVED', 'DECLINED', 'REQUIRE_ADDITIONAL_AUTHENTICATION'] as const) {
      behaviour.answer = { result: success, decision };
      expect(await client.authorizeService(input)).toEqual({ kind: 'decided', decision });
    }
    expect(received.at(-1)).toEqual(input);
  });

  it('takes a failed result as a decline and U as unknown', async () => {
    behaviour.answer = { result: { resultCode: 'USER_NOT_EXIST', resultStatus: 'F', resultMessage: 'no' } };
    expect(await client.authorizeService(input)).toEqual({ kind: 'decided', decision: 'DECLINED' });
    behaviour.answer = {
      result: { resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U', resultMessage: 'later' },
    };
    expect((await client.authorizeService(input)).kind).toBe('unknown');
  });

  it('trusts no answer that is badly signed, not 200 or malformed', async () => {
    behaviour.answer = { result: success, decision: 'APPROVED' };
    behaviour.signWith = createPrivateKey(wrongKeys.privateKeyPem);
    expect(await client.authorizeService(input)).toMatchObject({
      kind: 'unknown',
      detail: expect.stringContaining('INVALID_SIGNATURE'),
    });
    behaviour.signWith = createPrivateKey(alipayKeys.privateKeyPem);
    behaviour.status = 500;
    expect(await client.authorizeService(input)).toMatchObject({
      kind: 'unknown',
      detail: expect.stringContaining('HTTP 500'),
    });
    behaviour.status = 200;
    behaviour.answer = { result: success }; // S without a decision
    expect((await client.authorizeService(input)).kind).toBe('unknown');
  });

  it('notifies token updates and reports delivery', async () => {
    behaviour.answer = { result: success };
    const update = {
      tokenUniqueReference: 'DTKMC01',
      customerId: 'customer-1',
      state: 'SUSPENDED' as const,
      suspendedBy: ['CARDHOLDER' as const],
      reason: 'SUSPENDED' as const,
      eventTimeMs: NOW_MS,
    };
    expect(await client.notifyTokenUpdated(update)).toEqual({ delivered: true });
    expect(received.at(-1)).toEqual({
      tokenUniqueReference: 'DTKMC01',
      customerId: 'customer-1',
      tokenState: 'SUSPENDED',
      suspendedBy: ['CARDHOLDER'],
      reason: 'SUSPENDED',
      eventTime: '2026-11-25T20:00:00+08:00',
    });
    behaviour.answer = { result: { resultCode: 'PARAM_ILLEGAL', resultStatus: 'F', resultMessage: 'no' } };
    expect(await client.notifyTokenUpdated(update)).toEqual({ delivered: false, detail: 'F PARAM_ILLEGAL' });
  });

  it('reports an unreachable Alipay+ as unknown, not as a decision', async () => {
    const offline = new AlipayPlusTokenClient({
      baseUrl: 'http://127.0.0.1:1',
      clientId: CLIENT_ID,
      signingKey: { key: createPrivateKey(mastercardKeys.privateKeyPem), keyVersion: '1' },
      peerVerifyKeys: new Map(),
      clock: new VirtualClock(NOW_MS),
    });
    expect((await offline.authorizeService(input)).kind).toBe('unknown');
    await offline.close();
  });
});
