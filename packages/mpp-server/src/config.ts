import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { err, ok, type Result } from '@tapkit/protocol';
import { loadPrivateKey, loadPublicKey } from '@tapkit/protocol/node';
import { z } from 'zod';

// The MPP server's configuration: defaults, then the `mpp` section of tapkit.config.json, then environment
// variables, validated with Zod. Every option lives in CONFIG_OPTIONS with its environment variable, its
// default and a one-line description, so the README table is generated from this one place.

type OptionKind = 'string' | 'int' | 'bool' | 'json';

interface OptionSpec<S extends z.ZodType> {
  readonly env: string;
  readonly kind: OptionKind;
  readonly default: z.input<S>;
  readonly description: string;
  readonly schema: S;
}

const spec = <S extends z.ZodType>(o: OptionSpec<S>): OptionSpec<S> => o;

const portSchema = z.number().int().min(0).max(65_535);
const msSchema = (minMs: number, maxMs: number) => z.number().int().min(minMs).max(maxMs);
const httpUrl = z.url({ protocol: /^https?$/ });
const minorText = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,18})$/, 'must be a whole number of minor units, as a string');

const limitsSchema = z.record(
  z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code'),
  z.strictObject({
    amountPerPaymentMax: minorText.optional(),
    dailyAmountMax: minorText.optional(),
    dailyCountMax: z.number().int().min(0).max(1_000_000).optional(),
  }),
);

const userSchema = z
  .strictObject({
    username: z.string().min(1).max(64),
    /** Demo only: hashed with scrypt when seeded, never stored in clear. */
    password: z.string().min(1).max(256).optional(),
    /** An scrypt hash as produced by hashPassword (scrypt$N$r$p$salt$hash). */
    passwordHash: z.string().startsWith('scrypt$').optional(),
    customerId: z.string().min(1).max(64),
    /** Wallets to open for the user, e.g. ["HKD"]. */
    currencies: z
      .array(z.string().regex(/^[A-Z]{3}$/))
      .max(16)
      .default([]),
  })
  .refine((user) => (user.password === undefined) !== (user.passwordHash === undefined), {
    message: 'give exactly one of password or passwordHash',
  });

/** Key files by keyVersion, written "1=./keys/a.pem,2=./keys/b.pem" (two during a rotation). */
const keyFilesSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9._-]{1,64}=[^,]+(,[A-Za-z0-9._-]{1,64}=[^,]+)*$/,
    'must be "version=path[,version=path]"',
  );

