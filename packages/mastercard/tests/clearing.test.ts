import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  clearingRecordFraming,
  concatBytes,
  encodeFrame,
  encodeIso8583,
  iso8583v1993Clearing,
} from '@tapkit/emv';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ClearingFileAccepted,
  type ClearingFileError,
  type ClearingFileEvent,
  type ClearingStage,
  ingestClearingFile,
  readClearingFile,
  readClearingFileAt,
} from '../src/clearing/adapters/file-reader.ts';
import { syntheticRecord, writeSyntheticClearingFile } from '../src/clearing/adapters/synthetic.ts';
import {
  addToTotals,
  type ClearingTotals,
  emptyTotals,
  headerMessage,
  type PresentmentRecord,
  presentmentMessage,
  trailerMessage,
} from '../src/clearing/domain/record.ts';

// Clearing files written and read back as streams: the round trip, any split of the byte stream into
// chunks, and whole-file rejection when the trailer does not match the records.

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'tapkit-clearing-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** A stage that keeps what it was given, so a test can see that nothing was committed on rejection. */
class RecordingStage implements ClearingStage {
  staged: PresentmentRecord[] = [];
  committed: PresentmentRecord[] = [];
  discarded: ClearingFileError | undefined;
  async begin(): Promise<void> {
    this.staged = [];
  }
  async stage(record: PresentmentRecord): Promise<void> {
    this.staged.push(record);
  }
  async commit(_accepted: ClearingFileAccepted): Promise<void> {
    this.committed = this.staged;
  }
  async discard(error: ClearingFileError): Promise<void> {
    this.discarded = error;
    this.staged = [];
  }
}

function frame(message: Parameters<typeof encodeIso8583>[1]): Uint8Array {
  return encodeFrame(encodeIso8583(iso8583v1993Clearing, message), clearingRecordFraming);
}

/** File bytes built by hand, so a test can give the trailer any totals it wants. */
function fileBytes(records: readonly PresentmentRecord[], trailerTotals?: ClearingTotals): Uint8Array {
  let totals = emptyTotals;
  for (const record of records) totals = addToTotals(totals, record);
  const frames = [frame(headerMessage({ fileId: 'F1', createdDateTime: '261125235959' }))];
  records.forEach((record, index) => {
    frames.push(frame(presentmentMessage(record, index + 2)));
  });
  frames.push(frame(trailerMessage({ fileId: 'F1', ...(trailerTotals ?? totals) }, records.length + 2)));
  return concatBytes(...frames);
}

