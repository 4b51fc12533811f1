// The composition root of the Alipay+ counterpart: the issuer processor (ISO 8583 TCP, its own database)
// and the Ant server + notifyPayment receiver + authorization inspection routes (HTTP, another database),
// configured with one MPP and the Mastercard token service. `tapkit up`, `tapkit alipayplus` and the
// tests build the counterpart through createAlipayPlus.
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Clock } from '@tapkit/protocol';
import type { SigningKey } from '@tapkit/protocol/node';
import type { NfcIssueConfig } from '@tapkit/protocol/wire/ant-sdk';
import { type DbHandle, openDatabase } from '@tapkit/storage';
import type { FastifyServerOptions } from 'fastify';
import {
  ANT_SERVER_MIGRATIONS,
  type AntServerApp,
  type AntServerDatabase,
  buildAntServerApp,
} from './ant/app.ts';
import { issuerMigrations } from './issuer/adapters/db/migrations.ts';
import type { IssuerDatabase } from './issuer/adapters/db/schema.ts';
import { registerIssuerRoutes } from './issuer/adapters/http.ts';
import { BookPaymentKnowledge } from './issuer/adapters/payment-knowledge.ts';
import { type RunningIssuer, startIssuerProcessor } from './issuer/compose.ts';
import type { IssuerLogger } from './issuer/ports.ts';

export interface AlipayPlusConfig {
  /** Database URLs (openDatabase) of the Ant server and of the issuer processor. */
  readonly antDbUrl: string;
  readonly issuerDbUrl: string;
  /** PostgreSQL: the Ant server's schema (created if missing); SQLite ignores it. */
  readonly antDbSchema?: string;
  /** PostgreSQL: the issuer processor's schema (created if missing); SQLite ignores it. */
  readonly issuerDbSchema?: string;
  readonly clock: Clock;
  /** Alipay+'s own key: signs every answer and every call to the MPP. */
  readonly signingKey: SigningKey;
  /** The host the HTTP and TCP servers listen on. */
  readonly host: string;
  readonly httpPort: number;
  readonly issuerPort: number;
  readonly mpp: {
    readonly clientId: string;
    readonly url: string;
    readonly verifyKey: KeyObject;
    /** The MPP's remote configuration the SDK reads on connect (`nfc_issue_config`). */
    readonly nfcIssueConfig: NfcIssueConfig;
  };
  readonly tokenService: {
    readonly clientId: string;
    readonly url: string;
    readonly verifyKey: KeyObject;
    /** The Ant server's bearer secret at the token service's management API. */
    readonly bearerSecret: string;
  };
  readonly logger: IssuerLogger;
  readonly fastify: FastifyServerOptions;
}

export interface AlipayPlus {
  readonly ant: AntServerApp;
  readonly issuer: RunningIssuer;
  readonly antDb: DbHandle<AntServerDatabase>;
  readonly url: string;
  close(): Promise<void>;
}

export async function createAlipayPlus(config: AlipayPlusConfig): Promise<AlipayPlus> {
  // The issuer routes each token to the MPP the Ant server approved it for; the Ant server is built
  // after the issuer (it reads the issuer's book), so the router looks it up late.
  let ant: AntServerApp | undefined;
  // Opened here rather than by the processor, so that it can be given its own PostgreSQL schema; the
  // processor does not close a handle it was given, so close() below does.
  const issuerDb = await openDatabase<IssuerDatabase>(
    config.issuerDbUrl,
    withSchema({ migrations: issuerMigrations }, config.issuerDbSchema),
  );
  const issuer = await startIssuer(config, issuerDb, () => ant).catch(async (error: unknown) => {
    await issuerDb.close();
    throw error;
  });
  let antDb: DbHandle<AntServerDatabase> | undefined;
  try {
    antDb = await openDatabase<AntServerDatabase>(
      config.antDbUrl,
      withSchema({ migrations: ANT_SERVER_MIGRATIONS }, config.antDbSchema),
    );
    ant = antServer(config, antDb, issuer);
    registerIssuerRoutes(ant.app, issuer.processor);
    await ant.app.listen({ host: config.host, port: config.httpPort });
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
    // The port the server got, so that port 0 (any free port) gives a usable URL.
    url: `http://${config.host}:${(running.app.server.address() as AddressInfo).port}`,
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

function startIssuer(
  config: AlipayPlusConfig,
  db: DbHandle<IssuerDatabase>,
  antOf: () => AntServerApp | undefined,
): Promise<RunningIssuer> {
  return startIssuerProcessor({
    db,
    mpps: [
      {
        mppId: config.mpp.clientId,
        baseUrl: config.mpp.url,
        clientId: config.mpp.clientId,
        signingKey: config.signingKey,
        peerVerifyKeys: new Map([['1', config.mpp.verifyKey]]),
      },
    ],
    tcp: { host: config.host, port: config.issuerPort },
    clock: config.clock,
    router: {
      mppOf: async ({ tokenUniqueReference }) =>
        (await antOf()?.lookupTokenOwner(tokenUniqueReference))?.mppClientId,
    },
    // The SDK learns a tap's outcome (e.g. 51) from the Ant server's NOTIFY feed; bound late like the router.
    onAuthorizationDecided: (event) => antOf()?.recordTransactionResult(event),
    logger: config.logger,
  });
}

function antServer(
  config: AlipayPlusConfig,
  db: DbHandle<AntServerDatabase>,
  issuer: RunningIssuer,
): AntServerApp {
  return buildAntServerApp({
    db,
    clock: config.clock,
    signingKey: config.signingKey,
    mpps: [
      {
        clientId: config.mpp.clientId,
        verifyKeys: new Map([['1', config.mpp.verifyKey]]),
        baseUrl: config.mpp.url,
        nfcIssueConfig: config.mpp.nfcIssueConfig,
      },
    ],
    tokenService: {
      clientId: config.tokenService.clientId,
      verifyKeys: new Map([['1', config.tokenService.verifyKey]]),
      baseUrl: config.tokenService.url,
      bearerSecret: config.tokenService.bearerSecret,
    },
    paymentKnowledge: new BookPaymentKnowledge(issuer.handle.db),
    fastify: config.fastify,
  });
}
