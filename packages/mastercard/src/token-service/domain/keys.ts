// The token's keys (docs/protocol/emv.md#keys): MK = EMV option A from the environment's IMK-AC, the token PAN
// and PSN; a credential's session key = EMV common session key from MK with R = ATC ‖ 00 × 6 (CVN 20).
// Deterministic functions of their inputs; the block cipher is passed in.
import { type BlockCipher, deriveIccMasterKey, deriveSessionKey, sessionKeyInputCvn20 } from '@tapkit/emv';

export function tokenMasterKey(
  cipher: BlockCipher,
  input: { imk: Uint8Array; tokenPan: string; psn: string },
) {
  return deriveIccMasterKey(cipher, { imk: input.imk, pan: input.tokenPan, psn: input.psn });
}

export function atcBytes(atc: number): Uint8Array {
  if (!(Number.isInteger(atc) && atc >= 0 && atc <= 0xffff)) throw new RangeError(`ATC out of range: ${atc}`);
  return Uint8Array.of(atc >> 8, atc & 0xff);
}

export function credentialSessionKey(cipher: BlockCipher, mk: Uint8Array, atc: number): Uint8Array {
  return deriveSessionKey(cipher, { mk, r: sessionKeyInputCvn20(atcBytes(atc)) });
}
