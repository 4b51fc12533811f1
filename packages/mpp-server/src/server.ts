import { type Clock, systemClock } from '@tapkit/protocol';
import { SignedClient } from '@tapkit/protocol/node';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { sql } from 'kysely';
import pino, { type DestinationStream, type Logger } from 'pino';
import { seedUsers } from './adapters/auth/seed-users.ts';
import { type DbHandle, openDatabase } from './adapters/db/open.ts';
import { registerAdminRoutes } from './adapters/http/admin-routes.ts';
import { registerAppRoutes } from './adapters/http/app-routes.ts';
import { mppOpenApiDocument, registerDocsRoutes } from './adapters/http/docs-routes.ts';
import { createNfcProxy, type NfcProxy } from './adapters/http/nfc-proxy.ts';
import { buildMppApp } from './app.ts';
import { type LoadedKeys, loadKeys, type MppConfig, notifyUrlHostsOf } from './config.ts';
import type { LimitsByCurrency, PaymentLimits } from './domain/pay.ts';
import { NotifyWorker } from './notify/notify-worker.ts';

// Starts the MPP server process: database (migrations run), users seeded, the Alipay+ routes from the
// composition root plus the app and admin APIs, health probes, the notify worker, and a graceful shutdown
// (stop accepting, finish in-flight requests and sends, release outbox claims, close the database)
// bounded by shutdownTimeoutMs.

/** Log paths that may hold secrets: credentials, keys, PANs, token PANs, session keys, signatures. */
export const LOG_REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers.signature',
  'res.headers.signature',
  ...[
    'password',
    'passwordHash',
    'token',
    'adminToken',
    'tokenServiceSecret',
    'authorization',
    'Authorization',
    'privateKey',
  ]
    .concat(['privateKeyPem', 'signingKey', 'pan', 'tokenPan', 'sessionKey', 'signature', 'Signature'])
    .flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
];

export interface StartMppServerOptions {
  readonly clock?: Clock;
  /** Keys already loaded (tests); otherwise read from the files the configuration names. */
  readonly keys?: LoadedKeys;
  /** Where logs go (tests capture them); stdout by default. */
  readonly logStream?: DestinationStream;
  /** Close on SIGINT / SIGTERM (the CLI); off by default so tests and embedders decide. */
  readonly handleSignals?: boolean;
}

export interface MppServerHandle {
  readonly url: string;
  /** Where the admin API answers: its own listener when adminPort is set, else `url`. */
  readonly adminUrl: string;
  readonly app: FastifyInstance;
  readonly db: DbHandle;
  readonly worker: NotifyWorker;
  /** Graceful, idempotent, bounded by shutdownTimeoutMs. */
  close(): Promise<void>;
}

export async function startMppServer(
  config: MppConfig,
  options: StartMppServerOptions = {},
): Promise<MppServerHandle> {
  const clock = options.clock ?? systemClock;
  const keys = options.keys ?? unwrapKeys(config);
  const logger = createLogger(config, options.logStream);
  const db = await openDatabase(config.db, {
    poolSizeMax: config.dbPoolSizeMax,
    ...(config.dbSchema === '' ? {} : { schema: config.dbSchema }),
    // Only the requests on a lost connection fail (answered U, Alipay+ retries); /readyz tells the rest.
    onConnectionError: (error) =>
      logger.warn({ errorName: error.name, errorMessage: error.message }, 'database connection lost'),
  });
  let state: 'running' | 'closing' = 'running';
  const parts = await assemble(config, clock, keys, logger, db, () => state === 'closing').catch(
    async (error) => {
      await db.close();
      throw error;
    },
  );
  const { app, adminApp, alipayPlus, proxy, worker, notifyClients } = parts;
  const { url: address, adminUrl } = await listenAll(config, parts, db);
  if (config.notifyEnabled) worker.start();
  logger.info(
    { url: address, adminUrl, engine: db.engine, notify: config.notifyEnabled },
    'mpp server listening',
  );

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    state = 'closing';
    closing ??= shutdown({
      app,
      adminApp,
      worker,
      db,
      logger,
      alipayPlus,
      proxy,
      notifyClients,
      timeoutMs: config.shutdownTimeoutMs,
    }).finally(() => removeSignals());
    return closing;
  };
  const removeSignals = options.handleSignals === true ? closeOnSignals(logger, close) : () => undefined;
  return { url: address, adminUrl, app, db, worker, close };
}

