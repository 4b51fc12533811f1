import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The README's two commands, in order, as a new user runs them: `tapkit keys generate mpp` and
// `tapkit keys generate alipayplus` into the default key folder, then `tapkit mpp` finds those files by
// its defaults and serves /readyz. Guards the key file names both commands agree on.
const cli = fileURLToPath(new URL('../bin/tapkit.mjs', import.meta.url));
const readyAttemptsMax = 100;
const readyPollMs = 200;

describe('README: keys generate, then tapkit mpp', () => {
  let dir: string | undefined;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('starts on the generated keys and answers /readyz', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tapkit-readme-'));
    for (const party of ['mpp', 'alipayplus']) {
      const generated = spawnSync(process.execPath, [cli, 'keys', 'generate', party], { cwd: dir });
      expect(generated.status, String(generated.stderr)).toBe(0);
    }
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    child = spawn(process.execPath, [cli, 'mpp'], {
      cwd: dir,
      env: {
        ...process.env,
        TAPKIT_MPP_PORT: String(port),
        TAPKIT_DB: ':memory:',
        TAPKIT_LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    let status = 0;
    for (let attempt = 0; attempt < readyAttemptsMax && status !== 200; attempt++) {
      if (child.exitCode !== null) break;
      status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (response) => response.status,
        () => 0,
      );
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, readyPollMs));
    }
    expect(status, stderr).toBe(200);
  });
});
