// The real MPP server (@tapkit/mpp-server) on a loopback port, with its admin API, for tests that need
// Alipay+'s counterpart to talk to an MPP over HTTP.

import { loadConfig, type MppServerHandle, startMppServer } from '@tapkit/mpp-server';
import { type Clock, systemClock } from '@tapkit/protocol';
import { ADMIN_TOKEN, alipayKeys, MPP_CLIENT_ID, mppKeys } from './keys.ts';

export interface RealMppOptions {
  clock?: Clock;
  alipayPlusUrl?: string;
  tokenServiceUrl?: string;
  users?: { username: string; password: string; customerId: string; currencies: string[] }[];
}

export async function startRealMpp(options: RealMppOptions = {}): Promise<MppServerHandle> {
  const config = loadConfig({
    overrides: {
      db: ':memory:',
      port: 0,
      logLevel: 'silent',
      adminToken: ADMIN_TOKEN,
      clientId: MPP_CLIENT_ID,
      notifyEnabled: false,
      ...(options.alipayPlusUrl === undefined ? {} : { alipayPlusUrl: options.alipayPlusUrl }),
      ...(options.tokenServiceUrl === undefined ? {} : { tokenServiceUrl: options.tokenServiceUrl }),
      ...(options.users === undefined ? {} : { users: options.users }),
    },
  });
  if (!config.ok) throw new Error(config.error.message);
  return startMppServer(config.value, {
    clock: options.clock ?? systemClock,
    keys: {
      signingKey: { key: mppKeys.privateKey, keyVersion: '1' },
      alipayPlusVerifyKeys: new Map([['1', alipayKeys.publicKey]]),
    },
  });
}
