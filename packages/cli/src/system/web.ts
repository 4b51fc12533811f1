import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { type AcquirerGateway, registerAcquirerGateway } from '@tapkit/terminal';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { CloseDayResult, PresentInput, Presentment } from './close-day.ts';
import { OffsetClock } from './offset-clock.ts';
import type { RecentPayment, Timeline, TimelineQuery } from './timeline.ts';
import type { AdjustableClock } from './types.ts';

// The web server of `tapkit up`: the built wallet-web pages, the acquirer gateway the browser POS posts
// its ISO 8583 messages to, a same-origin reverse proxy to the MPP server's app API at /mpp (so the
// wallet page needs no CORS), and the /system/v1 endpoints of the merchant panel and operations view.
// Loopback only and unauthenticated (tapkit): they drive a demo system, not a production one.
//
//   GET  /system/v1/info                 {urls, pages, mppAppBase: '/mpp', demoUsers, fast, provisioningDelayMs,
//                                         clock: {nowMs, now, offsetMs}, adminTokenFile}
//   POST /system/v1/clock/advance        {ms} → {nowMs, now}
//   POST /system/v1/clearing/presentments {networkTraceId, amountMinor?} | {tokenPan, amountMinor,
//                                         currencyNumeric, merchantId, terminalId, kind?} → {ok} | 409 {code}
//   POST /system/v1/clearing/close-day   {} (present every captured authorization) | {presentments: [...]}
//                                         → {businessDay, presented, refused, file, ingest}
//   GET  /system/v1/timeline?networkTraceId=… | ?paymentRequestId=… | ?rrn=… → {networkTraceId,
//                                         paymentRequestIds, entries: [{atMs, at, party, step, detail}], ledger}
//                                         | 404 {code: NOT_FOUND, message}
//   GET  /system/v1/payments/recent?limit=  {payments: [{at, networkTraceId, rrn, mti, kind, amountMinor,
//                                         responseCode}]} newest first (the acquirer's answered exchanges)
//   POST /acquirer/v1/messages           {message: base64, timeoutMs?} → {message: base64} | error {code}
//   *    /mpp/...                        the MPP server's own paths (/mpp/app/v1/login → /app/v1/login)
// Amounts are minor units as strings; errors are {code, message?} with a 4xx status.

export interface WebServerDeps {
  readonly distDir: string;
  readonly gateway: AcquirerGateway;
  readonly mppUrl: string;
  readonly clock: AdjustableClock;
  readonly info: () => Record<string, unknown>;
  readonly closeDay: (presentments: readonly Presentment[] | undefined) => Promise<CloseDayResult>;
  readonly present: (input: PresentInput) => Promise<{ ok: true } | { ok: false; code: string }>;
  readonly timeline: (query: TimelineQuery) => Promise<Timeline | undefined>;
  /** The newest answered exchanges, newest first. */
  readonly recentPayments: (limit: number) => readonly RecentPayment[];
  readonly fastify: FastifyServerOptions;
}

/** The app API's own body bound (mpp-server appBodyBytesMax default) plus room for the NFC proxy's bodies. */
const proxyBodyBytesMax = 1_048_576;
/** Above the MPP's 10 s sdkProxy upstream expiry, so the MPP's own timeout answers first. */
const proxyTimeoutMs = 15_000;
const systemBodyBytesMax = 65_536;
const idPattern = /^[\x21-\x7e]{1,128}$/;
const timelineKeys = ['networkTraceId', 'paymentRequestId', 'rrn'] as const;
/** The operations view lists this many recent payments unless asked; never more than the max. */
const recentLimitDefault = 20;
const recentLimitMax = 200;

export function buildWebServer(deps: WebServerDeps): FastifyInstance {
  const app = Fastify({ ...deps.fastify, bodyLimit: systemBodyBytesMax });
  registerAcquirerGateway(app, deps.gateway);
  registerSystemRoutes(app, deps);
  app.register(async (scope) => registerMppProxy(scope, deps.mppUrl));
  registerStatic(app, deps.distDir);
  return app;
}

