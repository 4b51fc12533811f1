// A bare MPP server process for the crash test: opens the database named in the environment, serves
// the signed Alipay+ routes on a loopback port, prints {"port": n} on stdout, and runs until killed.
import { systemClock } from '@tapkit/protocol';
import { loadPrivateKey, loadPublicKey } from '@tapkit/protocol/node';
import { openDatabase } from '../../src/adapters/db/open.ts';
import { buildMppApp } from '../../src/app.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`crash-child: ${name} is not set`);
  return value;
};

const signingKey = loadPrivateKey(env('CRASH_MPP_PRIVATE_KEY'));
const alipayKey = loadPublicKey(env('CRASH_ALIPAY_PUBLIC_KEY'));
if (!signingKey.ok || !alipayKey.ok) throw new Error('crash-child: keys did not load');
const schema = process.env.CRASH_DB_SCHEMA;
const db = await openDatabase(env('CRASH_DB_URL'), schema ? { schema } : {});
const app = buildMppApp({
  db,
  clock: systemClock,
  config: {},
  keys: {
    signingKey: { key: signingKey.value, keyVersion: '1' },
    alipayPeers: [{ clientId: env('CRASH_ALIPAY_CLIENT_ID'), verifyKeys: new Map([['1', alipayKey.value]]) }],
  },
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
);
