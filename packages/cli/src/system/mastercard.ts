import { randomUUID } from 'node:crypto';
import {
  type AuthorizationEntry,
  type AuthorizationLog,
  buildTokenServiceApp,
  type ClearingFileDelivery,
  ClearingService,
  type DbHandle,
  ExpiryTracker,
  KyselyAdviceStore,
  KyselyAtcLedger,
  KyselyAuthorizationLog,
  KyselyClearingStore,
  KyselyExpiryStore,
  migrateNetworkSchema,
  type NetworkEventListener,
  type NetworkLogger,
  openDatabase,
  type RunningNetwork,
  startNetwork,
  type TokenServiceApp,
} from '@tapkit/mastercard';
import type { Clock } from '@tapkit/protocol';
import type { Kysely } from 'kysely';
import type { SystemJournal } from './journal.ts';
import type { SystemKeys } from './keys.ts';
import { SYSTEM_HOST } from './port-plan.ts';

// The Mastercard counterpart as `tapkit up` runs it: the token service (HTTP) and the network (acquirer
// entry and issuer link over ISO 8583 TCP) on one database, with expiry tracking and the clearing desk.

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

export interface MastercardParty {
  readonly tokenService: TokenServiceApp;
  readonly network: RunningNetwork;
  readonly clearing: ClearingService;
  readonly expiry: ExpiryTracker;
  readonly authorizations: AuthorizationLog;
  readonly db: DbHandle;
  readonly tokenServiceUrl: string;
  close(): Promise<void>;
}

export interface StartMastercardOptions {
  readonly dbUrl: string;
  /** PostgreSQL: the schema of the token service and network tables (created if missing). */
  readonly dbSchema?: string;
  readonly clock: Clock;
  readonly keys: SystemKeys;
  readonly tokenServicePort: number;
  readonly acquirerPort: number;
  readonly issuerPort: number;
  /** Default: loopback (one process). */
  readonly issuerHost?: string;
  readonly alipayPlusUrl: string;
  readonly provisioningDelayMs: { minMs: number; maxMs: number };
  readonly clearingDir: string;
  readonly delivery: ClearingFileDelivery;
  readonly journal: SystemJournal;
  readonly logger: NetworkLogger;
  /** Start only once the issuer link signed on (one process: the issuer is up); false keeps retrying. */
  readonly requireIssuer?: boolean;
}

export async function startMastercard(options: StartMastercardOptions): Promise<MastercardParty> {
  const db = await openDatabase(
    options.dbUrl,
    options.dbSchema === undefined ? {} : { schema: options.dbSchema },
  );
  const cleanups: (() => Promise<void>)[] = [() => db.close()];
  try {
    const raw = db.db as unknown as Kysely<unknown>;
    await migrateNetworkSchema(raw);
    const tokenService = await startTokenService(options, db);
    cleanups.unshift(() => tokenService.close());
    const expiry = expiryTracker(options, raw);
    await expiry.restore();
    const authorizations = new KyselyAuthorizationLog(raw);
    const network = await startNetwork({
      issuer: { host: options.issuerHost ?? SYSTEM_HOST, port: options.issuerPort },
      acquirer: { host: SYSTEM_HOST, port: options.acquirerPort },
      tokens: tokenService.directory,
      atcLedger: new KyselyAtcLedger(raw),
      authorizations,
      adviceStore: new KyselyAdviceStore(raw),
      clock: options.clock,
      logger: options.logger,
      events: journaled(expiry, options.journal, options.clock),
      config: { issuerTimeoutMs: NETWORK_ISSUER_TIMEOUT_MS },
    });
    cleanups.unshift(() => network.stop());
    if (options.requireIssuer !== false)
      await waitFor(() => network.issuerLink.isConnected(), issuerSignOnWaitMs);
    const clearing = new ClearingService({
      clock: options.clock,
      authorizations,
      tokens: tokenService.directory,
      delivery: options.delivery,
      onPresented: (trace) => void expiry.cleared(trace),
      directory: options.clearingDir,
      store: new KyselyClearingStore(raw),
      newRecordId: randomUUID,
      pendingRecordsMax: clearingPendingRecordsMax,
    });
    return {
      tokenService,
      network,
      clearing,
      expiry,
      authorizations,
      db,
      tokenServiceUrl: `http://${SYSTEM_HOST}:${options.tokenServicePort}`,
      async close() {
        await network.stop();
        await tokenService.close();
        await expiry.flushed();
        await db.close();
      },
    };
  } catch (error) {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
    throw error;
  }
}

async function startTokenService(options: StartMastercardOptions, db: DbHandle): Promise<TokenServiceApp> {
  const { keys } = options;
  const tokenService = await buildTokenServiceApp({
    database: db,
    alipayPlus: {
      http: {
        baseUrl: options.alipayPlusUrl,
        clientId: MASTERCARD_CLIENT_ID,
        signingKey: { key: keys.mastercard.privateKey, keyVersion: '1' },
        peerVerifyKeys: new Map([['1', keys.alipayPlus.publicKey]]),
      },
    },
    clock: options.clock,
    imk: keys.imk,
    encryptionKey: { keyId: encryptionKeyId, privateKeyText: keys.tokenServiceEncryptionPem },
    mppBearerSecret: keys.mppTokenServiceSecret,
    antBearerSecret: keys.antTokenServiceSecret,
    config: { provisioningDelay: options.provisioningDelayMs },
  });
  try {
    await tokenService.app.listen({ host: SYSTEM_HOST, port: options.tokenServicePort });
  } catch (error) {
    await tokenService.close();
    throw error;
  }
  return tokenService;
}

function expiryTracker(options: StartMastercardOptions, raw: Kysely<unknown>): ExpiryTracker {
  return new ExpiryTracker({
    clock: options.clock,
    store: new KyselyExpiryStore(raw),
    // The issuer processor keeps its own expiry timers from the same rules; the network's event is what
    // the timeline shows as "the network let the authorization lapse".
    listener: {
      authorizationExpired: (event) =>
        options.journal.add({
          atMs: event.expiredAtMs,
          party: 'MASTERCARD',
          step: 'AUTHORIZATION_EXPIRED',
          networkTraceId: event.networkTraceId,
          detail: { type: event.type, authorizedAtMs: event.authorizedAtMs },
        }),
    },
    onListenerError: (error) => options.logger.error({ error: String(error) }, 'expiry tracking failed'),
  });
}

/** The network's events go to expiry tracking and to the system journal. */
function journaled(expiry: ExpiryTracker, journal: SystemJournal, clock: Clock): NetworkEventListener {
  return {
    authorizationApproved(entry: AuthorizationEntry) {
      expiry.authorizationApproved(entry);
    },
    authorizationReversed(event) {
      expiry.authorizationReversed(event);
      journal.add({
        atMs: event.atMs ?? clock.nowMs(),
        party: 'MASTERCARD',
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
