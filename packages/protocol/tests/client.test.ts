import type { KeyObject } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CallOutcome, SignedClient, type SignedClientOptions } from '../src/client.ts';
import { VirtualClock } from '../src/clock.ts';
import { registerSignedApi } from '../src/fastify-plugin.ts';
import { API_PATHS } from '../src/result-codes.ts';
import type { InquiryPaymentResponse } from '../src/schemas/index.ts';
import { contentToSign, formatRequestTime, formatSignatureHeader } from '../src/signature.ts';
import { signContent, verifySignedMessage } from '../src/signing.ts';
import {
  CALLER_ID,
  callerKeysV1,
  callerPeer,
  hostKeys,
  hostVerifyKeys,
  inquiryBody,
  NOW_MS,
  strangerKeys,
} from './signed-fixtures.ts';

const PATH = API_PATHS.inquiryPayment;
const success = { resultCode: 'SUCCESS', resultStatus: 'S', resultMessage: 'Success.' } as const;
const answerBody: InquiryPaymentResponse = { result: success, paymentResult: success, paymentId: 'PAY_1' };

interface Received {
  headers: Record<string, unknown>;
  body: Buffer;
}

// The real counterpart: a listening Fastify hosting the signed API.
let host: FastifyInstance;
let hostUrl = '';
const received: Received[] = [];
let answerWith: () => Promise<InquiryPaymentResponse> = async () => answerBody;

// A misbehaving peer: one Fastify route whose answer each test scripts by hand.
let rogue: FastifyInstance;
let rogueUrl = '';
let rogueReply: (reply: FastifyReply) => unknown = () => undefined;

// A peer that accepts connections and never answers.
let silent: Server;
let silentUrl = '';
const silentSockets = new Set<Socket>();

const clients: SignedClient[] = [];

