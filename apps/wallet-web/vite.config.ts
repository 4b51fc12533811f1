import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// Three pages, one bundle graph: the wallet app (index.html, the card), the POS terminal (pos.html, the
// reader) and the operations view (ops.html). The workspace packages are resolved from their TypeScript
// source through the @tapkit/source export condition (no package build needed); only their browser-safe entry points are imported, and the
// plugin below fails the build if a node: module is reached anyway.
const root = fileURLToPath(new URL('.', import.meta.url));
const page = (name: string) => fileURLToPath(new URL(name, import.meta.url));

/** (tapkit) `vite dev` forwards the system endpoints to a running `tapkit up` (default web port 4000). */
const devTarget = process.env.TAPKIT_WEB_URL ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root,
  base: './',
  resolve: { conditions: ['@tapkit/source', ...defaultClientConditions] },
  plugins: [
    react(),
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
});
