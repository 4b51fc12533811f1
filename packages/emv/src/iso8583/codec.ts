import { asciiToBytes, bytesToAscii, concatBytes } from '../bytes.ts';
import { err, ok, type Result } from '../result.ts';
import { decodeTlv, encodeTlv, TlvError, type TlvNode } from '../tlv.ts';
import { Iso8583DecodeError, Iso8583EncodeError } from './errors.ts';
import type { Charset, FieldSpec, FieldValue, Iso8583Message, Iso8583Spec, Subelement } from './spec.ts';
import { decodeSubelements, encodeSubelements } from './subelements.ts';

// Layout: MTI (4 ASCII digits) | primary bitmap (8 bytes) | secondary bitmap (8 bytes, only when a
// field 65–128 is present) | fields in number order. Lengths of LLVAR/LLLVAR fields are ASCII digits.

const charsetPatterns: Record<Charset, RegExp> = {
  n: /^[0-9]*$/,
  an: /^[A-Za-z0-9 ]*$/,
  ans: /^[\x20-\x7e]*$/,
  z: /^[0-9=D]*$/,
};

const bitmapBytes = 8;
const fieldNumberMax = 128;

function prefixDigits(spec: FieldSpec): number {
  return spec.length.type === 'llvar' ? 2 : spec.length.type === 'lllvar' ? 3 : 0;
}

function fieldMax(spec: FieldSpec): number {
  return spec.length.type === 'fixed' ? spec.length.length : spec.length.max;
}

// The error helpers are module functions rather than closures made per field: a clearing file decodes
// millions of fields, and a closure per field is an allocation (and, under tsx's keepNames, a
// defineProperty) for an error that almost never happens.
function encodeFailure(spec: FieldSpec, code: 'ISO_FIELD_TYPE' | 'ISO_FIELD_CHARSET', message: string) {
  return new Iso8583EncodeError(code, message, spec.id);
}

function readFailure(
  spec: FieldSpec,
  code: 'ISO_TRUNCATED' | 'ISO_FIELD_LENGTH_INVALID',
  message: string,
  at: number,
) {
  return err(new Iso8583DecodeError(code, message, spec.id, at));
}

function fieldFailure(
  spec: FieldSpec,
  offset: number,
  code: 'ISO_FIELD_CHARSET' | 'ISO_FIELD_TLV_INVALID' | 'ISO_FIELD_SUBELEMENT_INVALID',
  message: string,
  cause?: TlvError,
) {
  return err(new Iso8583DecodeError(code, message, spec.id, offset, cause));
}

function contentOf(spec: FieldSpec, value: FieldValue): Uint8Array {
  switch (spec.kind.type) {
    case 'text': {
      if (typeof value !== 'string') throw encodeFailure(spec, 'ISO_FIELD_TYPE', 'expects a string');
      if (!charsetPatterns[spec.kind.charset].test(value)) {
        throw encodeFailure(spec, 'ISO_FIELD_CHARSET', `not ${spec.kind.charset}`);
      }
      if (spec.length.type !== 'fixed' || value.length >= spec.length.length) return asciiToBytes(value);
      // Fixed fields are justified as ISO 8583 does: numbers right with zeros, text left with spaces.
      const padded =
        spec.kind.charset === 'n'
          ? value.padStart(spec.length.length, '0')
          : value.padEnd(spec.length.length, ' ');
      return asciiToBytes(padded);
    }
    case 'binary':
      if (!(value instanceof Uint8Array)) throw encodeFailure(spec, 'ISO_FIELD_TYPE', 'expects a Uint8Array');
      return value;
    case 'tlv':
      if (!Array.isArray(value)) throw encodeFailure(spec, 'ISO_FIELD_TYPE', 'expects TLV nodes');
      try {
        return encodeTlv(value as readonly TlvNode[]);
      } catch (cause) {
        if (cause instanceof TlvError) {
          throw new Iso8583EncodeError('ISO_FIELD_TLV_INVALID', cause.message, spec.id);
        }
        throw cause;
      }
    case 'subelements': {
      if (!Array.isArray(value)) throw encodeFailure(spec, 'ISO_FIELD_TYPE', 'expects subelements');
      const encoded = encodeSubelements(value as readonly Subelement[]);
      if (!encoded.ok) throw new Iso8583EncodeError('ISO_FIELD_SUBELEMENT_INVALID', encoded.error, spec.id);
      return asciiToBytes(encoded.value);
    }
  }
}

