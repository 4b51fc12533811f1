import { readLength, readTag } from '@tapkit/emv';

// A flat scan of one TLV level that, unlike emv's decodeTlv, allows a tag to repeat. A payment
// directory (BF0C) lists one 61 entry per application, so several 61 objects side by side are
// normal there; everywhere else the reader uses the strict decoder.

export interface RawObject {
  readonly tag: string;
  readonly value: Uint8Array;
}

/** Objects in one directory level; a phone offers a handful of applications. */
export const scanObjectCountMax = 32;

/** undefined when the bytes are not a sequence of BER-TLV objects. 00 padding is skipped. */
export function scanLevel(bytes: Uint8Array): RawObject[] | undefined {
  const objects: RawObject[] = [];
  let offset = 0;
  // Each iteration consumes at least one byte, so the loop ends.
  while (offset < bytes.length) {
    if (bytes[offset] === 0x00) {
      offset++;
      continue;
    }
    if (objects.length >= scanObjectCountMax) return undefined;
    const tag = readTag(bytes, offset);
    if (!tag.ok) return undefined;
    const length = readLength(bytes, tag.value.next, bytes.length);
    if (!length.ok) return undefined;
    const end = length.value.next + length.value.length;
    if (end > bytes.length) return undefined;
    objects.push({ tag: tag.value.tag, value: bytes.slice(length.value.next, end) });
    offset = end;
  }
  return objects;
}

/** The value of the only object with `tag` on this level; undefined when absent or repeated. */
export function singleValue(objects: readonly RawObject[], tag: string): Uint8Array | undefined {
  const found = objects.filter((object) => object.tag === tag);
  return found.length === 1 ? found[0]?.value : undefined;
}
