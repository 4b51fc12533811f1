import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '@tapkit/protocol';
import { loadPublicKey } from '@tapkit/protocol/node';
import pino from 'pino';
import { NFC_ISSUE_CONFIGS, startAlipayPlus } from './alipayplus.ts';
import { SystemJournal } from './journal.ts';
import { ensureSystemKeys, type SystemKeys } from './keys.ts';
import { startMastercard } from './mastercard.ts';
import { SYSTEM_MPP_CLIENT_ID } from './mpp.ts';

// `tapkit alipayplus` and `tapkit mastercard`: one counterpart alone, pointing at the others by URL, for
// people who bring their own pieces (like `tapkit mpp`). Keys and shared secrets come from the data
// folder's layout (the one `tapkit up` writes, so processes sharing a folder agree); a peer's public key
// can be named by file instead. Each runs until SIGINT / SIGTERM.

export interface AlipayPlusCommandOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly issuerPort: number;
  readonly mppUrl: string;
  readonly mppClientId?: string;
  readonly mppPublicKeyFile?: string;
  readonly tokenServiceUrl: string;
  readonly mastercardPublicKeyFile?: string;
  readonly logLevel: string;
}

export interface MastercardCommandOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly acquirerPort: number;
  /** host:port of the Alipay+ issuer processor. */
  readonly issuer: string;
  readonly alipayPlusUrl: string;
  readonly alipayPlusPublicKeyFile?: string;
  readonly fast: boolean;
  readonly logLevel: string;
}

export async function runAlipayPlus(options: AlipayPlusCommandOptions): Promise<number> {
  const dataDir = resolve(options.dataDir);
  const logger = pino({ level: options.logLevel });
  const keys = withPeerKeys(ensureSystemKeys(dataDir), {
    mpp: options.mppPublicKeyFile,
    mastercard: options.mastercardPublicKeyFile,
  });
  const party = await startAlipayPlus({
    antDbUrl: join(dataDir, 'alipayplus-ant.sqlite'),
    issuerDbUrl: join(dataDir, 'alipayplus-issuer.sqlite'),
    clock: systemClock,
    keys,
    httpPort: options.port,
    issuerPort: options.issuerPort,
    mppClientId: options.mppClientId ?? SYSTEM_MPP_CLIENT_ID,
    mppUrl: options.mppUrl,
    nfcIssueConfig: NFC_ISSUE_CONFIGS.normal,
    tokenServiceUrl: options.tokenServiceUrl,
    logger: logger.child({ party: 'alipayplus-issuer' }),
    fastify: { loggerInstance: logger },
  });
  console.log(
    [
      `Alipay+ is up. Ant server ${party.url}, issuer processor tcp://127.0.0.1:${options.issuerPort}`,
      `  MPP ${options.mppUrl} (Client-Id ${options.mppClientId ?? SYSTEM_MPP_CLIENT_ID}), token service ${options.tokenServiceUrl}`,
      `  its public key: ${keys.alipayPlus.publicPath}; the token service's bearer: ${join(dataDir, 'keys', 'ant-token-service-secret')}`,
    ].join('\n'),
  );
  await untilSignal();
  await party.close();
  return 0;
}

export async function runMastercard(options: MastercardCommandOptions): Promise<number> {
  const dataDir = resolve(options.dataDir);
  const issuer = /^([^:]+):([0-9]{1,5})$/.exec(options.issuer);
  if (issuer === null) {
    console.error(`tapkit mastercard: --issuer must be host:port, got "${options.issuer}"`);
    return 2;
  }
  const logger = pino({ level: options.logLevel });
  const keys = withPeerKeys(ensureSystemKeys(dataDir), { alipayPlus: options.alipayPlusPublicKeyFile });
  const clearingDir = join(dataDir, 'clearing');
  mkdirSync(clearingDir, { recursive: true });
  const party = await startMastercard({
    dbUrl: join(dataDir, 'mastercard.sqlite'),
    clock: systemClock,
    keys,
    tokenServicePort: options.port,
    acquirerPort: options.acquirerPort,
    issuerPort: Number(issuer[2]),
    issuerHost: issuer[1] ?? '127.0.0.1',
    alipayPlusUrl: options.alipayPlusUrl,
    provisioningDelayMs: options.fast ? { minMs: 1_000, maxMs: 2_000 } : { minMs: 20_000, maxMs: 30_000 },
    clearingDir,
    // (tapkit) Alone, the network writes clearing files to the folder; the issuer processor ingests them.
    delivery: {
      clearingFileWritten: async (file) => logger.info({ path: file.path }, 'clearing file written'),
    },
    journal: new SystemJournal(),
    logger: logger.child({ party: 'mastercard-network' }),
    requireIssuer: false,
  });
  console.log(
    [
      `Mastercard is up. Token service ${party.tokenServiceUrl}, acquirer entry tcp://127.0.0.1:${options.acquirerPort}`,
      `  issuer processor tcp://${options.issuer} (reconnects until it answers), Alipay+ ${options.alipayPlusUrl}`,
      `  MPP bearer: ${join(dataDir, 'keys', 'mpp-token-service-secret')} (TAPKIT_TOKEN_SERVICE_SECRET of tapkit mpp)`,
    ].join('\n'),
  );
  await untilSignal();
  await party.close();
  return 0;
}

function withPeerKeys(
  keys: SystemKeys,
  files: { mpp?: string | undefined; mastercard?: string | undefined; alipayPlus?: string | undefined },
): SystemKeys {
  const replaced = (party: 'mpp' | 'mastercard' | 'alipayPlus') => {
    const path = files[party];
    if (path === undefined) return keys[party];
    const key = loadPublicKey(readFileSync(path, 'utf8'));
    if (!key.ok) throw new Error(`${path}: not a usable public key (${key.error.code})`);
    return { ...keys[party], publicKey: key.value, publicPath: path };
  };
  return {
    ...keys,
    mpp: replaced('mpp'),
    mastercard: replaced('mastercard'),
    alipayPlus: replaced('alipayPlus'),
  };
}

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C). */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}
