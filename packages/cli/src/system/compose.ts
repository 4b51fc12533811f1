import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LOG_REDACT_PATHS } from '@tapkit/mpp-server';
import { isPostgresUrl } from '@tapkit/storage';
import { createAcquirer } from '@tapkit/terminal/node';
import type { FastifyServerOptions } from 'fastify';
import type { Kysely } from 'kysely';
import pino, { type Logger } from 'pino';
import { AcquirerCaptureLog } from './acquirer.ts';
import { NFC_ISSUE_CONFIGS, startAlipayPlus } from './alipayplus.ts';
import { closeDay, IssuerClearingDelivery, presentOne } from './close-day.ts';
import { SystemJournal } from './journal.ts';
import { ensureSystemKeys, type SystemKeys } from './keys.ts';
import { startMastercard } from './mastercard.ts';
import { DEMO_USERS, SYSTEM_MPP_CLIENT_ID, startSystemMpp } from './mpp.ts';
import { OffsetClock } from './offset-clock.ts';
import { type ResolvedPorts, resolvePorts, SYSTEM_HOST } from './port-plan.ts';
import { buildTimeline, recentPayments } from './timeline.ts';
import type { AdjustableClock, RunningSystem, SystemOptions, SystemParties, SystemUrls } from './types.ts';
import { buildWebServer } from './web.ts';

// The composition root of the one-process system (startSystem in ../system.ts): the only place that
// wires the parties to each other. Each start pushes its closer, so a failure half way, and close(),
// stop what runs in reverse order.

/** Provisioning delay of the token service by mode (tapkit): the doc's 20-30 s, or 1-2 s with --fast. */
const provisioningDelays = {
  normal: { minMs: 20_000, maxMs: 30_000 },
  fast: { minMs: 1_000, maxMs: 2_000 },
} as const;

/** The built pages of @tapkit/wallet-web, found through package resolution (its dist/ beside package.json). */
/**
 * (tapkit) The schema of each party's store when the system runs on PostgreSQL (after the prefix, `tapkit_`
 * by default): one database, a schema per party, so no party reads or migrates another's tables.
 */
export const PARTY_SCHEMAS = {
  mpp: 'mpp',
  'alipayplus-ant': 'alipayplus_ant',
  'alipayplus-issuer': 'alipayplus_issuer',
  mastercard: 'mastercard',
} as const;
type PartyStore = keyof typeof PARTY_SCHEMAS;

export const DEFAULT_WEB_DIST_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@tapkit/wallet-web/package.json')),
  'dist',
);

/** What every party's start needs: where state lives, the clock, logs, keys, ports and URLs. */
interface Context {
  readonly options: SystemOptions;
  readonly inMemory: boolean;
  readonly dataDir: string;
  readonly clock: AdjustableClock;
  readonly logLevel: string;
  readonly logger: Logger;
  readonly fastify: FastifyServerOptions;
  readonly keys: SystemKeys;
  readonly ports: ResolvedPorts;
  readonly urls: SystemUrls;
  readonly journal: SystemJournal;
  readonly closers: { readonly name: string; readonly close: () => Promise<void> }[];
}

export async function composeSystem(options: SystemOptions): Promise<RunningSystem> {
  if (options.db !== undefined && !isPostgresUrl(options.db))
    throw new Error(
      `the system database must be a postgres:// URL, got "${options.db.replace(/:[^:@/]*@/, ':***@')}"`,
    );
  const inMemory = options.dataDir === ':memory:';
  const dataDir = inMemory ? mkdtempSync(join(tmpdir(), 'tapkit-system-')) : resolve(options.dataDir);
  const clock = options.clock ?? new OffsetClock();
  const logLevel = options.logLevel ?? 'silent';
  const logger = pino({ level: logLevel, redact: { paths: [...LOG_REDACT_PATHS], censor: '[redacted]' } });
  const closers: Context['closers'] = [];
  const closeAll = async () => {
    for (const closer of closers.reverse()) {
      await closer
        .close()
        .catch((error: unknown) =>
          logger.error({ party: closer.name, error: String(error) }, 'close failed'),
        );
    }
    // Timers still armed (expiry in 7 days, retries) would keep the process alive.
    if (clock instanceof OffsetClock && options.clock === undefined) clock.dispose();
    if (inMemory) rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    mkdirSync(join(dataDir, 'clearing'), { recursive: true });
    const ports = await resolvePorts(options.ports ?? {});
    const context: Context = {
      options,
      inMemory,
      dataDir,
      clock,
      logLevel,
      logger,
      fastify: logLevel === 'silent' ? { logger: false } : { loggerInstance: logger },
      keys: ensureSystemKeys(dataDir),
      ports,
      urls: urlsOf(ports),
      journal: new SystemJournal(),
      closers,
    };
    return await startAll(context, closeAll);
  } catch (error) {
    await closeAll();
    throw error;
  }
}

