// Benchmark dispatcher: `npm run bench -- <name> [options]`. Each benchmark lives in bench/<name>.ts and
// exports `run(argv)`, which prints its figures and writes bench/results/<name>.json.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.startsWith('_'))
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();

const [name, ...rest] = process.argv.slice(2);
if (name === undefined || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [options]`);
  process.exit(name === undefined ? 0 : 2);
}
const module = (await import(join(here, `${name}.ts`))) as { run(argv: string[]): Promise<unknown> };
await module.run(rest);
