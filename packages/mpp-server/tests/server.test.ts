import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type PayResponse, systemClock } from '@tapkit/protocol';
import { SignedClient } from '@tapkit/protocol/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/adapters/db/open.ts';
import { loadConfig, type MppConfig } from '../src/config.ts';
import { type MppServerHandle, startMppServer } from '../src/server.ts';
import {
  type AlipayStub,
  alipayKeys,
  MPP_CLIENT_ID,
  mppKeys,
  startAlipayStub,
} from './support/alipay-stub.ts';
import { startTokenServiceStub, type TokenServiceStub } from './support/token-service-stub.ts';

// The server as the CLI runs it: a real listening socket, a SQLite file, the notify worker on the system
// clock against a signed Alipay+ stand-in, and a graceful close. SQLite only: the PostgreSQL paths are the
// same code and are covered by the *.db.test.ts files.

const adminToken = 'server-test-admin-token-0123456789';
const keys = {
  signingKey: { key: mppKeys.privateKey, keyVersion: '1' },
  alipayPlusVerifyKeys: new Map([['1', alipayKeys.publicKey]]),
};

function captureLogs(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(
        ...String(chunk)
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return { stream, lines };
}

describe('startMppServer', () => {
  let alipay: AlipayStub;
  let tokenService: TokenServiceStub;
  let config: MppConfig;
  let server: MppServerHandle | undefined;
  let logs: ReturnType<typeof captureLogs>;
  let alipaySide: SignedClient;
  let dir: string | undefined;

  beforeAll(async () => {
    alipay = await startAlipayStub(systemClock);
    tokenService = await startTokenServiceStub();
  });
  afterAll(async () => {
    await alipay.close();
    await tokenService.close();
  });
  beforeEach(async () => {
    alipay.mode = 'ack_S';
    alipay.received.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'tapkit-server-'));
    const path = join(dir, 'tapkit.config.json');
    writeFileSync(path, JSON.stringify({ mpp: { logLevel: 'info' } }));
    const loaded = loadConfig({ path, env: {}, overrides: overridesOf(dir) });
    if (!loaded.ok) throw new Error(loaded.error.message);
    config = loaded.value;
    logs = captureLogs();
    server = await startMppServer(config, { keys, logStream: logs.stream });
    alipaySide = new SignedClient({
      baseUrl: server.url,
      clientId: MPP_CLIENT_ID,
      signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
      peerVerifyKeys: new Map([['1', mppKeys.publicKey]]),
      clock: systemClock,
    });
  });
  afterEach(async () => {
    try {
      alipay.releaseHung();
      await alipaySide.close();
      await server?.close();
    } finally {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    }
  });

  function overridesOf(dir: string) {
    return {
      db: join(dir, 'mpp.sqlite'),
      port: 0,
      adminToken,
      clientId: MPP_CLIENT_ID,
      alipayPlusUrl: alipay.url,
      tokenServiceUrl: tokenService.url,
      notifyPollIntervalMs: 20,
      shutdownTimeoutMs: 5_000,
      users: [
        { username: 'alice', password: 'correct horse', customerId: 'CUST-ALICE', currencies: ['HKD'] },
      ],
    };
  }

  const admin = (path: string, body?: object) =>
    fetch(`${server!.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  const pay = (id: string, value: string) =>
    alipaySide.call<PayResponse>('pay', {
      acquirerId: 'ACQ-1',
      pspId: 'PSP-1',
      paymentRequestId: id,
      paymentAmount: { currency: 'HKD', value },
      payToAmount: { currency: 'HKD', value },
      customerId: 'CUST-ALICE',
      paymentMethod: { paymentMethodType: 'CONNECT_WALLET_NFC', paymentMethodId: 'TUR-1' },
      order: { referenceOrderId: `RO-${id}`, merchant: { merchantId: 'M-1', merchantName: 'Tea Shop' } },
      paymentFactor: { isInStorePayment: 'true', inStorePaymentScenario: 'NFC', authorizationType: 'FINAL' },
      customData: 'cart-7',
    });

  it('answers the health probes, the app API with seeded users, and the admin API', async () => {
    expect(await (await fetch(`${server!.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server!.url}/readyz`)).json()).toEqual({
      status: 'ready',
      engine: 'sqlite',
    });
    const login = await fetch(`${server!.url}/app/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: 'correct horse' }),
    });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const topup = await admin('/admin/v1/topups', {
      topupRequestId: 'T-1',
      customerId: 'CUST-ALICE',
      amount: { currency: 'HKD', value: '5000' },
    });
    expect(topup.status).toBe(200);
    const wallet = await fetch(`${server!.url}/app/v1/wallet`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await wallet.json()) as { balances: unknown }).balances).toEqual([
      { currency: 'HKD', value: '5000', display: '50.00' },
    ]);
  });

  it('takes signed pays from Alipay+ and notifies them through the worker', async () => {
    await admin('/admin/v1/topups', {
      topupRequestId: 'T-1',
      customerId: 'CUST-ALICE',
      amount: { currency: 'HKD', value: '5000' },
    });
    const paid = await pay('PR-1', '1200');
    expect(paid.kind === 'answered' && paid.response.result.resultStatus).toBe('S');
    await vi.waitFor(() => expect(alipay.received.filter((c) => c.api === 'notifyPayment')).toHaveLength(1), {
      timeout: 5_000,
    });
    expect(alipay.received[0]!.body).toMatchObject({
      paymentRequestId: 'PR-1',
      paymentResult: { resultStatus: 'S' },
      customerId: 'CUST-ALICE',
    });
    const invariants = await admin('/admin/v1/ledger/invariants');
    expect(((await invariants.json()) as { ok: boolean }).ok).toBe(true);
  });

  it('redacts secrets in its logs', async () => {
    server!.app.log.info(
      {
        pan: '5413330089010434',
        card: { tokenPan: '5204730000001003', sessionKey: 'AB'.repeat(8) },
        password: 'pw',
      },
      'redaction probe',
    );
    const line = logs.lines.find((l) => l.includes('redaction probe'));
    expect(line).toBeDefined();
    expect(line).not.toContain('5413330089010434');
    expect(line).not.toContain('5204730000001003');
    expect(line).not.toContain('ABABABABABABABAB');
    expect(JSON.parse(line!)).toMatchObject({
      pan: '[redacted]',
      card: { tokenPan: '[redacted]', sessionKey: '[redacted]' },
    });
  });

  it('serves the admin API on its own loopback listener when adminPort is set', async () => {
    await server!.close();
    server = await startMppServer({ ...config, adminPort: 0 }, { keys, logStream: logs.stream });
    expect(server.adminUrl).not.toBe(server.url);
    expect(new URL(server.adminUrl).hostname).toBe('127.0.0.1');
    const headers = { authorization: `Bearer ${adminToken}` };
    const apart = await fetch(`${server.adminUrl}/admin/v1/ledger/invariants`, { headers });
    expect(apart.status).toBe(200);
    const onPublic = await fetch(`${server.url}/admin/v1/ledger/invariants`, { headers });
    expect(onPublic.status).toBe(404);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });

  it('logs request paths without their query strings', async () => {
    const response = await fetch(`${server!.url}/app/v1/payments?customData=secret-cart-42&limit=5`);
    expect(response.status).toBe(401);
    const lines = logs.lines.filter((l) => l.includes('/app/v1/payments'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toContain('secret-cart-42');
    expect(logs.lines.join('\n')).not.toContain('secret-cart-42');
  });

  it('shuts down gracefully: finishes the sends in flight and releases the claims it did not use', async () => {
    await server!.close();
    // The worker is driven by hand here, so that one poll claims all twelve rows and has 8 sends in flight.
    server = await startMppServer({ ...config, notifyEnabled: false }, { keys, logStream: logs.stream });
    await alipaySide.close();
    alipaySide = new SignedClient({
      baseUrl: server.url,
      clientId: MPP_CLIENT_ID,
      signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
      peerVerifyKeys: new Map([['1', mppKeys.publicKey]]),
      clock: systemClock,
    });
    await admin('/admin/v1/topups', {
      topupRequestId: 'T-1',
      customerId: 'CUST-ALICE',
      amount: { currency: 'HKD', value: '50000' },
    });
    const ids = Array.from({ length: 12 }, (_, i) => `PR-G${String(i).padStart(2, '0')}`);
    const paid = await Promise.all(ids.map((id) => pay(id, '100')));
    expect(paid.every((p) => p.kind === 'answered' && p.response.result.resultStatus === 'S')).toBe(true);
    alipay.mode = 'hang';
    const poll = server.worker.pollOnce();
    await vi.waitFor(() => expect(alipay.received).toHaveLength(8), { timeout: 5_000 });
    const closing = server.close();
    const ready = await fetch(`${server.url}/readyz`).catch(() => undefined);
    expect(ready === undefined || ready.status === 503).toBe(true);
    alipay.mode = 'ack_S';
    alipay.releaseHung();
    await closing;
    expect(await poll).toBe(12);
    expect(alipay.received).toHaveLength(8);
    const reopened = await openDatabase(config.db);
    const rows = await reopened.db.selectFrom('notify_outbox').selectAll().execute();
    await reopened.close();
    expect(rows).toHaveLength(12);
    expect(rows.every((row) => row.claimed_by === null)).toBe(true);
    expect(rows.filter((row) => row.done_at_ms !== null)).toHaveLength(8);
  });

  it('closes on SIGTERM when asked to handle signals', async () => {
    await server!.close();
    server = await startMppServer(config, { keys, logStream: logs.stream, handleSignals: true });
    const url = server.url;
    process.emit('SIGTERM');
    await server.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(logs.lines.some((line) => line.includes('shutting down'))).toBe(true);
  });
});
