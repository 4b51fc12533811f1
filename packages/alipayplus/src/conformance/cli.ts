// `tapkit conformance`: the command-line face of runConformance. Prints the table and returns the exit
// code: 0 only if every scenario passed, 1 if any failed, 2 for a usage or setup error.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { keyFilePaths } from '@tapkit/protocol/node';
import { type ConformanceOptions, runConformance } from './run.ts';
import type { ConformanceRow } from './scenarios.ts';

export const CONFORMANCE_USAGE = `usage: tapkit conformance --mpp-url URL --client-id ID (--keys DIR | --private-key FILE --mpp-public-key FILE)
                         [--key-version V] [--admin-url URL] [--admin-token TOKEN] [--currency HKD] [--only TEXT,...]
  --keys DIR          reads DIR/alipayplus.private.pem and DIR/mpp.public.pem (tapkit keys layout)
  --admin-token       Tapkit admin API bearer token (or TAPKIT_ADMIN_TOKEN); customers and balances go through it`;

export interface CommandIo {
  out(line: string): void;
  env?: Readonly<Record<string, string | undefined>>;
}

const consoleIo: CommandIo = { out: (line) => process.stdout.write(`${line}\n`), env: process.env };

export async function runConformanceCommand(
  argv: readonly string[],
  io: CommandIo = consoleIo,
): Promise<number> {
  let options: ConformanceOptions;
  try {
    options = await optionsFrom(argv, io.env ?? {});
  } catch (error) {
    io.out(error instanceof Error ? error.message : String(error));
    io.out(CONFORMANCE_USAGE);
    return 2;
  }
  let rows: ConformanceRow[];
  try {
    rows = await runConformance(options);
  } catch (error) {
    io.out(`conformance could not run: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  for (const line of formatTable(rows)) io.out(line);
  // The table clips long cells; a failing row is printed whole so the difference is visible.
  for (const row of rows.filter((r) => !r.pass)) {
    io.out(`FAIL ${row.scenario}\n  expected: ${row.expected}\n  observed: ${row.observed}`);
  }
  const failed = rows.filter((row) => !row.pass).length;
  io.out(
    failed === 0 ? `all ${rows.length} scenarios passed` : `${failed} of ${rows.length} scenarios FAILED`,
  );
  return failed === 0 ? 0 : 1;
}

async function optionsFrom(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<ConformanceOptions> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'mpp-url': { type: 'string' },
      'client-id': { type: 'string' },
      keys: { type: 'string' },
      'private-key': { type: 'string' },
      'mpp-public-key': { type: 'string' },
      'key-version': { type: 'string' },
      'admin-url': { type: 'string' },
      'admin-token': { type: 'string' },
      currency: { type: 'string' },
      only: { type: 'string' },
    },
    strict: true,
  });
  const mppUrl = values['mpp-url'];
  const clientId = values['client-id'];
  if (mppUrl === undefined || clientId === undefined)
    throw new Error('--mpp-url and --client-id are required');
  const fromDir = values.keys === undefined ? undefined : keyFilePaths(values.keys, 'alipayplus').privatePath;
  const privatePath = values['private-key'] ?? fromDir;
  const publicPath =
    values['mpp-public-key'] ??
    (values.keys === undefined ? undefined : keyFilePaths(values.keys, 'mpp').publicPath);
  if (privatePath === undefined || publicPath === undefined)
    throw new Error('give --keys DIR or --private-key and --mpp-public-key');
  const adminToken = values['admin-token'] ?? env.TAPKIT_ADMIN_TOKEN;
  return {
    mppUrl,
    clientId,
    alipayPlusPrivateKey: await readFile(privatePath, 'utf8'),
    mppPublicKey: await readFile(publicPath, 'utf8'),
    keyVersion: values['key-version'] ?? '1',
    ...(values['admin-url'] === undefined ? {} : { adminUrl: values['admin-url'] }),
    ...(adminToken === undefined ? {} : { adminToken }),
    ...(values.currency === undefined ? {} : { currency: values.currency }),
    ...(values.only === undefined ? {} : { only: values.only.split(',') }),
  };
}

/** The table: scenario, expected, observed, PASS/FAIL, columns padded to the widest cell (capped). */
export function formatTable(rows: readonly ConformanceRow[]): string[] {
  const cellCharsMax = 70;
  const clip = (text: string) => (text.length > cellCharsMax ? `${text.slice(0, cellCharsMax - 1)}…` : text);
  const table = [
    ['scenario', 'expected', 'observed', 'result'],
    ...rows.map((r) => [r.scenario, r.expected, r.observed, r.pass ? 'PASS' : 'FAIL']),
  ].map((cells) => cells.map(clip));
  const widths = [0, 1, 2, 3].map((i) => Math.max(...table.map((cells) => (cells[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join(' | ')
      .trimEnd();
  const [header, ...body] = table;
  return [line(header ?? []), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)];
}
