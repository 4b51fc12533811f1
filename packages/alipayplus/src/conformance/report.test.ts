import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  type ConformanceReport,
  countsOf,
  htmlReport,
  JSON_REPORT_SCHEMA_VERSION,
  jsonReport,
  junitReport,
  redactUrl,
  type ScenarioResult,
  xmlAttribute,
} from './report.ts';

const tricky = `a <b> & "c" 'd'\nsecond line\ttab`;
const result = (over: Partial<ScenarioResult>): ScenarioResult => ({
  id: 'pay-success',
  scenario: 'pay: success',
  expected: 'S SUCCESS; Δ -1000',
  observed: 'S SUCCESS; Δ -1000',
  pass: true,
  durationMs: 1234,
  ...over,
});
const report: ConformanceReport = {
  target: { mppUrl: 'https://user:secret@mpp.example:8443/base', clientId: 'CLIENT_1', currency: 'HKD' },
  startedAtMs: Date.UTC(2026, 11, 3, 14, 0, 0),
  finishedAtMs: Date.UTC(2026, 11, 3, 14, 0, 12, 500),
  results: [
    result({}),
    result({
      id: 'refund',
      scenario: `refund ${tricky}`,
      observed: `F X; ${tricky}\u0001\uFFFF`,
      pass: false,
    }),
    result({ id: 'crash', scenario: 'crash', observed: 'error: boom <x>', pass: false, error: 'boom <x>' }),
  ],
  skipped: [{ id: 'signature-missing', name: 'signature: missing' }],
};

interface Case {
  name: string;
  time: string;
  failure?: { message: string; type: string; '#text': string };
  error?: { message: string; '#text': string };
  skipped?: { message: string };
}

function parseJunit(xml: string) {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    htmlEntities: true,
    isArray: (name) => name === 'testcase' || name === 'property',
  });
  return parser.parse(xml) as {
    testsuites: {
      tests: string;
      failures: string;
      testsuite: {
        tests: string;
        failures: string;
        errors: string;
        skipped: string;
        time: string;
        timestamp: string;
        properties: { property: { name: string; value: string }[] };
        testcase: Case[];
      };
    };
  };
}

describe('junitReport', () => {
  const xml = junitReport(report);

  it('is well-formed XML (strict validator)', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
  });

  it('has the testsuites / testsuite / testcase shape with the counts CI systems read', () => {
    const { testsuites } = parseJunit(xml);
    const suite = testsuites.testsuite;
    expect([testsuites.tests, testsuites.failures]).toEqual(['4', '1']);
    expect([suite.tests, suite.failures, suite.errors, suite.skipped]).toEqual(['4', '1', '1', '1']);
    expect(suite.time).toBe('12.500');
    expect(suite.timestamp).toBe('2026-12-03T14:00:00');
    expect(suite.testcase.map((c) => c.name)).toEqual([
      'pay: success',
      `refund ${tricky}`,
      'crash',
      'signature: missing',
    ]);
    expect(suite.testcase[0]?.time).toBe('1.234');
    expect(suite.testcase[0]?.failure).toBeUndefined();
    expect(suite.testcase[3]?.skipped?.message).toMatch(/not selected/);
  });

  it('keeps every character of a failure, escaped, and makes invalid ones visible', () => {
    const failed = parseJunit(xml).testsuites.testsuite.testcase[1];
    expect(failed?.failure?.type).toBe('mismatch');
    expect(failed?.failure?.message).toBe(
      `expected S SUCCESS; Δ -1000; observed F X; ${tricky}\\u{1}\\u{FFFF}`,
    );
    expect(failed?.failure?.['#text']).toBe(
      `expected: S SUCCESS; Δ -1000\nobserved: F X; ${tricky}\\u{1}\\u{FFFF}`,
    );
    const crashed = parseJunit(xml).testsuites.testsuite.testcase[2];
    expect(crashed?.error?.message).toBe('boom <x>');
    expect(crashed?.failure).toBeUndefined();
  });

  it('never reports the credentials of a URL', () => {
    const properties = parseJunit(xml).testsuites.testsuite.properties.property;
    expect(properties.find((p) => p.name === 'mppUrl')?.value).toBe('https://mpp.example:8443/base');
    expect(xml).not.toContain('secret');
    expect(redactUrl('not a url //u:p@host')).toBe('not a url //host');
  });

  it('escapes attributes completely', () => {
    expect(xmlAttribute(`<&>"'\n\r\t`)).toBe('&lt;&amp;&gt;&quot;&apos;&#10;&#13;&#9;');
  });
});

describe('jsonReport', () => {
  it('is versioned JSON with a summary and one entry per scenario', () => {
    const parsed = JSON.parse(jsonReport(report));
    expect(parsed.schemaVersion).toBe(JSON_REPORT_SCHEMA_VERSION);
    expect(parsed.summary).toEqual({ total: 4, passed: 1, failed: 1, errors: 1, skipped: 1 });
    expect(parsed.scenarios.map((s: { status: string }) => s.status)).toEqual(['passed', 'failed', 'error']);
    expect(parsed.scenarios[1].observed).toBe(report.results[1]?.observed);
    expect(parsed.durationMs).toBe(12_500);
    expect(parsed.target.mppUrl).toBe('https://mpp.example:8443/base');
    expect(parsed.skipped).toEqual(report.skipped);
  });
});

describe('htmlReport', () => {
  it('escapes every text and names the verdict', () => {
    const page = htmlReport(report);
    expect(page).toContain('2 FAILED');
    expect(page).not.toContain('<b>');
    expect(page).toContain('&#60;b&#62; &#38; &#34;c&#34; &#39;d&#39;');
    expect(page).not.toMatch(/<script|secret/);
  });

  it('says all passed when they did', () => {
    const page = htmlReport({ ...report, results: [result({})], skipped: [] });
    expect(page).toContain('all selected scenarios passed');
    expect(countsOf({ ...report, results: [result({})], skipped: [] }).failed).toBe(0);
  });
});
