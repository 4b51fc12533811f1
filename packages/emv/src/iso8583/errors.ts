import type { TlvError } from '../tlv.ts';

export type Iso8583ErrorCode =
  | 'ISO_MESSAGE_TOO_LONG'
  | 'ISO_TRUNCATED'
  | 'ISO_MTI_INVALID'
  | 'ISO_BITMAP_INVALID'
  | 'ISO_FIELD_UNKNOWN'
  | 'ISO_FIELD_TYPE'
  | 'ISO_FIELD_LENGTH_INVALID'
  | 'ISO_FIELD_CHARSET'
  | 'ISO_FIELD_TLV_INVALID'
  | 'ISO_FIELD_SUBELEMENT_INVALID'
  | 'ISO_TRAILING_BYTES';

function format(code: Iso8583ErrorCode, message: string, field?: number, offset?: number): string {
  const where = [
    field === undefined ? '' : ` DE${field}`,
    offset === undefined ? '' : ` at offset ${offset}`,
  ].join('');
  return `${code}:${where} ${message}`;
}

/** Bytes that are not a valid message for the spec. Decoders return it as a value, never throw it. */
export class Iso8583DecodeError extends Error {
  override readonly name = 'Iso8583DecodeError';
  constructor(
    readonly code: Iso8583ErrorCode,
    message: string,
    readonly field?: number,
    readonly offset?: number,
    override readonly cause?: TlvError,
  ) {
    super(format(code, message, field, offset));
  }
}

/** A message that cannot be encoded (wrong value type, length, characters): a programmer error. */
export class Iso8583EncodeError extends Error {
  override readonly name = 'Iso8583EncodeError';
  constructor(
    readonly code: Iso8583ErrorCode,
    message: string,
    readonly field?: number,
  ) {
    super(format(code, message, field));
  }
}
