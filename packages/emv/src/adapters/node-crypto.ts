import { createCipheriv } from 'node:crypto';
import { concatBytes } from '../bytes.ts';
import { assertBlockCipherInput, type BlockCipher } from '../ports.ts';

// Node 20's OpenSSL 3 keeps single DES in the legacy provider only. Two-key EDE with K1 = K2 reduces
// to single DES (E_K(D_K(E_K(x))) = E_K(x)), so both operations use `des-ede-ecb`.
function edeEncrypt(key16: Uint8Array, data: Uint8Array): Uint8Array {
  const cipher = createCipheriv('des-ede-ecb', key16, null);
  cipher.setAutoPadding(false);
  const out = concatBytes(cipher.update(data), cipher.final());
  return new Uint8Array(out);
}

/** DES and 3DES from node:crypto (faster than the pure-JS cipher); Node only. */
export const nodeBlockCipher: BlockCipher = {
  desEcbEncrypt(key8, data) {
    assertBlockCipherInput(8, key8, data);
    return edeEncrypt(concatBytes(key8, key8), data);
  },
  desEdeEcbEncrypt(key16, data) {
    assertBlockCipherInput(16, key16, data);
    return edeEncrypt(key16, data);
  },
};
