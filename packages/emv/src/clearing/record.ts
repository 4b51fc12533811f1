import { encodeIso8583, getSubelements, getText } from '../iso8583/codec.ts';
import { FUNCTION_CODE, iso8583v1993Clearing } from '../iso8583/fields1993.ts';
import { clearingRecordFraming, encodeFrame } from '../iso8583/framing.ts';
import type { FieldValue, Iso8583Message, Subelement } from '../iso8583/spec.ts';
import { DE48_SUBELEMENT } from '../iso8583/subelements.ts';

// Clearing file records (tapkit, shaped after Mastercard IPM) as plain data, and their ISO 8583:1993
// messages. Pure; shared by the network that writes the file and the issuer processor that reads it. Every record is 1240 first presentment (DE24 200); the file starts with a 1644
// header (DE24 697) and ends with a 1644 trailer (DE24 695) holding counts and amount totals.
// (tapkit) DE2 is left out: the token PAN stays inside the network, and the issuer processor gets the
// token unique reference and the funding reference in DE48 (subelements 01 and 03), as in authorizations.

export type PresentmentKind = 'PURCHASE' | 'REFUND';

export interface PresentmentRecord {
  readonly kind: PresentmentKind;
  readonly amountMinor: bigint;
  /** ISO 4217 numeric (DE49). */
  readonly currencyNumeric: string;
  /** DE31, 23 digits. */
  readonly acquirerReferenceNumber: string;
  /** DE38; absent for a clearing without authorization. */
  readonly approvalCode: string | undefined;
  /** DE63, the network trace id of the authorization; absent for a clearing without authorization. */
  readonly networkTraceId: string | undefined;
  /** DE12, YYMMDDhhmmss. */
  readonly localDateTime: string;
  readonly tokenUniqueReference: string;
  readonly fundingReference: string;
  readonly merchantId: string | undefined;
  readonly terminalId: string | undefined;
}

export interface ClearingHeader {
  readonly fileId: string;
  /** DE12 of the header: the business day and the time the file was written, YYMMDDhhmmss. */
  readonly createdDateTime: string;
}

export interface ClearingTotals {
  readonly purchaseCount: number;
  readonly purchaseAmountMinor: bigint;
  readonly refundCount: number;
  readonly refundAmountMinor: bigint;
}

export interface ClearingTrailer extends ClearingTotals {
  readonly fileId: string;
}

export const emptyTotals: ClearingTotals = {
  purchaseCount: 0,
  purchaseAmountMinor: 0n,
  refundCount: 0,
  refundAmountMinor: 0n,
};

/** DE4 is 12 digits; the trailer's amount totals are 16. */
export const amountMinorMax = 999_999_999_999n;
export const totalAmountMinorMax = 9_999_999_999_999_999n;
/** DE74/DE76 are 10 digits. */
export const recordCountMax = 9_999_999_999;

const processingCodeByKind: Readonly<Record<PresentmentKind, string>> = {
  PURCHASE: '000000',
  REFUND: '200000',
};

/** Adds one record to running totals. (tapkit) Totals add amounts across currencies: a control total. */
export function addToTotals(
  totals: ClearingTotals,
  record: Pick<PresentmentRecord, 'kind' | 'amountMinor'>,
): ClearingTotals {
  if (record.kind === 'REFUND') {
    return {
      ...totals,
      refundCount: totals.refundCount + 1,
      refundAmountMinor: totals.refundAmountMinor + record.amountMinor,
    };
  }
  return {
    ...totals,
    purchaseCount: totals.purchaseCount + 1,
    purchaseAmountMinor: totals.purchaseAmountMinor + record.amountMinor,
  };
}

export function totalsEqual(a: ClearingTotals, b: ClearingTotals): boolean {
  return (
    a.purchaseCount === b.purchaseCount &&
    a.refundCount === b.refundCount &&
    a.purchaseAmountMinor === b.purchaseAmountMinor &&
    a.refundAmountMinor === b.refundAmountMinor
  );
}

export type RecordError = { readonly code: 'CLEARING_RECORD_INVALID'; readonly detail: string };

/** A module function rather than a closure per record: the reader parses every record of the file. */
function recordInvalid(detail: string): RecordError {
  return { code: 'CLEARING_RECORD_INVALID', detail };
}

