import Fastify from 'fastify';

// A stand-in for the Mastercard token service's SDK endpoint: records the exact bytes it got and answers
// as the test's mode says.

export type TokenStubMode = 'ok' | 'hang' | 'http_500' | 'not_json';

export interface TokenServiceStub {
  readonly url: string;
  readonly received: {
    path: string;
    raw: string;
    contentType: string | undefined;
    authorization: string | undefined;
  }[];
  mode: TokenStubMode;
  responseBody: string | null;
  releaseHung(): void;
  close(): Promise<void>;
}

export async function startTokenServiceStub(): Promise<TokenServiceStub> {
  const app = Fastify({ logger: false });
  const gates: (() => void)[] = [];
  const stub: TokenServiceStub = {
    url: '',
    received: [],
    mode: 'ok',
    responseBody: '{"publicKey":"MIIB...","keyId":"tsk-1"}',
    releaseHung() {
      for (const open of gates.splice(0)) open();
    },
    async close() {
      stub.releaseHung();
      await app.close();
    },
  };
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.post('/mdes/v1/sdk', async (request, reply) => {
    stub.received.push({
      path: request.url,
      raw: String(request.body),
      contentType: request.headers['content-type'],
      authorization: request.headers.authorization,
    });
    if (stub.mode === 'hang') await new Promise<void>((resolve) => gates.push(resolve));
    if (stub.mode === 'http_500') return reply.code(500).send({ error: 'boom' });
    if (stub.mode === 'not_json') return reply.code(200).header('content-type', 'text/plain').send('hello');
    return reply.code(200).send({ body: stub.responseBody });
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  return Object.assign(stub, { url: address });
}
