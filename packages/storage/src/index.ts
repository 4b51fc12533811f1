export * from './errors.ts';
export * from './open.ts';