/** Listens on the API port (and the admin port when apart); on failure closes what was built. */
async function listenAll(
  config: MppConfig,
  parts: Parts,
  db: DbHandle,
): Promise<{ url: string; adminUrl: string }> {
  const { app, adminApp } = parts;
  try {
    const url = await app.listen({ host: config.host, port: config.port });
    const adminUrl =
      adminApp === undefined
        ? url
        : await adminApp.listen({ host: config.adminHost, port: config.adminPort });
    return { url, adminUrl };
  } catch (error) {
    await Promise.allSettled([
      app.close(),
      adminApp?.close(),
      parts.alipayPlus.close(),
      parts.proxy.close(),
      parts.notifyClients.close(),
    ]);
    await db.close();
    throw error;
  }
}

/** SIGINT / SIGTERM close the server once; returns how to stop listening for them. */
function closeOnSignals(logger: Logger, close: () => Promise<void>): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'shutting down');
    void close().then(() => {
      process.exitCode = 0;
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function unwrapKeys(config: MppConfig): LoadedKeys {
  const keys = loadKeys(config);
  if (!keys.ok) throw Object.assign(new Error(keys.error.message), { code: keys.error.code });
  return keys.value;
}

/**
 * Requests are logged by method and path only: a query string can carry what a log must not keep
 * (customData filters, tokens a client put in the wrong place).
 */
export function requestLogView(request: { method?: string; url?: string; ip?: string }): {
  method?: string;
  path: string;
  remoteAddress?: string;
} {
  return {
    ...(request.method === undefined ? {} : { method: request.method }),
    path: (request.url ?? '').split('?')[0] ?? '',
    ...(request.ip === undefined ? {} : { remoteAddress: request.ip }),
  };
}

function createLogger(config: MppConfig, stream: DestinationStream | undefined): Logger {
  const options = {
    level: config.logLevel,
    redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' },
    serializers: { req: requestLogView },
  };
  return stream === undefined ? pino(options) : pino(options, stream);
}

interface Parts {
  readonly app: FastifyInstance;
  /** The admin API's own app when it listens apart (adminPort >= 0). */
  readonly adminApp: FastifyInstance | undefined;
  readonly alipayPlus: SignedClient;
  readonly proxy: NfcProxy;
  readonly worker: NotifyWorker;
  readonly notifyClients: NotifyClients;
}

async function assemble(
  config: MppConfig,
  clock: Clock,
  keys: LoadedKeys,
  logger: Logger,
  db: DbHandle,
  isClosing: () => boolean,
): Promise<Parts> {
  await seedUsers(db, clock, config.users);
  const app = buildMppApp({
    db,
    clock,
    config: {
      limits: toLimits(config.limits),
      freshnessMs: config.freshnessMs,
      refundWindowDays: config.refundWindowDays,
      notifyUrlHostsAllowed: notifyUrlHostsOf(config),
    },
    keys: {
      signingKey: keys.signingKey,
      // Alipay+ signs its calls to us with the Client-Id it gave the MPP, the one we sign ours with.
      alipayPeers: [{ clientId: config.clientId, verifyKeys: keys.alipayPlusVerifyKeys }],
    },
    fastify: { loggerInstance: logger, bodyLimit: config.appBodyBytesMax, return503OnClosing: true },
  });
  const signedClientAt = (baseUrl: string) =>
    new SignedClient({
      baseUrl,
      clientId: config.clientId,
      signingKey: keys.signingKey,
      peerVerifyKeys: keys.alipayPlusVerifyKeys,
      clock,
      freshnessMs: config.freshnessMs,
    });
  const alipayPlus = signedClientAt(config.alipayPlusUrl);
  const notifyClients = new NotifyClients(signedClientAt);
  const proxy = createNfcProxy({
    tokenServiceUrl: config.tokenServiceUrl,
    tokenServiceSecret: config.tokenServiceSecret,
    alipayPlus,
  });
  const deps = { store: db, clock, bodyBytesMax: config.appBodyBytesMax };
  registerAppRoutes(app, { ...deps, proxy, sessionTtlMs: config.sessionTtlMs });
  const adminServerOptions: FastifyServerOptions = {
    loggerInstance: logger,
    bodyLimit: config.appBodyBytesMax,
    return503OnClosing: true,
  };
  // The admin API moves money (top-ups): on its own listener it can stay on loopback while the Alipay+
  // and app APIs face the network.
  const adminApp = config.adminPort < 0 ? undefined : (Fastify(adminServerOptions) as FastifyInstance);
  registerAdminRoutes(adminApp ?? app, { ...deps, adminToken: config.adminToken });
  registerDocsRoutes(adminApp ?? app, mppOpenApiDocument());
  registerHealthRoutes(app, db, isClosing);
  const worker = new NotifyWorker({
    handle: db,
    client: alipayPlus,
    clientFor: (baseUrl) => notifyClients.at(baseUrl),
    clock,
    logger: logger.child({ component: 'notify' }),
    pollIntervalMs: config.notifyPollIntervalMs,
    batchSizeMax: config.notifyBatchSizeMax,
    leaseMs: config.notifyLeaseMs,
  });
  return { app, adminApp, alipayPlus, proxy, worker, notifyClients };
}

/** /healthz (the process is up) and /readyz (it can serve: not closing, the database answers). */
function registerHealthRoutes(app: FastifyInstance, db: DbHandle, isClosing: () => boolean): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (isClosing()) return reply.code(503).send({ status: 'closing' });
    try {
      await sql`select 1`.execute(db.db);
      return { status: 'ready', engine: db.engine };
    } catch {
      return reply.code(503).send({ status: 'database unavailable' });
    }
  });
}

