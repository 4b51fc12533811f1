// Minimal typings for the parts of des.js (https://github.com/indutny/des.js) that Tapkit uses.
declare module 'des.js' {
  interface CipherOptions {
    type: 'encrypt' | 'decrypt';
    key: number[] | Uint8Array;
    padding?: boolean;
  }
  interface Cipher {
    update(data: number[] | Uint8Array): number[];
    final(data?: number[] | Uint8Array): number[];
  }
  interface CipherFactory {
    create(options: CipherOptions): Cipher;
  }
  const desjs: { DES: CipherFactory; EDE: CipherFactory };
  export default desjs;
}
