// Bounds on a JSON text, checked on the raw bytes before JSON.parse: a 20,000-deep array in a 40 KB
// body parses, but walking it afterwards (schemas, JSON.stringify for storage) overflows the stack. This
// scanner reads each byte once, tracks only "inside a string" and the bracket depth, and stops at the
// first bound passed. It does not validate JSON (JSON.parse does that next); it only decides whether
// parsing is worth trying. Isomorphic: no Node APIs.

/** (tapkit) Alipay+ bodies nest a handful of levels; 32 leaves room for unknown fields kept as they are. */
export const JSON_DEPTH_MAX = 32;
/** (tapkit) The longest string any API carries is an SDK body (32,768 characters). */
export const JSON_STRING_CHARS_MAX = 32_768;

export interface JsonBounds {
  readonly depthMax?: number;
  readonly stringCharsMax?: number;
}

export type JsonBoundsVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const quote = 0x22;
const backslash = 0x5c;
const openers = new Set([0x5b, 0x7b]); // [ {
const closers = new Set([0x5d, 0x7d]); // ] }
const letterU = 0x75;
/** Bytes 10xxxxxx continue a UTF-8 sequence: they do not start a character of their own. */
const isContinuationByte = (byte: number): boolean => (byte & 0xc0) === 0x80;

/** Whether `raw` stays within the nesting depth and string length bounds (decoded characters). */
export function checkJsonBounds(raw: Uint8Array, bounds: JsonBounds = {}): JsonBoundsVerdict {
  const depthMax = bounds.depthMax ?? JSON_DEPTH_MAX;
  const stringCharsMax = bounds.stringCharsMax ?? JSON_STRING_CHARS_MAX;
  let depth = 0;
  let inString = false;
  let stringChars = 0;
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i] as number;
    if (inString) {
      if (byte === quote) {
        inString = false;
        continue;
      }
      if (isContinuationByte(byte)) continue;
      if (byte === backslash) i += raw[i + 1] === letterU ? 5 : 1; // one escape is one character
      if (++stringChars > stringCharsMax) {
        return { ok: false, reason: `a string is longer than ${stringCharsMax} characters` };
      }
    } else if (byte === quote) {
      inString = true;
      stringChars = 0;
    } else if (openers.has(byte)) {
      if (++depth > depthMax) return { ok: false, reason: `nesting is deeper than ${depthMax} levels` };
    } else if (closers.has(byte)) {
      depth -= 1;
    }
  }
  return { ok: true };
}
