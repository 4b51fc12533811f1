import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// Three pages, one bundle graph: the wallet app (index.html, the card), the POS terminal (pos.html, the
// reader) and the operations view (ops.html). `vite dev` resolves the workspace packages from their
// TypeScript source through the @tapkit/source export condition (no package build needed); `vite build`
// (in `npm run build`, after `tsc -b`) uses their published entries in dist, as a wallet's own build of
// @tapkit/sdk would. Only browser-safe entry points are imported; the plugins below fail the build if a
// node: module or a package's src is reached anyway.
const root = fileURLToPath(new URL('.', import.meta.url));
const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/** (tapkit) `vite dev` forwards the system endpoints to a running `tapkit up` (default web port 4000). */
const devTarget = process.env.TAPKIT_WEB_URL ?? 'http://127.0.0.1:4000';

/** A workspace package's TypeScript source: allowed in `vite dev`, never in the production bundle. */
const packageSource = /\/packages\/[^/]+\/src\//;

export default defineConfig(({ command }) => ({
  root,
  base: './',
  resolve: {
    conditions:
      command === 'build' ? [...defaultClientConditions] : ['@tapkit/source', ...defaultClientConditions],
  },
  plugins: [
    react(),
    {
      name: 'tapkit-built-packages-only',
      apply: 'build',
      load(id) {
        if (packageSource.test(id)) {
          throw new Error(`${id}: the production bundle must use the packages' built dist entries`);
        }
        return null;
      },
    },
    {
      name: 'tapkit-no-node-modules-in-browser',
      enforce: 'pre',
      // The browser bundle only; vitest runs the unit tests in Node, where node: is fine.
      apply: 'build',
      resolveId(source, importer) {
        if (source.startsWith('node:')) {
          throw new Error(`${importer ?? '?'} imports ${source}: not allowed in the browser bundle`);
        }
        return null;
      },
    },
  ],
  build: {
    outDir: fileURLToPath(new URL('dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: { wallet: page('index.html'), pos: page('pos.html'), ops: page('ops.html') },
    },
  },
  server: {
    proxy: {
      '/system': devTarget,
      '/acquirer': devTarget,
      '/mpp': devTarget,
    },
  },
}));
