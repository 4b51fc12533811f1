import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebServer, PAGE_CONTENT_SECURITY_POLICY } from './web.ts';

// The pages of `tapkit up` carry a strict Content-Security-Policy (and nosniff); the pages as Vite builds
// them (module scripts and style sheets from the same origin) stay within it.

describe('web server pages', () => {
  let dir: string;
  let app: ReturnType<typeof buildWebServer>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tapkit-web-'));
    await mkdir(join(dir, 'assets'));
    await writeFile(
      join(dir, 'index.html'),
      '<!doctype html><html><head><link rel="icon" href="data:,"><script type="module" crossorigin src="/assets/index.js"></script><link rel="stylesheet" href="/assets/index.css"></head><body><div id="root"></div></body></html>',
    );
    await writeFile(join(dir, 'assets', 'index.js'), 'console.log(1)');
    app = buildWebServer({
      distDir: dir,
      gateway: { handle: async () => ({ ok: false }) } as never,
      mppUrl: 'http://127.0.0.1:9',
      clock: { nowMs: () => 0, advanceMs: async () => undefined } as never,
      info: () => ({}),
      closeDay: async () => ({}) as never,
      present: async () => ({ ok: true }),
      timeline: async () => undefined,
      fastify: { logger: false },
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends a strict CSP and nosniff with the pages and their assets', async () => {
    for (const url of ['/', '/index.html', '/assets/index.js']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-security-policy']).toBe(PAGE_CONTENT_SECURITY_POLICY);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
    expect(PAGE_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(PAGE_CONTENT_SECURITY_POLICY).not.toContain('unsafe');
  });
});
