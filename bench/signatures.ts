// RSA-2048 (Alipay+ RSA256) signing and verification throughput: one core on the event loop (sync),
// then all cores through the libuv threadpool (async crypto.sign / crypto.verify with callbacks). The
// threadpool has UV_THREADPOOL_SIZE threads (Node's default is 4), fixed when the process starts, so
// the async figures scale with min(cores, UV_THREADPOOL_SIZE). Usage:
//   npm run bench -- signatures [--seconds 2] [--in-flight 32]
//   UV_THREADPOOL_SIZE=8 npm run bench -- signatures
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { contentToSign } from '@tapkit/protocol';
import {
  generateRsaKeyPair,
  signContent,
  signContentAsync,
  verifyContent,
  verifyContentAsync,
} from '@tapkit/protocol/node';

const THREADPOOL_SIZE_DEFAULT = 4;
/** A bound on operations per measurement so a very fast machine still finishes promptly. */
const OPERATIONS_MAX = 5_000_000;

interface Figure {
  operations: number;
  elapsedMs: number;
  perSecond: number;
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { seconds: { type: 'string', default: '2' }, 'in-flight': { type: 'string' } },
  });
  const durationMs = Math.max(0.2, Number(values.seconds)) * 1000;
  const threadpoolSize = Number(process.env.UV_THREADPOOL_SIZE ?? THREADPOOL_SIZE_DEFAULT);
  const inFlight = Number(values['in-flight'] ?? Math.max(8, threadpoolSize * 4));

  const pair = generateRsaKeyPair();
  const privateKey = createPrivateKey(pair.privateKeyPem);
  const publicKey = createPublicKey(pair.publicKeyPem);
  // A pay request is about 1 KB on the wire; the hash cost is negligible next to the RSA operation.
  const content = contentToSign({
    method: 'POST',
    path: '/aps/api/v1/payments/pay',
    clientId: 'CLIENT_1',
    time: '2026-11-25T12:00:00+08:00',
    body: JSON.stringify({ padding: 'x'.repeat(1000) }),
  });
  const signature = signContent(content, privateKey);

  const syncSign = measureSync(durationMs, () => signContent(content, privateKey));
  const syncVerify = measureSync(durationMs, () => verifyContent(content, signature, publicKey));
  const asyncSign = await measureAsync(durationMs, inFlight, () => signContentAsync(content, privateKey));
  const asyncVerify = await measureAsync(durationMs, inFlight, () =>
    verifyContentAsync(content, signature, publicKey),
  );

  const report = {
    benchmark: 'signatures',
    algorithm: 'RSA256 (RSASSA-PKCS1-v1_5, SHA-256, RSA-2048)',
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    uvThreadpoolSize: threadpoolSize,
    uvThreadpoolSizeFromEnv: process.env.UV_THREADPOOL_SIZE !== undefined,
    asyncInFlight: inFlight,
    contentBytes: content.length,
    durationMsPerFigure: durationMs,
    syncOneCore: { sign: syncSign, verify: syncVerify },
    asyncThreadpool: { sign: asyncSign, verify: asyncVerify },
  };
  printReport(report);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'signatures.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`written ${out}`);
}

function measureSync(durationMs: number, operation: () => unknown): Figure {
  const start = performance.now();
  let operations = 0;
  // Check the clock every 16 operations: an RSA-2048 sign is around a millisecond, a verify tens of µs.
  while (operations < OPERATIONS_MAX) {
    for (let i = 0; i < 16; i++) operation();
    operations += 16;
    if (performance.now() - start >= durationMs) break;
  }
  return figure(operations, performance.now() - start);
}

async function measureAsync(
  durationMs: number,
  inFlight: number,
  operation: () => Promise<unknown>,
): Promise<Figure> {
  const start = performance.now();
  let operations = 0;
  const worker = async (): Promise<void> => {
    while (operations < OPERATIONS_MAX && performance.now() - start < durationMs) {
      await operation();
      operations += 1;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return figure(operations, performance.now() - start);
}

function figure(operations: number, elapsedMs: number): Figure {
  return {
    operations,
    elapsedMs: Math.round(elapsedMs),
    perSecond: Math.round((operations / elapsedMs) * 1000),
  };
}

function printReport(report: {
  cores: number;
  uvThreadpoolSize: number;
  uvThreadpoolSizeFromEnv: boolean;
  asyncInFlight: number;
  syncOneCore: { sign: Figure; verify: Figure };
  asyncThreadpool: { sign: Figure; verify: Figure };
}): void {
  const source = report.uvThreadpoolSizeFromEnv ? 'from UV_THREADPOOL_SIZE' : "Node's default";
  console.log(`RSA-2048 RSA256 on ${report.cores} cores, threadpool ${report.uvThreadpoolSize} (${source})`);
  console.log(
    `  sync (one core):       sign ${report.syncOneCore.sign.perSecond}/s   verify ${report.syncOneCore.verify.perSecond}/s`,
  );
  console.log(
    `  async (threadpool, ${report.asyncInFlight} in flight): sign ${report.asyncThreadpool.sign.perSecond}/s   verify ${report.asyncThreadpool.verify.perSecond}/s`,
  );
}
