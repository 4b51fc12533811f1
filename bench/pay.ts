// `npm run bench -- pay [--db URL] [--customers N] [--closed-requests N] [--concurrency N] [--rate N]
//  [--open-seconds N]`: signed `pay` requests against the MPP server over loopback. The server runs in a
// child process (`tapkit mpp`); this process is the load generator, with every request signed before the
// clock starts. Writes bench/results/pay.json.
import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, sign } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { API_PATHS, contentToSign, formatRequestTime, formatSignatureHeader } from '@tapkit/protocol';
import { generateRsaKeyPair, loadPrivateKey, signContentAsync } from '@tapkit/protocol/node';
import { closedLoop, createPool, type LoadRequest, type LoadResult, openLoop } from './_load.ts';

const here = dirname(fileURLToPath(import.meta.url));
const clientId = 'BENCH_MPP';
const adminToken = 'bench-admin-token-0123456789';
const readyWaitMsMax = 60_000;

interface Options {
  db: string | undefined;
  customers: number;
  closedRequests: number;
  concurrency: number;
  rate: number;
  openSeconds: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      customers: { type: 'string', default: '500' },
      'closed-requests': { type: 'string', default: '30000' },
      concurrency: { type: 'string', default: '64' },
      rate: { type: 'string', default: '1000' },
      'open-seconds': { type: 'string', default: '10' },
    },
  });
  return {
    db: values.db,
    customers: Number(values.customers),
    closedRequests: Number(values['closed-requests']),
    concurrency: Number(values.concurrency),
    rate: Number(values.rate),
    openSeconds: Number(values['open-seconds']),
  };
}

async function waitReady(url: string): Promise<void> {
  const startedMs = Date.now();
  while (Date.now() - startedMs < readyWaitMsMax) {
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

function startServer(dir: string, options: Options, port: number): ChildProcess {
  const mppKeys = generateRsaKeyPair();
  const alipayKeys = generateRsaKeyPair();
  writeFileSync(join(dir, 'mpp.pem'), mppKeys.privateKeyPem);
  writeFileSync(join(dir, 'alipay.pub.pem'), alipayKeys.publicKeyPem);
  writeFileSync(join(dir, 'alipay.pem'), alipayKeys.privateKeyPem);
  const config = {
    mpp: {
      db: options.db ?? join(dir, 'mpp.sqlite'),
      port,
      logLevel: 'warn',
      adminToken,
      clientId,
      privateKeyFile: join(dir, 'mpp.pem'),
      alipayPlusPublicKeyFiles: `1=${join(dir, 'alipay.pub.pem')}`,
      notifyEnabled: false,
      dbPoolSizeMax: 20,
    },
  };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const cli = join(here, '..', 'packages', 'cli', 'bin', 'tapkit.mjs');
  return spawn(process.execPath, [cli, 'mpp', '--config', join(dir, 'config.json')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TAPKIT_LOG_LEVEL: 'warn' },
  });
}

const isSuccess = (statusCode: number, body: Buffer): boolean =>
  statusCode === 200 && body.includes('"resultStatus":"S"');

export async function run(argv: string[]): Promise<void> {
  const options = parseOptions(argv);
  const dir = mkdtempSync(join(tmpdir(), 'tapkit-bench-pay-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const url = `http://127.0.0.1:${port}`;
  const server = startServer(dir, options, port);
  try {
    await waitReady(url);
    const alipayPem = (await import('node:fs')).readFileSync(join(dir, 'alipay.pem'), 'utf8');
    const runId = Date.now().toString(36);
    for (let c = 0; c < options.customers; c++) {
      await admin(url, '/admin/v1/customers', { customerId: `BENCH-${c}`, currencies: ['HKD'] });
      await admin(url, '/admin/v1/topups', {
        topupRequestId: `T-${runId}-${c}`,
        customerId: `BENCH-${c}`,
        amount: { currency: 'HKD', value: '100000000' },
      });
    }
    const pool = createPool(url, options.concurrency);
    const warmup = await presign(500, 0, options, runId, alipayPem);
    await closedLoop(pool, warmup, options.concurrency, isSuccess);
    const closedRequests = await presign(options.closedRequests, 1_000, options, runId, alipayPem);
    const closed = await closedLoop(pool, closedRequests, options.concurrency, isSuccess);
    const openCount = options.rate * options.openSeconds;
    const openRequests = await presign(openCount, 1_000 + options.closedRequests, options, runId, alipayPem);
    const open = await openLoop(pool, openRequests, options.rate, isSuccess);
    await pool.close();
    const signRate = await rsaSignsPerSecond(alipayPem, 3_000);
    report(options, closed, open, signRate);
  } finally {
    // The server must be gone before its database files are removed, or it may write them back.
    const exited = server.exitCode !== null || server.signalCode !== null ? undefined : once(server, 'exit');
    server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(options: Options, closed: LoadResult, open: LoadResult, signRate: number): void {
  const result = {
    benchmark: 'pay',
    engine: options.db?.startsWith('postgres') ? 'postgres' : 'sqlite',
    durable: 'SQLite synchronous=FULL / PostgreSQL default fsync',
    cores: availableParallelism(),
    requestsPerSecond: closed.requestsPerSecond,
    latencyMsP50: open.latencyMsP50,
    latencyMsP99: open.latencyMsP99,
    errors: closed.errors + open.errors,
    rsaSignsPerSecond: signRate,
    ratioToSignBound: Math.round((closed.requestsPerSecond / signRate) * 1000) / 1000,
    closedLoop: { concurrency: options.concurrency, ...closed },
    openLoop: { ratePerSecond: options.rate, ...open },
    measuredAt: new Date().toISOString(),
    node: process.version,
  };
  const out = join(here, 'results', result.engine === 'postgres' ? 'pay-postgres.json' : 'pay.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result, null, 2));
}
