#!/usr/bin/env node
// Tapkit runs from its TypeScript sources: tsx registers the loader, then the CLI module runs.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
