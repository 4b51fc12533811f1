import { concatBytes } from '../bytes.ts';
import { decodeIso8583 } from '../iso8583/codec.ts';
import { iso8583v1993Clearing } from '../iso8583/fields1993.ts';
import { clearingRecordFraming } from '../iso8583/framing.ts';
import {
  addToTotals,
  type ClearingHeader,
  type ClearingTotals,
  type ClearingTrailer,
  emptyTotals,
  type PresentmentRecord,
  parseClearingMessage,
  recordCountMax,
  totalsEqual,
} from './record.ts';

// Reads a clearing file as a stream of events, in constant memory: only the bytes of one incomplete
// record are kept between chunks. Records are handed out as they are read, before the trailer has been
// checked, so a consumer must STAGE them and commit only on 'accepted'; on 'rejected' it discards the
// whole file. `ingestClearingFile` does exactly that against a ClearingStage. Pure: the source is any
// AsyncIterable of bytes (a Node stream, a fetch body reader, an array in tests).

export type ClearingFileErrorCode =
  | 'CLEARING_FRAMING'
  | 'CLEARING_MESSAGE_INVALID'
  | 'CLEARING_RECORD_INVALID'
  | 'CLEARING_HEADER_MISSING'
  | 'CLEARING_HEADER_REPEATED'
  | 'CLEARING_TRAILER_MISSING'
  | 'CLEARING_DATA_AFTER_TRAILER'
  | 'CLEARING_FILE_ID_MISMATCH'
  | 'CLEARING_TOTALS_MISMATCH'
  | 'CLEARING_TOO_MANY_RECORDS';

export interface ClearingFileError {
  readonly code: ClearingFileErrorCode;
  readonly detail: string;
  /** Index of the framed message (0 = header) where the problem was found. */
  readonly messageIndex: number;
}

export interface ClearingFileAccepted {
  readonly header: ClearingHeader;
  readonly trailer: ClearingTrailer;
  readonly recordCount: number;
}

export type ClearingFileEvent =
  | { readonly type: 'header'; readonly header: ClearingHeader }
  | { readonly type: 'record'; readonly record: PresentmentRecord; readonly index: number }
  | ({ readonly type: 'accepted' } & ClearingFileAccepted)
  | { readonly type: 'rejected'; readonly error: ClearingFileError };

export interface ClearingReaderLimits {
  readonly recordCountMax: number;
  readonly recordBytesMax: number;
}

export interface ClearingReaderOptions extends ClearingReaderLimits {
  /** See ParseOptions.validateRecords; default true. */
  readonly validateRecords?: boolean;
  /**
   * When the trailer's file id and totals are compared with the records: as soon as it is read
   * ('at-trailer', the default), or once the source has ended ('at-end': a file with both a wrong
   * trailer and bytes after it is then rejected for the bytes). (tapkit) 'at-end' keeps the issuer
   * processor's reader as it was before the two readers were merged.
   */
  readonly trailerCheck?: 'at-trailer' | 'at-end';
}

export const defaultClearingReaderLimits: ClearingReaderLimits = {
  recordCountMax,
  recordBytesMax: clearingRecordFraming.frameBytesMax,
};

/** The reader's state between messages. */
interface ReadState {
  header: ClearingHeader | undefined;
  trailer: ClearingTrailer | undefined;
  totals: ClearingTotals;
  recordCount: number;
  messageIndex: number;
}

type Step = { readonly event: ClearingFileEvent | undefined } | { readonly error: ClearingFileError };

/** A module function, not a closure per message: it runs for every record of a million-record file. */
function stepFailure(state: ReadState, code: ClearingFileErrorCode, detail: string): Step {
  return { error: { code, detail, messageIndex: state.messageIndex } };
}

function stepMessage(state: ReadState, body: Uint8Array, options: ClearingReaderOptions): Step {
  if (state.trailer !== undefined)
    return stepFailure(state, 'CLEARING_DATA_AFTER_TRAILER', 'a message follows the trailer');
  const decoded = decodeIso8583(iso8583v1993Clearing, body);
  if (!decoded.ok) return stepFailure(state, 'CLEARING_MESSAGE_INVALID', decoded.error.message);
  const parsed = parseClearingMessage(decoded.value, { validateRecords: options.validateRecords ?? true });
  if ('code' in parsed) return stepFailure(state, 'CLEARING_RECORD_INVALID', parsed.detail);
  if (parsed.type === 'header') {
    if (state.header !== undefined) return stepFailure(state, 'CLEARING_HEADER_REPEATED', 'a second header');
    state.header = parsed.header;
    return { event: { type: 'header', header: parsed.header } };
  }
  if (state.header === undefined)
    return stepFailure(state, 'CLEARING_HEADER_MISSING', 'the file does not start with a header');
  if (parsed.type === 'presentment') {
    if (state.recordCount >= options.recordCountMax)
      return stepFailure(state, 'CLEARING_TOO_MANY_RECORDS', 'recordCountMax reached');
    state.totals = addToTotals(state.totals, parsed.record);
    state.recordCount += 1;
    return { event: { type: 'record', record: parsed.record, index: state.recordCount - 1 } };
  }
  if (options.trailerCheck !== 'at-end') {
    const error = trailerError(state.header, state.totals, parsed.trailer);
    if (error !== undefined) return stepFailure(state, error.code, error.detail);
  }
  state.trailer = parsed.trailer;
  return { event: undefined };
}