/** (tapkit) Distinct paymentNotifyUrl base URLs with a client of their own; others use the default. */
const notifyClientsMax = 16;

/** Signed clients for payments' own notify URLs (already checked against the allow-list), one per base. */
class NotifyClients {
  private readonly clients = new Map<string, SignedClient>();
  constructor(private readonly create: (baseUrl: string) => SignedClient) {}

  at(baseUrl: string): SignedClient | undefined {
    const known = this.clients.get(baseUrl);
    if (known !== undefined || this.clients.size >= notifyClientsMax) return known;
    const client = this.create(baseUrl);
    this.clients.set(baseUrl, client);
    return client;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.clients.values()].map((client) => client.close()));
  }
}

function toLimits(limits: MppConfig['limits']): LimitsByCurrency {
  const out: Record<string, PaymentLimits> = {};
  for (const [currency, l] of Object.entries(limits)) {
    out[currency] = {
      ...(l.amountPerPaymentMax === undefined
        ? {}
        : { amountPerPaymentMaxMinor: BigInt(l.amountPerPaymentMax) }),
      ...(l.dailyAmountMax === undefined ? {} : { dailyAmountMaxMinor: BigInt(l.dailyAmountMax) }),
      ...(l.dailyCountMax === undefined ? {} : { dailyCountMax: l.dailyCountMax }),
    };
  }
  return out;
}

async function shutdown(p: {
  app: FastifyInstance;
  adminApp: FastifyInstance | undefined;
  worker: NotifyWorker;
  db: DbHandle;
  logger: Logger;
  alipayPlus: SignedClient;
  proxy: NfcProxy;
  notifyClients: NotifyClients;
  timeoutMs: number;
}): Promise<void> {
  const startedAtMs = Date.now();
  // The app stops accepting at once and waits for the requests in flight; the worker stops polling,
  // waits for its sends and gives back its claims. Both run together under one deadline.
  const graceful = Promise.allSettled([p.app.close(), p.adminApp?.close(), p.worker.stop()]);
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    deadline = setTimeout(() => resolve('timeout'), p.timeoutMs);
    deadline.unref();
  });
  const outcome = await Promise.race([graceful.then(() => 'done' as const), timedOut]);
  clearTimeout(deadline);
  if (outcome === 'timeout') {
    p.logger.warn({ timeoutMs: p.timeoutMs }, 'shutdown deadline passed; closing with work in flight');
    // Claims still held would block those rows until the lease runs out; give them back if we still can.
    await p.worker.releaseClaimsNow().catch(() => 0);
  }
  await Promise.allSettled([p.alipayPlus.close(), p.proxy.close(), p.notifyClients.close()]);
  await p.db.close();
  p.logger.info({ durationMs: Date.now() - startedAtMs, outcome }, 'mpp server closed');
}