/** Checks a record before it is written; a record that fails would make the file unreadable. */
export function validateRecord(record: PresentmentRecord): RecordError | undefined {
  if (record.amountMinor < 0n || record.amountMinor > amountMinorMax)
    return recordInvalid('amountMinor out of range');
  if (!/^\d{3}$/.test(record.currencyNumeric)) return recordInvalid('currencyNumeric must be 3 digits');
  if (!/^\d{23}$/.test(record.acquirerReferenceNumber))
    return recordInvalid('acquirerReferenceNumber must be 23 digits');
  if (!/^\d{12}$/.test(record.localDateTime)) return recordInvalid('localDateTime must be YYMMDDhhmmss');
  if (record.approvalCode !== undefined && !/^[A-Za-z0-9 ]{1,6}$/.test(record.approvalCode)) {
    return recordInvalid('approvalCode must be up to 6 letters or digits');
  }
  if (record.tokenUniqueReference === '' || record.fundingReference === '')
    return recordInvalid('references are required');
  return undefined;
}

function referencesOf(record: PresentmentRecord): Subelement[] {
  return [
    { id: DE48_SUBELEMENT.TOKEN_UNIQUE_REFERENCE, value: record.tokenUniqueReference },
    { id: DE48_SUBELEMENT.FUNDING_REFERENCE, value: record.fundingReference },
  ];
}

export function presentmentMessage(record: PresentmentRecord, messageNumber: number): Iso8583Message {
  const fields = new Map<number, FieldValue>([
    [3, processingCodeByKind[record.kind]],
    [4, record.amountMinor.toString().padStart(12, '0')],
    [12, record.localDateTime],
    [24, FUNCTION_CODE.FIRST_PRESENTMENT],
    [31, record.acquirerReferenceNumber],
    [48, referencesOf(record)],
    [49, record.currencyNumeric],
    [71, String(messageNumber).padStart(8, '0')],
  ]);
  if (record.approvalCode !== undefined) fields.set(38, record.approvalCode);
  if (record.networkTraceId !== undefined) fields.set(63, record.networkTraceId);
  if (record.merchantId !== undefined) fields.set(42, record.merchantId);
  if (record.terminalId !== undefined) fields.set(41, record.terminalId);
  return { mti: '1240', fields };
}

export function headerMessage(header: ClearingHeader): Iso8583Message {
  return {
    mti: '1644',
    fields: new Map<number, FieldValue>([
      [12, header.createdDateTime],
      [24, FUNCTION_CODE.FILE_HEADER],
      [48, [{ id: DE48_SUBELEMENT.CLEARING_FILE_ID, value: header.fileId }]],
      [71, '00000001'],
    ]),
  };
}

export function trailerMessage(trailer: ClearingTrailer, messageNumber: number): Iso8583Message {
  return {
    mti: '1644',
    fields: new Map<number, FieldValue>([
      [24, FUNCTION_CODE.FILE_TRAILER],
      [48, [{ id: DE48_SUBELEMENT.CLEARING_FILE_ID, value: trailer.fileId }]],
      [71, String(messageNumber).padStart(8, '0')],
      [74, String(trailer.refundCount).padStart(10, '0')],
      [76, String(trailer.purchaseCount).padStart(10, '0')],
      [86, trailer.refundAmountMinor.toString().padStart(16, '0')],
      [88, trailer.purchaseAmountMinor.toString().padStart(16, '0')],
    ]),
  };
}

export type ParsedMessage =
  | { readonly type: 'header'; readonly header: ClearingHeader }
  | { readonly type: 'presentment'; readonly record: PresentmentRecord }
  | { readonly type: 'trailer'; readonly trailer: ClearingTrailer };

export interface ParseOptions {
  /**
   * Check each presentment with validateRecord and require DE12 in the header (default true). The
   * issuer processor's reader has always taken any 1240 the codec accepts and a header without DE12
   * (createdDateTime is then ''), so it turns this off to keep that behaviour.
   */
  readonly validateRecords?: boolean;
}

