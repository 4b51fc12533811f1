// The composition root of the Ant server and the notifyPayment receiver (the part of the Alipay+
// counterpart the MPPs and the Mastercard token service talk to over signed HTTP). Wires storage, the
// Mastercard management client, the signed clients to each MPP and the clock to the services, and the
// services to Fastify. Nothing else constructs these adapters.
import type { KeyObject } from 'node:crypto';
import { type Clock, TOKEN_APIS } from '@tapkit/protocol';
import { registerSignedApi, SignedClient, type SigningKey } from '@tapkit/protocol/node';
import type { NfcIssueConfig } from '@tapkit/protocol/wire/ant-sdk';
import type { DbHandle } from '@tapkit/storage';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { type CancelIdentity, signedCanceller } from '../notify/canceller.ts';
import { createKyselyNotifyStore, NOTIFY_MIGRATIONS, type NotifyDatabase } from '../notify/db.ts';
import type { MppCanceller, PaymentKnowledge } from '../notify/ports.ts';
import { NotifyReceiver } from '../notify/receiver.ts';
import {
  ANT_MIGRATIONS,
  type AntDatabase,
  type AntServerDatabase,
  createKyselyAntStore,
  lookupTokenOwner,
  type TokenOwner,
} from './adapters/db.ts';
import { MastercardTokensHttp } from './adapters/mastercard-http.ts';
import type { AuthorizationDecidedInput, MastercardTokenManagement } from './ports.ts';
import { AntService } from './service.ts';

export type { AntServerDatabase };

/** Every migration of the Ant server's database (the Ant tables and the notify receipts). */
export const ANT_SERVER_MIGRATIONS: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { ...ANT_MIGRATIONS, ...NOTIFY_MIGRATIONS };
  },
};

export interface MppPeerConfig {
  /** The Client-Id of the MPP on the Alipay+ interface, both directions. */
  readonly clientId: string;
  /** The MPP's public keys by keyVersion. */
  readonly verifyKeys: ReadonlyMap<string, KeyObject>;
  /** The MPP server's base URL (cancelPayment goes there). */
  readonly baseUrl: string;
  readonly secondaryConfirmationRequired?: boolean;
  /** The remote configuration (`nfc_issue_config`) this MPP's SDKs read on connect. */
  readonly nfcIssueConfig?: NfcIssueConfig;
}

export interface TokenServicePeerConfig {
  /** The Client-Id the token service signs authorizeService / notifyTokenUpdated with. */
  readonly clientId: string;
  readonly verifyKeys: ReadonlyMap<string, KeyObject>;
  /** Base URL of the token service's management API (/mdes/v1/tokens). */
  readonly baseUrl: string;
  /** The Ant server's bearer secret there. */
  readonly bearerSecret: string;
  readonly timeoutMs?: number;
}

export interface AntServerOptions {
  readonly db: DbHandle<AntServerDatabase>;
  readonly clock: Clock;
  /** Alipay+'s own key: signs every answer and every call to an MPP. */
  readonly signingKey: SigningKey;
  readonly mpps: readonly MppPeerConfig[];
  readonly tokenService: TokenServicePeerConfig;
  /** What Alipay+ knows of the payments it sent (the issuer processor's book). */
  readonly paymentKnowledge: PaymentKnowledge;
  readonly cancelIdentity?: CancelIdentity;
  readonly freshnessMs?: number;
  readonly fastify?: FastifyServerOptions;
  /** Doubles for tests; the real adapters otherwise. */
  readonly mastercard?: MastercardTokenManagement;
  readonly canceller?: MppCanceller;
}

export interface AntServerApp {
  readonly app: FastifyInstance;
  readonly ant: AntService;
  readonly notify: NotifyReceiver;
  /** The owner of an approved token (the issuer processor's customerId and MPP for a pay). */
  lookupTokenOwner(tokenUniqueReference: string): Promise<TokenOwner | undefined>;
  /**
   * (tapkit) The issuer processor's `onAuthorizationDecided` port: records the result in the token
   * owner's NOTIFY feed (TRANSACTION_RESULT), where the SDK learns a decline it cannot see otherwise.
   */
  recordTransactionResult(event: AuthorizationDecidedInput): Promise<void>;
  /** Closes the HTTP server, the clients and pending cancel retries (not the database). */
  close(): Promise<void>;
}

