// The reports of a conformance run, as pure functions of the run's results: JUnit XML (what CI systems
// read: testsuites / testsuite / testcase / failure), JSON (for scripts, with a schemaVersion), and a
// self-contained HTML page (for people). None of them carries a key or the admin token.

import type { ConformanceRow } from './scenarios.ts';

export interface ScenarioResult extends ConformanceRow {
  /** The scenario's id (see selection.ts), stable for --only / --skip and CI history. */
  readonly id: string;
  readonly durationMs: number;
  /** Set when the scenario threw instead of finishing: it is an error, not a mismatch. */
  readonly error?: string;
}

export interface ConformanceReport {
  /** Where the run went; a URL's user and password are never reported. */
  readonly target: { readonly mppUrl: string; readonly clientId: string; readonly currency: string };
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
  readonly results: readonly ScenarioResult[];
  /** Scenarios left out by --only / --skip. */
  readonly skipped: readonly { readonly id: string; readonly name: string }[];
}

export const REPORTER_NAMES = ['table', 'junit', 'json', 'html'] as const;
export type ReporterName = (typeof REPORTER_NAMES)[number];

/** The JSON report's shape version; raised when a field changes meaning or goes away. */
export const JSON_REPORT_SCHEMA_VERSION = 1;
const suiteName = 'tapkit conformance';

export interface ReportCounts {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly skipped: number;
}

export function countsOf(report: ConformanceReport): ReportCounts {
  const errors = report.results.filter((r) => !r.pass && r.error !== undefined).length;
  const failed = report.results.filter((r) => !r.pass && r.error === undefined).length;
  return {
    total: report.results.length + report.skipped.length,
    passed: report.results.filter((r) => r.pass).length,
    failed,
    errors,
    skipped: report.skipped.length,
  };
}

/** The URL without user or password, which may be credentials. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

// XML 1.0 allows tab, newline, carriage return and the ranges below; anything else (other control
// characters, lone surrogates, U+FFFE/U+FFFF) cannot appear even escaped, so it is written as \u{...} text.
const xmlInvalid = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const visible = (text: string) =>
  text.replace(xmlInvalid, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`);

export function xmlText(text: string): string {
  return visible(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values also keep their quotes and line breaks (a parser would normalize a raw newline). */
export function xmlAttribute(text: string): string {
  return xmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;')
    .replace(/\t/g, '&#9;');
}

const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

function testcase(result: ScenarioResult): string {
  const head = `    <testcase classname="tapkit.conformance" name="${xmlAttribute(result.scenario)}" time="${seconds(result.durationMs)}"`;
  if (result.pass) return `${head}/>`;
  const detail = `expected: ${result.expected}\nobserved: ${result.observed}`;
  const [tag, type, message] =
    result.error === undefined
      ? ['failure', 'mismatch', `expected ${result.expected}; observed ${result.observed}`]
      : ['error', 'scenario-error', result.error];
  return `${head}>\n      <${tag} message="${xmlAttribute(message)}" type="${type}">${xmlText(detail)}</${tag}>\n    </testcase>`;
}

/** JUnit XML in the shape Jenkins, GitLab, GitHub Actions reporters and Azure read. */
export function junitReport(report: ConformanceReport): string {
  const c = countsOf(report);
  const time = seconds(report.finishedAtMs - report.startedAtMs);
  const counts = `tests="${c.total}" failures="${c.failed}" errors="${c.errors}" skipped="${c.skipped}" time="${time}"`;
  // The JUnit schema's timestamp is a local date-time without a zone; UTC is what we write.
  const timestamp = new Date(report.startedAtMs).toISOString().slice(0, 19);
  const properties = [
    ['mppUrl', redactUrl(report.target.mppUrl)],
    ['clientId', report.target.clientId],
    ['currency', report.target.currency],
  ].map(([name, value]) => `      <property name="${name}" value="${xmlAttribute(value ?? '')}"/>`);
  const skipped = report.skipped.map(
    (s) =>
      `    <testcase classname="tapkit.conformance" name="${xmlAttribute(s.name)}" time="0.000">\n` +
      '      <skipped message="not selected (--only / --skip)"/>\n    </testcase>',
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${suiteName}" ${counts}>`,
    `  <testsuite name="${suiteName}" ${counts} timestamp="${timestamp}">`,
    `    <properties>\n${properties.join('\n')}\n    </properties>`,
    ...report.results.map(testcase),
    ...skipped,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function jsonReport(report: ConformanceReport): string {
  const body = {
    schemaVersion: JSON_REPORT_SCHEMA_VERSION,
    tool: suiteName,
    target: { ...report.target, mppUrl: redactUrl(report.target.mppUrl) },
    startedAt: new Date(report.startedAtMs).toISOString(),
    finishedAt: new Date(report.finishedAtMs).toISOString(),
    durationMs: report.finishedAtMs - report.startedAtMs,
    summary: countsOf(report),
    scenarios: report.results.map((r) => ({
      id: r.id,
      name: r.scenario,
      status: r.pass ? 'passed' : r.error === undefined ? 'failed' : 'error',
      expected: r.expected,
      observed: r.observed,
      durationMs: r.durationMs,
      ...(r.error === undefined ? {} : { error: r.error }),
    })),
    skipped: report.skipped,
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

const html = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function htmlReport(report: ConformanceReport): string {
  const c = countsOf(report);
  const rows = report.results.map((r) => {
    const status = r.pass ? 'PASS' : r.error === undefined ? 'FAIL' : 'ERROR';
    return (
      `<tr class="${r.pass ? 'pass' : 'fail'}"><td>${html(r.scenario)}<br><small>${html(r.id)}</small></td>` +
      `<td>${html(r.expected)}</td><td>${html(r.observed)}</td><td>${status}</td><td>${seconds(r.durationMs)} s</td></tr>`
    );
  });
  const skipped = report.skipped.map(
    (s) =>
      `<tr class="skip"><td>${html(s.name)}<br><small>${html(s.id)}</small></td><td colspan="4">skipped</td></tr>`,
  );
  const verdict =
    c.failed + c.errors === 0 ? 'all selected scenarios passed' : `${c.failed + c.errors} FAILED`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${suiteName}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:1rem 2rem;color:#1d232a}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #d8dce1;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f4f5f7}
.pass td:nth-child(4){color:#166534;font-weight:600}.fail{background:#fef2f2}.fail td:nth-child(4){color:#b91c1c;font-weight:700}
.skip{color:#6b7280}small{color:#6b7280}</style></head><body>
<h1>${suiteName}: ${html(verdict)}</h1>
<p>${html(redactUrl(report.target.mppUrl))} as Client-Id ${html(report.target.clientId)}, ${html(report.target.currency)};
started ${html(new Date(report.startedAtMs).toISOString())}, ${seconds(report.finishedAtMs - report.startedAtMs)} s.
${c.passed} passed, ${c.failed} failed, ${c.errors} errors, ${c.skipped} skipped.</p>
<table><thead><tr><th>scenario</th><th>expected</th><th>observed</th><th>result</th><th>time</th></tr></thead>
<tbody>${[...rows, ...skipped].join('\n')}</tbody></table></body></html>
`;
}