/** Reads a decoded message as one of the three record kinds; a message that is none is an error. */
export function parseClearingMessage(
  message: Iso8583Message,
  options: ParseOptions = {},
): ParsedMessage | RecordError {
  const functionCode = getText(message, 24);
  if (message.mti === '1240' && functionCode === FUNCTION_CODE.FIRST_PRESENTMENT)
    return parsePresentment(message, options.validateRecords ?? true);
  if (message.mti !== '1644') return recordInvalid(`unexpected MTI ${message.mti} / DE24 ${functionCode}`);
  const fileId = subelement(message, DE48_SUBELEMENT.CLEARING_FILE_ID);
  if (fileId === undefined) return recordInvalid('1644 without a file id (DE48 10)');
  if (functionCode === FUNCTION_CODE.FILE_HEADER) {
    const createdDateTime = getText(message, 12) ?? (options.validateRecords === false ? '' : undefined);
    if (createdDateTime === undefined) return recordInvalid('header without DE12');
    return { type: 'header', header: { fileId, createdDateTime } };
  }
  if (functionCode !== FUNCTION_CODE.FILE_TRAILER) return recordInvalid(`1644 with DE24 ${functionCode}`);
  const counts = [74, 76, 86, 88].map((field) => getText(message, field));
  const [refundCount, purchaseCount, refundAmount, purchaseAmount] = counts;
  if (
    refundCount === undefined ||
    purchaseCount === undefined ||
    refundAmount === undefined ||
    purchaseAmount === undefined
  ) {
    return recordInvalid('trailer without DE74/76/86/88');
  }
  return {
    type: 'trailer',
    trailer: {
      fileId,
      refundCount: Number(refundCount),
      purchaseCount: Number(purchaseCount),
      refundAmountMinor: BigInt(refundAmount),
      purchaseAmountMinor: BigInt(purchaseAmount),
    },
  };
}

function subelement(message: Iso8583Message, id: string): string | undefined {
  for (const element of getSubelements(message) ?? []) if (element.id === id) return element.value;
  return undefined;
}

function parsePresentment(message: Iso8583Message, validate: boolean): ParsedMessage | RecordError {
  const processingCode = getText(message, 3);
  const kind = processingCode === '200000' ? 'REFUND' : processingCode === '000000' ? 'PURCHASE' : undefined;
  if (kind === undefined) return recordInvalid(`DE3 ${processingCode} is neither purchase nor refund`);
  const amount = getText(message, 4);
  const currencyNumeric = getText(message, 49);
  const acquirerReferenceNumber = getText(message, 31);
  const localDateTime = getText(message, 12);
  const tokenUniqueReference = subelement(message, DE48_SUBELEMENT.TOKEN_UNIQUE_REFERENCE);
  const fundingReference = subelement(message, DE48_SUBELEMENT.FUNDING_REFERENCE);
  if (
    amount === undefined ||
    currencyNumeric === undefined ||
    acquirerReferenceNumber === undefined ||
    localDateTime === undefined ||
    tokenUniqueReference === undefined ||
    fundingReference === undefined
  ) {
    return recordInvalid('1240 without DE4, DE12, DE31, DE49 or the DE48 references');
  }
  const record: PresentmentRecord = {
    kind,
    amountMinor: BigInt(amount),
    currencyNumeric,
    acquirerReferenceNumber,
    approvalCode: getText(message, 38)?.trimEnd(),
    networkTraceId: getText(message, 63),
    localDateTime,
    tokenUniqueReference,
    fundingReference,
    merchantId: getText(message, 42)?.trimEnd(),
    terminalId: getText(message, 41)?.trimEnd(),
  };
  const error = validate ? validateRecord(record) : undefined;
  return error ?? { type: 'presentment', record };
}

/** One record of the file: the 4-byte big-endian length, then the encoded message. */
export function encodeClearingRecord(message: Iso8583Message): Uint8Array {
  return encodeFrame(encodeIso8583(iso8583v1993Clearing, message), clearingRecordFraming);
}

/**
 * (tapkit) An acquirer reference number: "7" ‖ acquirer BIN (6) ‖ YDDD (4) ‖ sequence (11) ‖ Luhn check
 * digit, after the layout Mastercard publishes for ARNs.
 */
export function acquirerReferenceNumber(input: {
  acquirerBin: string;
  yddd: string;
  sequence: bigint;
}): string {
  const body = `7${input.acquirerBin.padStart(6, '0').slice(-6)}${input.yddd.padStart(4, '0').slice(-4)}${input.sequence
    .toString()
    .padStart(11, '0')
    .slice(-11)}`;
  return body + arnCheckDigit(body);
}

export function arnCheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return String((10 - (sum % 10)) % 10);
}