function urlsOf(ports: ResolvedPorts): SystemUrls {
  const http = (port: number) => `http://${SYSTEM_HOST}:${port}`;
  return {
    web: http(ports.web),
    mpp: http(ports.mpp),
    alipayPlus: http(ports.alipayPlus),
    tokenService: http(ports.tokenService),
    issuerTcp: `tcp://${SYSTEM_HOST}:${ports.issuerTcp}`,
    acquirerTcp: `tcp://${SYSTEM_HOST}:${ports.acquirerTcp}`,
  };
}

async function startAll(context: Context, closeAll: () => Promise<void>): Promise<RunningSystem> {
  const { options, clock, keys, urls, ports, closers } = context;
  const fast = options.fast ?? false;
  const provisioningDelayMs =
    options.provisioningDelayMs === undefined
      ? provisioningDelays[fast ? 'fast' : 'normal']
      : { minMs: options.provisioningDelayMs, maxMs: options.provisioningDelayMs };
  const { alipayPlus, delivery } = await startAlipayPlusParty(context);
  const mastercard = await startMastercard({
    ...store(context, 'mastercard', 'dbUrl', 'dbSchema'),
    clock,
    keys,
    tokenServicePort: ports.tokenService,
    acquirerPort: ports.acquirerTcp,
    issuerPort: ports.issuerTcp,
    alipayPlusUrl: urls.alipayPlus,
    provisioningDelayMs,
    clearingDir: join(context.dataDir, 'clearing'),
    delivery,
    journal: context.journal,
    logger: context.logger.child({ party: 'mastercard-network' }),
  });
  closers.push({ name: 'mastercard', close: () => mastercard.close() });
  const mpp = await startSystemMpp({
    ...store(context, 'mpp', 'db', 'dbSchema'),
    port: ports.mpp,
    clock,
    keys,
    alipayPlusUrl: urls.alipayPlus,
    tokenServiceUrl: urls.tokenService,
    logLevel: context.logLevel,
  });
  closers.push({ name: 'mpp', close: () => mpp.close() });
  const parties: SystemParties = { mpp, alipayPlus, mastercard };
  const info = () => systemInfo(urls, fast, provisioningDelayMs, clock, context.dataDir);
  const web = await startWeb({ ...context, delivery, parties, port: ports.web, info });
  closers.push({ name: 'web', close: web.close });
  let closing: Promise<void> | undefined;
  return {
    urls,
    dataDir: context.dataDir,
    clock,
    fast,
    demoUsers: DEMO_USERS,
    adminToken: keys.adminToken,
    parties,
    close() {
      closing ??= closeAll();
      return closing;
    },
  };
}

/**
 * Where a party's store lives, under the option names its start takes: its SQLite file in the data folder
 * (or memory), or the system's PostgreSQL database with the party's own schema.
 */
function store<U extends string, S extends string>(
  context: Context,
  party: PartyStore,
  urlKey: U,
  schemaKey: S,
): Record<U, string> & Partial<Record<S, string>> {
  const { db, dbSchemaPrefix } = context.options;
  if (db !== undefined) {
    const schema = `${dbSchemaPrefix ?? 'tapkit_'}${PARTY_SCHEMAS[party]}`;
    return { [urlKey]: db, [schemaKey]: schema } as Record<U, string> & Record<S, string>;
  }
  const url = context.inMemory ? ':memory:' : join(context.dataDir, `${party}.sqlite`);
  return { [urlKey]: url } as Record<U, string> & Partial<Record<S, string>>;
}

