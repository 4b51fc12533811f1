import { concatBytes, equalBytesConstantTime, xorBytes } from '../bytes.ts';
import type { BlockCipher } from '../ports.ts';
import { deriveIccMasterKey, deriveSessionKey, sessionKeyInputCvn16, sessionKeyInputCvn20 } from './keys.ts';
import { retailMac } from './mac.ts';

/** Cryptogram versions this package computes: 20 is the Tapkit card, 16 the older M/Chip variant. */
export type CryptogramVersion = 16 | 20;

/** The card and terminal values an ARQC covers, in CDOL order; each field has a fixed byte length. */
export interface ArqcData {
  /** 9F02, n12 BCD. */
  amountAuthorised: Uint8Array;
  /** 9F03, n12 BCD. */
  amountOther: Uint8Array;
  /** 9F1A, n3 BCD. */
  terminalCountryCode: Uint8Array;
  /** 95, terminal verification results. */
  tvr: Uint8Array;
  /** 5F2A, n3 BCD. */
  transactionCurrencyCode: Uint8Array;
  /** 9A, YYMMDD BCD. */
  transactionDate: Uint8Array;
  /** 9C. */
  transactionType: Uint8Array;
  /** 9F37. */
  unpredictableNumber: Uint8Array;
  /** 82, application interchange profile. */
  aip: Uint8Array;
  /** 9F36, application transaction counter. */
  atc: Uint8Array;
  /** Card verification results: bytes 3–8 of the IAD (9F10). */
  cvr: Uint8Array;
}

/** Byte length of each ARQC input, in MAC order. */
export const arqcFieldBytes: ReadonlyArray<readonly [keyof ArqcData, number]> = [
  ['amountAuthorised', 6],
  ['amountOther', 6],
  ['terminalCountryCode', 2],
  ['tvr', 5],
  ['transactionCurrencyCode', 2],
  ['transactionDate', 3],
  ['transactionType', 1],
  ['unpredictableNumber', 4],
  ['aip', 2],
  ['atc', 2],
  ['cvr', 6],
];

/** 9F02 ‖ 9F03 ‖ 9F1A ‖ 95 ‖ 5F2A ‖ 9A ‖ 9C ‖ 9F37 ‖ 82 ‖ 9F36 ‖ CVR: 39 bytes. */
export function arqcInputData(data: ArqcData): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [name, lengthBytes] of arqcFieldBytes) {
    const value = data[name];
    if (value.length !== lengthBytes) {
      throw new RangeError(`ARQC field ${name} must be ${lengthBytes} bytes, got ${value.length}`);
    }
    parts.push(value);
  }
  return concatBytes(...parts);
}

/** The ARQC (9F26): retail MAC of the ARQC input data under the session key. */
export function computeArqc(input: {
  cipher: BlockCipher;
  sessionKey: Uint8Array;
  data: ArqcData;
}): Uint8Array {
  return retailMac(input.cipher, input.sessionKey, arqcInputData(input.data));
}

/** R for the session key of a cryptogram version. */
export function sessionKeyInput(cvn: CryptogramVersion, data: Pick<ArqcData, 'atc' | 'unpredictableNumber'>) {
  return cvn === 20
    ? sessionKeyInputCvn20(data.atc)
    : sessionKeyInputCvn16(data.atc, data.unpredictableNumber);
}

export interface CardKeys {
  mk: Uint8Array;
  sessionKey: Uint8Array;
}

/** What the issuer side derives for one cryptogram: MK from IMK-AC, then the session key from the ATC. */
export function deriveCardKeys(input: {
  cipher: BlockCipher;
  imk: Uint8Array;
  pan: string;
  psn?: string;
  cvn: CryptogramVersion;
  data: Pick<ArqcData, 'atc' | 'unpredictableNumber'>;
}): CardKeys {
  const mk = deriveIccMasterKey(input.cipher, { imk: input.imk, pan: input.pan, psn: input.psn });
  const sessionKey = deriveSessionKey(input.cipher, { mk, r: sessionKeyInput(input.cvn, input.data) });
  return { mk, sessionKey };
}

export type ArqcVerification = { valid: true; keys: CardKeys } | { valid: false; code: 'ARQC_MISMATCH' };

/**
 * Recomputes the ARQC from the issuer master key and compares it in constant time. The keys are
 * returned on success so the caller can produce the ARPC without deriving them again.
 */
export function verifyArqc(input: {
  cipher: BlockCipher;
  imk: Uint8Array;
  pan: string;
  psn?: string;
  cvn: CryptogramVersion;
  data: ArqcData;
  arqc: Uint8Array;
}): ArqcVerification {
  const keys = deriveCardKeys(input);
  const expected = computeArqc({ cipher: input.cipher, sessionKey: keys.sessionKey, data: input.data });
  return equalBytesConstantTime(expected, input.arqc)
    ? { valid: true, keys }
    : { valid: false, code: 'ARQC_MISMATCH' };
}

/** ARPC method 1 (EMV Book 2 8.2.1): 3DES(key, ARQC xor (ARC ‖ 00 00 00 00 00 00)). */
export function computeArpcMethod1(input: {
  cipher: BlockCipher;
  key: Uint8Array;
  arqc: Uint8Array;
  arc: Uint8Array;
}): Uint8Array {
  if (input.arqc.length !== 8) throw new RangeError(`ARQC must be 8 bytes, got ${input.arqc.length}`);
  if (input.arc.length !== 2) throw new RangeError(`ARC must be 2 bytes, got ${input.arc.length}`);
  const block = xorBytes(input.arqc, concatBytes(input.arc, new Uint8Array(6)));
  return input.cipher.desEdeEcbEncrypt(input.key, block);
}

/** The ARPC key of each cryptogram version: MK for CVN 16, the session key for CVN 20. */
export function computeArpc(input: {
  cipher: BlockCipher;
  cvn: CryptogramVersion;
  keys: CardKeys;
  arqc: Uint8Array;
  arc: Uint8Array;
}): Uint8Array {
  const key = input.cvn === 16 ? input.keys.mk : input.keys.sessionKey;
  return computeArpcMethod1({ cipher: input.cipher, key, arqc: input.arqc, arc: input.arc });
}
