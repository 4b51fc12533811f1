import { loadConfig, type MppServerHandle, startMppServer, topUp } from '@tapkit/mpp-server';
import { amountOf, type Clock } from '@tapkit/protocol';
import type { DestinationStream } from 'pino';
import type { SystemKeys } from './keys.ts';

// The MPP server as `tapkit up` runs it: configured from the system's keys and URLs (the environment
// does not reach it: `tapkit mpp` is the command that reads TAPKIT_* variables), with the demo users.

/** Demo wallet users (tapkit): created on first start with a starting balance, idempotently. */
export const DEMO_USERS = [
  { username: 'alice', password: 'alice-tapkit', customerId: 'CUST-ALICE', startHkdMinor: 100_000n },
  { username: 'bob', password: 'bob-tapkit', customerId: 'CUST-BOB', startHkdMinor: 5_000n },
] as const;

/** (tapkit) The MPP's Client-Id on the Alipay+ interface (the mpp-server default). */
export const SYSTEM_MPP_CLIENT_ID = 'TAPKIT_MPP';

export interface StartMppOptions {
  readonly db: string;
  /** PostgreSQL: the schema of the MPP tables (created if missing). */
  readonly dbSchema?: string;
  readonly port: number;
  readonly clock: Clock;
  readonly keys: SystemKeys;
  readonly alipayPlusUrl: string;
  readonly tokenServiceUrl: string;
  readonly logLevel: string;
  readonly logStream?: DestinationStream;
}

export async function startSystemMpp(options: StartMppOptions): Promise<MppServerHandle> {
  const config = loadConfig({
    env: {},
    overrides: {
      db: options.db,
      ...(options.dbSchema === undefined ? {} : { dbSchema: options.dbSchema }),
      port: options.port,
      logLevel: options.logLevel,
      adminToken: options.keys.adminToken,
      clientId: SYSTEM_MPP_CLIENT_ID,
      privateKeyFile: options.keys.mpp.privatePath,
      alipayPlusPublicKeyFiles: `1=${options.keys.alipayPlus.publicPath}`,
      alipayPlusUrl: options.alipayPlusUrl,
      tokenServiceUrl: options.tokenServiceUrl,
      tokenServiceSecret: options.keys.mppTokenServiceSecret,
      shutdownTimeoutMs: 5_000,
      users: DEMO_USERS.map((u) => ({
        username: u.username,
        password: u.password,
        customerId: u.customerId,
        currencies: ['HKD'],
      })),
    },
  });
  if (!config.ok) throw new Error(config.error.message);
  const mpp = await startMppServer(config.value, {
    clock: options.clock,
    keys: {
      signingKey: { key: options.keys.mpp.privateKey, keyVersion: '1' },
      alipayPlusVerifyKeys: new Map([['1', options.keys.alipayPlus.publicKey]]),
    },
    ...(options.logStream === undefined ? {} : { logStream: options.logStream }),
  });
  try {
    for (const user of DEMO_USERS) {
      // Keyed by a fixed request id, so a restart does not top the wallets up again.
      const topped = await topUp(
        { store: mpp.db, clock: options.clock },
        {
          topupRequestId: `demo-start-${user.customerId}`,
          customerId: user.customerId,
          amount: amountOf('HKD', user.startHkdMinor),
        },
      );
      if (!topped.ok) throw new Error(`demo top-up of ${user.username} failed: ${topped.error}`);
    }
  } catch (error) {
    await mpp.close();
    throw error;
  }
  return mpp;
}