export const CONFIG_OPTIONS = {
  db: spec({
    env: 'TAPKIT_DB',
    kind: 'string',
    default: './data/mpp.sqlite',
    description: 'Database: a SQLite file path (or :memory:) or a postgres:// URL.',
    schema: z.string().min(1),
  }),
  dbSchema: spec({
    env: 'TAPKIT_DB_SCHEMA',
    kind: 'string',
    default: '',
    description:
      'PostgreSQL schema of the MPP tables (created on start if missing); empty: the first of the search_path.',
    schema: z.union([z.literal(''), z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL name')]),
  }),
  dbPoolSizeMax: spec({
    env: 'TAPKIT_DB_POOL_SIZE',
    kind: 'int',
    default: 10,
    description: 'PostgreSQL connection pool size.',
    schema: z.number().int().min(1).max(200),
  }),
  host: spec({
    env: 'TAPKIT_MPP_HOST',
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address the MPP server listens on.',
    schema: z.string().min(1),
  }),
  port: spec({
    env: 'TAPKIT_MPP_PORT',
    kind: 'int',
    default: 4100,
    description: 'TCP port the MPP server listens on (0 picks a free one).',
    schema: portSchema,
  }),
  adminHost: spec({
    env: 'TAPKIT_ADMIN_HOST',
    kind: 'string',
    default: '127.0.0.1',
    description: 'Address the admin API listens on when it has its own port (loopback by default).',
    schema: z.string().min(1),
  }),
  adminPort: spec({
    env: 'TAPKIT_ADMIN_PORT',
    kind: 'int',
    default: -1,
    description:
      'TCP port of the admin API on its own listener (0 picks a free one); -1 serves it on the public port.',
    schema: z.number().int().min(-1).max(65_535),
  }),
  logLevel: spec({
    env: 'TAPKIT_LOG_LEVEL',
    kind: 'string',
    default: 'info',
    description: 'pino log level: fatal, error, warn, info, debug, trace or silent.',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  }),
  adminToken: spec({
    env: 'TAPKIT_ADMIN_TOKEN',
    kind: 'string',
    default: '',
    description: 'Bearer token of the admin API (at least 16 characters); empty disables the admin API.',
    schema: z.union([z.literal(''), z.string().min(16).max(512)]),
  }),
  clientId: spec({
    env: 'TAPKIT_MPP_CLIENT_ID',
    kind: 'string',
    default: 'TAPKIT_MPP',
    description: 'Client-Id of the MPP on the Alipay+ interface (both directions).',
    schema: z.string().regex(/^[\x21-\x7e]{1,128}$/, 'printable ASCII without spaces'),
  }),
  privateKeyFile: spec({
    env: 'TAPKIT_MPP_PRIVATE_KEY_FILE',
    kind: 'string',
    default: './data/keys/mpp.private.pem',
    description: "File with the MPP's RSA private key (PEM PKCS#1/PKCS#8 or bare base64 DER).",
    schema: z.string().min(1),
  }),
  privateKeyVersion: spec({
    env: 'TAPKIT_MPP_KEY_VERSION',
    kind: 'string',
    default: '1',
    description: 'keyVersion sent with the MPP signatures.',
    schema: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  }),
  alipayPlusPublicKeyFiles: spec({
    env: 'TAPKIT_ALIPAYPLUS_PUBLIC_KEY_FILES',
    kind: 'string',
    default: '1=./data/keys/alipayplus.public.pem',
    description: 'Alipay+ public keys by keyVersion: "1=path[,2=path]" (PEM or bare base64).',
    schema: keyFilesSchema,
  }),
  alipayPlusUrl: spec({
    env: 'TAPKIT_ALIPAYPLUS_URL',
    kind: 'string',
    default: 'http://127.0.0.1:4200',
    description: 'Base URL of Alipay+ for notifyPayment and sdkProxy.',
    schema: httpUrl,
  }),
  tokenServiceUrl: spec({
    env: 'TAPKIT_TOKEN_SERVICE_URL',
    kind: 'string',
    default: 'http://127.0.0.1:4300',
    description: 'Base URL of the Mastercard token service (GET_PK, APPLY, REPLENISH).',
    schema: httpUrl,
  }),
  tokenServiceSecret: spec({
    env: 'TAPKIT_TOKEN_SERVICE_SECRET',
    kind: 'string',
    default: '',
    description: 'Bearer secret the MPP presents to the token service on /mdes/v1/sdk; empty sends none.',
    schema: z.string().max(512),
  }),
  freshnessMs: spec({
    env: 'TAPKIT_FRESHNESS_MS',
    kind: 'int',
    default: 300_000,
    description: 'Accepted Request-Time / Response-Time skew in ms (±).',
    schema: msSchema(1_000, 3_600_000),
  }),
  limits: spec({
    env: 'TAPKIT_LIMITS',
    kind: 'json',
    default: {},
    description:
      'Per-user limits by wallet currency (JSON): {"HKD":{"amountPerPaymentMax":"500000","dailyAmountMax":"2000000","dailyCountMax":50}}.',
    schema: limitsSchema,
  }),
  users: spec({
    env: 'TAPKIT_USERS',
    kind: 'json',
    default: [],
    description:
      'Wallet app users seeded at start (JSON): [{"username","password"|"passwordHash","customerId","currencies"}].',
    schema: z.array(userSchema).max(10_000),
  }),
  sessionTtlMs: spec({
    env: 'TAPKIT_SESSION_TTL_MS',
    kind: 'int',
    default: 43_200_000,
    description: 'Lifetime of a wallet app session in ms.',
    schema: msSchema(1_000, 30 * 86_400_000),
  }),
  notifyEnabled: spec({
    env: 'TAPKIT_NOTIFY_ENABLED',
    kind: 'bool',
    default: true,
    description: 'Run the notifyPayment outbox worker in this process.',
    schema: z.boolean(),
  }),
  notifyPollIntervalMs: spec({
    env: 'TAPKIT_NOTIFY_POLL_INTERVAL_MS',
    kind: 'int',
    default: 1_000,
    description: 'How often the notify worker looks for due rows.',
    schema: msSchema(10, 600_000),
  }),
  notifyBatchSizeMax: spec({
    env: 'TAPKIT_NOTIFY_BATCH_SIZE',
    kind: 'int',
    default: 32,
    description: 'Outbox rows the notify worker claims per poll.',
    schema: z.number().int().min(1).max(1_000),
  }),
  notifyLeaseMs: spec({
    env: 'TAPKIT_NOTIFY_LEASE_MS',
    kind: 'int',
    default: 60_000,
    description: 'How long a notify claim holds before another process may take the row.',
    schema: msSchema(10_000, 3_600_000),
  }),
  shutdownTimeoutMs: spec({
    env: 'TAPKIT_SHUTDOWN_TIMEOUT_MS',
    kind: 'int',
    default: 15_000,
    description: 'Longest a graceful shutdown waits for in-flight requests and sends.',
    schema: msSchema(0, 600_000),
  }),
  refundWindowDays: spec({
    env: 'TAPKIT_REFUND_WINDOW_DAYS',
    kind: 'int',
    default: 366,
    description:
      'Days a payment stays refundable; the documented 366 days is the minimum (after the window: F REFUND_WINDOW_EXCEED).',
    schema: z.number().int().min(366).max(36_600),
  }),
  notifyUrlHosts: spec({
    env: 'TAPKIT_NOTIFY_URL_HOSTS',
    kind: 'string',
    default: '',
    description:
      "Comma-separated hosts (host or host:port) a pay's paymentNotifyUrl may name; its notifyPayment then goes there. Empty: always alipayPlusUrl.",
    schema: z
      .string()
      .max(4_096)
      .regex(
        /^([A-Za-z0-9.-]+(:[0-9]{1,5})?(,[A-Za-z0-9.-]+(:[0-9]{1,5})?)*)?$/,
        'must be "host[:port][,host...]"',
      ),
  }),
  appBodyBytesMax: spec({
    env: 'TAPKIT_APP_BODY_BYTES_MAX',
    kind: 'int',
    default: 65_536,
    description: 'Largest accepted body on the app and admin APIs.',
    schema: z
      .number()
      .int()
      .min(1_024)
      .max(16 * 1_048_576),
  }),
};

type Options = typeof CONFIG_OPTIONS;
export type OptionName = keyof Options;
export type MppConfig = { readonly [K in OptionName]: z.output<Options[K]['schema']> };
export type ConfigUser = MppConfig['users'][number];

export type ConfigErrorCode =
  | 'CONFIG_FILE_UNREADABLE'
  | 'CONFIG_FILE_NOT_JSON'
  | 'CONFIG_INVALID'
  | 'KEY_FILE_INVALID';

export interface ConfigError {
  readonly code: ConfigErrorCode;
  /** One line per problem, naming the option and its environment variable. */
  readonly message: string;
}

/** The allow-list of paymentNotifyUrl hosts, lower case. */
export function notifyUrlHostsOf(config: Pick<MppConfig, 'notifyUrlHosts'>): string[] {
  return config.notifyUrlHosts === ''
    ? []
    : config.notifyUrlHosts.split(',').map((host) => host.trim().toLowerCase());
}

/** The rows of the README table: option, environment variable, default, description. */
export function configTable(): { option: string; env: string; default: string; description: string }[] {
  return Object.entries(CONFIG_OPTIONS).map(([option, o]) => ({
    option,
    env: o.env,
    default: typeof o.default === 'string' ? o.default : JSON.stringify(o.default),
    description: o.description,
  }));
}

export interface LoadConfigInput {
  /** Path of tapkit.config.json; a missing file is fine only when no path was given explicitly. */
  readonly path?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values that win over everything (tests, `tapkit up`). */
  readonly overrides?: Partial<Record<OptionName, unknown>>;
}

export const CONFIG_FILE_DEFAULT = 'tapkit.config.json';

export function loadConfig(input: LoadConfigInput = {}): Result<MppConfig, ConfigError> {
  const file = readConfigFile(input.path);
  if (!file.ok) return file;
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, o] of Object.entries(CONFIG_OPTIONS) as [OptionName, OptionSpec<z.ZodType>][]) {
    raw[name] = o.default;
    if (Object.hasOwn(file.value, name)) raw[name] = file.value[name];
    const envText = input.env?.[o.env];
    if (envText !== undefined && envText !== '') {
      const converted = fromEnv(o.kind, envText);
      if (converted.ok) raw[name] = converted.value;
      else problems.push(`${name} (${o.env}): ${converted.error}`);
    }
    if (input.overrides !== undefined && Object.hasOwn(input.overrides, name))
      raw[name] = input.overrides[name];
  }
  for (const name of Object.keys(file.value)) {
    if (!Object.hasOwn(CONFIG_OPTIONS, name)) problems.push(`${name}: unknown option in the config file`);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '');
      const env = CONFIG_OPTIONS[name as OptionName]?.env ?? '?';
      const inner = issue.path.slice(1).map(String).join('.');
      problems.push(`${name} (${env}): ${inner === '' ? '' : `${inner}: `}${issue.message}`);
    }
  }
  if (problems.length > 0 || !parsed.success) {
    return err({ code: 'CONFIG_INVALID', message: `invalid configuration:\n  ${problems.join('\n  ')}` });
  }
  return ok(parsed.data as MppConfig);
}

