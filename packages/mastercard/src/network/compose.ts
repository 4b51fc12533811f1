import { randomUUID } from 'node:crypto';
import { createEmvCrypto } from '@tapkit/emv';
import { nodeBlockCipher } from '@tapkit/emv/node-crypto';
import type { Clock } from '@tapkit/protocol';
import type { AtcLedger, TokenDirectory } from '../ports.ts';
import { AcquirerServer } from './adapters/acquirer-server.ts';
import { randomNetworkIds } from './adapters/ids.ts';
import { defaultIssuerLinkReconnect, TcpIssuerLink } from './adapters/issuer-link.ts';
import { InMemoryAdviceStore, InMemoryAuthorizationLog } from './adapters/memory.ts';
import { AdviceSender, type AdviceSenderConfig, defaultAdviceSenderConfig } from './advice-sender.ts';
import type { NetworkLogger } from './logger.ts';
import type { AdviceStore, AuthorizationLog, NetworkEventListener, NetworkIds } from './ports.ts';
import { defaultNetworkConfig, type NetworkConfig, NetworkService } from './service.ts';

// Wires the network's adapters for the composition root (src/app.ts) and the tests: the link to the
// issuer processor, the acquirer entry point, the advice sender and the service between them.

export interface StartNetworkOptions {
  readonly issuer: { host: string; port: number };
  /** Acquirer entry point; port 0 picks a free one. */
  readonly acquirer: { host?: string; port: number };
  readonly tokens: TokenDirectory;
  readonly atcLedger: AtcLedger;
  readonly clock: Clock;
  readonly logger: NetworkLogger;
  readonly events: NetworkEventListener;
  readonly config?: Partial<NetworkConfig>;
  readonly advice?: Partial<AdviceSenderConfig>;
  /** Durable stores (KyselyAuthorizationLog, KyselyAdviceStore); in memory when absent (tests). */
  readonly authorizations?: AuthorizationLog;
  readonly adviceStore?: AdviceStore;
  readonly ids?: NetworkIds;
}

export interface RunningNetwork {
  readonly service: NetworkService;
  readonly issuerLink: TcpIssuerLink;
  readonly advices: AdviceSender;
  readonly authorizations: AuthorizationLog;
  readonly acquirerPort: number;
  stop(): Promise<void>;
}

export async function startNetwork(options: StartNetworkOptions): Promise<RunningNetwork> {
  const { clock, logger } = options;
  const issuerLink = new TcpIssuerLink(
    {
      host: options.issuer.host,
      port: options.issuer.port,
      reconnect: defaultIssuerLinkReconnect,
      pendingCountMax: 4_096,
      signOnTimeoutMs: 8_000,
    },
    { clock, logger },
  );
  await issuerLink.start();
  const advices = new AdviceSender(
    {
      issuer: issuerLink,
      store: options.adviceStore ?? new InMemoryAdviceStore(),
      clock,
      logger,
      newAdviceId: randomUUID,
    },
    { ...defaultAdviceSenderConfig, ...options.advice },
  );
  await advices.resume();
  const authorizations = options.authorizations ?? new InMemoryAuthorizationLog();
  const service = new NetworkService({
    tokens: options.tokens,
    atcLedger: options.atcLedger,
    issuer: issuerLink,
    authorizations,
    advices,
    events: options.events,
    ids: options.ids ?? randomNetworkIds,
    clock,
    crypto: createEmvCrypto(nodeBlockCipher),
    logger,
    config: { ...defaultNetworkConfig, ...options.config },
  });
  const server = new AcquirerServer(service, logger);
  const address = await server.listen(options.acquirer.port, options.acquirer.host);
  return {
    service,
    issuerLink,
    advices,
    authorizations,
    acquirerPort: address.port,
    async stop() {
      await server.close();
      issuerLink.stop();
    },
  };
}
