import type { BlockCipher } from '../ports.ts';
import {
  type ArqcData,
  type CardKeys,
  type CryptogramVersion,
  computeArpc,
  computeArqc,
  deriveCardKeys,
  verifyArqc,
} from './arqc.ts';
import { deriveIccMasterKey, deriveSessionKey, keyCheckValue } from './keys.ts';
import { retailMac } from './mac.ts';

/** The EMV algorithms bound to one block cipher, so callers pick the adapter once at start-up. */
export function createEmvCrypto(cipher: BlockCipher) {
  return {
    retailMac: (key16: Uint8Array, data: Uint8Array) => retailMac(cipher, key16, data),
    deriveIccMasterKey: (input: { imk: Uint8Array; pan: string; psn?: string }) =>
      deriveIccMasterKey(cipher, input),
    deriveSessionKey: (input: { mk: Uint8Array; r: Uint8Array }) => deriveSessionKey(cipher, input),
    keyCheckValue: (key: Uint8Array, lengthBytes?: number) => keyCheckValue(cipher, key, lengthBytes),
    computeArqc: (input: { sessionKey: Uint8Array; data: ArqcData }) => computeArqc({ cipher, ...input }),
    deriveCardKeys: (input: {
      imk: Uint8Array;
      pan: string;
      psn?: string;
      cvn: CryptogramVersion;
      data: Pick<ArqcData, 'atc' | 'unpredictableNumber'>;
    }) => deriveCardKeys({ cipher, ...input }),
    verifyArqc: (input: {
      imk: Uint8Array;
      pan: string;
      psn?: string;
      cvn: CryptogramVersion;
      data: ArqcData;
      arqc: Uint8Array;
    }) => verifyArqc({ cipher, ...input }),
    computeArpc: (input: { cvn: CryptogramVersion; keys: CardKeys; arqc: Uint8Array; arc: Uint8Array }) =>
      computeArpc({ cipher, ...input }),
  };
}

export type EmvCrypto = ReturnType<typeof createEmvCrypto>;
