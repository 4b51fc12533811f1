// `tapkit keys ...`: make and show the RSA key pairs the parties sign with. The private key never leaves
// its file (0600) and is never printed; the public key is printed both as PEM and as the bare base64 DER
// the official Alipay+ SDKs and consoles exchange, ready to paste into the counterpart's configuration.
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { generateRsaKeyPair, loadPublicKey, publicKeyToBase64 } from './keys.ts';

export interface KeysCommandIo {
  out(text: string): void;
  err(text: string): void;
}

const defaultIo: KeysCommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** (tapkit) Where `tapkit keys` keeps key files unless --dir says otherwise. */
export const KEYS_DIR_DEFAULT = 'data/keys';
/** Party names become file names, so they are restricted to a safe alphabet (no path separators). */
const PARTY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

const USAGE = `usage:
  tapkit keys generate <party> [--dir <dir>] [--force]   make an RSA-2048 pair for <party>
  tapkit keys show <party> [--dir <dir>]                  print <party>'s public key
files: <dir>/<party>.private.pem (PKCS#8, mode 0600) and <dir>/<party>.public.pem (SPKI); dir defaults to ${KEYS_DIR_DEFAULT}
`;

export function keyFilePaths(dir: string, party: string): { privatePath: string; publicPath: string } {
  return { privatePath: join(dir, `${party}.private.pem`), publicPath: join(dir, `${party}.public.pem`) };
}

/** Runs `tapkit keys <argv...>` and returns the process exit code (0 ok, 1 refused, 2 usage). */
export async function runKeysCommand(
  argv: readonly string[],
  io: KeysCommandIo = defaultIo,
): Promise<number> {
  let code = 0;
  const command = keysCommand(io, (exitCode) => {
    code = exitCode;
  });
  try {
    await command.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return error.exitCode;
  }
  return code;
}

/**
 * The `keys` command (generate, show) for a commander program; `done` receives the exit code. Usage
 * errors throw a CommanderError with exit code 2 after printing the usage to `io.err`.
 */
export function keysCommand(io: KeysCommandIo, done: (exitCode: number) => void): Command {
  const keys = new Command('keys')
    .description('generate or show a party RSA-2048 key pair')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride((error) => {
      if (error.exitCode !== 0) io.err(USAGE);
      throw new CommanderError(error.exitCode === 0 ? 0 : 2, error.code, error.message);
    });
  keys
    .command('generate')
    .description('make an RSA-2048 pair for <party>')
    .argument('<party>')
    .option('--dir <dir>', 'key folder', KEYS_DIR_DEFAULT)
    .option('--force', 'replace existing files', false)
    .action(async (party: string, options: { dir: string; force: boolean }) => {
      done(checkParty(party, io) ?? (await generate(party, resolve(options.dir), options.force, io)));
    });
  keys
    .command('show')
    .description("print <party>'s public key")
    .argument('<party>')
    .option('--dir <dir>', 'key folder', KEYS_DIR_DEFAULT)
    .action(async (party: string, options: { dir: string }) => {
      done(checkParty(party, io) ?? (await show(party, resolve(options.dir), io)));
    });
  return keys;
}

/** 2 (usage) for a party name that is not a safe file name, else undefined. */
function checkParty(party: string, io: KeysCommandIo): number | undefined {
  if (PARTY_PATTERN.test(party)) return undefined;
  io.err(`party "${party}" must be letters, digits, '-' or '_' (at most 64)\n`);
  return 2;
}

async function generate(party: string, dir: string, force: boolean, io: KeysCommandIo): Promise<number> {
  const { privatePath, publicPath } = keyFilePaths(dir, party);
  if (!force) {
    const existing = (await Promise.all([privatePath, publicPath].map(exists))).some(Boolean);
    if (existing) {
      io.err(`keys for "${party}" already exist in ${dir}; pass --force to replace them\n`);
      return 1;
    }
  }
  const pair = generateRsaKeyPair();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const flag = force ? 'w' : 'wx';
  await writeFile(privatePath, pair.privateKeyPem, { mode: 0o600, flag });
  // The mode above applies only when the file is created; an overwritten file keeps its old mode.
  await chmod(privatePath, 0o600);
  await writeFile(publicPath, pair.publicKeyPem, { mode: 0o644, flag });
  io.out(
    `generated an RSA-2048 key pair for "${party}"\n` +
      `  private key: ${privatePath} (PKCS#8 PEM, mode 0600; keep it secret)\n` +
      `  public key:  ${publicPath} (SPKI PEM)\n\n`,
  );
  io.out(describePublicKey(pair.publicKeyPem, pair.publicKeyBase64));
  return 0;
}

async function show(party: string, dir: string, io: KeysCommandIo): Promise<number> {
  const { publicPath } = keyFilePaths(dir, party);
  let text: string;
  try {
    text = await readFile(publicPath, 'utf8');
  } catch {
    io.err(`no public key for "${party}" at ${publicPath}\n`);
    return 1;
  }
  const key = loadPublicKey(text);
  if (!key.ok) {
    io.err(`${publicPath}: ${key.error.code}: ${key.error.message}\n`);
    return 1;
  }
  const pem = key.value.export({ format: 'pem', type: 'spki' }) as string;
  io.out(describePublicKey(pem, publicKeyToBase64(key.value)));
  return 0;
}

function describePublicKey(pem: string, base64: string): string {
  return `public key (PEM):\n${pem.trimEnd()}\n\npublic key (base64 DER, as the Alipay+ SDKs exchange it):\n${base64}\n`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
