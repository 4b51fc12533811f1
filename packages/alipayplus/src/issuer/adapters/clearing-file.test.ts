import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  type ClearingEvent,
  type ClearingRecord,
  headerRecord,
  presentmentRecord,
  readClearingFile,
  trailerRecord,
  writeClearingFile,
} from './clearing-file.ts';

const record = (i: number, kind: ClearingRecord['kind'] = 'PURCHASE'): ClearingRecord => ({
  kind,
  amountMinor: BigInt(100 + i),
  currency: 'HKD',
  acquirerReferenceNumber: `7123456${String(i).padStart(16, '0')}`,
  networkTraceId: `T${String(i).padStart(20, '0')}`,
  tokenUniqueReference: 'TUR1',
  fundingReference: 'C1',
  merchantId: 'MERCHANT0000001',
  terminalId: 'TERM0001',
  localDateTime: '261125100000',
});

async function* chunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<ClearingEvent[]> {
  const events: ClearingEvent[] = [];
  for await (const event of readClearingFile(source)) events.push(event);
  return events;
}

async function fileOf(records: ClearingRecord[]): Promise<Uint8Array> {
  const out = new PassThrough();
  const parts: Buffer[] = [];
  out.on('data', (chunk: Buffer) => parts.push(chunk));
  await writeClearingFile(out, { fileId: 'F1', createdDateTime: '261126000000', records });
  return Buffer.concat(parts);
}

describe('clearing file reader', () => {
  it('round-trips what the writer wrote, whatever the chunk boundaries', async () => {
    const records = [record(1), record(2, 'REFUND'), record(3)];
    const bytes = await fileOf(records);
    for (const size of [1, 7, 64, bytes.length]) {
      const events = await collect(chunks(bytes, size));
      expect(events.map((e) => e.type)).toEqual(['header', 'record', 'record', 'record', 'accepted']);
      expect(
        events.filter((e) => e.type === 'record').map((e) => (e as { record: ClearingRecord }).record),
      ).toEqual(records);
      expect(events.at(-1)).toMatchObject({
        fileId: 'F1',
        recordCount: 3,
        totals: { purchaseCount: 2, purchaseAmountMinor: 204n, refundCount: 1, refundAmountMinor: 102n },
      });
    }
  });

  it('rejects a trailer whose totals do not match, a missing trailer, a truncated record, bad framing', async () => {
    const badTotals = Buffer.concat([
      headerRecord('F1', '261126000000'),
      presentmentRecord(record(1), 2),
      trailerRecord(
        'F1',
        { purchaseCount: 1, purchaseAmountMinor: 999n, refundCount: 0, refundAmountMinor: 0n },
        3,
      ),
    ]);
    expect((await collect(chunks(badTotals, 50))).at(-1)).toMatchObject({
      type: 'rejected',
      code: 'CLEARING_TOTALS_MISMATCH',
    });
    const noTrailer = Buffer.concat([headerRecord('F1', '261126000000'), presentmentRecord(record(1), 2)]);
    expect((await collect(chunks(noTrailer, 50))).at(-1)).toMatchObject({ code: 'CLEARING_TRAILER_MISSING' });
    const truncated = noTrailer.subarray(0, noTrailer.length - 3);
    expect((await collect(chunks(truncated, 50))).at(-1)).toMatchObject({ code: 'CLEARING_FRAMING' });
    expect((await collect(chunks(Uint8Array.from([0, 0, 0, 0]), 4))).at(-1)).toMatchObject({
      code: 'CLEARING_FRAMING',
    });
    const headless = Buffer.concat([presentmentRecord(record(1), 1)]);
    expect((await collect(chunks(headless, 50))).at(-1)).toMatchObject({ code: 'CLEARING_HEADER_MISSING' });
  });
});