function registerSystemRoutes(app: FastifyInstance, deps: WebServerDeps): void {
  app.get('/system/v1/info', async () => deps.info());

  app.post('/system/v1/clock/advance', async (request, reply) => {
    const ms = (request.body as { ms?: unknown } | null)?.ms;
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 1 || ms > OffsetClock.advanceMsMax)
      return reply
        .code(400)
        .send({ code: 'BODY_INVALID', message: `ms: a whole number 1..${OffsetClock.advanceMsMax}` });
    await deps.clock.advanceMs(ms);
    const nowMs = deps.clock.nowMs();
    return { nowMs, now: new Date(nowMs).toISOString() };
  });

  app.post('/system/v1/clearing/close-day', async (request, reply) => {
    const presentments = parsePresentments(request.body);
    if (presentments === 'invalid')
      return reply
        .code(400)
        .send({ code: 'BODY_INVALID', message: 'presentments: [{networkTraceId, amountMinor?}]' });
    const result = await deps.closeDay(presentments);
    return reply.send(result);
  });

  app.post('/system/v1/clearing/presentments', async (request, reply) => {
    const input = parsePresentInput(request.body);
    if (input === undefined)
      return reply.code(400).send({
        code: 'BODY_INVALID',
        message: '{networkTraceId, amountMinor?} or {tokenPan, amountMinor, ...}',
      });
    const result = await deps.present(input);
    return result.ok ? { ok: true } : reply.code(409).send({ code: result.code });
  });

  app.get('/system/v1/timeline', async (request, reply) => {
    const query = timelineQueryOf(request.query);
    if (query === undefined)
      return reply
        .code(400)
        .send({ code: 'QUERY_INVALID', message: 'give one of networkTraceId, paymentRequestId or rrn' });
    const timeline = await deps.timeline(query);
    if (timeline === undefined)
      return reply.code(404).send({ code: 'NOT_FOUND', message: 'no payment has this id' });
    return timeline;
  });

  app.get('/system/v1/payments/recent', async (request, reply) => {
    const limit = (request.query as { limit?: unknown }).limit ?? String(recentLimitDefault);
    if (typeof limit !== 'string' || !/^[1-9]\d{0,2}$/.test(limit) || Number(limit) > recentLimitMax)
      return reply
        .code(400)
        .send({ code: 'QUERY_INVALID', message: `limit: a whole number 1..${recentLimitMax}` });
    return { payments: deps.recentPayments(Number(limit)) };
  });
}

/** Exactly one of networkTraceId, paymentRequestId, rrn, each a printable id; undefined otherwise. */
function timelineQueryOf(raw: unknown): TimelineQuery | undefined {
  const query = (raw ?? {}) as Record<string, unknown>;
  const given = timelineKeys.filter((key) => query[key] !== undefined);
  const key = given[0];
  if (given.length !== 1 || key === undefined) return undefined;
  const value = query[key];
  if (typeof value !== 'string' || !idPattern.test(value)) return undefined;
  return { [key]: value };
}

/** Body of close-day: {} presents every captured authorization; {presentments} names them (and amounts). */
function parsePresentments(body: unknown): readonly Presentment[] | undefined | 'invalid' {
  if (body === undefined || body === null) return undefined;
  const list = (body as { presentments?: unknown }).presentments;
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length > 1_000) return 'invalid';
  const out: Presentment[] = [];
  for (const item of list as unknown[]) {
    const { networkTraceId, amountMinor } = (item ?? {}) as {
      networkTraceId?: unknown;
      amountMinor?: unknown;
    };
    if (typeof networkTraceId !== 'string' || !idPattern.test(networkTraceId)) return 'invalid';
    if (
      amountMinor !== undefined &&
      (typeof amountMinor !== 'string' || !/^[1-9][0-9]{0,11}$/.test(amountMinor))
    )
      return 'invalid';
    out.push({ networkTraceId, ...(amountMinor === undefined ? {} : { amountMinor: BigInt(amountMinor) }) });
  }
  return out;
}

