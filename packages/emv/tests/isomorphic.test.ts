import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asciiToBytes, bytesToAscii } from '../src/bytes.ts';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
const nodeAdapter = 'adapters/node-crypto.ts';

function sourceFiles(dir: string, depth = 0): string[] {
  if (depth > 5) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path, depth + 1);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('isomorphic package', () => {
  it('imports node: modules and uses Buffer only in the node-crypto adapter', () => {
    const offenders = sourceFiles(srcDir)
      .map((path) => relative(srcDir, path))
      .filter((path) => path !== nodeAdapter)
      .filter((path) =>
        /from ['"]node:|\bBuffer\b|\bprocess\./.test(readFileSync(join(srcDir, path), 'utf8')),
      );
    expect(offenders).toEqual([]);
  });

  it('the public index does not pull in the node adapter', () => {
    expect(readFileSync(join(srcDir, 'index.ts'), 'utf8')).not.toMatch(/from ['"][^'"]*node-crypto/);
  });

  it('maps every byte to one character and back', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(asciiToBytes(bytesToAscii(all))).toEqual(all);
  });
});
