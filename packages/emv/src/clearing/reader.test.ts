import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../bytes.ts';
import {
  type ClearingFileEvent,
  type ClearingReaderOptions,
  type ClearingStage,
  defaultClearingReaderLimits,
  ingestClearingFile,
  readClearingFile,
} from './reader.ts';
import {
  acquirerReferenceNumber,
  addToTotals,
  type ClearingTotals,
  emptyTotals,
  encodeClearingRecord,
  headerMessage,
  type PresentmentRecord,
  presentmentMessage,
  trailerMessage,
} from './record.ts';

// The streaming reader over any AsyncIterable of bytes: any split into chunks, the trailer check, and
// one verdict for any input. The Node file adapters are tested in @tapkit/mastercard and @tapkit/alipayplus.

const record = (index: number): PresentmentRecord => ({
  kind: index % 10 === 9 ? 'REFUND' : 'PURCHASE',
  amountMinor: BigInt(100 + index * 7),
  currencyNumeric: '840',
  acquirerReferenceNumber: acquirerReferenceNumber({
    acquirerBin: '541333',
    yddd: '6330',
    sequence: BigInt(index),
  }),
  approvalCode: index % 3 === 0 ? undefined : String(index).padStart(6, '0'),
  networkTraceId: `T${String(index).padStart(20, '0')}`,
  localDateTime: '261125120000',
  tokenUniqueReference: `TUR${index}`,
  fundingReference: `CUST${index}`,
  merchantId: index % 4 === 0 ? undefined : 'TAPKITMERCH0001',
  terminalId: 'TERM0001',
});

const records = Array.from({ length: 25 }, (_, index) => record(index));

function totalsOf(list: readonly PresentmentRecord[]): ClearingTotals {
  let totals = emptyTotals;
  for (const item of list) totals = addToTotals(totals, item);
  return totals;
}

function fileBytes(
  list: readonly PresentmentRecord[],
  trailerTotals = totalsOf(list),
  fileId = 'F1',
): Uint8Array {
  return concatBytes(
    encodeClearingRecord(headerMessage({ fileId: 'F1', createdDateTime: '261125235959' })),
    ...list.map((item, index) => encodeClearingRecord(presentmentMessage(item, index + 2))),
    encodeClearingRecord(trailerMessage({ fileId, ...trailerTotals }, list.length + 2)),
  );
}

