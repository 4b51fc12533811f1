#!/usr/bin/env node
// `tapkit-mpp [--config <path>]`: the MPP server with plain Node from the built package (dist/bin.js).
import { Command, CommanderError } from 'commander';
import { runMppServer } from './run.ts';

const program = new Command('tapkit-mpp')
  .description('the MPP server (configuration file; TAPKIT_* variables override it)')
  .option('--config <path>', 'configuration file')
  .allowExcessArguments(false)
  .exitOverride((error) => {
    // Usage errors exit 2, as every Tapkit command does; --help exits 0.
    throw new CommanderError(error.exitCode === 0 ? 0 : 2, error.code, error.message);
  });
let configPath: string | undefined;
try {
  program.parse();
  configPath = program.opts<{ config?: string }>().config;
} catch (error) {
  if (!(error instanceof CommanderError)) throw error;
  process.exit(error.exitCode);
}
const code = await runMppServer({ configPath });
if (code !== 0) process.exitCode = code;