const configSchema = z.object(
  Object.fromEntries(Object.entries(CONFIG_OPTIONS).map(([name, o]) => [name, o.schema])) as {
    [K in OptionName]: Options[K]['schema'];
  },
);

function readConfigFile(path: string | undefined): Result<Record<string, unknown>, ConfigError> {
  let text: string;
  try {
    text = readFileSync(path ?? CONFIG_FILE_DEFAULT, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (path === undefined && code === 'ENOENT') return ok({});
    return err({ code: 'CONFIG_FILE_UNREADABLE', message: `cannot read ${path}: ${String(code ?? error)}` });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return err({
      code: 'CONFIG_FILE_NOT_JSON',
      message: `${path ?? CONFIG_FILE_DEFAULT} is not JSON: ${(error as Error).message}`,
    });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return err({
      code: 'CONFIG_FILE_NOT_JSON',
      message: `${path ?? CONFIG_FILE_DEFAULT} must hold a JSON object`,
    });
  }
  // The file is shared by every party of `tapkit up`; the MPP server reads its own section.
  const section = (json as Record<string, unknown>).mpp ?? {};
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    return err({ code: 'CONFIG_FILE_NOT_JSON', message: 'the "mpp" section must be a JSON object' });
  }
  return ok(section as Record<string, unknown>);
}

