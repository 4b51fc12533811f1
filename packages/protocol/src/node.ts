// @tapkit/protocol/node: the Node-only parts of the protocol (the browser-safe core is @tapkit/protocol).
// Hosting signed APIs on Fastify, the signed undici client, RSA256 with node:crypto, key files and the
// `tapkit keys` command.
export * from './client.ts';
export * from './fastify-plugin.ts';
export * from './keys.ts';
export * from './keys-cli.ts';
export * from './signing.ts';
