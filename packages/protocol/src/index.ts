// The public face of @tapkit/protocol: the Alipay+ wire protocol shared by every party. Browser-safe (no
// node:* imports, no fastify, no undici): the SDK bundles it. The Node parts (Fastify plugin, signed undici
// client, node:crypto signing and key files, the keys CLI) are @tapkit/protocol/node.
export * from './amount.ts';
export * from './api-catalog.ts';
export * from './base64.ts';
export * from './clock.ts';
export * from './concurrency.ts';
export * from './errors.ts';
export * from './json-bounds.ts';
export * from './quote.ts';
export * from './result.ts';
export * from './result-codes.ts';
export * from './retry.ts';
export * from './schemas/index.ts';
export * from './signature.ts';
