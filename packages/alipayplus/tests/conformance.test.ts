// The conformance suite against our real MPP server (all scenarios pass) and against deliberately broken
// servers built as thin proxies around it (the scenarios that catch each defect fail).
import type { MppServerHandle } from '@tapkit/mpp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConformanceOptions, runConformance } from '../src/conformance/run.ts';
import { type BrokenProxy, startBrokenProxy } from './support/broken-proxy.ts';
import { ADMIN_TOKEN, alipayKeys, MPP_CLIENT_ID, mppKeys } from './support/keys.ts';
import { startRealMpp } from './support/mpp.ts';

let mpp: MppServerHandle;

beforeAll(async () => {
  mpp = await startRealMpp();
});
afterAll(async () => {
  await mpp.close();
});

const optionsFor = (mppUrl: string): ConformanceOptions => ({
  mppUrl,
  clientId: MPP_CLIENT_ID,
  alipayPlusPrivateKey: alipayKeys.privateKeyPem,
  keyVersion: '1',
  mppPublicKey: mppKeys.publicKeyPem,
  adminUrl: mpp.url,
  adminToken: ADMIN_TOKEN,
});

const failing = (rows: { scenario: string; pass: boolean }[]) =>
  rows.filter((r) => !r.pass).map((r) => r.scenario);

describe('conformance against the real MPP server', () => {
  it('passes every scenario', async () => {
    const rows = await runConformance(optionsFor(mpp.url));
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((r) => !r.pass)).toEqual([]);
  });
});

describe('conformance against broken servers', () => {
  let proxy: BrokenProxy | undefined;
  afterAll(async () => {
    await proxy?.close();
  });

  it('a server that skips signature checks fails the signature and freshness scenarios', async () => {
    proxy = await startBrokenProxy(mpp.url, 'skip-signature-checks');
    const rows = await runConformance(optionsFor(proxy.url));
    expect(failing(rows).sort()).toEqual(
      [
        'freshness: future Request-Time',
        'freshness: stale Request-Time',
        'signature: forged (another key)',
        'signature: missing',
        'signature: unknown keyVersion',
      ].sort(),
    );
    await proxy.close();
    proxy = undefined;
  });

  it('a server that double-debits replays fails the idempotency scenarios', async () => {
    proxy = await startBrokenProxy(mpp.url, 'double-debit');
    const rows = await runConformance(optionsFor(proxy.url));
    const failed = failing(rows);
    expect(failed).toContain('idempotent replay: identical bytes, then a re-signed copy');
    expect(failed).toContain('concurrent duplicates: 8 identical requests at once');
    expect(failed).not.toContain('pay: success debits once');
    expect(failed).not.toContain('signature: forged (another key)');
    await proxy.close();
    proxy = undefined;
  });

  it('a server that sends unsigned answers fails every scenario that reads an answer', async () => {
    proxy = await startBrokenProxy(mpp.url, 'unsigned-answers');
    const rows = await runConformance(optionsFor(proxy.url));
    const last = rows.at(-1);
    expect(last?.scenario).toBe('every answer signed by the MPP key');
    expect(last?.pass).toBe(false);
    const pay = rows.find((r) => r.scenario === 'pay: success debits once');
    expect(pay?.observed).toContain('unknown (UNSIGNED)');
    expect(pay?.pass).toBe(false);
  });
});
