// The composition root of the token service: wires storage, the Alipay+ client, the clock, randomness and
// the block cipher to the service, and the service to Fastify. Nothing else constructs adapters.
import type { BlockCipher } from '@tapkit/emv';
import { nodeBlockCipher } from '@tapkit/emv/node-crypto';
import type { Clock } from '@tapkit/protocol';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { DbHandle } from '../adapters/db/open.ts';
import { createKyselyTokenStore } from '../adapters/db/token-store.ts';
import type { TokenDirectory } from '../ports.ts';
import { type AlipayPlusHttpOptions, AlipayPlusTokenClient } from './adapters/alipayplus-http.ts';
import { HTTP_BODY_BYTES_MAX, registerTokenServiceRoutes } from './adapters/http.ts';
import { loadEncryptionKey, nodeRandom } from './adapters/node-keys.ts';
import type { IssuerApproval, Logger, Random, TokenUpdateNotifier } from './ports.ts';
import { TokenService, type TokenServiceConfig } from './service.ts';
import { createTokenDirectory } from './token-directory.ts';

export interface TokenServiceAppDeps {
  database: DbHandle;
  /** Alipay+ over signed HTTP, or doubles (tests). */
  alipayPlus:
    | { http: Omit<AlipayPlusHttpOptions, 'clock'> }
    | { issuer: IssuerApproval; notifier: TokenUpdateNotifier };
  clock: Clock;
  /** The environment's IMK-AC, 16 bytes. */
  imk: Uint8Array;
  /** The token service's RSA key (devices seal their registration to it): PEM or base64 DER. */
  encryptionKey: { keyId: string; privateKeyText: string };
  mppBearerSecret: string | null;
  antBearerSecret: string;
  config?: Partial<TokenServiceConfig>;
  random?: Random;
  cipher?: BlockCipher;
  /** Fastify's logger option; off by default. Logs never carry keys or full PANs. */
  logger?: FastifyServerOptions['logger'];
}

export interface TokenServiceApp {
  app: FastifyInstance;
  service: TokenService;
  /** For the network: token state and MK by token PAN. */
  directory: TokenDirectory;
  /** Closes the HTTP server and the Alipay+ client (not the database: the caller opened it). */
  close(): Promise<void>;
}

export async function buildTokenServiceApp(deps: TokenServiceAppDeps): Promise<TokenServiceApp> {
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: HTTP_BODY_BYTES_MAX });
  const client =
    'http' in deps.alipayPlus
      ? new AlipayPlusTokenClient({ ...deps.alipayPlus.http, clock: deps.clock })
      : undefined;
  const issuer = client ?? ('issuer' in deps.alipayPlus ? deps.alipayPlus.issuer : undefined);
  const notifier = client ?? ('notifier' in deps.alipayPlus ? deps.alipayPlus.notifier : undefined);
  if (issuer === undefined || notifier === undefined)
    throw new Error('alipayPlus: give http options or doubles');
  const store = createKyselyTokenStore(deps.database.db);
  const service = new TokenService({
    store,
    issuer,
    notifier,
    clock: deps.clock,
    random: deps.random ?? nodeRandom,
    cipher: deps.cipher ?? nodeBlockCipher,
    imk: deps.imk,
    encryptionKey: await loadEncryptionKey(deps.encryptionKey),
    logger: app.log as Logger,
    config: deps.config,
  });
  registerTokenServiceRoutes(app, {
    service,
    mppBearerSecret: deps.mppBearerSecret,
    antBearerSecret: deps.antBearerSecret,
  });
  service.start();
  return {
    app,
    service,
    directory: createTokenDirectory({ store, service }),
    async close() {
      await app.close();
      await service.stop();
      await client?.close();
    },
  };
}
