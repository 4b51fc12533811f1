import {
  ANT_SERVER_MIGRATIONS,
  type AntServerApp,
  type AntServerDatabase,
  BookPaymentKnowledge,
  buildAntServerApp,
  type IssuerDatabase,
  type IssuerLogger,
  issuerMigrations,
  type RunningIssuer,
  registerIssuerRoutes,
  startIssuerProcessor,
} from '@tapkit/alipayplus';
import type { Clock } from '@tapkit/protocol';
import type { NfcIssueConfig } from '@tapkit/protocol/wire/ant-sdk';
import { type DbHandle, openDatabase } from '@tapkit/storage';
import type { FastifyServerOptions } from 'fastify';
import type { SystemKeys } from './keys.ts';
import { MASTERCARD_CLIENT_ID } from './mastercard.ts';
import { SYSTEM_HOST } from './port-plan.ts';

// The Alipay+ counterpart as `tapkit up` runs it: the issuer processor (ISO 8583 TCP, its own database)
// and the Ant server + notifyPayment receiver + authorization inspection routes (HTTP, another database),
// configured with the one MPP of the system.

/**
 * The Ant server's remote configuration for the system's MPP (`nfc_issue_config`, tapkit values): the
 * SDK's activation polling by mode. Normal: the SDK's own defaults, 30 polls 2 s apart cover the 20-30 s
 * provisioning; fast: 200 ms apart for the 1-2 s one.
 */
export const NFC_ISSUE_CONFIGS = {
  normal: { applyTokenTimes: 30, applyTokenInterval: 2_000, activateTimes: 10, activateInterval: 1_000 },
  fast: { applyTokenTimes: 200, applyTokenInterval: 200, activateTimes: 100, activateInterval: 200 },
} as const;

export interface AlipayPlusParty {
  readonly ant: AntServerApp;
  readonly issuer: RunningIssuer;
  readonly antDb: DbHandle<AntServerDatabase>;
  readonly url: string;
  close(): Promise<void>;
}

export interface StartAlipayPlusOptions {
  readonly antDbUrl: string;
  readonly issuerDbUrl: string;
  /** PostgreSQL: the Ant server's schema (created if missing); SQLite ignores it. */
  readonly antDbSchema?: string;
  /** PostgreSQL: the issuer processor's schema (created if missing); SQLite ignores it. */
  readonly issuerDbSchema?: string;
  readonly clock: Clock;
  readonly keys: SystemKeys;
  readonly httpPort: number;
  readonly issuerPort: number;
  readonly mppClientId: string;
  readonly mppUrl: string;
  /** The MPP's remote configuration the SDK reads on connect (`nfc_issue_config`). */
  readonly nfcIssueConfig: NfcIssueConfig;
  readonly tokenServiceUrl: string;
  readonly logger: IssuerLogger;
  readonly fastify: FastifyServerOptions;
}

export async function startAlipayPlus(options: StartAlipayPlusOptions): Promise<AlipayPlusParty> {
  const { keys } = options;
  const signingKey = { key: keys.alipayPlus.privateKey, keyVersion: '1' };
  const mppVerifyKeys = new Map([['1', keys.mpp.publicKey]]);
  // The issuer routes each token to the MPP the Ant server approved it for; the Ant server is built
  // after the issuer (it reads the issuer's book), so the router looks it up late.
  let ant: AntServerApp | undefined;
  // Opened here rather than by the processor, so that it can be given its own PostgreSQL schema; the
  // processor does not close a handle it was given, so close() below does.
  const issuerDb = await openDatabase<IssuerDatabase>(
    options.issuerDbUrl,
    withSchema({ migrations: issuerMigrations }, options.issuerDbSchema),
  );
  const issuer = await startIssuerProcessor({
    db: issuerDb,
    mpps: [
      {
        mppId: options.mppClientId,
        baseUrl: options.mppUrl,
        clientId: options.mppClientId,
        signingKey,
        peerVerifyKeys: mppVerifyKeys,
      },
    ],
    tcp: { host: SYSTEM_HOST, port: options.issuerPort },
    clock: options.clock,
    router: {
      mppOf: async ({ tokenUniqueReference }) =>
        (await ant?.lookupTokenOwner(tokenUniqueReference))?.mppClientId,
    },
    // The SDK learns a tap's outcome (e.g. 51) from the Ant server's NOTIFY feed; bound late like the router.
    onAuthorizationDecided: (event) => ant?.recordTransactionResult(event),
    logger: options.logger,
  }).catch(async (error: unknown) => {
    await issuerDb.close();
    throw error;
  });
  let antDb: DbHandle<AntServerDatabase> | undefined;
  try {
    antDb = await openDatabase<AntServerDatabase>(
      options.antDbUrl,
      withSchema({ migrations: ANT_SERVER_MIGRATIONS }, options.antDbSchema),
    );
    ant = buildAntServerApp({
      db: antDb,
      clock: options.clock,
      signingKey,
      mpps: [
        {
          clientId: options.mppClientId,
          verifyKeys: mppVerifyKeys,
          baseUrl: options.mppUrl,
          nfcIssueConfig: options.nfcIssueConfig,
        },
      ],
      tokenService: {
        clientId: MASTERCARD_CLIENT_ID,
        verifyKeys: new Map([['1', keys.mastercard.publicKey]]),
        baseUrl: options.tokenServiceUrl,
        bearerSecret: keys.antTokenServiceSecret,
      },
      paymentKnowledge: new BookPaymentKnowledge(issuer.handle.db),
      fastify: options.fastify,
    });
    registerIssuerRoutes(ant.app, issuer.processor);
    await ant.app.listen({ host: SYSTEM_HOST, port: options.httpPort });
  } catch (error) {
    await ant?.close().catch(() => undefined);
    await antDb?.close().catch(() => undefined);
    await issuer.close().catch(() => undefined);
    await issuerDb.close().catch(() => undefined);
    throw error;
  }
  const running = ant;
  const runningDb = antDb;
  return {
    ant: running,
    issuer,
    antDb: runningDb,
    url: `http://${SYSTEM_HOST}:${options.httpPort}`,
    async close() {
      await running.close();
      await issuer.close();
      await issuerDb.close();
      await runningDb.close();
    },
  };
}

function withSchema<T extends object>(options: T, schema: string | undefined): T & { schema?: string } {
  return schema === undefined ? options : { ...options, schema };
}
