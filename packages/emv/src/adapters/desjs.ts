import desjs from 'des.js';
import { assertBlockCipherInput, type BlockCipher } from '../ports.ts';

// Pure JavaScript DES for the browser (no WebCrypto DES exists). des.js wants a 24-byte key for EDE,
// so two-key triple DES is expanded to K1 K2 K1.
function run(factory: typeof desjs.DES, key: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = factory.create({ type: 'encrypt', key: Array.from(key), padding: false });
  const out = cipher.update(Array.from(data)).concat(cipher.final());
  return Uint8Array.from(out);
}

export const desJsBlockCipher: BlockCipher = {
  desEcbEncrypt(key8, data) {
    assertBlockCipherInput(8, key8, data);
    return run(desjs.DES, key8, data);
  },
  desEdeEcbEncrypt(key16, data) {
    assertBlockCipherInput(16, key16, data);
    const key24 = new Uint8Array(24);
    key24.set(key16, 0);
    key24.set(key16.subarray(0, 8), 16);
    return run(desjs.EDE, key24, data);
  },
};
