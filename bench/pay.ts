// `npm run bench -- pay [--db URL] [--instances N] [--compare] [--customers N] [--closed-requests N]
//  [--concurrency N] [--rate N] [--open-seconds N] [--pool-size N] [--profile DIR]`: signed `pay` requests
// against the MPP server over loopback. The server runs in child processes (`tapkit mpp`, N of them on one
// PostgreSQL database with --instances N, the load spread over them in turn); this process is the load
// generator, with every request signed before the clock starts. --compare runs, in one run, the RSA sign
// bound, SQLite, PostgreSQL x1 and PostgreSQL x2 (the PostgreSQL server from --db, else
// TAPKIT_BENCH_POSTGRES_URL), each scenario on a fresh database, closed and open loop, and writes them side
// by side to bench/results/pay.json. --profile DIR runs each server under `node --cpu-prof` and prints the
// summary of its profile.
import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { API_PATHS, contentToSign, formatRequestTime, formatSignatureHeader } from '@tapkit/protocol';
import { generateRsaKeyPair, loadPrivateKey, signContentAsync } from '@tapkit/protocol/node';
import pg from 'pg';
import { type ProfileSummary, summarizeProfiles } from './_cpuprofile.ts';
import {
  closedLoop,
  createSpreadPool,
  type LoadPool,
  type LoadRequest,
  type LoadResult,
  openLoop,
} from './_load.ts';

const here = dirname(fileURLToPath(import.meta.url));
const clientId = 'BENCH_MPP';
const adminToken = 'bench-admin-token-0123456789';
const readyWaitMsMax = 60_000;
/** How many admin calls the setup (customers, top-ups) keeps in flight. */
const setupConcurrency = 16;
const warmupRequestCount = 500;
const signBoundDurationMs = 3_000;
/** The most server instances one scenario starts (each holds a pool of database connections). */
const instanceCountMax = 8;

interface Options {
  db: string | undefined;
  instances: number;
  compare: boolean;
  profileDir: string | undefined;
  customers: number;
  closedRequests: number;
  concurrency: number;
  rate: number;
  openSeconds: number;
  poolSize: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      instances: { type: 'string', default: '1' },
      compare: { type: 'boolean', default: false },
      profile: { type: 'string' },
      customers: { type: 'string', default: '500' },
      'closed-requests': { type: 'string', default: '30000' },
      concurrency: { type: 'string', default: '64' },
      rate: { type: 'string', default: '1000' },
      'open-seconds': { type: 'string', default: '10' },
      'pool-size': { type: 'string', default: '16' },
    },
  });
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > instanceCountMax) {
    throw new Error(`--instances must be 1..${instanceCountMax}`);
  }
  if (instances > 1 && !isPostgres(values.db)) {
    throw new Error('--instances above 1 needs --db postgres://... (SQLite has one writer process)');
  }
  return {
    db: values.db,
    instances,
    compare: values.compare === true,
    profileDir: values.profile,
    customers: Number(values.customers),
    closedRequests: Number(values['closed-requests']),
    concurrency: Number(values.concurrency),
    rate: Number(values.rate),
    openSeconds: Number(values['open-seconds']),
    poolSize: Number(values['pool-size']),
  };
}

const isPostgres = (url: string | undefined): url is string =>
  url !== undefined && /^postgres(ql)?:\/\//.test(url);

