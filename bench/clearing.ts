// Clearing ingestion throughput of the Alipay+ issuer processor: seeds N open authorizations, writes a
// clearing file of N first presentments matched to them (4-byte length + ISO 8583:1993 per record, 1644
// header and trailer), then ingests it: stream, stage, trailer check, apply. Memory is sampled during the
// ingestion from a worker thread (the ingestion holds the event loop for long stretches); the file and the
// database are on disk (SQLite, WAL, synchronous=FULL), as in production. In the same run, the same rows
// are inserted raw (better-sqlite3, one prepared INSERT, a transaction per page, same pragmas) into a
// table shaped like the staging table: the ingestion's ratio to that depends less on how busy the
// machine is than records/s do.
//   npm run bench -- clearing [--records 1000000] [--page-size 5000] [--keep]
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import {
  type ClearingRecord,
  type IssuerDatabase,
  IssuerProcessor,
  ingestClearingFile,
  type MppGateway,
  openIssuerDatabase,
  StaticMppRouter,
  writeClearingFile,
} from '@tapkit/alipayplus';
import { VirtualClock } from '@tapkit/protocol';
import type { DbHandle } from '@tapkit/storage';
import BetterSqlite3 from 'better-sqlite3';

const RECORDS_MAX = 10_000_000;
const SEED_BATCH_SIZE = 500;
const START_MS = Date.parse('2026-11-25T02:00:00Z');

const traceOf = (i: number) => `T${String(i).padStart(20, '0')}`;
const arnOf = (i: number) => `7123456${String(i).padStart(16, '0')}`;
const amountOf = (i: number) => BigInt(1_000 + (i % 5_000));

/** No MPP call is expected (every record clears its authorization exactly); any call is a bench bug. */
const noCalls: MppGateway = {
  prepare: () => {
    throw new Error('bench: unexpected MPP call');
  },
  inquire: () => {
    throw new Error('bench: unexpected inquiry');
  },
  close: async () => undefined,
};

async function seed(handle: DbHandle<IssuerDatabase>, count: number): Promise<void> {
  for (let start = 0; start < count; start += SEED_BATCH_SIZE) {
    const end = Math.min(count, start + SEED_BATCH_SIZE);
    const indexes = Array.from({ length: end - start }, (_, k) => start + k);
    await handle.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('issuer_authorizations')
        .values(
          indexes.map((i) => ({
            network_trace_id: traceOf(i),
            type: 'FINAL',
            state: 'OPEN',
            token_ref: `TUR${i % 1000}`,
            customer_id: `C${i % 1000}`,
            mpp_id: 'MPP',
            merchant_id: 'MERCHANT0000001',
            merchant_name: null,
            mcc: null,
            terminal_id: null,
            acquirer_id: null,
            currency: 'HKD',
            authorized_minor: amountOf(i),
            reversed_minor: 0n,
            cleared_minor: 0n,
            refunded_minor: 0n,
            expires_at_ms: BigInt(START_MS + 7 * 86_400_000),
            created_at_ms: BigInt(START_MS),
            updated_at_ms: BigInt(START_MS),
            response_code: '00',
            approval_code: null,
            faults: '',
            advice_received: 0n,
            details: '{}',
          })),
        )
        .execute();
      await tx
        .insertInto('issuer_payments')
        .values(
          indexes.map((i) => ({
            payment_request_id: `${traceOf(i)}-P`,
            network_trace_id: traceOf(i),
            message_trace_id: traceOf(i),
            seq: 0n,
            kind: 'FINAL',
            amount_minor: amountOf(i),
            status: 'SUCCESS',
            payment_id: `MPP${i}`,
            paid_at_ms: BigInt(START_MS),
            refunded_minor: 0n,
            result_code: 'SUCCESS',
            updated_at_ms: BigInt(START_MS),
          })),
        )
        .execute();
    });
  }
}

function* records(count: number): Generator<ClearingRecord> {
  for (let i = 0; i < count; i++) {
    yield {
      kind: 'PURCHASE',
      amountMinor: amountOf(i),
      currency: 'HKD',
      acquirerReferenceNumber: arnOf(i),
      networkTraceId: traceOf(i),
      tokenUniqueReference: `TUR${i % 1000}`,
      fundingReference: `C${i % 1000}`,
      merchantId: 'MERCHANT0000001',
      terminalId: 'TERM0001',
      localDateTime: '261125100000',
    };
  }
}

/** How often the sampler thread reads the process's memory during the ingestion. */
const MEMORY_SAMPLE_MS = 50;

interface MemorySample {
  readonly atMs: number;
  readonly rssBytes: number;
}

/**
 * Samples the process's RSS from a worker thread: RSS is the whole process's, and a worker keeps its
 * rhythm while the main thread is busy in synchronous SQLite calls.
 */
function startMemorySampler(): { stop(): Promise<MemorySample[]> } {
  const code = `
    const { parentPort } = require('node:worker_threads');
    const samples = [];
    const startMs = performance.now();
    const timer = setInterval(() => samples.push({ atMs: performance.now() - startMs, rssBytes: process.memoryUsage.rss() }), ${MEMORY_SAMPLE_MS});
    parentPort.on('message', () => { clearInterval(timer); parentPort.postMessage(samples); });
  `;
  const worker = new Worker(code, { eval: true });
  return {
    stop: () =>
      new Promise<MemorySample[]>((resolve) => {
        worker.once('message', (samples: MemorySample[]) => {
          void worker.terminate();
          resolve(samples);
        });
        worker.postMessage('stop');
      }),
  };
}

