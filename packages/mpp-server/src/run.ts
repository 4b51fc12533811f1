import { loadConfig } from './config.ts';
import { startMppServer } from './server.ts';

/**
 * The MPP server as a program, until SIGINT/SIGTERM: configuration from the file (its "mpp" section) and
 * TAPKIT_* variables. The one entry of both `tapkit-mpp` (dist/bin.js) and `tapkit mpp`. Returns the exit
 * code of a failed start (2 bad configuration, 1 start failed) or 0 once the server is listening.
 */
export async function runMppServer(options: { configPath: string | undefined }): Promise<number> {
  const config = loadConfig({ path: options.configPath, env: process.env });
  if (!config.ok) {
    console.error(config.error.message);
    return 2;
  }
  try {
    await startMppServer(config.value, { handleSignals: true });
  } catch (error) {
    console.error(`tapkit-mpp: ${(error as Error).message}`);
    return 1;
  }
  return 0;
}
