import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebServer, PAGE_CONTENT_SECURITY_POLICY } from './web.ts';

// The pages of `tapkit up` carry a strict Content-Security-Policy (and nosniff); the pages as Vite builds
// them (module scripts and style sheets from the same origin) stay within it.

const timelineOf42 = { networkTraceId: 'T-42', paymentRequestIds: [], entries: [], ledger: [] };
const recent = [
  {
    at: '2026-12-04T10:00:00.000Z',
    networkTraceId: 'T-42',
    rrn: '000000000042',
    mti: '0110',
    kind: 'PURCHASE' as const,
    amountMinor: '000000001234',
    currencyNumeric: '344',
    responseCode: '00',
  },
];

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
      timeline: async (query) => (query.rrn === '000000000042' ? timelineOf42 : undefined),
      recentPayments: (limit) => recent.slice(0, limit),
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

  it('finds a timeline by RRN, says not found in words, and refuses two ids at once', async () => {
    const found = await app.inject({ method: 'GET', url: '/system/v1/timeline?rrn=000000000042' });
    expect(found.statusCode).toBe(200);
    expect(found.json().networkTraceId).toBe('T-42');
    const missing = await app.inject({ method: 'GET', url: '/system/v1/timeline?rrn=000000000043' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ code: 'NOT_FOUND', message: 'no payment has this id' });
    for (const query of ['', 'rrn=1&networkTraceId=2', 'rrn=', 'other=1']) {
      const bad = await app.inject({ method: 'GET', url: `/system/v1/timeline?${query}` });
      expect(bad.statusCode, query).toBe(400);
      expect(bad.json().code).toBe('QUERY_INVALID');
    }
  });

  it('lists recent payments within a bounded limit', async () => {
    const list = await app.inject({ method: 'GET', url: '/system/v1/payments/recent?limit=5' });
    expect(list.json()).toEqual({ payments: recent });
    for (const limit of ['0', '201', 'x']) {
      const bad = await app.inject({ method: 'GET', url: `/system/v1/payments/recent?limit=${limit}` });
      expect(bad.statusCode, limit).toBe(400);
    }
  });
});
