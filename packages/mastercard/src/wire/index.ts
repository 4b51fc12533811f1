// @tapkit/mastercard/wire: the public contract between the NFC SDK and the Mastercard token service.
// Isomorphic (zod and Web Crypto only, no node:* imports): the SDK imports this and nothing else from
// the Mastercard package.
export * from './base64.ts';
export * from './codes.ts';
export * from './credentials.ts';
export * from './envelope.ts';
export * from './schemas.ts';
export * from './tokens-api.ts';
