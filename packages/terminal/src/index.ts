// @tapkit/terminal: the POS terminal. A Kernel 2 contactless reader over any NfcLink, the acquirer
// link that sends ISO 8583 authorizations and reversals to the card network, and the merchant panel.
// Isomorphic: nothing reachable from here imports node:*. The TCP client to the network is in
// "@tapkit/terminal/node".

export * from './acquirer/acquirer-link.ts';
export * from './acquirer/journal.ts';
export * from './acquirer/merchant-panel.ts';
export * from './adapters/http-network.ts';
export * from './adapters/in-process-network.ts';
export * from './adapters/memory-journal.ts';
// Server side of http-network.ts; runtime-neutral (Fastify is a type-only import), so it lives here too.
export * from './adapters/node-acquirer-gateway.ts';
export * from './adapters/web-platform.ts';
export * from './domain/authorization-messages.ts';
export * from './domain/card-data.ts';
export * from './domain/config.ts';
export * from './domain/failure.ts';
export * from './domain/kernel.ts';
export * from './domain/outcome.ts';
export * from './domain/poscii.ts';
export * from './domain/ppse.ts';
export * from './domain/responses.ts';
export * from './domain/terminal-data.ts';
export * from './domain/time-fields.ts';
export * from './domain/trace-numbers.ts';
export * from './links/broadcast-channel.ts';
export * from './links/errors.ts';
export * from './links/in-process.ts';
export * from './ports.ts';
export * from './reader/contactless-reader.ts';
export * from './terminal.ts';
