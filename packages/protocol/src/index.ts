// The public face of @tapkit/protocol: the Alipay+ wire protocol shared by every party.
export * from './amount.ts';
export * from './client.ts';
export * from './clock.ts';
export * from './errors.ts';
export * from './fastify-plugin.ts';
export * from './json-bounds.ts';
export * from './keys.ts';
export * from './keys-cli.ts';
export * from './quote.ts';
export * from './result.ts';
export * from './result-codes.ts';
export * from './schemas/index.ts';
export * from './signature.ts';
