// Pack -> install into an empty folder -> import, for each production package, after `npm run build`
// (.ci/run). Then the SDK alone: its install pulls no database driver, no fastify, no simulator, and its
// browser bundle (esbuild) reaches no node: module and no counterpart code, within a gzip budget. The
// sizes go to bench/results/sdk-bundle.json. Temporary folders are removed whatever happens.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const PRODUCTION_PACKAGES = ['protocol', 'emv', 'storage', 'mpp-server', 'sdk'];
const SDK_CLOSURE = ['protocol', 'emv', 'sdk'];
const FORBIDDEN_IN_SDK_INSTALL = ['pg', 'better-sqlite3', 'fastify', 'pino', 'kysely'];
const COUNTERPARTS = ['alipayplus', 'mastercard', 'terminal', 'cli', 'wallet-web'];
/** (tapkit) The SDK's gzipped browser bundle budget, in bytes. */
const SDK_GZIP_BYTES_MAX = 50_000;

const repo = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'tapkit-pack-smoke-'));
const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString();

function pack() {
  const out = join(work, 'tarballs');
  mkdirSync(out);
  const args = [
    'pack',
    '--json',
    '--pack-destination',
    out,
    ...PRODUCTION_PACKAGES.flatMap((p) => ['-w', `@tapkit/${p}`]),
  ];
  const packed = JSON.parse(run('npm', args, repo));
  return Object.fromEntries(
    packed.map((entry) => [entry.name.replace('@tapkit/', ''), join(out, entry.filename)]),
  );
}

function install(name, tarballs) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `smoke-${name}`, private: true, type: 'module' }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs], dir);
  return dir;
}

function installed(dir) {
  const root = join(dir, 'node_modules');
  return readdirSync(root)
    .flatMap((entry) =>
      entry.startsWith('@') ? readdirSync(join(root, entry)).map((sub) => `${entry}/${sub}`) : [entry],
    )
    .filter((name) => !name.startsWith('.'));
}

async function bundleSdk(dir) {
  writeFileSync(
    join(dir, 'entry.mjs'),
    "import { createNfcSdk } from '@tapkit/sdk';\nexport { createNfcSdk };\n",
  );
  const refused = [];
  const guard = {
    name: 'tapkit-browser-guard',
    setup(b) {
      b.onResolve({ filter: /^node:|^@tapkit\// }, (args) => {
        const counterpart = COUNTERPARTS.some(
          (c) => args.path === `@tapkit/${c}` || args.path.startsWith(`@tapkit/${c}/`),
        );
        if (args.path.startsWith('node:') || counterpart) refused.push(`${args.importer} -> ${args.path}`);
        return undefined;
      });
    },
  };
  const result = await build({
    absWorkingDir: dir,
    entryPoints: ['entry.mjs'],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    plugins: [guard],
  });
  if (refused.length > 0) throw new Error(`the SDK browser bundle reaches:\n  ${refused.join('\n  ')}`);
  const code = result.outputFiles[0].contents;
  return { minifiedBytes: code.byteLength, gzipBytes: gzipSync(code, { level: 9 }).byteLength };
}

try {
  const tarballs = pack();
  console.log(
    `packed: ${Object.values(tarballs)
      .map((t) => t.split('/').pop())
      .join(', ')}`,
  );

  const all = install(
    'all',
    PRODUCTION_PACKAGES.map((p) => tarballs[p]),
  );
  // @tapkit/storage/testing is imported too: it must load without pg, an optional peer this install lacks.
  const entries = PRODUCTION_PACKAGES.map((p) => `@tapkit/${p}`).concat(
    '@tapkit/protocol/node',
    '@tapkit/storage/testing',
  );
  const script = entries.map((e) => `await import(${JSON.stringify(e)});`).join('\n');
  run(process.execPath, ['--input-type=module', '-e', script], all);
  console.log(`plain Node imports: ${entries.join(', ')}`);

  const sdk = install(
    'sdk',
    SDK_CLOSURE.map((p) => tarballs[p]),
  );
  const packages = installed(sdk);
  const leaked = packages.filter(
    (n) => FORBIDDEN_IN_SDK_INSTALL.includes(n) || COUNTERPARTS.some((c) => n === `@tapkit/${c}`),
  );
  if (leaked.length > 0) throw new Error(`installing @tapkit/sdk pulls ${leaked.join(', ')}`);
  console.log(`@tapkit/sdk install: ${packages.length} packages (${packages.join(', ')})`);

  const sizes = await bundleSdk(sdk);
  const report = { ...sizes, gzipBytesMax: SDK_GZIP_BYTES_MAX, installedPackages: packages.length };
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  writeFileSync(join(repo, 'bench', 'results', 'sdk-bundle.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(
    `@tapkit/sdk browser bundle: ${sizes.minifiedBytes} B minified, ${sizes.gzipBytes} B gzip (budget ${SDK_GZIP_BYTES_MAX})`,
  );
  if (sizes.gzipBytes > SDK_GZIP_BYTES_MAX) throw new Error('the SDK browser bundle is over its gzip budget');
  console.log('pack-smoke: ok');
} catch (error) {
  console.error(`pack-smoke: FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
