import { join } from 'node:path';
import { isPostgresUrl } from '@tapkit/storage';
import { PARTY_SCHEMAS } from './system/compose.ts';
import { untilSignal } from './system/standalone.ts';
import { DEMO_USERS, type RunningSystem, type SystemPorts, startSystem } from './system.ts';

// `tapkit up` (= `npm start`): every party in one process, each on its own loopback port with its real
// interface, state under ./data, on the real clock plus an offset the merchant panel can advance.
// Ctrl-C (or SIGTERM) closes everything in reverse order.

export { DEMO_USERS } from './system.ts';

export interface UpOptions {
  readonly dataDir: string;
  readonly fast: boolean;
  /** Port texts from the command line; undefined keeps the party's default. */
  readonly ports: { readonly [K in keyof SystemPorts]?: string };
  readonly logLevel?: string;
  /** `--db`, else TAPKIT_DB: a postgres:// URL puts every party's store there (a schema each). */
  readonly db?: string;
}

export async function runUp(options: UpOptions): Promise<number> {
  const ports = parsePorts(options.ports);
  if (typeof ports === 'string') {
    console.error(`tapkit up: ${ports}`);
    return 2;
  }
  const db = options.db === undefined || options.db === '' ? undefined : options.db;
  if (db !== undefined && !isPostgresUrl(db)) {
    console.error(
      'tapkit up: --db (or TAPKIT_DB) must be a postgres:// URL; without it the parties use SQLite files',
    );
    return 2;
  }
  let system: RunningSystem;
  try {
    system = await startSystem({
      dataDir: options.dataDir,
      ...(db === undefined ? {} : { db }),
      fast: options.fast,
      ports,
      logLevel: options.logLevel ?? 'warn',
    });
  } catch (error) {
    console.error(`tapkit up: the system did not start: ${(error as Error).message}`);
    return 1;
  }
  printBanner(system, db);
  await untilSignal();
  console.log('\nTapkit is stopping...');
  await system.close();
  console.log('Tapkit stopped.');
  return 0;
}

/** The URL without its password, for the banner. */
function redactedUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

function parsePorts(texts: UpOptions['ports']): SystemPorts | string {
  const out: Record<string, number> = {};
  for (const [name, text] of Object.entries(texts)) {
    if (text === undefined) continue;
    if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 65_535)
      return `--${name} port must be 0..65535, got "${text}"`;
    out[name] = Number(text);
  }
  return out as SystemPorts;
}

function printBanner(system: RunningSystem, db: string | undefined): void {
  const { urls } = system;
  const lines = [
    '',
    `Tapkit is up${system.fast ? ' (fast provisioning)' : ''}. Ctrl-C stops it.`,
    '',
    `  Wallet app      ${urls.web}/`,
    `  POS terminal    ${urls.web}/pos.html`,
    `  Operations      ${urls.web}/ops.html`,
    '',
    `  demo logins     ${DEMO_USERS.map((u) => `${u.username} / ${u.password}`).join(',  ')}`,
    `  admin token     in ${join(system.dataDir, 'admin-token')} (MPP admin API ${urls.mpp}/admin/v1/...)`,
    '',
    `  MPP server      ${urls.mpp}`,
    `  Alipay+         ${urls.alipayPlus}   issuer processor ${urls.issuerTcp}`,
    `  Mastercard      ${urls.tokenService}   network acquirer entry ${urls.acquirerTcp}`,
    `  data            ${system.dataDir}`,
    `  stores          ${
      db === undefined
        ? 'SQLite files in the data folder'
        : `PostgreSQL ${redactedUrl(db)}, schemas ${Object.values(PARTY_SCHEMAS)
            .map((s) => `tapkit_${s}`)
            .join(', ')}`
    }`,
    '',
  ];
  console.log(lines.join('\n'));
}