function encodeField(spec: FieldSpec, value: FieldValue): Uint8Array {
  const content = contentOf(spec, value);
  const max = fieldMax(spec);
  if (spec.length.type === 'fixed' && content.length !== max) {
    throw new Iso8583EncodeError(
      'ISO_FIELD_LENGTH_INVALID',
      `length ${content.length}, fixed ${max}`,
      spec.id,
    );
  }
  if (content.length > max) {
    throw new Iso8583EncodeError(
      'ISO_FIELD_LENGTH_INVALID',
      `length ${content.length} above ${max}`,
      spec.id,
    );
  }
  const digits = prefixDigits(spec);
  if (digits === 0) return content;
  return concatBytes(asciiToBytes(String(content.length).padStart(digits, '0')), content);
}

function encodeBitmap(numbers: readonly number[]): Uint8Array {
  const secondary = numbers.some((n) => n > 64);
  const bitmap = new Uint8Array(secondary ? 2 * bitmapBytes : bitmapBytes);
  if (secondary) bitmap[0] = 0x80;
  for (const n of numbers) bitmap[(n - 1) >> 3]! |= 0x80 >> ((n - 1) & 7);
  return bitmap;
}

/** Encodes a message; throws Iso8583EncodeError when a value does not fit its field spec. */
export function encodeIso8583(spec: Iso8583Spec, message: Iso8583Message): Uint8Array {
  if (!/^\d{4}$/.test(message.mti) || message.mti[0] !== spec.versionDigit) {
    throw new Iso8583EncodeError('ISO_MTI_INVALID', `MTI "${message.mti}" for ${spec.name}`);
  }
  const numbers = [...message.fields.keys()].sort((a, b) => a - b);
  const encoded = numbers.map((n) => {
    const fieldSpec = spec.fields.get(n);
    if (!fieldSpec) throw new Iso8583EncodeError('ISO_FIELD_UNKNOWN', 'not in the spec', n);
    return encodeField(fieldSpec, message.fields.get(n)!);
  });
  return concatBytes(asciiToBytes(message.mti), encodeBitmap(numbers), ...encoded);
}

function decodeBitmap(
  bytes: Uint8Array,
  offset: number,
): Result<{ numbers: number[]; next: number }, Iso8583DecodeError> {
  if (bytes.length < offset + bitmapBytes) {
    return err(new Iso8583DecodeError('ISO_TRUNCATED', 'primary bitmap', undefined, offset));
  }
  const secondary = ((bytes[offset] ?? 0) & 0x80) !== 0;
  const length = secondary ? 2 * bitmapBytes : bitmapBytes;
  if (bytes.length < offset + length) {
    return err(new Iso8583DecodeError('ISO_TRUNCATED', 'secondary bitmap', undefined, offset + bitmapBytes));
  }
  const numbers: number[] = [];
  for (let n = 2; n <= (secondary ? fieldNumberMax : 64); n++) {
    if (((bytes[offset + ((n - 1) >> 3)] ?? 0) & (0x80 >> ((n - 1) & 7))) !== 0) numbers.push(n);
  }
  // A secondary bitmap with no field 65–128 is never produced by the encoder; rejecting it keeps
  // decoding and encoding exact inverses.
  if (secondary && !numbers.some((n) => n > 64)) {
    return err(
      new Iso8583DecodeError('ISO_BITMAP_INVALID', 'secondary bitmap present but empty', undefined, offset),
    );
  }
  return ok({ numbers, next: offset + length });
}

type FieldResult = Result<{ value: FieldValue; next: number }, Iso8583DecodeError>;

function readContent(
  spec: FieldSpec,
  bytes: Uint8Array,
  offset: number,
): Result<{ content: Uint8Array; next: number }, Iso8583DecodeError> {
  const digits = prefixDigits(spec);
  let length = fieldMax(spec);
  if (digits > 0) {
    const prefix = bytesToAscii(bytes.subarray(offset, offset + digits));
    if (prefix.length < digits) return readFailure(spec, 'ISO_TRUNCATED', 'length prefix', offset);
    if (!/^\d+$/.test(prefix))
      return readFailure(spec, 'ISO_FIELD_LENGTH_INVALID', 'length prefix not digits', offset);
    length = Number(prefix);
    if (length > fieldMax(spec)) {
      return readFailure(
        spec,
        'ISO_FIELD_LENGTH_INVALID',
        `length ${length} above ${fieldMax(spec)}`,
        offset,
      );
    }
  }
  const start = offset + digits;
  if (bytes.length < start + length) return readFailure(spec, 'ISO_TRUNCATED', 'field content', start);
  // Text is converted to a string at once, so a view will do; binary values are kept and get their own
  // copy, so that they do not hold on to the whole buffer they were read from.
  const content =
    spec.kind.type === 'binary' || spec.kind.type === 'tlv'
      ? bytes.slice(start, start + length)
      : bytes.subarray(start, start + length);
  return ok({ content, next: start + length });
}

