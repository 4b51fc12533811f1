// The composition root of the Mastercard counterpart: the token service (HTTP) and the network (acquirer
// entry and issuer link over ISO 8583 TCP) on one database, with expiry tracking and the clearing desk.
// `tapkit up`, `tapkit mastercard` and the tests build the counterpart through createMastercard.
import { type KeyObject, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@tapkit/protocol';
import type { Kysely } from 'kysely';
import { type DbHandle, openDatabase } from './adapters/db/open.ts';
import { type ClearingFileDelivery, ClearingService, KyselyClearingStore } from './clearing/index.ts';
import { ExpiryTracker, KyselyExpiryStore } from './expiry/index.ts';
import {
  type AuthorizationEntry,
  type AuthorizationLog,
  KyselyAdviceStore,
  KyselyAtcLedger,
  KyselyAuthorizationLog,
  migrateNetworkSchema,
  type NetworkEventListener,
  type NetworkLogger,
  type RunningNetwork,
  startNetwork,
} from './network/index.ts';
import { buildTokenServiceApp, type TokenServiceApp } from './token-service/app.ts';
import type { IssuerApproval, TokenUpdateNotifier } from './token-service/ports.ts';

/**
 * (tapkit) How long the network waits for Alipay+ before standing in. The spec gives 8 s for both the
 * network's stand-in timer and Alipay+'s wait for the MPP's pay answer; with equal timers the network's,
 * which starts first, always fires first, and the POS would see a stand-in approval instead of the 91 that
 * Alipay+ sends when the MPP is slow. The network therefore waits 2 s longer than Alipay+.
 */
export const NETWORK_ISSUER_TIMEOUT_MS = 10_000;
/** (tapkit) The Client-Id the token service signs its calls to Alipay+ with. */
export const MASTERCARD_CLIENT_ID = 'TAPKIT_MASTERCARD';
/** (tapkit) The keyId devices see for the token service's registration key. */
const encryptionKeyId = 'ts-key-1';
/** Submissions waiting for the end of the day at once. */
const clearingPendingRecordsMax = 100_000;
/** How long start-up waits for the network's issuer link to sign on before giving up. */
const issuerSignOnWaitMs = 10_000;

/** What the counterpart tells its owner (a timeline, a journal): the network's authorization events. */
export interface MastercardEvent {
  readonly atMs: number;
  readonly step: 'AUTHORIZATION_EXPIRED' | 'AUTHORIZATION_REVERSED';
  readonly networkTraceId: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface MastercardConfig {
  /** A database URL for openDatabase, or an open handle (not closed by close()). */
  readonly db: string | DbHandle;
  /** PostgreSQL: the schema of the token service and network tables (created if missing), for a URL. */
  readonly dbSchema?: string;
  readonly clock: Clock;
  /** The host the HTTP and TCP servers listen on. */
  readonly host: string;
  readonly tokenServicePort: number;
  readonly acquirerPort: number;
  readonly issuer: { readonly host: string; readonly port: number };
  /**
   * Alipay+ over signed HTTP; or, for a test of Mastercard alone, the two ports the token service calls
   * Alipay+ through (authorizeService, notifyTokenUpdated).
   */
  readonly alipayPlus:
    | { readonly url: string; readonly verifyKey: KeyObject }
    | { readonly issuer: IssuerApproval; readonly notifier: TokenUpdateNotifier };
  /** The token service's RSA key: signs its calls to Alipay+. */
  readonly signingKey: KeyObject;
  /** The environment's IMK-AC, 16 bytes. */
  readonly imk: Uint8Array;
  /** The token service's registration key (devices seal to it), PEM. */
  readonly encryptionKeyPem: string;
  readonly mppBearerSecret: string | null;
  readonly antBearerSecret: string;
  readonly provisioningDelayMs: { minMs: number; maxMs: number };
  readonly clearingDir: string;
  readonly delivery: ClearingFileDelivery;
  readonly logger: NetworkLogger;
  readonly onEvent?: (event: MastercardEvent) => void;
  /** Start only once the issuer link signed on (one process: the issuer is up); false keeps retrying. */
  readonly requireIssuer?: boolean;
}

export interface Mastercard {
  readonly tokenService: TokenServiceApp;
  readonly network: RunningNetwork;
  readonly clearing: ClearingService;
  readonly expiry: ExpiryTracker;
  readonly authorizations: AuthorizationLog;
  readonly db: DbHandle;
  readonly tokenServiceUrl: string;
  close(): Promise<void>;
}

export async function createMastercard(config: MastercardConfig): Promise<Mastercard> {
  const ownsDb = typeof config.db === 'string';
  const db =
    typeof config.db === 'string'
      ? await openDatabase(config.db, config.dbSchema === undefined ? {} : { schema: config.dbSchema })
      : config.db;
  const cleanups: (() => Promise<void>)[] = ownsDb ? [() => db.close()] : [];
  try {
    const raw = db.db as unknown as Kysely<unknown>;
    await migrateNetworkSchema(raw);
    const tokenService = await startTokenService(config, db);
    cleanups.unshift(() => tokenService.close());
    const expiry = expiryTracker(config, raw);
    await expiry.restore();
    const authorizations = new KyselyAuthorizationLog(raw);
    const network = await startNetwork({
      issuer: config.issuer,
      acquirer: { host: config.host, port: config.acquirerPort },
      tokens: tokenService.directory,
      atcLedger: new KyselyAtcLedger(raw),
      authorizations,
      adviceStore: new KyselyAdviceStore(raw),
      clock: config.clock,
      logger: config.logger,
      events: told(expiry, config),
      config: { issuerTimeoutMs: NETWORK_ISSUER_TIMEOUT_MS },
    });
    cleanups.unshift(() => network.stop());
    if (config.requireIssuer !== false)
      await waitFor(() => network.issuerLink.isConnected(), issuerSignOnWaitMs);
    const clearing = clearingDesk(config, raw, authorizations, tokenService, expiry);
    return {
      tokenService,
      network,
      clearing,
      expiry,
      authorizations,
      db,
      // The port the server got, so that port 0 (any free port) gives a usable URL.
      tokenServiceUrl: `http://${config.host}:${(tokenService.app.server.address() as AddressInfo).port}`,
      async close() {
        await network.stop();
        await tokenService.close();
        await expiry.flushed();
        if (ownsDb) await db.close();
      },
    };
  } catch (error) {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    throw error;
  }
}

function clearingDesk(
  config: MastercardConfig,
  raw: Kysely<unknown>,
  authorizations: AuthorizationLog,
  tokenService: TokenServiceApp,
  expiry: ExpiryTracker,
): ClearingService {
  return new ClearingService({
    clock: config.clock,
    authorizations,
    tokens: tokenService.directory,
    delivery: config.delivery,
    onPresented: (trace) => void expiry.cleared(trace),
    directory: config.clearingDir,
    store: new KyselyClearingStore(raw),
    newRecordId: randomUUID,
    pendingRecordsMax: clearingPendingRecordsMax,
  });
}

async function startTokenService(config: MastercardConfig, db: DbHandle): Promise<TokenServiceApp> {
  const alipayPlus = config.alipayPlus;
  const tokenService = await buildTokenServiceApp({
    database: db,
    alipayPlus:
      'url' in alipayPlus
        ? {
            http: {
              baseUrl: alipayPlus.url,
              clientId: MASTERCARD_CLIENT_ID,
              signingKey: { key: config.signingKey, keyVersion: '1' },
              peerVerifyKeys: new Map([['1', alipayPlus.verifyKey]]),
            },
          }
        : alipayPlus,
    clock: config.clock,
    imk: config.imk,
    encryptionKey: { keyId: encryptionKeyId, privateKeyText: config.encryptionKeyPem },
    mppBearerSecret: config.mppBearerSecret,
    antBearerSecret: config.antBearerSecret,
    config: { provisioningDelay: config.provisioningDelayMs },
  });
  try {
    await tokenService.app.listen({ host: config.host, port: config.tokenServicePort });
  } catch (error) {
    await tokenService.close();
    throw error;
  }
  return tokenService;
}

function expiryTracker(config: MastercardConfig, raw: Kysely<unknown>): ExpiryTracker {
  return new ExpiryTracker({
    clock: config.clock,
    store: new KyselyExpiryStore(raw),
    // The issuer processor keeps its own expiry timers from the same rules; the network's event is what
    // a timeline shows as "the network let the authorization lapse".
    listener: {
      authorizationExpired: (event) =>
        config.onEvent?.({
          atMs: event.expiredAtMs,
          step: 'AUTHORIZATION_EXPIRED',
          networkTraceId: event.networkTraceId,
          detail: { type: event.type, authorizedAtMs: event.authorizedAtMs },
        }),
    },
    onListenerError: (error) => config.logger.error({ error: String(error) }, 'expiry tracking failed'),
  });
}

/** The network's events go to expiry tracking and to the owner's onEvent. */
function told(expiry: ExpiryTracker, config: MastercardConfig): NetworkEventListener {
  return {
    authorizationApproved(entry: AuthorizationEntry) {
      expiry.authorizationApproved(entry);
    },
    authorizationReversed(event) {
      expiry.authorizationReversed(event);
      config.onEvent?.({
        atMs: event.atMs ?? config.clock.nowMs(),
        step: 'AUTHORIZATION_REVERSED',
        networkTraceId: event.networkTraceId,
        detail: {},
      });
    },
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const stepMs = 20;
  for (let waitedMs = 0; waitedMs < timeoutMs; waitedMs += stepMs) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  throw new Error(`the Mastercard network did not sign on to the issuer processor within ${timeoutMs} ms`);
}