beforeAll(async () => {
  host = Fastify({ logger: false });
  host.addHook('onRequest', async (request) => {
    received.push({ headers: { ...request.headers }, body: Buffer.alloc(0) });
  });
  const router = registerSignedApi(host, {
    resolvePeer: (id) => (id === CALLER_ID ? callerPeer : undefined),
    defaultSigningKey: { key: hostKeys.privateKey, keyVersion: '1' },
    clock: new VirtualClock(NOW_MS),
  });
  router.route('inquiryPayment', async () => answerWith());
  host.addHook('preHandler', async (request) => {
    const last = received.at(-1);
    if (last !== undefined && Buffer.isBuffer(request.body)) last.body = request.body;
  });
  hostUrl = await host.listen({ host: '127.0.0.1', port: 0 });

  rogue = Fastify({ logger: false });
  rogue.post(PATH, async (_request, reply) => rogueReply(reply));
  rogueUrl = await rogue.listen({ host: '127.0.0.1', port: 0 });

  silent = createServer((socket) => {
    silentSockets.add(socket);
    socket.on('close', () => silentSockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const address = silent.address();
  silentUrl = typeof address === 'object' && address !== null ? `http://127.0.0.1:${address.port}` : '';
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  answerWith = async () => answerBody;
});

afterAll(async () => {
  for (const socket of silentSockets) socket.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
  await host.close();
  await rogue.close();
});

function client(baseUrl: string, overrides: Partial<SignedClientOptions> = {}): SignedClient {
  const made = new SignedClient({
    baseUrl,
    clientId: CALLER_ID,
    signingKey: { key: callerKeysV1.privateKey, keyVersion: '1' },
    peerVerifyKeys: hostVerifyKeys,
    clock: new VirtualClock(NOW_MS),
    ...overrides,
  });
  clients.push(made);
  return made;
}

/** A rogue answer: JSON body, optionally signed with `key` over `signedBody` (defaults to the body sent). */
function rogueAnswer(p: {
  body: string;
  key?: KeyObject;
  signedBody?: string;
  clientId?: string;
  timeMs?: number;
  status?: number;
}) {
  return (reply: FastifyReply) => {
    const clientId = p.clientId ?? CALLER_ID;
    const time = formatRequestTime(p.timeMs ?? NOW_MS);
    reply.code(p.status ?? 200).header('content-type', 'application/json; charset=UTF-8');
    reply.header('client-id', clientId).header('response-time', time);
    if (p.key !== undefined) {
      const content = contentToSign({
        method: 'POST',
        path: PATH,
        clientId,
        time,
        body: p.signedBody ?? p.body,
      });
      reply.header(
        'signature',
        formatSignatureHeader({ keyVersion: '1', signature: signContent(content, p.key) }),
      );
    }
    return reply.send(p.body);
  };
}

function reasonOf(outcome: CallOutcome<unknown>): string {
  return outcome.kind === 'answered' ? 'ANSWERED' : outcome.reason;
}

describe('SignedClient against the signed Fastify host', () => {
  it('sends a signed request the host verifies, and gets an answered, verified response', async () => {
    const outcome = await client(hostUrl).callApi('inquiryPayment', inquiryBody);
    expect(outcome.kind).toBe('answered');
    if (outcome.kind !== 'answered') return;
    expect(outcome.response.paymentId).toBe('PAY_1');
    expect(outcome.raw.toString()).toBe(JSON.stringify(answerBody));
    const last = received.at(-1);
    expect(last?.headers['content-type']).toBe('application/json; charset=UTF-8');
    expect(last?.headers['request-time']).toBe('2026-11-25T12:00:00+08:00');
    expect(last?.headers['client-id']).toBe(CALLER_ID);
  });

  it('re-sends a prepared request byte for byte', async () => {
    const signedClient = client(hostUrl);
    const prepared = signedClient.prepare('inquiryPayment', inquiryBody);
    const before = received.length;
    const first = await signedClient.send(prepared);
    const second = await signedClient.send(prepared);
    expect([reasonOf(first), reasonOf(second)]).toEqual(['ANSWERED', 'ANSWERED']);
    const [a, b] = received.slice(before);
    expect(a?.body.equals(prepared.body)).toBe(true);
    expect(b?.body.equals(prepared.body)).toBe(true);
    for (const name of ['client-id', 'request-time', 'signature', 'content-type']) {
      expect(b?.headers[name]).toBe(a?.headers[name]);
    }
    const async = await signedClient.prepareAsync('inquiryPayment', inquiryBody);
    expect(async).toEqual(prepared);
  });

  it('gets a signed F PARAM_ILLEGAL for a request body over the host limit, over real HTTP', async () => {
    const outcome = await client(hostUrl).call<InquiryPaymentResponse>('inquiryPayment', {
      ...inquiryBody,
      padding: 'x'.repeat(1_000_000),
    });
    expect(outcome.kind === 'answered' && outcome.response.result).toMatchObject({
      resultCode: 'PARAM_ILLEGAL',
      resultStatus: 'F',
      resultMessage: 'body is larger than 65536 bytes',
    });
  });

  it('keeps an answered U as answered (the caller sees U)', async () => {
    const unknownResult = { resultCode: 'UNKNOWN_EXCEPTION', resultStatus: 'U', resultMessage: 'x' } as const;
    answerWith = async () => ({ result: unknownResult });
    const outcome = await client(hostUrl).call<InquiryPaymentResponse>('inquiryPayment', inquiryBody);
    expect(outcome.kind === 'answered' && outcome.response.result.resultStatus).toBe('U');
  });

  it('reads an answer whose Response-Time is outside the window as unknown', async () => {
    const outcome = await client(hostUrl, { clock: new VirtualClock(NOW_MS + 301_000) }).call(
      'inquiryPayment',
      inquiryBody,
    );
    // The host's F INVALID_SIGNATURE (our request is stale to it) is itself fresh-checked and stale to us.
    expect(reasonOf(outcome)).toBe('BAD_SIGNATURE');
  });
});

describe('SignedClient never reads a doubtful answer as an answer', () => {
  const goodJson = JSON.stringify(answerBody);

  it('unsigned response -> unknown UNSIGNED', async () => {
    rogueReply = rogueAnswer({ body: goodJson });
    expect(reasonOf(await client(rogueUrl).call('inquiryPayment', inquiryBody))).toBe('UNSIGNED');
  });

  it('response signed by an untrusted key -> unknown BAD_SIGNATURE', async () => {
    rogueReply = rogueAnswer({ body: goodJson, key: strangerKeys.privateKey });
    expect(reasonOf(await client(rogueUrl).call('inquiryPayment', inquiryBody))).toBe('BAD_SIGNATURE');
  });

  it('response body changed after signing -> unknown BAD_SIGNATURE', async () => {
    const tampered = goodJson.replace('PAY_1', 'PAY_2');
    rogueReply = rogueAnswer({ body: tampered, key: hostKeys.privateKey, signedBody: goodJson });
    expect(reasonOf(await client(rogueUrl).call('inquiryPayment', inquiryBody))).toBe('BAD_SIGNATURE');
  });

  it('response echoing another Client-Id -> unknown BAD_SIGNATURE', async () => {
    rogueReply = rogueAnswer({ body: goodJson, key: hostKeys.privateKey, clientId: 'OTHER' });
    expect(reasonOf(await client(rogueUrl).call('inquiryPayment', inquiryBody))).toBe('BAD_SIGNATURE');
  });

  it('response with a stale or future Response-Time -> unknown BAD_SIGNATURE', async () => {
    rogueReply = rogueAnswer({ body: goodJson, key: hostKeys.privateKey, timeMs: NOW_MS - 301_000 });
    expect(reasonOf(await client(rogueUrl).call('inquiryPayment', inquiryBody))).toBe('BAD_SIGNATURE');
    rogueReply = rogueAnswer({ body: goodJson, key: hostKeys.privateKey, timeMs: NOW_MS + 301_000 });
    expect(reasonOf(await client(rogueUrl).call('inquiryPayment', inquiryBody))).toBe('BAD_SIGNATURE');
  });

  it('a correctly signed rogue answer is answered (control for the cases above)', async () => {
    rogueReply = rogueAnswer({ body: goodJson, key: hostKeys.privateKey });
    expect(reasonOf(await client(rogueUrl).call('inquiryPayment', inquiryBody))).toBe('ANSWERED');
  });

  it('non-200 -> unknown HTTP_STATUS, even when signed', async () => {
    rogueReply = rogueAnswer({ body: goodJson, key: hostKeys.privateKey, status: 500 });
    expect(reasonOf(await client(rogueUrl).call('inquiryPayment', inquiryBody))).toBe('HTTP_STATUS');
  });

  it('signed non-JSON and signed schema-invalid bodies -> unknown MALFORMED_BODY', async () => {
    rogueReply = rogueAnswer({ body: '<html>oops</html>', key: hostKeys.privateKey });
    expect(reasonOf(await client(rogueUrl).call('inquiryPayment', inquiryBody))).toBe('MALFORMED_BODY');
    rogueReply = rogueAnswer({ body: JSON.stringify({ result: success }), key: hostKeys.privateKey });
    const outcome = await client(rogueUrl).call('inquiryPayment', inquiryBody);
    expect(outcome).toMatchObject({ kind: 'unknown', reason: 'MALFORMED_BODY', detail: /paymentResult/ });
  });

  it('a response over responseBytesMax -> unknown MALFORMED_BODY', async () => {
    rogueReply = rogueAnswer({
      body: JSON.stringify({ ...answerBody, pad: 'x'.repeat(5000) }),
      key: hostKeys.privateKey,
    });
    const outcome = await client(rogueUrl, { responseBytesMax: 1000 }).call('inquiryPayment', inquiryBody);
    expect(reasonOf(outcome)).toBe('MALFORMED_BODY');
  });

  it('a peer that never answers -> unknown TIMEOUT after the API timeout', async () => {
    const outcome = await client(silentUrl, { timeoutsMs: { inquiryPayment: 150 } }).call(
      'inquiryPayment',
      inquiryBody,
    );
    expect(reasonOf(outcome)).toBe('TIMEOUT');
  });

  it('nobody listening -> unknown NETWORK', async () => {
    const closed = Fastify();
    const url = await closed.listen({ host: '127.0.0.1', port: 0 });
    await closed.close();
    expect(reasonOf(await client(url).call('inquiryPayment', inquiryBody))).toBe('NETWORK');
  });
});

describe('SignedClient requests', () => {
  it('signs "POST <prefix+path>" so a host verifying the path it received accepts it', () => {
    const prepared = client('http://127.0.0.1:1/gateway/').prepare('inquiryPayment', inquiryBody);
    expect(prepared.path).toBe(`/gateway${PATH}`);
    const verified = verifySignedMessage(
      {
        method: 'POST',
        path: prepared.path,
        headers: prepared.headers,
        rawBody: prepared.body,
        resolvePeer: () => ({ clientId: CALLER_ID, verifyKeys: callerPeer.verifyKeys }),
        nowMs: NOW_MS,
      },
      'request-time',
    );
    expect(verified.ok).toBe(true);
  });
});