async function collect(events: AsyncIterable<ClearingFileEvent>): Promise<ClearingFileEvent[]> {
  const out: ClearingFileEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('clearing file round trip', () => {
  it('writes 10,000 synthetic records and reads them back streaming, totals checked', async () => {
    const path = join(directory, 'synthetic-10k.ipm');
    const summary = await writeSyntheticClearingFile(path, 10_000);
    expect(summary.recordCount).toBe(10_000);
    expect(summary.totals.refundCount).toBe(1_000);
    expect(summary.totals.purchaseCount).toBe(9_000);

    let count = 0;
    let totals = emptyTotals;
    let verdict: ClearingFileEvent | undefined;
    for await (const event of readClearingFileAt(path)) {
      if (event.type === 'record') {
        // Spot-check content, not just counts: every 997th record must equal what was written.
        if (event.index % 997 === 0) expect(event.record).toEqual(syntheticRecord(event.index));
        totals = addToTotals(totals, event.record);
        count += 1;
      } else if (event.type === 'accepted' || event.type === 'rejected') {
        verdict = event;
      }
    }
    expect(count).toBe(10_000);
    expect(totals).toEqual(summary.totals);
    expect(verdict?.type).toBe('accepted');
    if (verdict?.type === 'accepted')
      expect(verdict.trailer).toEqual({ fileId: 'SYNTH-10000', ...summary.totals });
  });

  it('reads the same records whatever the chunk boundaries', async () => {
    const records = Array.from({ length: 25 }, (_, index) => syntheticRecord(index));
    const bytes = fileBytes(records);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 50 }),
        async (sizes) => {
          const chunks: Uint8Array[] = [];
          let offset = 0;
          for (let i = 0; offset < bytes.length; i++) {
            const size = sizes[i % sizes.length] ?? 1;
            chunks.push(bytes.subarray(offset, offset + size));
            offset += size;
          }
          const events = await collect(readClearingFile(Readable.from(chunks)));
          const read = events.flatMap((event) => (event.type === 'record' ? [event.record] : []));
          expect(read).toEqual(records);
          expect(events.at(-1)?.type).toBe('accepted');
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('clearing file rejection', () => {
  const records = Array.from({ length: 40 }, (_, index) => syntheticRecord(index));

  it('rejects the whole file when the trailer amount total does not match, committing nothing', async () => {
    let totals = emptyTotals;
    for (const record of records) totals = addToTotals(totals, record);
    const wrong = { ...totals, purchaseAmountMinor: totals.purchaseAmountMinor + 1n };
    const path = join(directory, 'wrong-total.ipm');
    await writeFile(path, fileBytes(records, wrong));

    const stage = new RecordingStage();
    const result = await ingestClearingFile((await import('node:fs')).createReadStream(path), stage);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('CLEARING_TOTALS_MISMATCH');
    expect(stage.committed).toEqual([]);
    expect(stage.staged).toEqual([]);
    expect(stage.discarded?.code).toBe('CLEARING_TOTALS_MISMATCH');
  });

  it('rejects a wrong trailer count the same way', async () => {
    let totals = emptyTotals;
    for (const record of records) totals = addToTotals(totals, record);
    const stage = new RecordingStage();
    const result = await ingestClearingFile(
      Readable.from([fileBytes(records, { ...totals, refundCount: totals.refundCount + 1 })]),
      stage,
    );
    expect(result.ok ? 'accepted' : result.error.code).toBe('CLEARING_TOTALS_MISMATCH');
    expect(stage.committed).toEqual([]);
  });

  it('commits a correct file', async () => {
    const stage = new RecordingStage();
    const result = await ingestClearingFile(Readable.from([fileBytes(records)]), stage);
    expect(result.ok).toBe(true);
    expect(stage.committed).toEqual(records);
  });

  it('rejects a file cut short (no trailer, or half a record)', async () => {
    const bytes = fileBytes(records);
    const withoutTrailer = bytes.subarray(
      0,
      bytes.length - frame(trailerMessage({ fileId: 'F1', ...emptyTotals }, 42)).length,
    );
    const noTrailer = await collect(readClearingFile(Readable.from([withoutTrailer])));
    expect(noTrailer.at(-1)).toMatchObject({ type: 'rejected', error: { code: 'CLEARING_TRAILER_MISSING' } });
    const halfRecord = await collect(readClearingFile(Readable.from([bytes.subarray(0, bytes.length - 3)])));
    expect(halfRecord.at(-1)).toMatchObject({ type: 'rejected', error: { code: 'CLEARING_FRAMING' } });
  });

  it('rejects a file with records after the trailer, or without a header', async () => {
    const bytes = fileBytes(records);
    const extra = frame(presentmentMessage(records[0]!, 99));
    const after = await collect(readClearingFile(Readable.from([concatBytes(bytes, extra)])));
    expect(after.at(-1)).toMatchObject({ type: 'rejected', error: { code: 'CLEARING_DATA_AFTER_TRAILER' } });
    const headerless = await collect(readClearingFile(Readable.from([extra])));
    expect(headerless.at(-1)).toMatchObject({ type: 'rejected', error: { code: 'CLEARING_HEADER_MISSING' } });
  });

  it('turns any garbage into exactly one rejected verdict, never a throw', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (garbage) => {
        const events = await collect(readClearingFile(Readable.from([garbage])));
        expect(events.at(-1)?.type).toBe('rejected');
        expect(events.filter((event) => event.type === 'accepted' || event.type === 'rejected')).toHaveLength(
          1,
        );
      }),
      { numRuns: 300 },
    );
  });

  it('survives a real file read back byte for byte', async () => {
    const path = join(directory, 'small.ipm');
    await writeSyntheticClearingFile(path, 3);
    const bytes = await readFile(path);
    // header + 3 records + trailer, each behind a 4-byte length.
    let offset = 0;
    let frames = 0;
    while (offset < bytes.length) {
      offset += 4 + bytes.readUInt32BE(offset);
      frames += 1;
    }
    expect(frames).toBe(5);
    expect(offset).toBe(bytes.length);
  });
});
