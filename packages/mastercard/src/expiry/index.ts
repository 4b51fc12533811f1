export * from './adapters/expiry-store-kysely.ts';
export * from './domain/validity.ts';
export * from './ports.ts';
export * from './tracker.ts';
