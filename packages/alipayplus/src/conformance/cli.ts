// `tapkit conformance`: the command-line face of runConformance, made for a wallet team's CI. Prints one
// progress line per scenario as it finishes, then the table (or a report on stdout), writes the requested
// reports, and returns the exit code: 0 only if every selected scenario passed, 1 if any failed, 2 for a
// usage or setup error (nothing was judged).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { systemClock } from '@tapkit/protocol';
import { keyFilePaths } from '@tapkit/protocol/node';
import { Command as Commander } from 'commander';
import {
  type ConformanceReport,
  htmlReport,
  jsonReport,
  junitReport,
  REPORTER_NAMES,
  type ReporterName,
  type ScenarioResult,
} from './report.ts';
import { type ConformanceOptions, CURRENCY_DEFAULT, chosenScenarios, runConformance } from './run.ts';
import { type ConformanceRow, SCENARIOS } from './scenarios.ts';
import { scenarioId, splitSelectors } from './selection.ts';

export const CONFORMANCE_USAGE = `usage: tapkit conformance --mpp-url URL --client-id ID (--keys DIR | --private-key FILE --mpp-public-key FILE)
                         [--key-version V] [--admin-url URL] [--admin-token TOKEN] [--currency HKD]
                         [--only ID,...] [--skip ID,...] [--reporter table|junit|json|html [--output FILE]]...
                         [--no-progress] [--list] [--help]
  --keys DIR          reads DIR/alipayplus.private.pem and DIR/mpp.public.pem (tapkit keys layout)
  --admin-token       Tapkit admin API bearer token (or TAPKIT_ADMIN_TOKEN); customers and balances go through it
  --only, --skip      scenario ids (see --list) or full names, comma-separated or repeated; "prefix-*" for a group;
                      a name that matches no scenario is an error
  --reporter          repeatable; the n-th --output is the n-th reporter's file; a reporter without a file writes
                      to stdout (one at most); the table goes to stdout unless a reporter takes it
  --no-progress       no line per finished scenario on stderr
  --list              print the scenario ids and names, run nothing
exit code: 0 every selected scenario passed, 1 a scenario failed, 2 usage or setup error`;

export interface CommandIo {
  /** Results: the table, or the report that writes to stdout. */
  out(line: string): void;
  /** Progress and diagnostics; `out` when absent. */
  err?(line: string): void;
  env?: Readonly<Record<string, string | undefined>>;
}

const consoleIo: CommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
};

export interface ReportTarget {
  readonly reporter: ReporterName;
  /** A file path; stdout when absent. */
  readonly output?: string;
}

type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'list' }
  | {
      readonly kind: 'run';
      readonly options: ConformanceOptions;
      readonly reports: readonly ReportTarget[];
      readonly progress: boolean;
    };

export async function runConformanceCommand(
  argv: readonly string[],
  io: CommandIo = consoleIo,
): Promise<number> {
  let command: Command;
  try {
    command = await commandFrom(argv, io.env ?? {});
  } catch (error) {
    const err = io.err ?? io.out;
    err(error instanceof Error ? error.message : String(error));
    err(CONFORMANCE_USAGE);
    return 2;
  }
  if (command.kind === 'help') {
    io.out(CONFORMANCE_USAGE);
    return 0;
  }
  if (command.kind === 'list') {
    for (const scenario of SCENARIOS) io.out(`${scenarioId(scenario.name)}\t${scenario.name}`);
    return 0;
  }
  return runAndReport(command.options, command.reports, command.progress, io);
}

