import { xorBytes } from '../bytes.ts';
import type { BlockCipher } from '../ports.ts';

const blockBytes = 8;

/** ISO/IEC 9797-1 padding method 2: append 80, then 00 up to a multiple of 8 (always at least 80). */
export function padMethod2(data: Uint8Array): Uint8Array {
  const paddedLength = (Math.floor(data.length / blockBytes) + 1) * blockBytes;
  const out = new Uint8Array(paddedLength);
  out.set(data, 0);
  out[data.length] = 0x80;
  return out;
}

/**
 * ISO/IEC 9797-1 MAC algorithm 3 (the "retail MAC") with padding method 2 and a double-length key:
 * single-DES CBC with K1 over every block, then the last block goes through DES^-1 K2 and DES K1.
 * The last step equals a two-key 3DES encryption of (last block xor chaining value), which is how it
 * is computed here so the port needs encryption only.
 */
export function retailMac(cipher: BlockCipher, key16: Uint8Array, data: Uint8Array): Uint8Array {
  if (key16.length !== 16) throw new RangeError(`MAC key must be 16 bytes, got ${key16.length}`);
  const padded = padMethod2(data);
  const k1 = key16.subarray(0, 8);
  let chain = new Uint8Array(blockBytes);
  const lastOffset = padded.length - blockBytes;
  for (let offset = 0; offset < lastOffset; offset += blockBytes) {
    chain = Uint8Array.from(cipher.desEcbEncrypt(k1, xorBytes(chain, padded.subarray(offset, offset + 8))));
  }
  return cipher.desEdeEcbEncrypt(key16, xorBytes(chain, padded.subarray(lastOffset)));
}
