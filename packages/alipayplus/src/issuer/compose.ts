import { createReadStream } from 'node:fs';
import { type Clock, systemClock } from '@tapkit/protocol';
import { type DbHandle, openDatabase } from '@tapkit/storage';
import { issuerMigrations } from './adapters/db/migrations.ts';
import type { IssuerDatabase } from './adapters/db/schema.ts';
import {
  GATEWAY_CONFIG_DEFAULT,
  type GatewayConfig,
  type MppEndpoint,
  SignedMppGateway,
  StaticMppRouter,
} from './adapters/mpp-gateway.ts';
import { BookPaymentKnowledge } from './adapters/payment-knowledge.ts';
import { IssuerTcpServer } from './adapters/tcp-server.ts';
import { type IngestOptions, type IngestResult, ingestClearingFile } from './clearing.ts';
import type { IssuerConfig } from './config.ts';
import type { AuthorizationDecidedListener, IssuerLogger, MppGateway, MppRouter } from './ports.ts';
import { silentLogger } from './ports.ts';
import { IssuerProcessor } from './processor.ts';

// Wires the issuer processor: its database (own migrations), the signed MPP clients, the router, the
// processor, and the ISO 8583 TCP server the Mastercard network connects to.

export interface StartIssuerOptions {
  /** A database URL for openDatabase (SQLite path, :memory:, postgres://...) or an open handle. */
  readonly db: string | DbHandle<IssuerDatabase>;
  readonly mpps: readonly MppEndpoint[];
  readonly tcp: { readonly host?: string; readonly port: number };
  readonly clock?: Clock;
  /** Defaults to every token going to the first MPP. */
  readonly router?: MppRouter;
  readonly logger?: IssuerLogger;
  readonly config?: Partial<IssuerConfig>;
  readonly gateway?: Partial<GatewayConfig>;
  /** Replaces the signed MPP clients (tests of the processor alone). */
  readonly gatewayOverride?: MppGateway;
  /** (tapkit) The Ant server's recordTransactionResult, wired in process (see IssuerDeps). */
  readonly onAuthorizationDecided?: AuthorizationDecidedListener;
}

export interface RunningIssuer {
  readonly processor: IssuerProcessor;
  readonly handle: DbHandle<IssuerDatabase>;
  readonly host: string;
  readonly port: number;
  /** For the notifyPayment receiver (src/notify): what Alipay+ knows of a payment, news -> inquire now. */
  readonly paymentKnowledge: BookPaymentKnowledge;
  /** Ingests a clearing file from disk (streaming). */
  ingestClearingFile(path: string, options?: IngestOptions): Promise<IngestResult>;
  close(): Promise<void>;
}

export function openIssuerDatabase(url: string): Promise<DbHandle<IssuerDatabase>> {
  return openDatabase<IssuerDatabase>(url, { migrations: issuerMigrations });
}

export async function startIssuerProcessor(options: StartIssuerOptions): Promise<RunningIssuer> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const ownsDb = typeof options.db === 'string';
  const handle = typeof options.db === 'string' ? await openIssuerDatabase(options.db) : options.db;
  const gatewayConfig = { ...GATEWAY_CONFIG_DEFAULT, ...options.gateway };
  const gateway = options.gatewayOverride ?? new SignedMppGateway(options.mpps, clock, gatewayConfig);
  const router = options.router ?? new StaticMppRouter(options.mpps[0]?.mppId);
  const processor = new IssuerProcessor({
    handle,
    clock,
    gateway,
    router,
    logger,
    config: { paymentExpiryMs: gatewayConfig.paymentExpiryMs, ...options.config },
    ...(options.onAuthorizationDecided === undefined
      ? {}
      : { onAuthorizationDecided: options.onAuthorizationDecided }),
  });
  await processor.start();
  const server = new IssuerTcpServer({
    handler: (message) => processor.handle(message),
    logger,
    inFlightMax: processor.config.inFlightPerConnectionMax,
  });
  const address = await server.listen(options.tcp.port, options.tcp.host);
  return {
    processor,
    handle,
    host: address.host,
    port: address.port,
    paymentKnowledge: new BookPaymentKnowledge(handle.db, (id) => processor.expediteInquiry(id)),
    ingestClearingFile: (path, ingestOptions) =>
      ingestClearingFile(processor, createReadStream(path, { highWaterMark: 256 * 1024 }), ingestOptions),
    async close() {
      processor.stop();
      await server.close();
      await processor.idle();
      await gateway.close();
      if (ownsDb) await handle.close();
    },
  };
}