async function runAndReport(
  options: ConformanceOptions,
  reports: readonly ReportTarget[],
  progress: boolean,
  io: CommandIo,
): Promise<number> {
  const err = io.err ?? io.out;
  const startedAtMs = systemClock.nowMs();
  let results: ScenarioResult[];
  try {
    results = await runConformance({
      ...options,
      ...(progress ? { onResult: (r, done, total) => err(progressLine(r, done, total)) } : {}),
    });
  } catch (error) {
    err(`conformance could not run: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const report: ConformanceReport = {
    target: {
      mppUrl: options.mppUrl,
      clientId: options.clientId,
      currency: options.currency ?? CURRENCY_DEFAULT,
    },
    startedAtMs,
    finishedAtMs: systemClock.nowMs(),
    results,
    skipped: chosenScenarios(options).skipped.map((s) => ({ id: scenarioId(s.name), name: s.name })),
  };
  const onStdout = reports.find((target) => target.output === undefined);
  if (onStdout === undefined) for (const line of renderTable(results)) io.out(line);
  for (const target of reports) {
    const text = render(target.reporter, report);
    if (target.output === undefined) {
      for (const line of text.replace(/\n$/, '').split('\n')) io.out(line);
      continue;
    }
    try {
      await mkdir(dirname(target.output), { recursive: true });
      await writeFile(target.output, text, 'utf8');
    } catch (error) {
      err(`could not write ${target.output}: ${error instanceof Error ? error.message : String(error)}`);
      return 2;
    }
    err(`${target.reporter} report written to ${target.output}`);
  }
  const failed = results.filter((row) => !row.pass).length;
  // With a machine-readable report on stdout, the verdict goes to stderr so stdout stays parseable.
  (onStdout !== undefined && onStdout.reporter !== 'table' ? err : io.out)(
    failed === 0
      ? `all ${results.length} scenarios passed`
      : `${failed} of ${results.length} scenarios FAILED`,
  );
  return failed === 0 ? 0 : 1;
}

export function progressLine(result: ScenarioResult, done: number, total: number): string {
  const width = String(total).length;
  const verdict = result.pass ? 'PASS' : result.error === undefined ? 'FAIL' : 'ERROR';
  const time = `${(result.durationMs / 1000).toFixed(2)} s`;
  return `[${String(done).padStart(width)}/${total}] ${verdict.padEnd(5)} ${result.scenario} (${time})`;
}

function render(reporter: ReporterName, report: ConformanceReport): string {
  switch (reporter) {
    case 'junit':
      return junitReport(report);
    case 'json':
      return jsonReport(report);
    case 'html':
      return htmlReport(report);
    case 'table':
      return `${renderTable(report.results).join('\n')}\n`;
  }
}

/** The table, then each failing row whole (the table clips long cells, the difference must be visible). */
function renderTable(rows: readonly ConformanceRow[]): string[] {
  const failing = rows
    .filter((r) => !r.pass)
    .map((row) => `FAIL ${row.scenario}\n  expected: ${row.expected}\n  observed: ${row.observed}`);
  return [...formatTable(rows), ...failing];
}

/** The options as commander reads them (camelCase; the repeatable ones as lists). */
interface ParsedOptions {
  mppUrl?: string;
  clientId?: string;
  keys?: string;
  privateKey?: string;
  mppPublicKey?: string;
  keyVersion?: string;
  adminUrl?: string;
  adminToken?: string;
  currency?: string;
  only: string[];
  skip: string[];
  reporter: string[];
  output: string[];
  progress: boolean;
  list?: boolean;
  help?: boolean;
}

/** Reads argv with commander; a usage error throws with commander's message (the caller adds the usage). */
function parseOptions(argv: readonly string[]): ParsedOptions {
  const repeat = (value: string, previous: string[]) => [...previous, value];
  const parser = new Commander('conformance')
    .exitOverride()
    .helpOption(false)
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .allowExcessArguments(false);
  for (const name of ['mpp-url', 'client-id', 'keys', 'private-key', 'mpp-public-key', 'key-version']) {
    parser.option(`--${name} <value>`);
  }
  for (const name of ['admin-url', 'admin-token', 'currency']) parser.option(`--${name} <value>`);
  for (const name of ['only', 'skip', 'reporter', 'output'])
    parser.option(`--${name} <value>`, '', repeat, []);
  parser.option('--no-progress').option('--list').option('-h, --help');
  parser.parse([...argv], { from: 'user' });
  return parser.opts<ParsedOptions>();
}

async function commandFrom(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<Command> {
  const values = parseOptions(argv);
  if (values.help === true) return { kind: 'help' };
  if (values.list === true) return { kind: 'list' };
  const only = splitSelectors(values.only, SCENARIOS);
  const skip = splitSelectors(values.skip, SCENARIOS);
  chosenScenarios({ only, skip });
  const reports = reportTargets(values.reporter, values.output);
  const options = await connectionOptions(values, env);
  return { kind: 'run', options: { ...options, only, skip }, reports, progress: values.progress };
}

/** Pairs reporters with outputs in order; the table on stdout when no reporter is named. */
export function reportTargets(reporters: readonly string[], outputs: readonly string[]): ReportTarget[] {
  if (outputs.length > Math.max(reporters.length, 1)) throw new Error('more --output than --reporter');
  const names = reporters.length === 0 ? ['table'] : reporters;
  const targets = names.map((name, i): ReportTarget => {
    if (!(REPORTER_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown reporter ${name}; use one of ${REPORTER_NAMES.join(', ')}`);
    }
    const output = outputs[i];
    return { reporter: name as ReporterName, ...(output === undefined ? {} : { output }) };
  });
  if (targets.filter((t) => t.output === undefined).length > 1) {
    throw new Error('only one reporter can write to stdout; give the others an --output file');
  }
  return targets;
}

async function connectionOptions(
  values: ParsedOptions,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ConformanceOptions> {
  const { mppUrl, clientId, keys } = values;
  if (mppUrl === undefined || clientId === undefined)
    throw new Error('--mpp-url and --client-id are required');
  const privatePath =
    values.privateKey ?? (keys === undefined ? undefined : keyFilePaths(keys, 'alipayplus').privatePath);
  const publicPath =
    values.mppPublicKey ?? (keys === undefined ? undefined : keyFilePaths(keys, 'mpp').publicPath);
  if (privatePath === undefined || publicPath === undefined)
    throw new Error('give --keys DIR or --private-key and --mpp-public-key');
  const adminToken = values.adminToken ?? env.TAPKIT_ADMIN_TOKEN;
  const { adminUrl, currency } = values;
  return {
    mppUrl,
    clientId,
    alipayPlusPrivateKey: await readFile(privatePath, 'utf8'),
    mppPublicKey: await readFile(publicPath, 'utf8'),
    keyVersion: values.keyVersion ?? '1',
    ...(adminUrl === undefined ? {} : { adminUrl }),
    ...(adminToken === undefined ? {} : { adminToken }),
    ...(currency === undefined ? {} : { currency }),
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
