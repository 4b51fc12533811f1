// The one thing the EMV algorithms need from the world: a DES block cipher. Two adapters implement it
// (node:crypto on the server, des.js in the browser); every test vector runs through both.

export interface BlockCipher {
  /** Single-DES ECB encryption. `key8` is 8 bytes; `data` a non-empty multiple of 8 bytes. */
  desEcbEncrypt(key8: Uint8Array, data: Uint8Array): Uint8Array;
  /** Two-key triple-DES (EDE, K1 K2 K1) ECB encryption. `key16` is 16 bytes; `data` a multiple of 8. */
  desEdeEcbEncrypt(key16: Uint8Array, data: Uint8Array): Uint8Array;
}

/** Shared precondition checks, so both adapters reject the same misuse the same way. */
export function assertBlockCipherInput(keyBytes: number, key: Uint8Array, data: Uint8Array): void {
  if (key.length !== keyBytes) throw new RangeError(`DES key must be ${keyBytes} bytes, got ${key.length}`);
  if (data.length === 0 || data.length % 8 !== 0) {
    throw new RangeError(`DES data must be a non-empty multiple of 8 bytes, got ${data.length}`);
  }
}