async function startAlipayPlusParty(context: Context) {
  const { ports, urls, clock } = context;
  const alipayPlus = await startAlipayPlus({
    ...store(context, 'alipayplus-ant', 'antDbUrl', 'antDbSchema'),
    ...store(context, 'alipayplus-issuer', 'issuerDbUrl', 'issuerDbSchema'),
    clock,
    keys: context.keys,
    httpPort: ports.alipayPlus,
    issuerPort: ports.issuerTcp,
    mppClientId: SYSTEM_MPP_CLIENT_ID,
    mppUrl: urls.mpp,
    nfcIssueConfig: NFC_ISSUE_CONFIGS[context.options.fast === true ? 'fast' : 'normal'],
    tokenServiceUrl: urls.tokenService,
    logger: context.logger.child({ party: 'alipayplus-issuer' }),
    fastify: context.fastify,
  });
  context.closers.push({ name: 'alipayplus', close: () => alipayPlus.close() });
  const delivery = new IssuerClearingDelivery(() => alipayPlus.issuer, context.journal, clock);
  return { alipayPlus, delivery };
}

interface StartWebInput extends Context {
  readonly delivery: IssuerClearingDelivery;
  readonly parties: SystemParties;
  readonly port: number;
  readonly info: () => Record<string, unknown>;
}

/** The acquirer's TCP link, the gateway and capture log on it, and the web server with its endpoints. */
async function startWeb(input: StartWebInput): Promise<{ close: () => Promise<void> }> {
  const { parties, clock, journal } = input;
  const acquirer = new URL(input.urls.acquirerTcp.replace(/^tcp:/, 'http:'));
  const captures = new AcquirerCaptureLog(
    clock,
    journal,
    input.inMemory ? undefined : join(input.dataDir, 'acquirer-captures.json'),
  );
  const { gateway, close: closeAcquirer } = createAcquirer({
    network: { host: acquirer.hostname, port: Number(acquirer.port) },
    clock,
    onForward: (request) => captures.forwarding(request),
    onExchange: (request, result) => captures.observe(request, result),
  });
  const clearingDir = join(input.dataDir, 'clearing');
  const desk = {
    clearing: parties.mastercard.clearing,
    captures,
    delivery: input.delivery,
    clearingDir,
    clock,
    journal,
  };
  const timelineSources = {
    journal,
    networkAuthorizations: parties.mastercard.authorizations,
    mastercardDb: parties.mastercard.db.db as unknown as Kysely<unknown>,
    issuerDb: parties.alipayPlus.issuer.handle.db,
    antDb: parties.alipayPlus.antDb.db,
    mppDb: parties.mpp.db.db,
  };
  const app = buildWebServer({
    distDir: input.options.webDistDir ?? DEFAULT_WEB_DIST_DIR,
    gateway,
    mppUrl: input.urls.mpp,
    clock,
    info: input.info,
    closeDay: (presentments) => closeDay(desk, presentments),
    present: (presentment) => presentOne(desk, presentment),
    timeline: (query) => buildTimeline(timelineSources, query),
    recentPayments: (limit) => recentPayments(journal, limit),
    fastify: input.fastify,
  });
  try {
    await app.listen({ host: SYSTEM_HOST, port: input.port });
  } catch (error) {
    closeAcquirer();
    await app.close();
    throw error;
  }
  return {
    async close() {
      await app.close();
      closeAcquirer();
    },
  };
}

function systemInfo(
  urls: SystemUrls,
  fast: boolean,
  provisioningDelayMs: { minMs: number; maxMs: number },
  clock: AdjustableClock,
  dataDir: string,
): Record<string, unknown> {
  const nowMs = clock.nowMs();
  return {
    urls,
    pages: { wallet: `${urls.web}/`, pos: `${urls.web}/pos.html`, ops: `${urls.web}/ops.html` },
    mppAppBase: '/mpp',
    demoUsers: DEMO_USERS.map((u) => ({
      username: u.username,
      password: u.password,
      customerId: u.customerId,
      startBalance: { currency: 'HKD', value: u.startHkdMinor.toString() },
    })),
    fast,
    provisioningDelayMs,
    clock: {
      nowMs,
      now: new Date(nowMs).toISOString(),
      offsetMs: clock instanceof OffsetClock ? clock.currentOffsetMs() : null,
    },
    adminTokenFile: join(dataDir, 'admin-token'),
  };
}
