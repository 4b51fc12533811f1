import type { AddressInfo } from 'node:net';
import type { Clock, VirtualClock } from '@tapkit/protocol';
import { generateRsaKeyPair, loadPrivateKey, loadPublicKey, SignedClient } from '@tapkit/protocol/node';
import type { FastifyInstance } from 'fastify';
import type { DbHandle } from '../../src/adapters/db/open.ts';
import { counterIds } from '../../src/adapters/ids.ts';
import { buildMppApp, type MppAppConfig } from '../../src/app.ts';

// Runs the real MPP app on a loopback port and gives a real signed Alipay+ client for it.

export const ALIPAY_CLIENT_ID = 'ALIPAYPLUS_TEST';

function keyPair() {
  const pair = generateRsaKeyPair();
  const privateKey = loadPrivateKey(pair.privateKeyPem);
  const publicKey = loadPublicKey(pair.publicKeyPem);
  if (!privateKey.ok || !publicKey.ok) throw new Error('test keys failed to load');
  return { privateKey: privateKey.value, publicKey: publicKey.value };
}

// RSA key generation is slow; one pair per party per test process is enough.
const mppKeys = keyPair();
const alipayKeys = keyPair();

export interface RunningMpp {
  readonly app: FastifyInstance;
  readonly baseUrl: string;
  readonly client: SignedClient;
  /** A client signing with `clock` (for stale Request-Time tests). */
  clientWith(options: {
    clock?: Clock;
    signWithMppKey?: boolean;
    clientId?: string;
    freshnessMs?: number;
  }): SignedClient;
  close(): Promise<void>;
}

export async function startMpp(
  store: DbHandle,
  clock: VirtualClock,
  config: MppAppConfig = {},
): Promise<RunningMpp> {
  const app = buildMppApp({
    db: store,
    clock,
    config,
    ids: counterIds(),
    keys: {
      signingKey: { key: mppKeys.privateKey, keyVersion: '1' },
      alipayPeers: [{ clientId: ALIPAY_CLIENT_ID, verifyKeys: new Map([['1', alipayKeys.publicKey]]) }],
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const clients: SignedClient[] = [];
  const clientWith = (options: {
    clock?: Clock;
    signWithMppKey?: boolean;
    clientId?: string;
    freshnessMs?: number;
  }) => {
    const client = new SignedClient({
      baseUrl,
      clientId: options.clientId ?? ALIPAY_CLIENT_ID,
      signingKey: {
        key: options.signWithMppKey ? mppKeys.privateKey : alipayKeys.privateKey,
        keyVersion: '1',
      },
      peerVerifyKeys: new Map([['1', mppKeys.publicKey]]),
      clock: options.clock ?? clock,
      connectionsMax: 32,
      ...(options.freshnessMs === undefined ? {} : { freshnessMs: options.freshnessMs }),
    });
    clients.push(client);
    return client;
  };
  const client = clientWith({});
  return {
    app,
    baseUrl,
    client,
    clientWith,
    async close() {
      for (const c of clients) await c.close();
      await app.close();
    },
  };
}
