import { runMppServer } from '@tapkit/mpp-server';

/** `tapkit mpp`: the MPP server alone, the same entry as the package's `tapkit-mpp` program. */
export function runMpp(options: { configPath: string | undefined }): Promise<number> {
  return runMppServer(options);
}
