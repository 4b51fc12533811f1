// Clearing ingestion throughput of the Alipay+ issuer processor: seeds N open authorizations, writes a
// clearing file of N first presentments matched to them (4-byte length + ISO 8583:1993 per record, 1644
// header and trailer), then ingests it: stream, stage, trailer check, apply. Memory is sampled during the
// ingestion; the file and the database are on disk (SQLite, WAL, synchronous=FULL), as in production.
//   npm run bench -- clearing [--records 1000000] [--page-size 500] [--keep]
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
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
    let peakRssBytes = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
    }, 50);
    const startMs = performance.now();
    const result = await ingestClearingFile(
      processor,
      createReadStream(filePath, { highWaterMark: 256 * 1024 }),
      { pageSize },
    );
    const elapsedMs = performance.now() - startMs;
    clearInterval(sampler);
    peakRssBytes = Math.max(peakRssBytes, process.memoryUsage().rss);
    if (result.status !== 'APPLIED' || result.appliedCount !== count)
      throw new Error(`bench: ${JSON.stringify(result)}`);
    const cleared = await handle.db
      .selectFrom('issuer_authorizations')
      .select((eb) => eb.fn.countAll<bigint>().as('n'))
      .where('state', '=', 'CLEARED')
      .executeTakeFirstOrThrow();
    if (BigInt(cleared.n) !== BigInt(count))
      throw new Error(`bench: ${cleared.n} of ${count} authorizations cleared`);
    const figures = {
      records: count,
      recordsPerSecond: Math.round((count / elapsedMs) * 1000),
      peakRssBytes,
      elapsedMs: Math.round(elapsedMs),
      pageSize,
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