function decodeField(spec: FieldSpec, bytes: Uint8Array, offset: number): FieldResult {
  const read = readContent(spec, bytes, offset);
  if (!read.ok) return read;
  const { content, next } = read.value;
  switch (spec.kind.type) {
    case 'text': {
      const value = bytesToAscii(content);
      if (!charsetPatterns[spec.kind.charset].test(value)) {
        return fieldFailure(spec, offset, 'ISO_FIELD_CHARSET', `not ${spec.kind.charset}`);
      }
      return ok({ value, next });
    }
    case 'binary':
      return ok({ value: content, next });
    case 'tlv': {
      const tree = decodeTlv(content);
      if (!tree.ok)
        return fieldFailure(spec, offset, 'ISO_FIELD_TLV_INVALID', tree.error.message, tree.error);
      return ok({ value: tree.value, next });
    }
    case 'subelements': {
      const value = bytesToAscii(content);
      if (!charsetPatterns.ans.test(value)) return fieldFailure(spec, offset, 'ISO_FIELD_CHARSET', 'not ans');
      const subelements = decodeSubelements(value);
      if (!subelements.ok)
        return fieldFailure(spec, offset, 'ISO_FIELD_SUBELEMENT_INVALID', subelements.error);
      return ok({ value: subelements.value, next });
    }
  }
}

/** Decodes one message that fills `bytes` exactly. Never throws: bad input gives an error value. */
export function decodeIso8583(
  spec: Iso8583Spec,
  bytes: Uint8Array,
): Result<Iso8583Message, Iso8583DecodeError> {
  if (bytes.length > spec.messageBytesMax) {
    return err(
      new Iso8583DecodeError('ISO_MESSAGE_TOO_LONG', `${bytes.length} bytes above ${spec.messageBytesMax}`),
    );
  }
  if (bytes.length < 4) return err(new Iso8583DecodeError('ISO_TRUNCATED', 'MTI', undefined, 0));
  const mti = bytesToAscii(bytes.subarray(0, 4));
  if (!/^\d{4}$/.test(mti) || mti[0] !== spec.versionDigit) {
    return err(new Iso8583DecodeError('ISO_MTI_INVALID', `MTI not valid for ${spec.name}`, undefined, 0));
  }
  const bitmap = decodeBitmap(bytes, 4);
  if (!bitmap.ok) return bitmap;
  const fields = new Map<number, FieldValue>();
  let offset = bitmap.value.next;
  for (const n of bitmap.value.numbers) {
    const fieldSpec = spec.fields.get(n);
    if (!fieldSpec) return err(new Iso8583DecodeError('ISO_FIELD_UNKNOWN', 'not in the spec', n, offset));
    const field = decodeField(fieldSpec, bytes, offset);
    if (!field.ok) return field;
    fields.set(n, field.value.value);
    offset = field.value.next;
  }
  if (offset !== bytes.length) {
    return err(
      new Iso8583DecodeError(
        'ISO_TRAILING_BYTES',
        `${bytes.length - offset} bytes after the last field`,
        undefined,
        offset,
      ),
    );
  }
  return ok({ mti, fields });
}

/** Whether every item has the key (a loop rather than every() with a callback: it runs per record). */
function allHave(items: readonly object[], key: string): boolean {
  for (const item of items) if (!(key in item)) return false;
  return true;
}

/** Typed accessors: undefined when absent, a RangeError when the field holds another kind (a bug). */
export function getText(message: Iso8583Message, field: number): string | undefined {
  const value = message.fields.get(field);
  if (value === undefined || typeof value === 'string') return value;
  throw new RangeError(`DE${field} is not a text field`);
}

export function getTlv(message: Iso8583Message, field = 55): readonly TlvNode[] | undefined {
  const value = message.fields.get(field);
  if (value === undefined) return undefined;
  if (Array.isArray(value) && allHave(value, 'tag')) return value as readonly TlvNode[];
  throw new RangeError(`DE${field} is not a TLV field`);
}

export function getSubelements(message: Iso8583Message, field = 48): readonly Subelement[] | undefined {
  const value = message.fields.get(field);
  if (value === undefined) return undefined;
  if (Array.isArray(value) && allHave(value, 'id')) return value as readonly Subelement[];
  throw new RangeError(`DE${field} is not a subelement field`);
}
