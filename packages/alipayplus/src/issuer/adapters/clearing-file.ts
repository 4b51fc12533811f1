import type { Writable } from 'node:stream';
import {
  addToTotals,
  type ClearingReaderOptions,
  defaultClearingReaderLimits,
  encodeClearingRecord,
  headerMessage,
  type PresentmentRecord,
  presentmentMessage,
  readClearingFile as readClearingEvents,
  recordCountMax,
  trailerMessage,
} from '@tapkit/emv';
import { currencyOfNumeric, numericOfCurrency } from './iso-messages.ts';

// The clearing file (tapkit, shaped after Mastercard IPM): records of a 4-byte big-endian length and an
// ISO 8583:1993 message; a 1644 header (DE24 697, DE48 10 file id), 1240 first presentments (DE24 200),
// a 1644 trailer (DE24 695) with DE74/76 counts and DE86/88 totals of refunds/purchases. The format and
// the streaming reader live in @tapkit/emv (src/clearing/), shared with the network that writes the
// file; this adapter gives the issuer processor its own view of a record (alphabetic currency, no DE38)
// and writes files from a Node stream for tests and the benchmark.

export interface ClearingRecord {
  readonly kind: 'PURCHASE' | 'REFUND';
  readonly amountMinor: bigint;
  /** ISO 4217 alphabetic (from DE49 numeric). */
  readonly currency: string;
  /** DE31: the acquirer reference number, unique per presentment: the record's id. */
  readonly acquirerReferenceNumber: string;
  readonly networkTraceId: string | undefined;
  readonly tokenUniqueReference: string;
  readonly fundingReference: string;
  readonly merchantId: string | undefined;
  readonly terminalId: string | undefined;
  /** DE12, YYMMDDhhmmss. */
  readonly localDateTime: string;
}

export interface ClearingTotals {
  purchaseCount: number;
  purchaseAmountMinor: bigint;
  refundCount: number;
  refundAmountMinor: bigint;
}

export type ClearingEvent =
  | { readonly type: 'header'; readonly fileId: string }
  | { readonly type: 'record'; readonly record: ClearingRecord; readonly index: number }
  | {
      readonly type: 'accepted';
      readonly fileId: string;
      readonly recordCount: number;
      readonly totals: ClearingTotals;
    }
  | { readonly type: 'rejected'; readonly code: string; readonly detail: string };

/** (tapkit) A clearing file holds at most this many records (DE74/DE76 are 10 digits). */
export const clearingRecordCountMax = recordCountMax;

/**
 * (tapkit) This reader has always taken any 1240 the codec accepts (the processor matches records by
 * DE63/DE31 and reports what it cannot use) and checked the trailer once the file has ended.
 */
const readerOptions: ClearingReaderOptions = {
  ...defaultClearingReaderLimits,
  recordCountMax: clearingRecordCountMax,
  validateRecords: false,
  trailerCheck: 'at-end',
};

const trimmed = (text: string | undefined) =>
  text === undefined || text.trim() === '' ? undefined : text.trim();

function issuerRecord(record: PresentmentRecord): ClearingRecord | undefined {
  const currency = currencyOfNumeric(record.currencyNumeric);
  if (currency === undefined) return undefined;
  return {
    kind: record.kind,
    amountMinor: record.amountMinor,
    currency,
    acquirerReferenceNumber: record.acquirerReferenceNumber,
    networkTraceId: trimmed(record.networkTraceId),
    tokenUniqueReference: record.tokenUniqueReference,
    fundingReference: record.fundingReference,
    merchantId: trimmed(record.merchantId),
    terminalId: trimmed(record.terminalId),
    localDateTime: record.localDateTime,
  };
}

/** The events of one file; the last is always 'accepted' or 'rejected'. */
export async function* readClearingFile(
  source: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<ClearingEvent> {
  for await (const event of readClearingEvents(source, readerOptions)) {
    if (event.type === 'header') {
      yield { type: 'header', fileId: event.header.fileId };
    } else if (event.type === 'record') {
      const record = issuerRecord(event.record);
      if (record === undefined) {
        yield {
          type: 'rejected',
          code: 'CLEARING_RECORD_INVALID',
          detail: '1240 without a valid DE3, DE4, DE31 or DE49',
        };
        return;
      }
      yield { type: 'record', record, index: event.index };
    } else if (event.type === 'accepted') {
      const { purchaseCount, purchaseAmountMinor, refundCount, refundAmountMinor } = event.trailer;
      const totals = { purchaseCount, purchaseAmountMinor, refundCount, refundAmountMinor };
      yield { type: 'accepted', fileId: event.header.fileId, recordCount: event.recordCount, totals };
    } else {
      yield { type: 'rejected', code: event.error.code, detail: event.error.detail };
    }
  }
}

// ---- Writer (tests, benchmark) ----

/** DE71 is 8 digits: message numbers wrap. */
const messageNumberOf = (messageNumber: number) => messageNumber % 100_000_000;

export function headerRecord(fileId: string, createdDateTime: string): Uint8Array {
  return encodeClearingRecord(headerMessage({ fileId, createdDateTime }));
}

export function presentmentRecord(record: ClearingRecord, messageNumber: number): Uint8Array {
  const numeric = numericOfCurrency(record.currency);
  if (numeric === undefined) throw new RangeError(`clearing writer: unknown currency ${record.currency}`);
  const presentment: PresentmentRecord = {
    kind: record.kind,
    amountMinor: record.amountMinor,
    currencyNumeric: numeric,
    acquirerReferenceNumber: record.acquirerReferenceNumber,
    approvalCode: undefined,
    networkTraceId: record.networkTraceId,
    localDateTime: record.localDateTime,
    tokenUniqueReference: record.tokenUniqueReference,
    fundingReference: record.fundingReference,
    merchantId: record.merchantId,
    terminalId: record.terminalId,
  };
  return encodeClearingRecord(presentmentMessage(presentment, messageNumberOf(messageNumber)));
}

export function trailerRecord(fileId: string, totals: ClearingTotals, messageNumber: number): Uint8Array {
  return encodeClearingRecord(trailerMessage({ fileId, ...totals }, messageNumberOf(messageNumber)));
}

/** Writes a whole file to `out` from an iterable of records, in chunks, honouring backpressure. */
export async function writeClearingFile(
  out: Writable,
  input: {
    fileId: string;
    createdDateTime: string;
    records: Iterable<ClearingRecord>;
    totals?: ClearingTotals;
  },
): Promise<ClearingTotals> {
  let totals: ClearingTotals = {
    purchaseCount: 0,
    purchaseAmountMinor: 0n,
    refundCount: 0,
    refundAmountMinor: 0n,
  };
  const parts: Uint8Array[] = [headerRecord(input.fileId, input.createdDateTime)];
  let bytes = 0;
  const flush = async () => {
    const chunk = Buffer.concat(parts);
    parts.length = 0;
    bytes = 0;
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
  };
  let count = 0;
  for (const record of input.records) {
    count += 1;
    totals = addToTotals(totals, record);
    const encoded = presentmentRecord(record, count + 1);
    parts.push(encoded);
    bytes += encoded.length;
    if (bytes >= 256 * 1024) await flush();
  }
  parts.push(trailerRecord(input.fileId, input.totals ?? totals, count + 2));
  await flush();
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  return totals;
}
