import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkJsonBounds, JSON_DEPTH_MAX } from './json-bounds.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('checkJsonBounds', () => {
  it('refuses nesting past the depth bound, arrays and objects alike', () => {
    const deep = (n: number) => `{"a":${'['.repeat(n)}${']'.repeat(n)}}`;
    expect(checkJsonBounds(bytes(deep(JSON_DEPTH_MAX - 1)))).toEqual({ ok: true });
    expect(checkJsonBounds(bytes(deep(JSON_DEPTH_MAX)))).toMatchObject({ ok: false });
    expect(checkJsonBounds(bytes(deep(20_000)))).toEqual({
      ok: false,
      reason: `nesting is deeper than ${JSON_DEPTH_MAX} levels`,
    });
    expect(checkJsonBounds(bytes(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`))).toMatchObject({ ok: false });
  });

  it('does not count brackets, quotes or escapes inside strings', () => {
    const text = JSON.stringify({ a: '[[[[{{{{\\"]]]"'.repeat(20) });
    expect(checkJsonBounds(bytes(text), { depthMax: 2 })).toEqual({ ok: true });
  });

  it('counts decoded characters: escapes and multi-byte characters are one each', () => {
    expect(checkJsonBounds(bytes(JSON.stringify({ s: '香'.repeat(10) })), { stringCharsMax: 10 })).toEqual({
      ok: true,
    });
    expect(checkJsonBounds(bytes('{"s":"\\u0041\\n\\"abcdefg"}'), { stringCharsMax: 10 })).toEqual({
      ok: true,
    });
    expect(checkJsonBounds(bytes(JSON.stringify({ s: 'x'.repeat(11) })), { stringCharsMax: 10 })).toEqual({
      ok: false,
      reason: 'a string is longer than 10 characters',
    });
  });

  it('agrees with a reference depth for any JSON value', () => {
    const depthOf = (value: unknown): number =>
      typeof value === 'object' && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 1, max: 6 }), (value, depthMax) => {
        const verdict = checkJsonBounds(bytes(JSON.stringify(value)), { depthMax, stringCharsMax: 1e9 });
        expect(verdict.ok).toBe(depthOf(value) <= depthMax);
      }),
    );
  });
});
