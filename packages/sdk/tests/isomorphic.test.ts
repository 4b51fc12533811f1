// The SDK core must run in browsers and React Native: nothing reachable from the public index may import
// node:* modules (only src/node.ts and src/adapters/node-*.ts may), read the wall clock or roll dice
// outside the platform adapter.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(dir: string, depth = 0): string[] {
  if (depth > 5) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path, depth + 1);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const isNodeOnly = (path: string) => path === 'node.ts' || /^adapters\/node-/.test(path);

describe('isomorphic SDK core', () => {
  const files = sourceFiles(srcDir).map((path) => relative(srcDir, path));

  it('imports node: modules, Buffer and process only in the Node adapters', () => {
    const offenders = files
      .filter((path) => !isNodeOnly(path))
      .filter((path) =>
        /from ['"]node:|\bBuffer\b|\bprocess\./.test(readFileSync(join(srcDir, path), 'utf8')),
      );
    expect(offenders).toEqual([]);
  });

  it('imports other packages only through their isomorphic entry points', () => {
    const allowed = new Set([
      '@tapkit/emv',
      '@tapkit/protocol/concurrency',
      '@tapkit/protocol/wire/token-service',
      '@tapkit/protocol/wire/ant-sdk',
      'zod',
    ]);
    const offenders = files
      .filter((path) => !isNodeOnly(path))
      .flatMap((path) =>
        [...readFileSync(join(srcDir, path), 'utf8').matchAll(/from '([^.'][^']*)'/g)]
          .map((match) => match[1] ?? '')
          .filter((specifier) => !allowed.has(specifier))
          .map((specifier) => `${path}: ${specifier}`),
      );
    expect(offenders).toEqual([]);
  });

  it('reads the wall clock and randomness only in the platform adapter', () => {
    const offenders = files
      .filter((path) => path !== 'adapters/platform.ts' && !isNodeOnly(path))
      .filter((path) =>
        /Date\.now|Math\.random|getRandomValues/.test(readFileSync(join(srcDir, path), 'utf8')),
      );
    expect(offenders).toEqual([]);
  });
});
