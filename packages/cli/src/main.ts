import { runConformanceCommand } from '@tapkit/alipayplus';
import { writeSyntheticClearingFile } from '@tapkit/mastercard';
import { runKeysCommand } from '@tapkit/protocol/node';
import { Command, CommanderError, Option } from 'commander';
import { DEMO_SEED_DEFAULT, runDemoCommand } from './demo.ts';
import { runMpp } from './mpp.ts';
import { runAlipayPlus, runMastercard } from './system/standalone.ts';
import { runUp } from './up.ts';

// `tapkit <command>`: the one entry point to every party and tool. Each command returns its exit code;
// nothing here calls process.exit, so a command's clean-up (closing servers, databases) always runs.

interface UpCommandOptions {
  dataDir: string;
  db?: string;
  fast?: boolean;
  logLevel: string;
  webPort?: string;
  mppPort?: string;
  alipayplusPort?: string;
  issuerPort?: string;
  tokenServicePort?: string;
  acquirerPort?: string;
}

/** Where a command reports its exit code (commander's actions return nothing). */
type ExitCodeSink = (code: number) => void;

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const setExitCode: ExitCodeSink = (code) => {
    exitCode = code;
  };
  const program = new Command('tapkit')
    .description('Tapkit: the Alipay+ NFC payment system, every party on one machine')
    .exitOverride()
    .showHelpAfterError();
  registerUpCommand(program, setExitCode);
  registerAlipayPlusCommand(program, setExitCode);
  registerMastercardCommand(program, setExitCode);
  registerMppCommand(program, setExitCode);
  registerDemoCommand(program, setExitCode);
  registerToolCommands(program, setExitCode);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return exitCode;
}

function registerUpCommand(program: Command, setExitCode: ExitCodeSink): void {
  program
    .command('up')
    .description('start every party on loopback ports, with the web pages (what `npm start` runs)')
    .option('--data-dir <dir>', 'where databases and keys live', './data')
    .option('--fast', 'shorten the 20-30 s token provisioning delay to 1-2 s (demos, e2e tests)')
    .addOption(
      new Option(
        '--db <url>',
        "a postgres:// URL: every party's store on PostgreSQL, each in its own schema (default: SQLite files)",
      ).env('TAPKIT_DB'),
    )
    .option('--web-port <port>', 'web pages, acquirer gateway and /system/v1 endpoints (default 4000)')
    .option('--mpp-port <port>', 'MPP server (default 4100)')
    .option('--alipayplus-port <port>', 'Alipay+ Ant server HTTP (default 4200)')
    .option('--issuer-port <port>', 'Alipay+ issuer processor ISO 8583 TCP (default 4210)')
    .option('--token-service-port <port>', 'Mastercard token service HTTP (default 4300)')
    .option('--acquirer-port <port>', 'Mastercard network acquirer entry ISO 8583 TCP (default 4310)')
    .option('--log-level <level>', 'pino log level of the parties', 'warn')
    .action(async (options: UpCommandOptions) => {
      setExitCode(
        await runUp({
          dataDir: options.dataDir,
          ...(options.db === undefined ? {} : { db: options.db }),
          fast: options.fast === true,
          logLevel: options.logLevel,
          ports: {
            web: options.webPort,
            mpp: options.mppPort,
            alipayPlus: options.alipayplusPort,
            issuerTcp: options.issuerPort,
            tokenService: options.tokenServicePort,
            acquirerTcp: options.acquirerPort,
          },
        }),
      );
    });
}

function registerMppCommand(program: Command, setExitCode: ExitCodeSink): void {
  program
    .command('mpp')
    .description('start the MPP server alone (configured by tapkit.config.json and TAPKIT_* variables)')
    .option('--config <path>', 'configuration file (its "mpp" section)')
    .action(async (options: { config?: string }) => {
      setExitCode(await runMpp({ configPath: options.config }));
    });
}

function registerDemoCommand(program: Command, setExitCode: ExitCodeSink): void {
  program
    .command('demo')
    .description('run every flow end to end against a fresh in-process system; exit 0 only if all hold')
    .option('--seed <n>', 'seed of the amounts, ids and unpredictable numbers (reproducible runs)')
    .option('--fast', 'fast provisioning: the whole demo in well under a minute')
    .action(async (options: { seed?: string; fast?: boolean }) => {
      const seed = options.seed === undefined ? DEMO_SEED_DEFAULT : Number(options.seed);
      if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
        console.error('tapkit demo: --seed must be a whole number from 0 to 4294967295');
        setExitCode(2);
        return;
      }
      setExitCode(await runDemoCommand({ seed, fast: options.fast === true }));
    });
}

/** clearing-file, conformance and keys: tools that start no party. */
function registerToolCommands(program: Command, setExitCode: ExitCodeSink): void {
  program
    .command('clearing-file')
    .description('write a clearing file of N synthetic first presentments (load tests of clearing ingestion)')
    .argument('<path>', 'file to write')
    .option('--records <n>', 'number of records', '1000000')
    .action(async (path: string, options: { records: string }) => {
      setExitCode(await writeClearingFile(path, options.records));
    });
  // conformance and keys parse their own options with commander (their packages own the usage text).
  program
    .command('conformance')
    .description(
      'run Alipay+ side of every conformance scenario against an MPP server (tapkit conformance --help)',
    )
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      setExitCode(await runConformanceCommand(args));
    });
  program
    .command('keys')
    .description(
      'generate or show a party RSA-2048 key pair (tapkit keys generate <party> [--dir d] [--force])',
    )
    .allowUnknownOption()
    .helpOption(false)
    .argument('[args...]')
    .action(async (args: string[]) => {
      setExitCode(await runKeysCommand(args));
    });
}

