// Deliberately broken MPP servers for the conformance tests: a thin proxy in front of the real MPP server.
//   skip-signature-checks: every request is re-signed with Alipay+'s valid key and a fresh Request-Time
//     before the MPP sees it, so forged, unsigned, wrong-version and stale requests are all processed.
//   double-debit: a pay whose paymentRequestId was seen before is forwarded under a new id, so replays
//     and concurrent duplicates each debit the wallet again.
//   unsigned-answers: the MPP's answers lose their Signature header (as sloppy servers send them).
// Answers pass through byte for byte (the MPP's signature covers the path, which does not change).
import type { AddressInfo } from 'node:net';
import { contentToSign, formatRequestTime, formatSignatureHeader, singleHeader } from '@tapkit/protocol';
import { signContent } from '@tapkit/protocol/node';
import Fastify from 'fastify';
import { request } from 'undici';
import { alipayKeys } from './keys.ts';

export type BrokenMode = 'skip-signature-checks' | 'double-debit' | 'unsigned-answers';

export interface BrokenProxy {
  readonly url: string;
  close(): Promise<void>;
}

const PAY_PATH = '/aps/api/v1/payments/pay';

export async function startBrokenProxy(upstreamUrl: string, mode: BrokenMode): Promise<BrokenProxy> {
  const app = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const seen = new Set<string>();
  let duplicates = 0;
  app.all('/*', async (incoming, reply) => {
    let body = Buffer.isBuffer(incoming.body) ? incoming.body : Buffer.alloc(0);
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'client-id', 'request-time', 'signature', 'authorization']) {
      const value = singleHeader(incoming.headers, name);
      if (value !== undefined) headers[name] = value;
    }
    const isSigned = incoming.url.startsWith('/aps/');
    if (mode === 'double-debit' && incoming.url === PAY_PATH) {
      const json = tryJson(body);
      if (json !== undefined && typeof json.paymentRequestId === 'string') {
        if (seen.has(json.paymentRequestId)) {
          duplicates += 1;
          json.paymentRequestId = `${json.paymentRequestId}-dup${duplicates}`;
          body = Buffer.from(JSON.stringify(json));
          resign(headers, incoming.url, body);
        } else {
          seen.add(json.paymentRequestId);
        }
      }
    }
    if (mode === 'skip-signature-checks' && isSigned) resign(headers, incoming.url, body);
    const upstream = await request(`${upstreamUrl}${incoming.url}`, {
      method: incoming.method as 'GET' | 'POST',
      headers,
      ...(incoming.method === 'GET' ? {} : { body }),
    });
    const raw = Buffer.from(await upstream.body.arrayBuffer());
    reply.code(upstream.statusCode);
    for (const name of ['content-type', 'client-id', 'response-time', 'signature']) {
      const value = upstream.headers[name];
      if (typeof value !== 'string' || (mode === 'unsigned-answers' && name === 'signature')) continue;
      reply.header(name, value);
    }
    return reply.send(raw);
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

function resign(headers: Record<string, string>, path: string, body: Buffer): void {
  const clientId = headers['client-id'] ?? 'UNKNOWN';
  const time = formatRequestTime(Date.now());
  const signature = signContent(
    contentToSign({ method: 'POST', path, clientId, time, body }),
    alipayKeys.privateKey,
  );
  headers['request-time'] = time;
  headers.signature = formatSignatureHeader({ keyVersion: '1', signature });
}

function tryJson(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
