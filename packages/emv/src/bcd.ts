// Packed BCD, the EMV "n" format: two decimal digits per byte, right-justified with leading zeros.

/**
 * Encodes a non-negative integer (bigint, never a JS number: amounts are money) or a digit string as
 * `lengthBytes` of BCD. Throws RangeError when it does not fit (a programmer error).
 */
export function toBcd(value: bigint | string, lengthBytes: number): Uint8Array {
  const digits = typeof value === 'bigint' ? value.toString() : value;
  if (typeof value === 'bigint' && value < 0n) throw new RangeError('BCD value must not be negative');
  if (!/^\d*$/.test(digits)) throw new RangeError('BCD value must be decimal digits');
  if (digits.length > lengthBytes * 2)
    throw new RangeError(`${digits.length} digits do not fit ${lengthBytes} bytes`);
  const padded = digits.padStart(lengthBytes * 2, '0');
  const out = new Uint8Array(lengthBytes);
  for (let i = 0; i < lengthBytes; i++) {
    out[i] = (Number(padded[i * 2]) << 4) | Number(padded[i * 2 + 1]);
  }
  return out;
}

/** Decodes BCD to its digit string, or undefined when a nibble is not a decimal digit. */
export function fromBcd(bytes: Uint8Array): string | undefined {
  let out = '';
  for (const byte of bytes) {
    const high = byte >> 4;
    const low = byte & 0x0f;
    if (high > 9 || low > 9) return undefined;
    out += String(high) + String(low);
  }
  return out;
}
