// The repository explains itself: no source, test, script or document may point at a document outside
// it (the specs this project was built from are not part of a clone), and every relative link of a
// Markdown file, and every `docs/<page>.md#<section>` a comment names, must lead to an existing file and
// heading. Run by `npm test`; exits 1 with one line per problem.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const self = relative(root, new URL(import.meta.url).pathname);

/** Folders never scanned: installs, build output, generated reference, local data and reports. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  'dist',
  '.git',
  'data',
  'coverage',
  'test-results',
  'test-artifacts',
  '.vite',
]);
const SKIPPED_PATHS = new Set(['docs/api', 'bench/results', 'package-lock.json']);
const SCANNED = /\.(ts|tsx|mjs|cjs|js|json|md|ya?ml|html|css|sh)$|(^|\/)(Dockerfile|run)$/;
/** A guard against a runaway walk (a symlink loop, a huge checkout): far above today's file count. */
const FILES_MAX = 20_000;

// The outside documents, spelled in pieces so this file does not match itself by accident.
const OUTSIDE_NAMES = ['SDK', 'SYSTEM', 'ALIPAYPLUS_API', 'MASTERCARD_EMV', 'STYLE'].map((n) => `${n}.md`);
const OUTSIDE = [
  new RegExp(`\\b(${OUTSIDE_NAMES.map((n) => n.replace('.', '\\.')).join('|')})\\b`),
  new RegExp(['shared', '(spec|vectors)'].join('/')),
  new RegExp(['', 'work', 'shared'].join('/')),
];

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(root, path).split(sep).join('/');
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name) && !SKIPPED_PATHS.has(rel)) walk(path, out);
    } else if (entry.isFile() && SCANNED.test(rel) && !SKIPPED_PATHS.has(rel)) {
      if (out.length >= FILES_MAX) throw new Error(`check-docs: more than ${FILES_MAX} files to scan`);
      out.push(rel);
    }
  }
  return out;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown) {
  const anchors = new Set();
  const seen = new Map();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = heading[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

const anchorCache = new Map();
function hasAnchor(file, anchor) {
  if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(readFileSync(join(root, file), 'utf8')));
  return anchorCache.get(file).has(anchor);
}

/** Checks one target (a repository-relative path with an optional #anchor); returns a problem or null. */
function checkTarget(target) {
  const [path, anchor] = target.split('#');
  const file = path === '' ? null : path;
  if (file === null || file.startsWith('..') || !existsSync(join(root, file))) {
    return `${path} does not exist in the repository`;
  }
  if (anchor === undefined || anchor === '') return null;
  if (statSync(join(root, file)).isDirectory() || !file.endsWith('.md'))
    return `#${anchor} on a non-Markdown target`;
  return hasAnchor(file, anchor) ? null : `${file} has no heading for #${anchor}`;
}

function markdownLinks(file, text, problems) {
  // Inline links and images, outside fenced code: [text](target) with an optional "title".
  const unfenced = text.replace(/```[\s\S]*?```/g, '');
  for (const match of unfenced.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    const target = match[1];
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, ...
    const [path, anchor] = target.split('#');
    const linked =
      path === ''
        ? file
        : relative(root, resolve(root, dirname(file), path))
            .split(sep)
            .join('/');
    const resolved = anchor === undefined ? linked : `${linked}#${anchor}`;
    const problem = checkTarget(resolved);
    if (problem !== null) problems.push(`${file}: link ${target}: ${problem}`);
  }
}

function docPointers(file, text, problems) {
  // A mention of a docs page anywhere (comments, READMEs): `docs/<path>.md` with an optional #section.
  for (const match of text.matchAll(/(?<![\w/.-])docs\/[\w/.-]+\.md(#[\w-]+)?/g)) {
    const problem = checkTarget(match[0]);
    if (problem !== null) problems.push(`${file}: ${match[0]}: ${problem}`);
  }
}

const problems = [];
const files = walk(root, []);
for (const file of files) {
  if (file === self) continue;
  const text = readFileSync(join(root, file), 'utf8');
  text.split('\n').forEach((line, index) => {
    if (OUTSIDE.some((pattern) => pattern.test(line))) {
      problems.push(`${file}:${index + 1}: points outside the repository: ${line.trim().slice(0, 120)}`);
    }
  });
  if (file.endsWith('.md')) markdownLinks(file, text, problems);
  docPointers(file, text, problems);
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`check-docs: ${problems.length} problem(s) in ${files.length} files`);
  process.exitCode = 1;
} else {
  console.log(`check-docs: ${files.length} files, no outside references, every docs link resolves`);
}
