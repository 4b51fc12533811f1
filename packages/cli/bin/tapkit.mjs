#!/usr/bin/env node
// Tapkit's CLI runs from its TypeScript sources inside the repository: the register module adds tsx and the
// @tapkit/source condition (the cli is a private counterpart, never installed on its own).
await import('../../../scripts/register-source.mjs');
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