/** A port nobody listens on now (the machine is shared: a random one may be taken). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('freePort: no port');
  return address.port;
}

async function waitReady(url: string, server: ChildProcess): Promise<void> {
  const startedMs = Date.now();
  while (Date.now() - startedMs < readyWaitMsMax) {
    if (server.exitCode !== null) throw new Error(`the MPP server at ${url} exited (${server.exitCode})`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the MPP server did not become ready within ${readyWaitMsMax} ms`);
}

async function admin(url: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
}

async function createCustomers(url: string, count: number, runId: string): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const c = next++;
      await admin(url, '/admin/v1/customers', { customerId: `BENCH-${c}`, currencies: ['HKD'] });
      await admin(url, '/admin/v1/topups', {
        topupRequestId: `T-${runId}-${c}`,
        customerId: `BENCH-${c}`,
        amount: { currency: 'HKD', value: '100000000' },
      });
    }
  };
  await Promise.all(Array.from({ length: setupConcurrency }, lane));
}

function payBody(index: number, customers: number, runId: string): string {
  return JSON.stringify({
    acquirerId: 'ACQ-BENCH',
    pspId: 'PSP-BENCH',
    paymentRequestId: `PR-${runId}-${index}`,
    paymentAmount: { currency: 'HKD', value: '100' },
    payToAmount: { currency: 'HKD', value: '100' },
    customerId: `BENCH-${index % customers}`,
    paymentMethod: { paymentMethodType: 'CONNECT_WALLET_NFC', paymentMethodId: 'TUR-BENCH' },
    order: {
      referenceOrderId: `RO-${index}`,
      merchant: { merchantId: 'M-BENCH', merchantName: 'Bench', merchantMCC: '5814' },
    },
    paymentFactor: { isInStorePayment: 'true', inStorePaymentScenario: 'NFC', authorizationType: 'FINAL' },
  });
}

async function presign(
  count: number,
  offset: number,
  options: Options,
  runId: string,
  privateKeyPem: string,
): Promise<LoadRequest[]> {
  const key = loadPrivateKey(privateKeyPem);
  if (!key.ok) throw new Error(key.error.code);
  const path = API_PATHS.pay;
  const jobs = Array.from({ length: count }, async (_, i) => {
    const body = Buffer.from(payBody(offset + i, options.customers, runId));
    // The clock is read per request so the whole batch stays inside the freshness window.
    const time = formatRequestTime(Date.now());
    const signature = await signContentAsync(
      contentToSign({ method: 'POST', path, clientId, time, body }),
      key.value,
    );
    return {
      path,
      body,
      headers: {
        'content-type': 'application/json; charset=UTF-8',
        'client-id': clientId,
        'request-time': time,
        signature: formatSignatureHeader({ keyVersion: '1', signature }),
      },
    };
  });
  return Promise.all(jobs);
}

interface ServerKeys {
  readonly dir: string;
  readonly alipayPrivateKeyPem: string;
}

function writeKeys(dir: string): ServerKeys {
  const mppKeys = generateRsaKeyPair();
  const alipayKeys = generateRsaKeyPair();
  writeFileSync(join(dir, 'mpp.pem'), mppKeys.privateKeyPem);
  writeFileSync(join(dir, 'alipay.pub.pem'), alipayKeys.publicKeyPem);
  return { dir, alipayPrivateKeyPem: alipayKeys.privateKeyPem };
}

function startServer(
  keys: ServerKeys,
  p: { db: string; port: number; poolSize: number; profileDir: string | undefined; name: string },
): ChildProcess {
  const config = {
    mpp: {
      db: p.db,
      port: p.port,
      logLevel: 'warn',
      adminToken,
      clientId,
      privateKeyFile: join(keys.dir, 'mpp.pem'),
      alipayPlusPublicKeyFiles: `1=${join(keys.dir, 'alipay.pub.pem')}`,
      notifyEnabled: false,
      dbPoolSizeMax: p.poolSize,
    },
  };
  const configPath = join(keys.dir, `${p.name}.json`);
  writeFileSync(configPath, JSON.stringify(config));
  const cli = join(here, '..', 'packages', 'cli', 'bin', 'tapkit.mjs');
  const profile =
    p.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(p.profileDir, p.name)}`];
  return spawn(process.execPath, [...profile, cli, 'mpp', '--config', configPath], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TAPKIT_LOG_LEVEL: 'warn' },
  });
}

async function stopServer(server: ChildProcess): Promise<void> {
  // The server must be gone before its database is removed, or it may write it back.
  const exited = server.exitCode !== null || server.signalCode !== null ? undefined : once(server, 'exit');
  server.kill('SIGTERM');
  await exited;
}

/** A PostgreSQL database of its own for one scenario, created on the server of `url`, dropped after. */
async function withScratchDatabase<T>(url: string, name: string, work: (dbUrl: string) => Promise<T>) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${name}`;
    try {
      return await work(dbUrl.toString());
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`);
    }
  } finally {
    await admin.end();
  }
}

const isSuccess = (statusCode: number, body: Buffer): boolean =>
  statusCode === 200 && body.includes('"resultStatus":"S"');

interface Scenario {
  readonly label: string;
  /** A PostgreSQL server URL (a scratch database is made on it), or undefined for SQLite. */
  readonly postgresUrl: string | undefined;
  readonly instances: number;
}

interface ScenarioResult {
  readonly label: string;
  readonly engine: 'sqlite' | 'postgres';
  readonly instances: number;
  readonly closed: LoadResult;
  readonly open: LoadResult;
  readonly profiles: readonly ProfileSummary[];
}

