// `tapkit conformance` as the lead wires it: argv in, a table out, exit code 0 only if all pass.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MppServerHandle } from '@tapkit/mpp-server';
import { keyFilePaths } from '@tapkit/protocol/node';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
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
  it('prints progress, then the table, and exits 0 when every scenario passes', async () => {
    const lines: string[] = [];
    const progress: string[] = [];
    const code = await runConformanceCommand(
      [
        '--mpp-url',
        mpp.url,
        '--client-id',
        MPP_CLIENT_ID,
        '--keys',
        dir,
        '--only',
        'pay-success-debits-once,refund-limits-partial-partial-exceed',
      ],
      {
        out: (line) => lines.push(line),
        err: (line) => progress.push(line),
        env: { TAPKIT_ADMIN_TOKEN: ADMIN_TOKEN },
      },
    );
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^scenario\s+\| expected\s+\| observed\s+\| result/);
    expect(lines.filter((l) => l.endsWith('PASS')).length).toBe(3);
    expect(lines.at(-1)).toBe('all 3 scenarios passed');
    expect(progress).toEqual([
      expect.stringMatching(/^\[1\/3\] PASS {2}pay: success debits once \(\d+\.\d\d s\)$/),
      expect.stringMatching(/^\[2\/3\] PASS {2}refund limits: partial, partial, exceed /),
      expect.stringMatching(/^\[3\/3\] PASS {2}every answer signed by the MPP key /),
    ]);
  });

  it('writes JUnit and JSON reports a CI system reads, with the skipped scenarios', async () => {
    const junit = join(dir, 'reports', 'conformance.xml');
    const json = join(dir, 'reports', 'conformance.json');
    const lines: string[] = [];
    const progress: string[] = [];
    const code = await runConformanceCommand(
      [
        ...['--mpp-url', mpp.url, '--client-id', MPP_CLIENT_ID, '--keys', dir, '--admin-token', ADMIN_TOKEN],
        ...['--only', 'signature-*', '--skip', 'signature-missing'],
        ...['--reporter', 'junit', '--output', junit, '--reporter', 'json', '--output', json],
      ],
      { out: (line) => lines.push(line), err: (line) => progress.push(line), env: {} },
    );
    expect(code).toBe(0);
    const xml = await readFile(junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    const suite = parsed.testsuites.testsuite;
    expect(suite.failures).toBe('0');
    expect(Number(suite.skipped)).toBeGreaterThan(10);
    expect(suite.testcase.map((c: { name: string }) => c.name)).toContain('signature: forged (another key)');
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.scenarios.map((s: { id: string }) => s.id)).toEqual([
      'signature-forged-another-key',
      'signature-unknown-keyversion',
      'every-answer-signed-by-the-mpp-key',
    ]);
    expect(report.summary.failed).toBe(0);
    // The table still goes to stdout (no reporter took it); the files are announced on stderr.
    expect(lines.at(-1)).toBe('all 3 scenarios passed');
    expect(progress).toContain(`junit report written to ${junit}`);
  });

  it('keeps stdout parseable when a report is written there', async () => {
    const lines: string[] = [];
    const progress: string[] = [];
    const code = await runConformanceCommand(
      [
        ...['--mpp-url', mpp.url, '--client-id', MPP_CLIENT_ID, '--keys', dir, '--admin-token', ADMIN_TOKEN],
        ...['--only', 'pay-success-debits-once', '--reporter', 'json', '--no-progress'],
      ],
      { out: (line) => lines.push(line), err: (line) => progress.push(line), env: {} },
    );
    expect(code).toBe(0);
    expect(JSON.parse(lines.join('\n')).summary.passed).toBe(2);
    expect(progress).toEqual(['all 2 scenarios passed']);
  });

  it('exits 2 and lists the known scenarios for an unknown name, running nothing', async () => {
    const lines: string[] = [];
    const code = await runConformanceCommand(
      ['--mpp-url', mpp.url, '--client-id', MPP_CLIENT_ID, '--keys', dir, '--only', 'pay-succes'],
      { out: (line) => lines.push(line), env: { TAPKIT_ADMIN_TOKEN: ADMIN_TOKEN } },
    );
    expect(code).toBe(2);
    expect(lines.join('\n')).toContain('unknown scenario: pay-succes');
    expect(lines.join('\n')).toContain('  pay-success-debits-once');
  });

  it('exits 2 for reporter usage errors, 0 for --help and --list', async () => {
    const run = async (argv: string[]) => {
      const lines: string[] = [];
      const code = await runConformanceCommand(argv, { out: (line) => lines.push(line), env: {} });
      return { code, text: lines.join('\n') };
    };
    const base = ['--mpp-url', mpp.url, '--client-id', MPP_CLIENT_ID, '--keys', dir];
    expect(await run([...base, '--reporter', 'xml'])).toMatchObject({
      code: 2,
      text: expect.stringContaining('unknown reporter xml'),
    });
    expect(await run([...base, '--reporter', 'junit', '--reporter', 'json'])).toMatchObject({
      code: 2,
      text: expect.stringContaining('only one reporter can write to stdout'),
    });
    expect(await run(['--help'])).toMatchObject({ code: 0, text: expect.stringContaining('--reporter') });
    const list = await run(['--list']);
    expect(list.code).toBe(0);
    expect(list.text).toContain('pay-success-debits-once\tpay: success debits once');
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
        'pay-success-debits-once',
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