const portOf = (text: string): number => {
  if (!/^[0-9]{1,5}$/.test(text) || Number(text) > 65_535) throw new Error(`not a port: ${text}`);
  return Number(text);
};

/** An option that reads an environment variable when not given, with an optional default. */
const envOption = (flags: string, description: string, name: string, fallback?: string) => {
  const option = new Option(flags, description).env(name);
  return fallback === undefined ? option : option.default(fallback);
};

/** `tapkit alipayplus`: the Alipay+ counterpart alone, the others reached by URL. */
function registerAlipayPlusCommand(program: Command, setExitCode: ExitCodeSink): void {
  program
    .command('alipayplus')
    .description('start the Alipay+ counterpart alone (Ant server HTTP + issuer processor TCP)')
    .addOption(envOption('--data-dir <dir>', 'keys and databases', 'TAPKIT_DATA_DIR', './data'))
    .addOption(envOption('--port <port>', 'Ant server HTTP port', 'TAPKIT_ALIPAYPLUS_PORT', '4200'))
    .addOption(envOption('--issuer-port <port>', 'issuer processor TCP port', 'TAPKIT_ISSUER_PORT', '4210'))
    .addOption(envOption('--mpp-url <url>', 'the MPP server', 'TAPKIT_MPP_URL', 'http://127.0.0.1:4100'))
    .addOption(envOption('--mpp-client-id <id>', "the MPP's Client-Id", 'TAPKIT_MPP_CLIENT_ID'))
    .addOption(
      envOption('--mpp-public-key-file <path>', "the MPP's public key", 'TAPKIT_MPP_PUBLIC_KEY_FILE'),
    )
    .addOption(
      envOption(
        '--token-service-url <url>',
        'the token service',
        'TAPKIT_TOKEN_SERVICE_URL',
        'http://127.0.0.1:4300',
      ),
    )
    .addOption(
      envOption(
        '--mastercard-public-key-file <path>',
        "the token service's signing key",
        'TAPKIT_MASTERCARD_PUBLIC_KEY_FILE',
      ),
    )
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (o: Record<string, string>) => {
      setExitCode(
        await runAlipayPlus({
          dataDir: o.dataDir ?? './data',
          port: portOf(o.port ?? ''),
          issuerPort: portOf(o.issuerPort ?? ''),
          mppUrl: o.mppUrl ?? '',
          ...(o.mppClientId === undefined ? {} : { mppClientId: o.mppClientId }),
          ...(o.mppPublicKeyFile === undefined ? {} : { mppPublicKeyFile: o.mppPublicKeyFile }),
          tokenServiceUrl: o.tokenServiceUrl ?? '',
          ...(o.mastercardPublicKeyFile === undefined
            ? {}
            : { mastercardPublicKeyFile: o.mastercardPublicKeyFile }),
          logLevel: o.logLevel ?? 'info',
        }),
      );
    });
}

/** `tapkit mastercard`: the Mastercard counterpart alone, the others reached by URL. */
function registerMastercardCommand(program: Command, setExitCode: ExitCodeSink): void {
  program
    .command('mastercard')
    .description('start the Mastercard counterpart alone (token service HTTP + network TCP)')
    .addOption(
      envOption('--data-dir <dir>', 'keys, databases and clearing files', 'TAPKIT_DATA_DIR', './data'),
    )
    .addOption(envOption('--port <port>', 'token service HTTP port', 'TAPKIT_TOKEN_SERVICE_PORT', '4300'))
    .addOption(
      envOption('--acquirer-port <port>', 'network acquirer entry TCP port', 'TAPKIT_ACQUIRER_PORT', '4310'),
    )
    .addOption(
      envOption(
        '--issuer <host:port>',
        'the Alipay+ issuer processor',
        'TAPKIT_ISSUER_TCP',
        '127.0.0.1:4210',
      ),
    )
    .addOption(
      envOption(
        '--alipayplus-url <url>',
        'the Alipay+ Ant server',
        'TAPKIT_ALIPAYPLUS_URL',
        'http://127.0.0.1:4200',
      ),
    )
    .addOption(
      envOption(
        '--alipayplus-public-key-file <path>',
        "Alipay+'s public key",
        'TAPKIT_ALIPAYPLUS_PUBLIC_KEY_FILE',
      ),
    )
    .option('--fast', 'provisioning in 1-2 s instead of 20-30 s')
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (o: Record<string, string | boolean | undefined>) => {
      const text = (key: string) => String(o[key] ?? '');
      setExitCode(
        await runMastercard({
          dataDir: text('dataDir'),
          port: portOf(text('port')),
          acquirerPort: portOf(text('acquirerPort')),
          issuer: text('issuer'),
          alipayPlusUrl: text('alipayplusUrl'),
          ...(o.alipayplusPublicKeyFile === undefined
            ? {}
            : { alipayPlusPublicKeyFile: text('alipayplusPublicKeyFile') }),
          fast: o.fast === true,
          logLevel: text('logLevel'),
        }),
      );
    });
}

/** Upper bound of `tapkit clearing-file --records`: about 185 bytes a record, so some 18 GB at most. */
const clearingRecordsMax = 100_000_000;

async function writeClearingFile(path: string, recordsText: string): Promise<number> {
  const records = Number(recordsText);
  if (!/^[0-9]{1,9}$/.test(recordsText) || records > clearingRecordsMax) {
    console.error(`--records must be a whole number from 0 to ${clearingRecordsMax}`);
    return 2;
  }
  const summary = await writeSyntheticClearingFile(path, records);
  console.log(
    `wrote ${path}: file ${summary.fileId}, ${summary.recordCount} records, ${summary.bytesWritten} bytes`,
  );
  return 0;
}
