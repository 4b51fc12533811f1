#!/usr/bin/env node
// `tapkit-mpp [--config <path>]`: the MPP server with plain Node from the built package (dist/bin.js).
import { parseArgs } from 'node:util';
import { runMppServer } from './run.ts';

const usage = 'usage: tapkit-mpp [--config <path>]  (configuration file; TAPKIT_* variables override it)';

let configPath: string | undefined;
try {
  const { values } = parseArgs({ options: { config: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help === true) {
    console.log(usage);
    process.exit(0);
  }
  configPath = values.config;
} catch (error) {
  console.error(`${(error as Error).message}\n${usage}`);
  process.exit(2);
}
const code = await runMppServer({ configPath });
if (code !== 0) process.exitCode = code;
