import { concatBytes } from './bytes.ts';
import { err, ok, type Result } from './result.ts';
import { type TagFormat, tagFormat } from './tags.ts';
import { readLength, readTag, TlvError } from './tlv.ts';

// Data Object Lists (PDOL 9F38, CDOL1 8C, ...): a list of tag + length, no values. The terminal
// answers with the values concatenated in list order, each forced to the listed length
// (EMV Book 3 section 5.4).

export interface DolEntry {
  readonly tag: string;
  readonly lengthBytes: number;
}

/** A DOL entry asks for at most 255 bytes: its length is a single byte in practice. */
export const dolEntryBytesMax = 255;
/** Entries in one DOL; real lists have about 15. */
export const dolEntryCountMax = 64;

/** Parses a DOL. Never throws: malformed lists give a TlvError value. */
export function parseDol(bytes: Uint8Array): Result<DolEntry[], TlvError> {
  const entries: DolEntry[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (entries.length >= dolEntryCountMax) {
      return err(
        new TlvError('TLV_TOO_MANY_OBJECTS', `DOL has more than ${dolEntryCountMax} entries`, offset),
      );
    }
    const tag = readTag(bytes, offset);
    if (!tag.ok) return tag;
    const length = readLength(bytes, tag.value.next, dolEntryBytesMax);
    if (!length.ok) return length;
    if (entries.some((entry) => entry.tag === tag.value.tag)) {
      return err(new TlvError('TLV_DUPLICATE_TAG', `DOL lists ${tag.value.tag} twice`, offset));
    }
    entries.push({ tag: tag.value.tag, lengthBytes: length.value.length });
    offset = length.value.next;
  }
  return ok(entries);
}

/** Total length of the data a DOL asks for (the Lc of GENERATE AC, for example). */
export function dolDataLength(entries: readonly DolEntry[]): number {
  return entries.reduce((sum, entry) => sum + entry.lengthBytes, 0);
}

/**
 * Fits one value to `lengthBytes` following its format: n is right-justified (leading 00 pad,
 * truncated from the left), cn is left-justified and padded with FF, b/an/ans are left-justified,
 * padded with 00 and truncated from the right (EMV Book 3 5.4).
 */
export function fitDolValue(value: Uint8Array, lengthBytes: number, format: TagFormat): Uint8Array {
  if (value.length === lengthBytes) return value;
  const out = new Uint8Array(lengthBytes);
  if (format === 'n') {
    const kept = value.subarray(Math.max(0, value.length - lengthBytes));
    out.set(kept, lengthBytes - kept.length);
    return out;
  }
  const kept = value.subarray(0, Math.min(value.length, lengthBytes));
  out.set(kept, 0);
  if (format === 'cn') out.fill(0xff, kept.length);
  return out;
}

export type DolValues = ReadonlyMap<string, Uint8Array> | { readonly [tag: string]: Uint8Array | undefined };

function lookup(values: DolValues, tag: string): Uint8Array | undefined {
  if (values instanceof Map) return values.get(tag);
  return (values as { readonly [tag: string]: Uint8Array | undefined })[tag];
}

/**
 * Builds DOL related data from tag values (upper-case hex keys). Missing values are zero-filled, as
 * EMV requires for data the terminal does not have.
 */
export function buildDolData(
  entries: readonly DolEntry[],
  values: DolValues,
  formatOf: (tag: string) => TagFormat = tagFormat,
): Uint8Array {
  const parts = entries.map((entry) => {
    const value = lookup(values, entry.tag);
    if (value === undefined) return new Uint8Array(entry.lengthBytes);
    return fitDolValue(value, entry.lengthBytes, formatOf(entry.tag));
  });
  return concatBytes(...parts);
}

/** Splits DOL related data back into tag values (how the card reads GENERATE AC data). */
export function splitDolData(
  entries: readonly DolEntry[],
  data: Uint8Array,
): Result<Map<string, Uint8Array>, TlvError> {
  if (data.length !== dolDataLength(entries)) {
    return err(
      new TlvError(
        'TLV_DOL_LENGTH_MISMATCH',
        `DOL data is ${data.length} bytes, DOL asks ${dolDataLength(entries)}`,
      ),
    );
  }
  const out = new Map<string, Uint8Array>();
  let offset = 0;
  for (const entry of entries) {
    out.set(entry.tag, data.slice(offset, offset + entry.lengthBytes));
    offset += entry.lengthBytes;
  }
  return ok(out);
}
