// A whole MPP server process (startMppServer, as the CLI runs it) for tests that must watch the process
// itself survive: configuration overrides come as JSON in SERVER_CHILD_CONFIG, keys as PEM text. Prints
// {"port": n} on stdout once listening and runs until killed. Logs go to stderr.
import { loadPrivateKey, loadPublicKey } from '@tapkit/protocol/node';
import { loadConfig } from '../../src/config.ts';
import { startMppServer } from '../../src/server.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`server-child: ${name} is not set`);
  return value;
};

const signingKey = loadPrivateKey(env('SERVER_CHILD_MPP_PRIVATE_KEY'));
const alipayKey = loadPublicKey(env('SERVER_CHILD_ALIPAY_PUBLIC_KEY'));
if (!signingKey.ok || !alipayKey.ok) throw new Error('server-child: keys did not load');
const loaded = loadConfig({ env: {}, overrides: JSON.parse(env('SERVER_CHILD_CONFIG')) });
if (!loaded.ok) throw new Error(loaded.error.message);
const server = await startMppServer(loaded.value, {
  keys: {
    signingKey: { key: signingKey.value, keyVersion: '1' },
    alipayPlusVerifyKeys: new Map([['1', alipayKey.value]]),
  },
  logStream: process.stderr,
  handleSignals: true,
});
process.stdout.write(`${JSON.stringify({ port: Number(new URL(server.url).port) })}\n`);