async function runScenario(scenario: Scenario, options: Options, runId: string): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'tapkit-bench-pay-'));
  try {
    const body = async (db: string) => runServers(scenario, options, { dir, db, runId });
    const outcome =
      scenario.postgresUrl === undefined
        ? await body(join(dir, 'mpp.sqlite'))
        : await withScratchDatabase(scenario.postgresUrl, `tapkit_bench_${runId}_${scenario.label}`, body);
    return outcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runServers(
  scenario: Scenario,
  options: Options,
  p: { dir: string; db: string; runId: string },
): Promise<ScenarioResult> {
  const keys = writeKeys(p.dir);
  const ports: number[] = [];
  for (let i = 0; i < scenario.instances; i++) ports.push(await freePort());
  const urls = ports.map((port) => `http://127.0.0.1:${port}`);
  const profileDir = options.profileDir === undefined ? undefined : join(options.profileDir, p.runId);
  const servers: ChildProcess[] = [];
  const start = (i: number) =>
    startServer(keys, {
      db: p.db,
      port: ports[i] ?? 0,
      poolSize: options.poolSize,
      profileDir,
      name: `${scenario.label}-${i + 1}`,
    });
  try {
    // The first instance applies the migrations; the others then find the schema ready.
    servers.push(start(0));
    await waitReady(urls[0] ?? '', servers[0] as ChildProcess);
    for (let i = 1; i < scenario.instances; i++) servers.push(start(i));
    await Promise.all(urls.map((url, i) => waitReady(url, servers[i] as ChildProcess)));
    await createCustomers(urls[0] ?? '', options.customers, p.runId);
    const pool = createSpreadPool(urls, options.concurrency);
    const loops = await measure(pool, options, `${p.runId}${scenario.label}`, keys.alipayPrivateKeyPem);
    await pool.close();
    await Promise.all(servers.map(stopServer));
    const profiles =
      profileDir === undefined
        ? []
        : Array.from({ length: scenario.instances }, (_, i) =>
            summarizeProfiles(join(profileDir, `${scenario.label}-${i + 1}`)),
          ).flat();
    const engine = scenario.postgresUrl === undefined ? 'sqlite' : 'postgres';
    return { label: scenario.label, engine, instances: scenario.instances, ...loops, profiles };
  } finally {
    await Promise.all(servers.map(stopServer));
  }
}

async function measure(
  pool: LoadPool,
  options: Options,
  runId: string,
  alipayPem: string,
): Promise<{ closed: LoadResult; open: LoadResult }> {
  const warmup = await presign(warmupRequestCount, 0, options, runId, alipayPem);
  await closedLoop(pool, warmup, options.concurrency, isSuccess);
  const closedRequests = await presign(options.closedRequests, 1_000, options, runId, alipayPem);
  const closed = await closedLoop(pool, closedRequests, options.concurrency, isSuccess);
  const openCount = options.rate * options.openSeconds;
  const openRequests = await presign(openCount, 1_000 + options.closedRequests, options, runId, alipayPem);
  const open = await openLoop(pool, openRequests, options.rate, isSuccess);
  return { closed, open };
}

function scenariosOf(options: Options): Scenario[] {
  if (!options.compare) {
    const engine = isPostgres(options.db) ? 'postgres' : 'sqlite';
    const label = engine === 'sqlite' ? 'sqlite' : `postgres_x${options.instances}`;
    return [
      { label, postgresUrl: isPostgres(options.db) ? options.db : undefined, instances: options.instances },
    ];
  }
  const postgresUrl = isPostgres(options.db) ? options.db : process.env.TAPKIT_BENCH_POSTGRES_URL;
  if (!isPostgres(postgresUrl)) {
    throw new Error('--compare needs a PostgreSQL server: --db postgres://... or TAPKIT_BENCH_POSTGRES_URL');
  }
  return [
    { label: 'sqlite', postgresUrl: undefined, instances: 1 },
    { label: 'postgres_x1', postgresUrl, instances: 1 },
    { label: 'postgres_x2', postgresUrl, instances: 2 },
  ];
}

export async function run(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const runId = Date.now().toString(36);
  const signKeyPem = generateRsaKeyPair().privateKeyPem;
  // The machine is shared: the sign bound is measured before every scenario and after the last, and each
  // scenario's ratio uses the mean of the measurements on either side of it.
  const signRates = [await rsaSignsPerSecond(signKeyPem, signBoundDurationMs)];
  const results: ScenarioResult[] = [];
  for (const scenario of scenariosOf(options)) {
    results.push(await runScenario(scenario, options, runId));
    signRates.push(await rsaSignsPerSecond(signKeyPem, signBoundDurationMs));
    console.error(`pay bench: ${scenario.label} done`);
  }
  report(options, results, signRates);
}

/** The machine's raw RSA-2048 sign rate on all cores (threadpool), measured in this run. */
async function rsaSignsPerSecond(privateKeyPem: string, durationMs: number): Promise<number> {
  const data = Buffer.alloc(600, 7);
  // Parsed once, as the server does: parsing a PEM per signature would measure the parser, not RSA.
  const key = createPrivateKey(privateKeyPem);
  let count = 0;
  const endMs = performance.now() + durationMs;
  const lane = async (): Promise<void> => {
    while (performance.now() < endMs) {
      await new Promise<void>((resolve, reject) =>
        sign('sha256', data, key, (error) => (error ? reject(error) : resolve())),
      );
      count++;
    }
  };
  const startedMs = performance.now();
  await Promise.all(Array.from({ length: availableParallelism() * 4 }, lane));
  return Math.round((count * 1000) / (performance.now() - startedMs));
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : Math.round((a / b) * 1000) / 1000);

function scenarioReport(result: ScenarioResult, signRate: number, options: Options) {
  return {
    label: result.label,
    engine: result.engine,
    instances: result.instances,
    requestsPerSecond: result.closed.requestsPerSecond,
    rsaSignsPerSecond: signRate,
    ratioToSignBound: ratio(result.closed.requestsPerSecond, signRate),
    openLoopLatencyMsP50: result.open.latencyMsP50,
    openLoopLatencyMsP99: result.open.latencyMsP99,
    errors: result.closed.errors + result.open.errors,
    closedLoop: { concurrency: options.concurrency, ...result.closed },
    openLoop: { ratePerSecond: options.rate, ...result.open },
    ...(result.profiles.length === 0 ? {} : { profiles: result.profiles }),
  };
}

function report(options: Options, results: readonly ScenarioResult[], signRates: readonly number[]): void {
  const signRate = Math.round(signRates.reduce((sum, rate) => sum + rate, 0) / Math.max(1, signRates.length));
  const around = (index: number) => Math.round(((signRates[index] ?? 0) + (signRates[index + 1] ?? 0)) / 2);
  const scenarios = results.map((result, index) => scenarioReport(result, around(index), options));
  const rateOf = (label: string) => scenarios.find((s) => s.label === label)?.requestsPerSecond;
  const x1 = rateOf('postgres_x1');
  const x2 = rateOf('postgres_x2');
  const sqlite = rateOf('sqlite');
  const output = {
    benchmark: 'pay',
    durable: 'SQLite synchronous=FULL / PostgreSQL default fsync',
    cores: availableParallelism(),
    customers: options.customers,
    rsaSignsPerSecond: signRate,
    rsaSignsPerSecondMeasured: signRates,
    table: scenarios.map((s) => ({
      label: s.label,
      requestsPerSecond: s.requestsPerSecond,
      rsaSignsPerSecond: s.rsaSignsPerSecond,
      ratioToSignBound: s.ratioToSignBound,
      openLoopLatencyMsP50: s.openLoopLatencyMsP50,
      openLoopLatencyMsP99: s.openLoopLatencyMsP99,
      errors: s.errors,
    })),
    ...(x1 !== undefined && x2 !== undefined ? { postgresX2ToX1: ratio(x2, x1) } : {}),
    ...(sqlite !== undefined && x2 !== undefined ? { postgresX2ToSqlite: ratio(x2, sqlite) } : {}),
    scenarios,
    measuredAt: new Date().toISOString(),
    node: process.version,
  };
  // The comparison is the pay benchmark's figure of record; a single scenario is written beside it.
  const name = options.compare ? 'pay' : `pay-${(scenarios[0]?.label ?? 'single').replace('_', '-')}`;
  const out = join(here, 'results', `${name}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(output, null, 2)}\n`);
  console.log(JSON.stringify({ ...output, scenarios: undefined }, null, 2));
  for (const s of scenarios)
    for (const profile of s.profiles ?? [])
      console.log(JSON.stringify({ label: s.label, ...profile }, null, 2));
}