function fromEnv(kind: OptionKind, text: string): Result<unknown, string> {
  switch (kind) {
    case 'string':
      return ok(text);
    case 'int':
      return /^-?[0-9]{1,15}$/.test(text.trim())
        ? ok(Number(text.trim()))
        : err(`"${text}" is not a whole number`);
    case 'bool':
      if (['true', '1', 'yes'].includes(text.trim().toLowerCase())) return ok(true);
      if (['false', '0', 'no'].includes(text.trim().toLowerCase())) return ok(false);
      return err(`"${text}" is not true or false`);
    case 'json':
      try {
        return ok(JSON.parse(text));
      } catch {
        return err('is not valid JSON');
      }
  }
}

export interface LoadedKeys {
  readonly signingKey: { key: KeyObject; keyVersion: string };
  readonly alipayPlusVerifyKeys: ReadonlyMap<string, KeyObject>;
}

/** Reads the key files named by the configuration (PEM or bare base64); never echoes key material. */
export function loadKeys(config: MppConfig): Result<LoadedKeys, ConfigError> {
  const privateText = readKeyFile(config.privateKeyFile);
  if (!privateText.ok) return privateText;
  const privateKey = loadPrivateKey(privateText.value);
  if (!privateKey.ok) return keyError(config.privateKeyFile, privateKey.error.code);
  const verifyKeys = new Map<string, KeyObject>();
  for (const entry of config.alipayPlusPublicKeyFiles.split(',')) {
    const at = entry.indexOf('=');
    const version = entry.slice(0, at);
    const path = entry.slice(at + 1).trim();
    const text = readKeyFile(path);
    if (!text.ok) return text;
    const publicKey = loadPublicKey(text.value);
    if (!publicKey.ok) return keyError(path, publicKey.error.code);
    verifyKeys.set(version, publicKey.value);
  }
  return ok({
    signingKey: { key: privateKey.value, keyVersion: config.privateKeyVersion },
    alipayPlusVerifyKeys: verifyKeys,
  });
}

function readKeyFile(path: string): Result<string, ConfigError> {
  try {
    return ok(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return err({
      code: 'KEY_FILE_INVALID',
      message: `cannot read key file ${path}: ${String(code ?? 'error')}`,
    });
  }
}

function keyError(path: string, code: string): Result<never, ConfigError> {
  return err({ code: 'KEY_FILE_INVALID', message: `key file ${path}: ${code}` });
}
