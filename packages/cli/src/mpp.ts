import { loadConfig, startMppServer } from '@tapkit/mpp-server';

/** `tapkit mpp`: the MPP server alone, until SIGINT/SIGTERM, for a wallet that brings its own Alipay+. */
export async function runMpp(options: { configPath: string | undefined }): Promise<number> {
  const config = loadConfig({ path: options.configPath, env: process.env });
  if (!config.ok) {
    console.error(config.error.message);
    return 2;
  }
  try {
    await startMppServer(config.value, { handleSignals: true });
  } catch (error) {
    console.error(`tapkit mpp: ${(error as Error).message}`);
    return 1;
  }
  return 0;
}