function trailerError(
  header: ClearingHeader,
  totals: ClearingTotals,
  trailer: ClearingTrailer,
): { code: ClearingFileErrorCode; detail: string } | undefined {
  if (trailer.fileId !== header.fileId)
    return { code: 'CLEARING_FILE_ID_MISMATCH', detail: 'trailer file id differs' };
  if (totalsEqual(trailer, totals)) return undefined;
  return {
    code: 'CLEARING_TOTALS_MISMATCH',
    detail: `trailer ${describeTotals(trailer)}, records ${describeTotals(totals)}`,
  };
}

function describeTotals(totals: ClearingTotals): string {
  return `purchases ${totals.purchaseCount}/${totals.purchaseAmountMinor} refunds ${totals.refundCount}/${totals.refundAmountMinor}`;
}

function asBytes(chunk: Uint8Array | string): Uint8Array {
  if (typeof chunk === 'string') throw new TypeError('clearing reader: the source must yield bytes');
  return chunk;
}

function lengthAt(bytes: Uint8Array, offset: number): number {
  // Four bytes are there: the caller checked. `>>> 0` keeps a top bit of 1 from going negative.
  return (
    (((bytes[offset] ?? 0) << 24) |
      ((bytes[offset + 1] ?? 0) << 16) |
      ((bytes[offset + 2] ?? 0) << 8) |
      (bytes[offset + 3] ?? 0)) >>>
    0
  );
}

/** The verdict once the source has ended without an earlier rejection. */
function verdictAtEnd(state: ReadState, leftover: Uint8Array | undefined): ClearingFileEvent {
  const reject = (code: ClearingFileErrorCode, detail: string): ClearingFileEvent => ({
    type: 'rejected',
    error: { code, detail, messageIndex: state.messageIndex },
  });
  if (leftover !== undefined)
    return reject('CLEARING_FRAMING', `${leftover.length} bytes of a truncated record at the end`);
  if (state.header === undefined) return reject('CLEARING_HEADER_MISSING', 'empty file');
  if (state.trailer === undefined)
    return reject('CLEARING_TRAILER_MISSING', 'the file ends without a trailer');
  // With trailerCheck 'at-trailer' this was done already and passes again.
  const error = trailerError(state.header, state.totals, state.trailer);
  if (error !== undefined) return reject(error.code, error.detail);
  return { type: 'accepted', header: state.header, trailer: state.trailer, recordCount: state.recordCount };
}

/** Events of one clearing file; the last event is always 'accepted' or 'rejected'. */
export async function* readClearingFile(
  source: AsyncIterable<Uint8Array | string>,
  options: ClearingReaderOptions = defaultClearingReaderLimits,
): AsyncGenerator<ClearingFileEvent, void, undefined> {
  const state: ReadState = {
    header: undefined,
    trailer: undefined,
    totals: emptyTotals,
    recordCount: 0,
    messageIndex: 0,
  };
  let leftover: Uint8Array | undefined;
  for await (const chunk of source) {
    const bytes = leftover === undefined ? asBytes(chunk) : concatBytes(leftover, asBytes(chunk));
    let offset = 0;
    // Each iteration consumes one whole record, so the loop is bounded by the chunk length.
    while (bytes.length - offset >= 4) {
      const length = lengthAt(bytes, offset);
      if (length === 0 || length > options.recordBytesMax) {
        const detail = `record length ${length} (max ${options.recordBytesMax})`;
        yield {
          type: 'rejected',
          error: { code: 'CLEARING_FRAMING', detail, messageIndex: state.messageIndex },
        };
        return;
      }
      if (bytes.length - offset - 4 < length) break;
      const step = stepMessage(state, bytes.subarray(offset + 4, offset + 4 + length), options);
      offset += 4 + length;
      if ('error' in step) {
        yield { type: 'rejected', error: step.error };
        return;
      }
      state.messageIndex += 1;
      if (step.event !== undefined) yield step.event;
    }
    // Copy the tail so the chunk it came from can be collected.
    leftover = offset < bytes.length ? bytes.slice(offset) : undefined;
  }
  yield verdictAtEnd(state, leftover);
}

/** Where an ingesting consumer puts records until the file is known to be whole. */
export interface ClearingStage {
  begin(header: ClearingHeader): Promise<void>;
  stage(record: PresentmentRecord, index: number): Promise<void>;
  /** The trailer matched: make the staged records effective. */
  commit(accepted: ClearingFileAccepted): Promise<void>;
  /** The file is rejected: drop everything staged. */
  discard(error: ClearingFileError): Promise<void>;
}

/** Reads a whole file into a stage: commit on a matching trailer, discard otherwise. */
export async function ingestClearingFile(
  source: AsyncIterable<Uint8Array | string>,
  stage: ClearingStage,
  limits?: ClearingReaderOptions,
): Promise<{ ok: true; value: ClearingFileAccepted } | { ok: false; error: ClearingFileError }> {
  for await (const event of readClearingFile(source, limits)) {
    switch (event.type) {
      case 'header':
        await stage.begin(event.header);
        break;
      case 'record':
        await stage.stage(event.record, event.index);
        break;
      case 'accepted':
        await stage.commit(event);
        return { ok: true, value: event };
      case 'rejected':
        await stage.discard(event.error);
        return { ok: false, error: event.error };
    }
  }
  // readClearingFile always ends with accepted or rejected.
  throw new Error('clearing reader ended without a verdict');
}
