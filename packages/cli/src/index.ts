// @tapkit/cli: the `tapkit` command (bin/tapkit.mjs → src/main.ts) and the one-process system that
// `tapkit up`, `tapkit demo` and the end-to-end tests start.
export * from './system.ts';
