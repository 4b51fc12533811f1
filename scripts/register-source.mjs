// Runs Tapkit from its TypeScript sources in plain Node: tsx compiles .ts, and a resolve hook adds the
// `@tapkit/source` export condition so `@tapkit/*` imports resolve to `src/*.ts` instead of `dist/`.
// The one place Node processes get the condition: `node --import ./scripts/register-source.mjs x.ts`
// (npm run bench, test children) and the cli's bin/tapkit.mjs import it.
import { register } from 'node:module';
import { register as registerTsx } from 'tsx/esm/api';

export const SOURCE_CONDITION = '@tapkit/source';

const hooks = `export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, ${JSON.stringify(SOURCE_CONDITION)}] });
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
registerTsx();
