import type { Writable } from 'node:stream';
import {
  clearingRecordFraming,
  decodeIso8583,
  encodeFrame,
  encodeIso8583,
  type FieldValue,
  getSubelements,
  getText,
  type Iso8583Message,
  iso8583v1993Clearing,
} from '@tapkit/emv';
import { currencyOfNumeric, numericOfCurrency } from './iso-messages.ts';

// The clearing file (tapkit, shaped after Mastercard IPM): records of a 4-byte big-endian length and an
// ISO 8583:1993 message; a 1644 header (DE24 697, DE48 10 file id), 1240 first presentments (DE24 200),
// a 1644 trailer (DE24 695) with DE74/76 counts and DE86/88 totals of refunds/purchases. Field usage
// follows packages/mastercard/src/clearing/domain/record.ts. (tapkit) This reader and writer live here
// because neither @tapkit/emv nor @tapkit/mastercard exports one, and a party must not import another
// party's internals; the lead may move one shared copy into @tapkit/emv.
// The reader is streaming: it keeps only the bytes of one incomplete record between chunks.

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
export const clearingRecordCountMax = 9_999_999_999;

const subelement = (message: Iso8583Message, id: string) =>
  getSubelements(message)?.find((e) => e.id === id)?.value;
const trimmed = (text: string | undefined) =>
  text === undefined || text.trim() === '' ? undefined : text.trim();

type Parsed =
  | { type: 'header'; fileId: string }
  | { type: 'record'; record: ClearingRecord }
  | { type: 'trailer'; fileId: string; totals: ClearingTotals }
  | { type: 'error'; detail: string };

function parseMessage(message: Iso8583Message): Parsed {
  const functionCode = getText(message, 24);
  if (message.mti === '1240' && functionCode === '200') return parsePresentment(message);
  const fileId = subelement(message, '10');
  if (message.mti !== '1644' || fileId === undefined)
    return { type: 'error', detail: `unexpected ${message.mti}/${functionCode}` };
  if (functionCode === '697') return { type: 'header', fileId };
  if (functionCode !== '695') return { type: 'error', detail: `1644 with DE24 ${functionCode}` };
  const [refunds, purchases, refundTotal, purchaseTotal] = [74, 76, 86, 88].map((field) =>
    getText(message, field),
  );
  if (
    refunds === undefined ||
    purchases === undefined ||
    refundTotal === undefined ||
    purchaseTotal === undefined
  ) {
    return { type: 'error', detail: 'trailer without DE74/76/86/88' };
  }
  return {
    type: 'trailer',
    fileId,
    totals: {
      refundCount: Number(refunds),
      purchaseCount: Number(purchases),
      refundAmountMinor: BigInt(refundTotal),
      purchaseAmountMinor: BigInt(purchaseTotal),
    },
  };
}

function parsePresentment(message: Iso8583Message): Parsed {
  const code = getText(message, 3);
  const kind = code === '000000' ? 'PURCHASE' : code === '200000' ? 'REFUND' : undefined;
  const amount = getText(message, 4);
  const currency = currencyOfNumeric(getText(message, 49) ?? '');
  const arn = getText(message, 31);
  const localDateTime = getText(message, 12);
  const token = subelement(message, '01');
  const funding = subelement(message, '03');
  if (kind === undefined || amount === undefined || currency === undefined || arn === undefined) {
    return { type: 'error', detail: '1240 without a valid DE3, DE4, DE31 or DE49' };
  }
  if (localDateTime === undefined || token === undefined || funding === undefined) {
    return { type: 'error', detail: '1240 without DE12 or the DE48 references' };
  }
  return {
    type: 'record',
    record: {
      kind,
      amountMinor: BigInt(amount),
      currency,
      acquirerReferenceNumber: arn,
      networkTraceId: trimmed(getText(message, 63)),
      tokenUniqueReference: token,
      fundingReference: funding,
      merchantId: trimmed(getText(message, 42)),
      terminalId: trimmed(getText(message, 41)),
      localDateTime,
    },
  };
}

interface ReadState {
  fileId: string | undefined;
  trailer: { fileId: string; totals: ClearingTotals } | undefined;
  totals: ClearingTotals;
  count: number;
}

function step(
  state: ReadState,
  body: Uint8Array,
): ClearingEvent | undefined | { error: string; code: string } {
  if (state.trailer !== undefined)
    return { code: 'CLEARING_DATA_AFTER_TRAILER', error: 'a record follows the trailer' };
  const decoded = decodeIso8583(iso8583v1993Clearing, body);
  if (!decoded.ok) return { code: 'CLEARING_MESSAGE_INVALID', error: decoded.error.message };
  const parsed = parseMessage(decoded.value);
  if (parsed.type === 'error') return { code: 'CLEARING_RECORD_INVALID', error: parsed.detail };
  if (parsed.type === 'header') {
    if (state.fileId !== undefined) return { code: 'CLEARING_HEADER_REPEATED', error: 'a second header' };
    state.fileId = parsed.fileId;
    return { type: 'header', fileId: parsed.fileId };
  }
  if (state.fileId === undefined) return { code: 'CLEARING_HEADER_MISSING', error: 'no header first' };
  if (parsed.type === 'trailer') {
    state.trailer = { fileId: parsed.fileId, totals: parsed.totals };
    return undefined;
  }
  if (state.count >= clearingRecordCountMax)
    return { code: 'CLEARING_TOO_MANY_RECORDS', error: 'too many records' };
  const { record } = parsed;
  if (record.kind === 'REFUND') {
    state.totals.refundCount += 1;
    state.totals.refundAmountMinor += record.amountMinor;
  } else {
    state.totals.purchaseCount += 1;
    state.totals.purchaseAmountMinor += record.amountMinor;
  }
  state.count += 1;
  return { type: 'record', record, index: state.count - 1 };
}

