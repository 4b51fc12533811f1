import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '@tapkit/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEB_DIST_DIR, startSystem } from '../src/system.ts';

// startSystem's edges: in-memory databases on a VirtualClock (what tests and the demo can pass), the web
// server's static pages, and a start that fails half way (a port taken) closing what it had started.

const freePorts = { web: 0, mpp: 0, alipayPlus: 0, issuerTcp: 0, tokenService: 0, acquirerTcp: 0 };
const startMs = Date.UTC(2026, 10, 25, 12);
const tcpResources = () => process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;

let tempDir: string | undefined;
afterAll(async () => {
  if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
});

describe('startSystem', () => {
  it('serves apps/wallet-web/dist of this repository by default', () => {
    expect(DEFAULT_WEB_DIST_DIR.endsWith(join('apps', 'wallet-web', 'dist'))).toBe(true);
    expect(existsSync(join(DEFAULT_WEB_DIST_DIR, '..', 'package.json'))).toBe(true);
  });

  it('runs on a VirtualClock with in-memory databases, serving the built pages and moving the clock', async () => {
    tempDir = await mkdtemp(join(tmpdir(), 'tapkit-dist-'));
    const dist = join(tempDir, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<title>wallet</title>');
    await writeFile(join(dist, 'pos.html'), '<title>pos</title>');
    await writeFile(join(dist, 'assets', 'app.js'), 'export {};');
    await writeFile(join(tempDir, 'secret.txt'), 'not for the web');
    const clock = new VirtualClock(startMs);
    const system = await startSystem({ dataDir: ':memory:', clock, ports: freePorts, webDistDir: dist });
    try {
      const get = async (path: string) => {
        const response = await fetch(`${system.urls.web}${path}`);
        return {
          status: response.status,
          type: response.headers.get('content-type'),
          text: await response.text(),
        };
      };
      expect(await get('/')).toMatchObject({ status: 200, text: '<title>wallet</title>' });
      expect(await get('/pos')).toMatchObject({ status: 200, text: '<title>pos</title>' });
      expect(await get('/assets/app.js')).toMatchObject({
        status: 200,
        type: expect.stringContaining('javascript'),
      });
      expect((await get('/..%2Fsecret.txt')).status).toBe(404);
      expect((await get('/missing.css')).status).toBe(404);

      const advanced = await fetch(`${system.urls.web}/system/v1/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ms: 60_000 }),
      });
      expect(await advanced.json()).toEqual({ nowMs: startMs + 60_000, now: '2026-11-25T12:01:00.000Z' });
      expect(clock.nowMs()).toBe(startMs + 60_000);
      const info = (await (await fetch(`${system.urls.web}/system/v1/info`)).json()) as { clock: unknown };
      expect(info.clock).toEqual({
        nowMs: startMs + 60_000,
        now: '2026-11-25T12:01:00.000Z',
        offsetMs: null,
      });
      expect(system.dataDir).not.toBe(':memory:');
    } finally {
      await system.close();
    }
  }, 30_000);

  it('closes what it started when a port is taken, and rejects', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    const before = tcpResources();
    try {
      await expect(
        startSystem({ dataDir: ':memory:', ports: { ...freePorts, mpp: taken } }),
      ).rejects.toThrow();
      await expect.poll(tcpResources, { timeout: 5_000 }).toBeLessThanOrEqual(before);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 30_000);
});
