// `tapkit conformance` as the lead wires it: argv in, a table out, exit code 0 only if all pass.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MppServerHandle } from '@tapkit/mpp-server';
import { keyFilePaths } from '@tapkit/protocol/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformanceCommand } from '../src/conformance/cli.ts';
import { ADMIN_TOKEN, alipayKeys, MPP_CLIENT_ID, mppKeys } from './support/keys.ts';
import { startRealMpp } from './support/mpp.ts';

let mpp: MppServerHandle;
let dir: string;

beforeAll(async () => {
  mpp = await startRealMpp();
  dir = await mkdtemp(join(tmpdir(), 'tapkit-conformance-'));
  await writeFile(keyFilePaths(dir, 'alipayplus').privatePath, alipayKeys.privateKeyPem);
  await writeFile(keyFilePaths(dir, 'mpp').publicPath, mppKeys.publicKeyPem);
});
afterAll(async () => {
  await mpp.close();
  await rm(dir, { recursive: true, force: true });
});

describe('runConformanceCommand', () => {
  it('prints the table and exits 0 when every scenario passes', async () => {
    const lines: string[] = [];
    const code = await runConformanceCommand(
      [
        '--mpp-url',
        mpp.url,
        '--client-id',
        MPP_CLIENT_ID,
        '--keys',
        dir,
        '--only',
        'pay: success,refund limits',
      ],
      { out: (line) => lines.push(line), env: { TAPKIT_ADMIN_TOKEN: ADMIN_TOKEN } },
    );
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^scenario\s+\| expected\s+\| observed\s+\| result/);
    expect(lines.filter((l) => l.endsWith('PASS')).length).toBe(3);
    expect(lines.at(-1)).toBe('all 3 scenarios passed');
  });

  it('exits 1 and prints the failing rows whole when a scenario fails', async () => {
    const lines: string[] = [];
    // Another client id: the MPP answers INVALID_CLIENT to everything.
    const code = await runConformanceCommand(
      [
        '--mpp-url',
        mpp.url,
        '--client-id',
        'SOMEONE_ELSE',
        '--keys',
        dir,
        '--only',
        'pay: success',
        '--admin-token',
        ADMIN_TOKEN,
      ],
      { out: (line) => lines.push(line), env: {} },
    );
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('observed: F INVALID_CLIENT');
  });

  it('exits 2 with the usage on missing arguments', async () => {
    const lines: string[] = [];
    const code = await runConformanceCommand(['--mpp-url', mpp.url], {
      out: (line) => lines.push(line),
      env: {},
    });
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('usage: tapkit conformance');
  });
});