/** Peak RSS in the first and the last quarter of the ingestion, and overall: flat memory keeps them equal. */
function memoryProfile(samples: readonly MemorySample[], elapsedMs: number) {
  const peak = (from: number, to: number) =>
    Math.max(0, ...samples.filter((s) => s.atMs >= from && s.atMs <= to).map((s) => s.rssBytes));
  const first = peak(0, elapsedMs / 4);
  const last = peak((elapsedMs * 3) / 4, Number.POSITIVE_INFINITY);
  return {
    samples: samples.length,
    peakRssBytes: peak(0, Number.POSITIVE_INFINITY),
    firstQuarterPeakRssBytes: first,
    lastQuarterPeakRssBytes: last,
    rssLastOverFirstQuarter: Math.round((last / Math.max(1, first)) * 1000) / 1000,
  };
}

/**
 * The floor of any ingestion: the same rows inserted with one prepared better-sqlite3 statement, a
 * transaction (one commit, fsync) per page, into a table like issuer_clearing_staged, WAL and
 * synchronous=FULL.
 */
function rawInsert(path: string, count: number, pageSize: number) {
  const sqlite = new BetterSqlite3(path);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = FULL');
    sqlite.exec(`create table staged (file_id text not null, record_index integer not null, arn text not null,
      kind text not null, amount_minor integer not null, currency text not null, network_trace_id text,
      token_ref text not null, funding_ref text not null, merchant_id text, terminal_id text,
      local_date_time text not null, primary key (file_id, record_index))`);
    const insert = sqlite.prepare('insert into staged values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const insertPage = sqlite.transaction((page: readonly ClearingRecord[], first: number) => {
      page.forEach((r, k) => {
        insert.run(
          'RAW-1',
          BigInt(first + k),
          r.acquirerReferenceNumber,
          r.kind,
          r.amountMinor,
          r.currency,
          r.networkTraceId ?? null,
          r.tokenUniqueReference,
          r.fundingReference,
          r.merchantId ?? null,
          r.terminalId ?? null,
          r.localDateTime,
        );
      });
    });
    const startMs = performance.now();
    let page: ClearingRecord[] = [];
    let first = 0;
    for (const record of records(count)) {
      page.push(record);
      if (page.length < pageSize) continue;
      insertPage(page, first);
      first += page.length;
      page = [];
    }
    if (page.length > 0) insertPage(page, first);
    const elapsedMs = performance.now() - startMs;
    return { recordsPerSecond: Math.round((count / elapsedMs) * 1000), elapsedMs: Math.round(elapsedMs) };
  } finally {
    sqlite.close();
  }
}

export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      records: { type: 'string', default: '1000000' },
      'page-size': { type: 'string', default: '5000' },
      keep: { type: 'boolean' },
    },
  });
  const count = Math.min(RECORDS_MAX, Math.max(1, Number(values.records)));
  const pageSize = Math.max(1, Number(values['page-size']));
  const dir = mkdtempSync(join(tmpdir(), 'tapkit-bench-clearing-'));
  const handle = await openIssuerDatabase(join(dir, 'issuer.sqlite'));
  try {
    const seedStartMs = performance.now();
    await seed(handle, count);
    console.log(
      `seeded ${count} authorizations in ${((performance.now() - seedStartMs) / 1000).toFixed(1)} s`,
    );
    const filePath = join(dir, 'clearing.ipm');
    await writeClearingFile(createWriteStream(filePath), {
      fileId: 'BENCH-1',
      createdDateTime: '261126000000',
      records: records(count),
    });
    const processor = new IssuerProcessor({
      handle,
      clock: new VirtualClock(START_MS),
      gateway: noCalls,
      router: new StaticMppRouter('MPP'),
      logger: { info: () => undefined, warn: () => undefined, error: (f, m) => console.error(m, f) },
    });
    const sampler = startMemorySampler();
    const startMs = performance.now();
    const result = await ingestClearingFile(
      processor,
      createReadStream(filePath, { highWaterMark: 256 * 1024 }),
      { pageSize },
    );
    const elapsedMs = performance.now() - startMs;
    const memory = memoryProfile(await sampler.stop(), elapsedMs);
    if (result.status !== 'APPLIED' || result.appliedCount !== count)
      throw new Error(`bench: ${JSON.stringify(result)}`);
    const cleared = await handle.db
      .selectFrom('issuer_authorizations')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .where('state', '=', 'CLEARED')
      .executeTakeFirstOrThrow();
    if (BigInt(cleared.n) !== BigInt(count))
      throw new Error(`bench: ${cleared.n} of ${count} authorizations cleared`);
    const raw = rawInsert(join(dir, 'raw.sqlite'), count, pageSize);
    const recordsPerSecond = Math.round((count / elapsedMs) * 1000);
    const figures = {
      benchmark: 'clearing',
      records: count,
      recordsPerSecond,
      rawSqliteInsertRecordsPerSecond: raw.recordsPerSecond,
      ratioToRawInsert: Math.round((recordsPerSecond / raw.recordsPerSecond) * 1000) / 1000,
      targets: { recordsPerSecond: 20_000, records: 1_000_000 },
      peakRssBytes: memory.peakRssBytes,
      elapsedMs: Math.round(elapsedMs),
      rawInsertElapsedMs: raw.elapsedMs,
      pageSize,
      memory,
      durable: 'SQLite WAL, synchronous=FULL (ingestion and raw insert)',
      measuredAt: new Date().toISOString(),
      node: process.version,
      cores: availableParallelism(),
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    };
    console.log(figures);
    const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'clearing.json');
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
  } finally {
    await handle.close();
    if (values.keep !== true) rmSync(dir, { recursive: true, force: true });
  }
}
