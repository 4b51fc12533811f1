import type { KeyObject } from 'node:crypto';
import { registerSignedApi, type SigningKey } from '@tapkit/protocol/node';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { DbHandle } from './adapters/db/open.ts';
import { registerAlipayRoutes } from './adapters/http/alipay-routes.ts';
import { randomIds } from './adapters/ids.ts';
import type { LimitsByCurrency } from './domain/pay.ts';
import { createPaymentService, type PaymentService } from './payments.ts';
import type { Clock, ErrorSink, IdSource } from './ports.ts';

// The composition root: wires storage, clock, keys and configuration into the Fastify app. Nothing else
// constructs adapters.

export interface AlipayPeer {
  /** The Client-Id Alipay+ signs its requests with. */
  readonly clientId: string;
  /** Alipay+'s public keys by keyVersion (two during a rotation). */
  readonly verifyKeys: ReadonlyMap<string, KeyObject>;
}

export interface MppKeys {
  /** The MPP's own private key, signing every answer. */
  readonly signingKey: SigningKey;
  readonly alipayPeers: readonly AlipayPeer[];
}

export interface MppAppConfig {
  readonly limits?: LimitsByCurrency;
  /** Accepted Request-Time skew; the protocol default (5 min) when absent. */
  readonly freshnessMs?: number;
  /** Largest signed request body; the protocol default (64 KiB) when absent. */
  readonly bodyBytesMax?: number;
  /** How long payments stay refundable; at least and by default 366 days (doc). */
  readonly refundWindowDays?: number;
  /** Hosts a pay's paymentNotifyUrl may name (see notifyUrlOf); none when absent. */
  readonly notifyUrlHostsAllowed?: readonly string[];
}

export interface BuildMppAppOptions {
  readonly db: DbHandle;
  readonly clock: Clock;
  readonly config: MppAppConfig;
  readonly keys: MppKeys;
  readonly ids?: IdSource;
  readonly fastify?: FastifyServerOptions;
  readonly onError?: ErrorSink;
}

/** A route as Fastify registered it: one per method (HEAD included). */
export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The payment service behind the Alipay+ routes, for the other parts of the app (and tests). */
    payments: PaymentService;
    /** Every route registered on the app, in every scope (filled as Fastify adds them). */
    registeredRoutes: readonly RegisteredRoute[];
  }
}

/** Builds the MPP server's Fastify app (not listening). */
export function buildMppApp(options: BuildMppAppOptions): FastifyInstance {
  const app = Fastify(options.fastify ?? { logger: false });
  // Before any route: the OpenAPI coverage test compares this list with the document.
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  app.decorate('registeredRoutes', routes);
  const service = createPaymentService({
    store: options.db,
    clock: options.clock,
    ids: options.ids ?? randomIds,
    ...(options.config.limits === undefined ? {} : { limits: options.config.limits }),
    ...(options.config.refundWindowDays === undefined
      ? {}
      : { refundWindowDays: options.config.refundWindowDays }),
    onError:
      options.onError ??
      ((error, context) =>
        app.log.error(
          {
            ...context,
            errorName: error instanceof Error ? error.name : typeof error,
            errorMessage: String(error),
          },
          'payment service failed',
        )),
  });
  app.decorate('payments', service);
  const peers = new Map(options.keys.alipayPeers.map((peer) => [peer.clientId, peer]));
  const router = registerSignedApi(app, {
    resolvePeer: (clientId) => {
      const peer = peers.get(clientId);
      return peer === undefined ? undefined : { ...peer, signingKey: options.keys.signingKey };
    },
    defaultSigningKey: options.keys.signingKey,
    clock: options.clock,
    ...(options.config.freshnessMs === undefined ? {} : { freshnessMs: options.config.freshnessMs }),
    ...(options.config.bodyBytesMax === undefined ? {} : { bodyBytesMax: options.config.bodyBytesMax }),
  });
  registerAlipayRoutes(router, service, {
    logger: app.log,
    notifyUrlHostsAllowed: options.config.notifyUrlHostsAllowed ?? [],
  });
  return app;
}
