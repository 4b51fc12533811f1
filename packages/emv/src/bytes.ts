// Byte helpers shared by every module. Uint8Array only: this package runs in the browser too.

const hexPattern = /^(?:[0-9a-fA-F]{2})*$/;

/** True when `text` is an even-length string of hexadecimal digits. */
export function isHex(text: string): boolean {
  return hexPattern.test(text);
}

/** Decodes hexadecimal text; throws a RangeError on malformed input (a programmer error). */
export function hexToBytes(text: string): Uint8Array {
  if (!isHex(text)) throw new RangeError(`not an even-length hex string (${text.length} chars)`);
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Encodes bytes as upper-case hexadecimal, the notation of the EMV books and our vectors. */
export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out.toUpperCase();
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Comparison whose duration does not depend on where the first difference is, for cryptograms:
 * an early exit would tell an attacker how many leading bytes of a forged ARQC were right.
 */
export function equalBytesConstantTime(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError(`xor of ${a.length} and ${b.length} bytes`);
  const out = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i] ?? 0);
  return out;
}

const utf8Encoder = new TextEncoder();

/** Latin-1 bytes of `text` (ISO 8583 text fields are single-byte). */
export function asciiToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/**
 * One character per byte (code points 0–255). TextDecoder('latin1') is not used because WHATWG maps
 * that label to windows-1252, which turns 0x80–0x9F into other characters and breaks round trips.
 */
/** Bytes per String.fromCharCode call: well under every engine's argument limit. */
const charCodesPerCallMax = 4_096;

export function bytesToAscii(bytes: Uint8Array): string {
  // One call per block rather than a concatenation per byte: ISO 8583 decoding converts every field.
  if (bytes.length <= charCodesPerCallMax)
    return String.fromCharCode.apply(null, bytes as unknown as number[]);
  let out = '';
  for (let start = 0; start < bytes.length; start += charCodesPerCallMax) {
    const block = bytes.subarray(start, start + charCodesPerCallMax);
    out += String.fromCharCode.apply(null, block as unknown as number[]);
  }
  return out;
}

/** UTF-8 bytes, for labels and names. */
export function utf8ToBytes(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}
