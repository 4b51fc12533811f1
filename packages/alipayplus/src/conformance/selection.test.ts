import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './scenarios.ts';
import { assertUniqueIds, scenarioId, selectScenarios, splitSelectors } from './selection.ts';

const suite = [
  { name: 'pay: success debits once' },
  { name: 'cancel a successful payment, twice' },
  { name: 'signature: missing' },
  { name: 'signature: forged (another key)' },
];
const names = (result: ReturnType<typeof selectScenarios<{ name: string }>>) =>
  result.ok ? result.value.chosen.map((s) => s.name) : result.error.message;

describe('scenario selection', () => {
  it('gives every scenario of the suite a distinct shell-friendly id', () => {
    expect(() => assertUniqueIds(SCENARIOS)).not.toThrow();
    for (const scenario of SCENARIOS) expect(scenarioId(scenario.name)).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(scenarioId('malformed: "" for an optional field')).toBe('malformed-for-an-optional-field');
    expect(() => assertUniqueIds([{ name: 'a b' }, { name: 'a: b' }])).toThrow(/share the id a-b/);
  });

  it('selects by id, by full name and by prefix, in suite order', () => {
    expect(names(selectScenarios(suite, ['signature-missing', 'pay: success debits once'], []))).toEqual([
      'pay: success debits once',
      'signature: missing',
    ]);
    expect(names(selectScenarios(suite, ['signature-*'], ['signature-missing']))).toEqual([
      'signature: forged (another key)',
    ]);
    expect(names(selectScenarios(suite, [], []))).toEqual(suite.map((s) => s.name));
    const skipped = selectScenarios(suite, [], ['pay-success-debits-once']);
    expect(skipped.ok && skipped.value.skipped.map((s) => s.name)).toEqual(['pay: success debits once']);
  });

  it('refuses a name that matches nothing and lists the known ids', () => {
    const result = selectScenarios(suite, ['pay-succes'], ['nothing-*']);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.unknown).toEqual(['pay-succes', 'nothing-*']);
    expect(result.error.message).toContain('unknown scenario: pay-succes, nothing-*');
    expect(result.error.message).toContain('  cancel-a-successful-payment-twice');
  });

  it('splits comma-separated and repeated values, keeping a whole name that has a comma', () => {
    expect(
      splitSelectors(
        ['pay-success-debits-once, signature-missing', 'cancel a successful payment, twice'],
        suite,
      ),
    ).toEqual(['pay-success-debits-once', 'signature-missing', 'cancel a successful payment, twice']);
  });
});