function verdict(state: ReadState): ClearingEvent {
  const reject = (code: string, detail: string): ClearingEvent => ({ type: 'rejected', code, detail });
  if (state.fileId === undefined) return reject('CLEARING_HEADER_MISSING', 'empty file');
  if (state.trailer === undefined) return reject('CLEARING_TRAILER_MISSING', 'no trailer');
  if (state.trailer.fileId !== state.fileId)
    return reject('CLEARING_FILE_ID_MISMATCH', 'trailer names another file');
  const t = state.trailer.totals;
  const r = state.totals;
  const same =
    t.purchaseCount === r.purchaseCount &&
    t.refundCount === r.refundCount &&
    t.purchaseAmountMinor === r.purchaseAmountMinor &&
    t.refundAmountMinor === r.refundAmountMinor;
  if (!same)
    return reject('CLEARING_TOTALS_MISMATCH', 'the trailer counts or totals differ from the records');
  return { type: 'accepted', fileId: state.fileId, recordCount: state.count, totals: r };
}

/** The events of one file; the last is always 'accepted' or 'rejected'. */
export async function* readClearingFile(
  source: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<ClearingEvent> {
  const state: ReadState = {
    fileId: undefined,
    trailer: undefined,
    totals: { purchaseCount: 0, purchaseAmountMinor: 0n, refundCount: 0, refundAmountMinor: 0n },
    count: 0,
  };
  let leftover: Buffer | undefined;
  for await (const chunk of source) {
    if (typeof chunk === 'string') throw new TypeError('clearing reader: the source must yield bytes');
    const incoming = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const bytes = leftover === undefined ? incoming : Buffer.concat([leftover, incoming]);
    let offset = 0;
    // Each iteration consumes one whole record, so the loop is bounded by the chunk's length.
    while (bytes.length - offset >= 4) {
      const length = bytes.readUInt32BE(offset);
      if (length === 0 || length > clearingRecordFraming.frameBytesMax) {
        yield { type: 'rejected', code: 'CLEARING_FRAMING', detail: `record length ${length}` };
        return;
      }
      if (bytes.length - offset - 4 < length) break;
      const event = step(state, bytes.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
      if (event !== undefined && 'error' in event) {
        yield { type: 'rejected', code: event.code, detail: event.error };
        return;
      }
      if (event !== undefined) yield event;
    }
    leftover = offset < bytes.length ? Buffer.from(bytes.subarray(offset)) : undefined;
  }
  if (leftover !== undefined)
    yield { type: 'rejected', code: 'CLEARING_FRAMING', detail: 'a truncated record at the end' };
  else yield verdict(state);
}

// ---- Writer (tests, benchmark) ----

function frame(message: Iso8583Message): Uint8Array {
  return encodeFrame(encodeIso8583(iso8583v1993Clearing, message), clearingRecordFraming);
}

export function headerRecord(fileId: string, createdDateTime: string): Uint8Array {
  return frame({
    mti: '1644',
    fields: new Map<number, FieldValue>([
      [12, createdDateTime],
      [24, '697'],
      [48, [{ id: '10', value: fileId }]],
      [71, '00000001'],
    ]),
  });
}

export function presentmentRecord(record: ClearingRecord, messageNumber: number): Uint8Array {
  const numeric = numericOfCurrency(record.currency);
  if (numeric === undefined) throw new RangeError(`clearing writer: unknown currency ${record.currency}`);
  const fields = new Map<number, FieldValue>([
    [3, record.kind === 'REFUND' ? '200000' : '000000'],
    [4, record.amountMinor.toString().padStart(12, '0')],
    [12, record.localDateTime],
    [24, '200'],
    [31, record.acquirerReferenceNumber],
    [
      48,
      [
        { id: '01', value: record.tokenUniqueReference },
        { id: '03', value: record.fundingReference },
      ],
    ],
    [49, numeric],
    [71, String(messageNumber % 100_000_000).padStart(8, '0')],
  ]);
  if (record.networkTraceId !== undefined) fields.set(63, record.networkTraceId);
  if (record.merchantId !== undefined) fields.set(42, record.merchantId);
  if (record.terminalId !== undefined) fields.set(41, record.terminalId);
  return frame({ mti: '1240', fields });
}

export function trailerRecord(fileId: string, totals: ClearingTotals, messageNumber: number): Uint8Array {
  return frame({
    mti: '1644',
    fields: new Map<number, FieldValue>([
      [24, '695'],
      [48, [{ id: '10', value: fileId }]],
      [71, String(messageNumber % 100_000_000).padStart(8, '0')],
      [74, String(totals.refundCount).padStart(10, '0')],
      [76, String(totals.purchaseCount).padStart(10, '0')],
      [86, totals.refundAmountMinor.toString().padStart(16, '0')],
      [88, totals.purchaseAmountMinor.toString().padStart(16, '0')],
    ]),
  });
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
  const totals: ClearingTotals = {
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
    if (record.kind === 'REFUND') {
      totals.refundCount += 1;
      totals.refundAmountMinor += record.amountMinor;
    } else {
      totals.purchaseCount += 1;
      totals.purchaseAmountMinor += record.amountMinor;
    }
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
