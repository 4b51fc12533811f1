// @tapkit/protocol/wire/token-service: the public contract between the NFC SDK and the Mastercard token
// service. Isomorphic (zod and Web Crypto only, no node:* imports): the SDK and the token service
// (@tapkit/mastercard) both import it. The management routes the Ant server calls stay in the
// counterpart (packages/mastercard/src/wire/tokens-api.ts).
export * from './base64.ts';
export * from './codes.ts';
export * from './credentials.ts';
export * from './envelope.ts';
export * from './schemas.ts';
