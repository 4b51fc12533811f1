import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import manifest from '../package.json' with { type: 'json' };

// The terminal runs in the browser: nothing reachable from src/index.ts may import node:* (or a
// package whose entry point does, like @tapkit/protocol).

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));

/** Files reachable from `entry` through relative imports; bounded by the package size. */
function reachable(entry: string): Map<string, string> {
  const seen = new Map<string, string>();
  const queue = [entry];
  for (let steps = 0; queue.length > 0 && steps < 500; steps++) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    seen.set(file, text);
    for (const match of text.matchAll(/from '(\.[^']+)'/g)) queue.push(join(dirname(file), match[1]!));
  }
  return seen;
}

describe('isomorphic terminal', () => {
  it('reaches no node: module and no @tapkit/protocol from the public index', () => {
    const files = reachable(join(srcDir, 'index.ts'));
    expect(files.size).toBeGreaterThan(20);
    const offenders = [...files]
      .filter(
        ([, text]) =>
          /from ['"](node:|@tapkit\/protocol)/.test(text) ||
          /\bBuffer\b|(?<![\w-])process\.(?!ts\b)/.test(text),
      )
      .map(([file]) => relative(srcDir, file));
    expect(offenders).toEqual([]);
  });

  it('exposes the TCP client under the "./node" entry point only', () => {
    expect(manifest.exports['./node']['@tapkit/source']).toBe('./src/adapters/node-tcp.ts');
    expect(reachable(join(srcDir, 'index.ts')).has(join(srcDir, 'adapters/node-tcp.ts'))).toBe(false);
  });
});
