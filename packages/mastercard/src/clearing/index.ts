export * from './adapters/clearing-store.ts';
export * from './adapters/file-reader.ts';
export * from './adapters/file-writer.ts';
export * from './adapters/synthetic.ts';
export * from './domain/record.ts';
export * from './ports.ts';
export * from './service.ts';