async function* chunked(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

async function collect(
  bytes: Uint8Array,
  sizes: readonly number[] = [bytes.length || 1],
  options?: ClearingReaderOptions,
): Promise<ClearingFileEvent[]> {
  const events: ClearingFileEvent[] = [];
  for await (const event of readClearingFile(chunked(bytes, sizes), options)) events.push(event);
  return events;
}

const codeOf = (events: ClearingFileEvent[]) => {
  const last = events.at(-1);
  return last?.type === 'rejected' ? last.error.code : last?.type;
};

describe('clearing file reader', () => {
  it('reads the same records and verdict whatever the chunk boundaries', async () => {
    const bytes = fileBytes(records);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 50 }),
        async (sizes) => {
          const events = await collect(bytes, sizes);
          expect(events[0]).toEqual({
            type: 'header',
            header: { fileId: 'F1', createdDateTime: '261125235959' },
          });
          expect(events.flatMap((event) => (event.type === 'record' ? [event.record] : []))).toEqual(records);
          expect(events.at(-1)).toEqual({
            type: 'accepted',
            header: { fileId: 'F1', createdDateTime: '261125235959' },
            trailer: { fileId: 'F1', ...totalsOf(records) },
            recordCount: 25,
          });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('rejects a trailer whose counts, totals or file id do not match', async () => {
    const totals = totalsOf(records);
    const wrongAmount = fileBytes(records, {
      ...totals,
      purchaseAmountMinor: totals.purchaseAmountMinor + 1n,
    });
    expect((await collect(wrongAmount)).at(-1)).toMatchObject({
      type: 'rejected',
      error: { code: 'CLEARING_TOTALS_MISMATCH', messageIndex: 26 },
    });
    expect(
      codeOf(await collect(fileBytes(records, { ...totals, refundCount: totals.refundCount + 1 }))),
    ).toBe('CLEARING_TOTALS_MISMATCH');
    expect(codeOf(await collect(fileBytes(records, totals, 'F2')))).toBe('CLEARING_FILE_ID_MISMATCH');
  });

  it('rejects cut, headless, over-long and trailing-data files', async () => {
    const bytes = fileBytes(records);
    const trailerBytes = encodeClearingRecord(trailerMessage({ fileId: 'F1', ...emptyTotals }, 27)).length;
    expect(codeOf(await collect(bytes.subarray(0, bytes.length - trailerBytes)))).toBe(
      'CLEARING_TRAILER_MISSING',
    );
    expect(codeOf(await collect(bytes.subarray(0, bytes.length - 3)))).toBe('CLEARING_FRAMING');
    expect(codeOf(await collect(new Uint8Array(0)))).toBe('CLEARING_HEADER_MISSING');
    expect(codeOf(await collect(Uint8Array.from([0, 0, 0, 0])))).toBe('CLEARING_FRAMING');
    expect(codeOf(await collect(Uint8Array.from([0xff, 0, 0, 1, 0])))).toBe('CLEARING_FRAMING');
    const extra = encodeClearingRecord(presentmentMessage(records[0]!, 99));
    expect(codeOf(await collect(concatBytes(bytes, extra)))).toBe('CLEARING_DATA_AFTER_TRAILER');
    expect(codeOf(await collect(extra))).toBe('CLEARING_HEADER_MISSING');
    const header = encodeClearingRecord(headerMessage({ fileId: 'F1', createdDateTime: '261125235959' }));
    expect(codeOf(await collect(concatBytes(header, header)))).toBe('CLEARING_HEADER_REPEATED');
    const limits = { ...defaultClearingReaderLimits, recordCountMax: 24 };
    expect(codeOf(await collect(bytes, [bytes.length], limits))).toBe('CLEARING_TOO_MANY_RECORDS');
  });

  it("with trailerCheck 'at-end', checks the trailer once the source has ended", async () => {
    const totals = totalsOf(records);
    const wrong = fileBytes(records, { ...totals, purchaseCount: 0 });
    const atEnd = { ...defaultClearingReaderLimits, trailerCheck: 'at-end' as const };
    expect(codeOf(await collect(wrong, [64], atEnd))).toBe('CLEARING_TOTALS_MISMATCH');
    expect(codeOf(await collect(fileBytes(records, totals, 'F2'), [64], atEnd))).toBe(
      'CLEARING_FILE_ID_MISMATCH',
    );
    const extra = encodeClearingRecord(presentmentMessage(records[0]!, 99));
    expect(codeOf(await collect(concatBytes(wrong, extra), [64], atEnd))).toBe('CLEARING_DATA_AFTER_TRAILER');
    expect(codeOf(await collect(concatBytes(wrong, extra)))).toBe('CLEARING_TOTALS_MISMATCH');
    expect(codeOf(await collect(fileBytes(records), [64], atEnd))).toBe('accepted');
  });

  it('turns any garbage into exactly one verdict, last, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (garbage) => {
        const events = await collect(garbage);
        const verdicts = events.filter((event) => event.type === 'accepted' || event.type === 'rejected');
        expect(verdicts).toHaveLength(1);
        expect(events.at(-1)?.type).toBe('rejected');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a source that yields text', async () => {
    async function* text(): AsyncGenerator<string> {
      yield 'not bytes';
    }
    await expect(readClearingFile(text()).next()).rejects.toThrow(TypeError);
  });
});

/** A stage that logs its calls in order, so a test sees what was staged, committed or discarded. */
function loggingStage(log: string[]): ClearingStage {
  return {
    begin: async (header) => void log.push(`begin ${header.fileId}`),
    stage: async (item, index) => void log.push(`stage ${index} ${item.tokenUniqueReference}`),
    commit: async (accepted) => void log.push(`commit ${accepted.recordCount}`),
    discard: async (error) => void log.push(`discard ${error.code}`),
  };
}

describe('ingestClearingFile', () => {
  it('commits a whole file and discards a file whose trailer does not match', async () => {
    const staged = records.map((item, index) => `stage ${index} ${item.tokenUniqueReference}`);
    const good: string[] = [];
    const accepted = await ingestClearingFile(chunked(fileBytes(records), [100]), loggingStage(good));
    expect(accepted.ok && accepted.value.recordCount).toBe(25);
    expect(good).toEqual(['begin F1', ...staged, 'commit 25']);
    const bad: string[] = [];
    const totals = totalsOf(records);
    const wrong = fileBytes(records, { ...totals, refundAmountMinor: 1n });
    const rejected = await ingestClearingFile(chunked(wrong, [100]), loggingStage(bad));
    expect(rejected.ok ? 'accepted' : rejected.error.code).toBe('CLEARING_TOTALS_MISMATCH');
    expect(bad).toEqual(['begin F1', ...staged, 'discard CLEARING_TOTALS_MISMATCH']);
  });
});
