// @tapkit/emv: BER-TLV, DOL, APDU, EMV cryptography (3DES) and ISO 8583, shared by the card (SDK),
// the terminal and the network. Isomorphic: nothing here imports node:*. The node:crypto block
// cipher lives behind its own entry point, `@tapkit/emv/node-crypto`, so browser bundles never
// pull it in.

export { desJsBlockCipher } from './adapters/desjs.ts';
export * from './afl.ts';
export * from './apdu.ts';
export * from './bcd.ts';
export * from './bytes.ts';
export * from './clearing/reader.ts';
export * from './clearing/record.ts';
export * from './crypto/arqc.ts';
export * from './crypto/facade.ts';
export * from './crypto/iad.ts';
export * from './crypto/keys.ts';
export * from './crypto/mac.ts';
export * from './describe.ts';
export * from './dol.ts';
export * from './iso8583/codec.ts';
export * from './iso8583/connection.ts';
export * from './iso8583/describe.ts';
export * from './iso8583/errors.ts';
export * from './iso8583/fields1987.ts';
export * from './iso8583/fields1993.ts';
export * from './iso8583/framing.ts';
export * from './iso8583/mti.ts';
export * from './iso8583/spec.ts';
export * from './iso8583/subelements.ts';
export type { BlockCipher } from './ports.ts';
export * from './result.ts';
export * from './tags.ts';
export * from './tlv.ts';
