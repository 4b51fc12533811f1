// Choosing scenarios by name for `--only` / `--skip`. A scenario's id is its name in lower case with every
// run of other characters turned into one "-" ("pay: success debits once" -> "pay-success-debits-once"), so
// it can be typed in a shell and used in a CI file; the full name is accepted too. A selector that names
// nothing is an error (a typo must not silently run zero scenarios); "prefix-*" selects every id with that
// prefix.

import { AssertionError } from '@tapkit/protocol';

export interface Named {
  readonly name: string;
}

export const scenarioId = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/** Splits repeated and comma-separated values; a value that is a whole scenario name stays whole. */
export function splitSelectors(values: readonly string[], scenarios: readonly Named[]): string[] {
  const names = new Set(scenarios.map((s) => s.name));
  return values.flatMap((value) =>
    names.has(value)
      ? [value]
      : value
          .split(',')
          .map((part) => part.trim())
          .filter((part) => part !== ''),
  );
}

export interface Selection<S extends Named> {
  readonly chosen: readonly S[];
  /** Scenarios left out by --only / --skip, in suite order. */
  readonly skipped: readonly S[];
}

export type SelectionResult<S extends Named> =
  | { readonly ok: true; readonly value: Selection<S> }
  | { readonly ok: false; readonly error: { readonly unknown: readonly string[]; readonly message: string } };

function matches(selector: string, scenario: Named): boolean {
  if (selector === scenario.name) return true;
  const id = scenarioId(scenario.name);
  return selector.endsWith('*') ? id.startsWith(selector.slice(0, -1)) : selector === id;
}

/** The scenarios `only` names (all when it is empty), less those `skip` names, in suite order. */
export function selectScenarios<S extends Named>(
  scenarios: readonly S[],
  only: readonly string[],
  skip: readonly string[],
): SelectionResult<S> {
  assertUniqueIds(scenarios);
  const unknown = [...only, ...skip].filter((selector) => !scenarios.some((s) => matches(selector, s)));
  if (unknown.length > 0) {
    const known = scenarios.map((s) => `  ${scenarioId(s.name)}`).join('\n');
    return {
      ok: false,
      error: { unknown, message: `unknown scenario: ${unknown.join(', ')}\nknown scenarios:\n${known}` },
    };
  }
  const selected = (s: S) =>
    (only.length === 0 || only.some((selector) => matches(selector, s))) &&
    !skip.some((selector) => matches(selector, s));
  return {
    ok: true,
    value: { chosen: scenarios.filter(selected), skipped: scenarios.filter((s) => !selected(s)) },
  };
}

/** Two scenarios with one id could not be told apart on the command line or in a CI report. */
export function assertUniqueIds(scenarios: readonly Named[]): void {
  const seen = new Map<string, string>();
  for (const { name } of scenarios) {
    const id = scenarioId(name);
    const other = seen.get(id);
    if (other !== undefined)
      throw new AssertionError(`scenarios "${other}" and "${name}" share the id ${id}`);
    seen.set(id, name);
  }
}
