// publint and @arethetypeswrong/cli on the five production packages, after `npm run build` (.ci/run).
// Exits non-zero if either tool reports a problem for any package.
import { spawnSync } from 'node:child_process';

const PRODUCTION_PACKAGES = ['protocol', 'emv', 'storage', 'mpp-server', 'sdk'];

let failures = 0;
for (const name of PRODUCTION_PACKAGES) {
  const dir = `packages/${name}`;
  for (const [tool, args] of [
    ['publint', ['publint', dir, '--strict']],
    // ESM only: no require() entry, so the CommonJS and node10 resolution modes are out of scope.
    ['attw', ['attw', '--pack', dir, '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    console.log(`== ${tool} @tapkit/${name}`);
    const result = spawnSync('npx', ['--no-install', ...args], { stdio: 'inherit' });
    if (result.status !== 0) failures += 1;
  }
}
if (failures > 0) {
  console.error(`check:packages: ${failures} check(s) failed`);
  process.exit(1);
}
console.log('check:packages: publint and attw pass on every production package');
