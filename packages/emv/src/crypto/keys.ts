import { concatBytes, hexToBytes, xorBytes } from '../bytes.ts';
import type { BlockCipher } from '../ports.ts';

const doubleKeyBytes = 16;
const allOnes8 = new Uint8Array(8).fill(0xff);

/** Returns a copy with every byte's low bit set so that the byte has an odd number of 1 bits. */
export function adjustOddParity(key: Uint8Array): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) {
    const byte = key[i] ?? 0;
    let ones = 0;
    for (let bit = 1; bit < 8; bit++) ones += (byte >> bit) & 1;
    out[i] = (byte & 0xfe) | (ones % 2 === 0 ? 1 : 0);
  }
  return out;
}

function assertDoubleKey(name: string, key: Uint8Array): void {
  if (key.length !== doubleKeyBytes) throw new RangeError(`${name} must be 16 bytes, got ${key.length}`);
}

/**
 * The 8-byte derivation input Y of EMV Book 2 A1.4.1 option A: the rightmost 16 digits of PAN ‖ PSN
 * (PSN "00" when absent), left-padded with zeros when shorter, packed as BCD.
 */
export function optionADerivationData(pan: string, psn?: string): Uint8Array {
  const psnDigits = psn ?? '00';
  if (!/^\d{1,19}$/.test(pan)) throw new RangeError('PAN must be 1 to 19 digits');
  if (!/^\d{2}$/.test(psnDigits)) throw new RangeError('PSN must be 2 digits');
  const digits = (pan + psnDigits).slice(-16).padStart(16, '0');
  return hexToBytes(digits);
}

/**
 * ICC master key, EMV Book 2 A1.4.1 option A: ZL = 3DES(IMK, Y), ZR = 3DES(IMK, Y xor FF..FF),
 * MK = ZL ‖ ZR with odd parity (the published vectors carry parity-adjusted keys).
 */
export function deriveIccMasterKey(
  cipher: BlockCipher,
  input: { imk: Uint8Array; pan: string; psn?: string },
): Uint8Array {
  assertDoubleKey('IMK', input.imk);
  const y = optionADerivationData(input.pan, input.psn);
  const left = cipher.desEdeEcbEncrypt(input.imk, y);
  const right = cipher.desEdeEcbEncrypt(input.imk, xorBytes(y, allOnes8));
  return adjustOddParity(concatBytes(left, right));
}

/**
 * EMV common session key derivation (Book 2 A1.3.1): SK = 3DES(MK, R with R[2] = F0) ‖
 * 3DES(MK, R with R[2] = 0F), parity-adjusted. R is 8 bytes (CVN 20: ATC ‖ 00..00;
 * CVN 16: ATC ‖ 00 00 ‖ UN).
 */
export function deriveSessionKey(cipher: BlockCipher, input: { mk: Uint8Array; r: Uint8Array }): Uint8Array {
  assertDoubleKey('MK', input.mk);
  if (input.r.length !== 8) throw new RangeError(`R must be 8 bytes, got ${input.r.length}`);
  const left = Uint8Array.from(input.r);
  const right = Uint8Array.from(input.r);
  left[2] = 0xf0;
  right[2] = 0x0f;
  return adjustOddParity(
    concatBytes(cipher.desEdeEcbEncrypt(input.mk, left), cipher.desEdeEcbEncrypt(input.mk, right)),
  );
}

/** R for Mastercard CVN 20 (and the Tapkit card): ATC ‖ 00 00 00 00 00 00. */
export function sessionKeyInputCvn20(atc: Uint8Array): Uint8Array {
  if (atc.length !== 2) throw new RangeError(`ATC must be 2 bytes, got ${atc.length}`);
  return concatBytes(atc, new Uint8Array(6));
}

/** R for Mastercard CVN 16: ATC ‖ 00 00 ‖ unpredictable number (4 bytes). */
export function sessionKeyInputCvn16(atc: Uint8Array, unpredictableNumber: Uint8Array): Uint8Array {
  if (atc.length !== 2) throw new RangeError(`ATC must be 2 bytes, got ${atc.length}`);
  if (unpredictableNumber.length !== 4) throw new RangeError('unpredictable number must be 4 bytes');
  return concatBytes(atc, new Uint8Array(2), unpredictableNumber);
}

/** Key check value: the first `lengthBytes` bytes of 3DES(key, 00..00). */
export function keyCheckValue(cipher: BlockCipher, key: Uint8Array, lengthBytes = 3): Uint8Array {
  assertDoubleKey('key', key);
  return cipher.desEdeEcbEncrypt(key, new Uint8Array(8)).subarray(0, lengthBytes);
}