function parsePresentInput(body: unknown): PresentInput | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const amount =
    typeof b.amountMinor === 'string' && /^[1-9][0-9]{0,11}$/.test(b.amountMinor)
      ? BigInt(b.amountMinor)
      : undefined;
  if (b.amountMinor !== undefined && amount === undefined) return undefined;
  if (typeof b.networkTraceId === 'string') {
    if (!idPattern.test(b.networkTraceId)) return undefined;
    return { networkTraceId: b.networkTraceId, ...(amount === undefined ? {} : { amountMinor: amount }) };
  }
  const text = (key: string, pattern: RegExp) =>
    typeof b[key] === 'string' && pattern.test(b[key]) ? b[key] : undefined;
  const tokenPan = text('tokenPan', /^[0-9]{12,19}$/);
  const currencyNumeric = text('currencyNumeric', /^[0-9]{3}$/);
  const merchantId = text('merchantId', /^[\x20-\x7e]{1,15}$/);
  const terminalId = text('terminalId', /^[\x20-\x7e]{1,8}$/);
  const kind = b.kind === undefined ? 'PURCHASE' : b.kind;
  if (kind !== 'PURCHASE' && kind !== 'REFUND') return undefined;
  if (!tokenPan || !currencyNumeric || !merchantId || !terminalId || amount === undefined) return undefined;
  return { kind, tokenPan, amountMinor: amount, currencyNumeric, merchantId, terminalId };
}

const forwardedRequestHeaders = ['content-type', 'authorization', 'accept'] as const;

function registerMppProxy(scope: FastifyInstance, mppUrl: string): void {
  // Bodies pass through untouched: the MPP validates them, this proxy only carries bytes.
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: proxyBodyBytesMax },
    (_request, body, done) => done(null, body),
  );
  scope.all('/mpp/*', async (request, reply) => {
    const path = request.url.slice('/mpp'.length);
    const headers: Record<string, string> = {};
    for (const name of forwardedRequestHeaders) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== undefined;
    let upstream: Response;
    try {
      upstream = await fetch(`${mppUrl}${path}`, {
        method: request.method,
        headers,
        ...(hasBody ? { body: new Uint8Array(request.body as Buffer) } : {}),
        signal: AbortSignal.timeout(proxyTimeoutMs),
      });
    } catch {
      return reply.code(502).send({ code: 'MPP_UNAVAILABLE' });
    }
    const body = Buffer.from(await upstream.arrayBuffer());
    reply.code(upstream.status);
    const type = upstream.headers.get('content-type');
    if (type !== null) reply.header('content-type', type);
    return reply.send(body);
  });
}

const contentTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const notBuiltPage = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tapkit</title></head>
<body><h1>Tapkit is running</h1><p>The wallet and POS pages are not built yet. Run
<code>npm run build -w @tapkit/wallet-web</code> and reload this page.</p>
<p>The system endpoints are up: <a href="/system/v1/info">/system/v1/info</a>.</p></body></html>`;

/**
 * (tapkit) The pages' Content-Security-Policy. The Vite-built pages load module scripts and style sheets
 * from this origin only and talk to this origin only (/mpp, /system, /acquirer); nothing inline, no eval,
 * no frames, no plugins. The favicon is a data: URL.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function registerStatic(app: FastifyInstance, distDir: string): void {
  const root = resolve(distDir);
  app.get('/*', async (request, reply) => {
    reply.header('content-security-policy', PAGE_CONTENT_SECURITY_POLICY);
    reply.header('x-content-type-options', 'nosniff');
    if (!existsSync(join(root, 'index.html')))
      return reply.code(200).type('text/html; charset=utf-8').send(notBuiltPage);
    let path: string;
    try {
      path = decodeURIComponent(request.url.split('?')[0] ?? '/');
    } catch {
      return reply.code(400).send({ code: 'PATH_INVALID' });
    }
    const named = path === '/' ? '/index.html' : extname(path) === '' ? `${path}.html` : path;
    const file = resolve(root, `.${named}`);
    if (!file.startsWith(root + sep)) return reply.code(404).send({ code: 'NOT_FOUND' });
    return sendFile(reply, file);
  });
}

async function sendFile(reply: FastifyReply, file: string) {
  try {
    const info = await stat(file);
    if (!info.isFile()) return reply.code(404).send({ code: 'NOT_FOUND' });
    const type = contentTypes[extname(file)] ?? 'application/octet-stream';
    return reply.type(type).send(await readFile(file));
  } catch {
    return reply.code(404).send({ code: 'NOT_FOUND' });
  }
}
