// Summarizes a V8 .cpuprofile (node --cpu-prof) as self time: the top functions, and the share of each
// place the time went (idle, GC, a dependency, node internals, Tapkit's own code). The benchmarks print it
// when they are asked to profile the server (`--profile <dir>`).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

export interface ProfileSummary {
  readonly file: string;
  readonly samples: number;
  /** Share of samples (0..1) by where the time went. */
  readonly byPlace: Record<string, number>;
  /** The functions with the most self time, share of samples. */
  readonly topFunctions: readonly { readonly name: string; readonly share: number }[];
}

const topFunctionCount = 25;

function placeOf(node: ProfileNode): string {
  const { functionName, url } = node.callFrame;
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'program (native, outside JS)';
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency?.[1] !== undefined) return dependency[1];
  if (url.startsWith('node:')) return 'node internals';
  if (url === '') return `native ${functionName || '(anonymous)'}`;
  if (url.includes('/packages/')) return `tapkit ${/\/packages\/([^/]+)/.exec(url)?.[1] ?? ''}`;
  return 'other';
}

function nameOf(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.split('/').slice(-2).join('/');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

const share = (count: number, total: number) => Math.round((count / total) * 1000) / 1000;

export function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const place = placeOf(node);
    places.set(place, (places.get(place) ?? 0) + 1);
    const name = nameOf(node);
    functions.set(name, (functions.get(name) ?? 0) + 1);
  }
  const total = Math.max(1, profile.samples.length);
  const byPlace = Object.fromEntries(
    [...places.entries()].sort((a, b) => b[1] - a[1]).map(([place, count]) => [place, share(count, total)]),
  );
  const topFunctions = [...functions.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topFunctionCount)
    .map(([name, count]) => ({ name, share: share(count, total) }));
  return { file, samples: profile.samples.length, byPlace, topFunctions };
}

/** The summaries of every .cpuprofile in `dir`. */
export function summarizeProfiles(dir: string): ProfileSummary[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => summarizeProfile(join(dir, name)));
}