/** (tapkit) acquirerId / pspId on the cancelPayment calls the notify receiver originates. */
export const CANCEL_IDENTITY_DEFAULT: CancelIdentity = {
  acquirerId: 'TAPKIT_ACQUIRER',
  pspId: 'TAPKIT_ALIPAYPLUS',
};

export function buildAntServerApp(options: AntServerOptions): AntServerApp {
  const app = Fastify(options.fastify ?? { logger: false });
  const db = options.db.db as unknown as Kysely<AntServerDatabase>;
  const mastercardHttp =
    options.mastercard === undefined
      ? new MastercardTokensHttp({
          baseUrl: options.tokenService.baseUrl,
          bearerSecret: options.tokenService.bearerSecret,
          ...(options.tokenService.timeoutMs === undefined
            ? {}
            : { timeoutMs: options.tokenService.timeoutMs }),
        })
      : undefined;
  const ant = new AntService({
    store: createKyselyAntStore(db as unknown as Kysely<AntDatabase>),
    mastercard: options.mastercard ?? (mastercardHttp as MastercardTokensHttp),
    clock: options.clock,
    mpps: options.mpps,
    logger: app.log,
  });
  const clients = new Map(options.mpps.map((mpp) => [mpp.clientId, mppClient(mpp, options)]));
  const notify = new NotifyReceiver({
    store: createKyselyNotifyStore(db as unknown as Kysely<NotifyDatabase>),
    knowledge: options.paymentKnowledge,
    canceller:
      options.canceller ?? signedCanceller(clients, options.cancelIdentity ?? CANCEL_IDENTITY_DEFAULT),
    clock: options.clock,
    logger: app.log,
  });
  // Cancels a previous process left PENDING start again once the app is ready to serve.
  app.addHook('onReady', async () => {
    await notify.resumePending();
  });
  registerMppRoutes(app, options, ant, notify);
  registerTokenServiceRoutes(app, options, ant);
  return {
    app,
    ant,
    notify,
    lookupTokenOwner: (tokenUniqueReference) =>
      lookupTokenOwner(db as unknown as Kysely<AntDatabase>, tokenUniqueReference),
    recordTransactionResult: (event) => ant.recordTransactionResult(event),
    async close() {
      notify.close();
      await app.close();
      await notify.drain();
      await Promise.allSettled([...clients.values()].map((client) => client.close()));
      await mastercardHttp?.close();
    },
  };
}

function mppClient(mpp: MppPeerConfig, options: AntServerOptions): SignedClient {
  return new SignedClient({
    baseUrl: mpp.baseUrl,
    clientId: mpp.clientId,
    signingKey: options.signingKey,
    peerVerifyKeys: mpp.verifyKeys,
    clock: options.clock,
    ...(options.freshnessMs === undefined ? {} : { freshnessMs: options.freshnessMs }),
  });
}

function registerMppRoutes(
  app: FastifyInstance,
  options: AntServerOptions,
  ant: AntService,
  notify: NotifyReceiver,
) {
  const peers = new Map(options.mpps.map((mpp) => [mpp.clientId, mpp]));
  const router = registerSignedApi(app, {
    resolvePeer: (clientId) => {
      const peer = peers.get(clientId);
      return peer === undefined
        ? undefined
        : { clientId, verifyKeys: peer.verifyKeys, signingKey: options.signingKey };
    },
    defaultSigningKey: options.signingKey,
    clock: options.clock,
    ...(options.freshnessMs === undefined ? {} : { freshnessMs: options.freshnessMs }),
  });
  router.route('sdkProxy', (body, ctx) => ant.handleSdkProxy(ctx.clientId, body));
  router.route('notifyPayment', (body, ctx) => notify.receive(ctx.clientId, body));
}

function registerTokenServiceRoutes(app: FastifyInstance, options: AntServerOptions, ant: AntService) {
  const peer = options.tokenService;
  const router = registerSignedApi(app, {
    catalog: TOKEN_APIS,
    resolvePeer: (clientId) =>
      clientId === peer.clientId
        ? { clientId, verifyKeys: peer.verifyKeys, signingKey: options.signingKey }
        : undefined,
    defaultSigningKey: options.signingKey,
    clock: options.clock,
    // The MPP routes' context already answers every other /aps/ path.
    answerUnknownApis: false,
    ...(options.freshnessMs === undefined ? {} : { freshnessMs: options.freshnessMs }),
  });
  router.route('authorizeService', (body) => ant.authorizeService(body));
  router.route('notifyTokenUpdated', (body) => ant.notifyTokenUpdated(body));
}
