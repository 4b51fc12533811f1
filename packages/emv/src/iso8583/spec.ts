import type { TlvNode } from '../tlv.ts';

// The data table that drives the ISO 8583 codec (in the manner of moov-io/iso8583): one spec per
// field, the codec holds no per-field code.

/** n digits, an letters/digits/space, ans printable ASCII, z track 2 (digits, '=' or 'D'). */
export type Charset = 'n' | 'an' | 'ans' | 'z';

export type FieldLength =
  | { readonly type: 'fixed'; readonly length: number }
  | { readonly type: 'llvar'; readonly max: number }
  | { readonly type: 'lllvar'; readonly max: number };

export type FieldKind =
  /** Text in `charset`; value is a string. Fixed numeric fields pad with leading zeros, text with spaces. */
  | { readonly type: 'text'; readonly charset: Charset }
  /** Raw bytes; value is a Uint8Array. Lengths count bytes. */
  | { readonly type: 'binary' }
  /** Binary BER-TLV (DE55); value is a TlvNode[]. */
  | { readonly type: 'tlv' }
  /** Tapkit subelements (DE48): 2-digit id, 2-digit length, value; value is a Subelement[]. */
  | { readonly type: 'subelements' };

export interface FieldSpec {
  readonly id: number;
  readonly name: string;
  readonly kind: FieldKind;
  readonly length: FieldLength;
  /** How describe() hides the value: a PAN (first 6 / last 4), track 2, or everything. */
  readonly mask?: 'pan' | 'track2' | 'all';
}

export interface Iso8583Spec {
  readonly name: string;
  /** First MTI digit: 0 for ISO 8583:1987, 1 for ISO 8583:1993. */
  readonly versionDigit: '0' | '1';
  readonly fields: ReadonlyMap<number, FieldSpec>;
  /** Largest encoded message accepted by the decoder. */
  readonly messageBytesMax: number;
}

export interface Subelement {
  /** Two digits, "00"–"99". */
  readonly id: string;
  readonly value: string;
}

export type FieldValue = string | Uint8Array | readonly TlvNode[] | readonly Subelement[];

export interface Iso8583Message {
  /** Four ASCII digits, e.g. "0100". */
  readonly mti: string;
  /** Data elements 2–128 by number; bitmaps are derived, never stored. */
  readonly fields: ReadonlyMap<number, FieldValue>;
}

export function makeSpec(name: string, versionDigit: '0' | '1', fields: readonly FieldSpec[]): Iso8583Spec {
  return {
    name,
    versionDigit,
    fields: new Map(fields.map((field) => [field.id, field])),
    messageBytesMax: 8_192,
  };
}

export const text = (charset: Charset): FieldKind => ({ type: 'text', charset });
export const fixed = (length: number): FieldLength => ({ type: 'fixed', length });
export const llvar = (max: number): FieldLength => ({ type: 'llvar', max });
export const lllvar = (max: number): FieldLength => ({ type: 'lllvar', max });
