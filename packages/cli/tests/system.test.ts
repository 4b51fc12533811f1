import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNfcSdk, MemorySecureStorage, type NfcRequestProxy, type NfcSdk } from '@tapkit/sdk';
import { nodeBlockCipher } from '@tapkit/sdk/node';
import {
  defaultTerminalConfig,
  HttpNetworkConnection,
  inProcessNfcLink,
  PosTerminal,
  type TerminalConfig,
} from '@tapkit/terminal';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSystem, startSystem } from '../src/system.ts';

// The whole system in one process, each party on its own loopback port: a wallet user logs in through
// the MPP app API, the SDK activates through the MPP's NFC proxy (token service + Ant server behind it),
// a POS terminal taps the phone in process and sends its 0100 through the acquirer gateway (HTTP) and the
// REAL network (TCP) to the Alipay+ issuer processor (TCP), which pays at the MPP (signed HTTP). Then the
// day is closed (clearing file ingested) and the timeline shows every step. close() leaves nothing open.

const hkTerminal: TerminalConfig = {
  ...defaultTerminalConfig,
  merchantNameLocation: 'Tapkit System Test      Hong Kong    HK',
  countryCode: '344',
  currencyCode: '344',
  noCvmLimitMinor: 5_000n,
  networkTimeoutMs: 15_000,
};

const tapAmountMinor = 1_250n;

let system: RunningSystem;
let tempDir: string;
let session: string;
let sdk: NfcSdk;
let resourcesBefore: string[];
let terminal: PosTerminal;

async function json(url: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const tcpResources = () => process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP'));

beforeAll(async () => {
  resourcesBefore = tcpResources();
  tempDir = await mkdtemp(join(tmpdir(), 'tapkit-system-test-'));
  system = await startSystem({
    dataDir: join(tempDir, 'data'),
    provisioningDelayMs: 0,
    ports: { web: 0, mpp: 0, alipayPlus: 0, issuerTcp: 0, tokenService: 0, acquirerTcp: 0 },
    webDistDir: join(tempDir, 'no-dist'),
  });
}, 30_000);

afterAll(async () => {
  await system?.close();
  await rm(tempDir, { recursive: true, force: true });
});

describe('tapkit system in one process', () => {
  it('answers /system/v1/info with every URL, the demo logins and the clock', async () => {
    const info = await json(`${system.urls.web}/system/v1/info`);
    expect(info.status).toBe(200);
    expect(info.body.urls).toEqual(system.urls);
    expect(info.body.mppAppBase).toBe('/mpp');
    expect((info.body.demoUsers as { username: string }[]).map((u) => u.username)).toEqual(['alice', 'bob']);
    for (const url of Object.values(system.urls))
      expect(url).toMatch(/^(http|tcp):\/\/127\.0\.0\.1:[1-9][0-9]*$/);
    const page = await fetch(`${system.urls.web}/`);
    expect(await page.text()).toContain('npm run build');
  });

  it('logs alice in through the web server proxy and activates her SDK through the MPP proxy', async () => {
    const login = await json(`${system.urls.web}/mpp/app/v1/login`, {
      body: { username: 'alice', password: 'alice-tapkit' },
    });
    expect(login.status).toBe(200);
    session = String(login.body.token);
    const proxy: NfcRequestProxy = {
      sendRequest: async (type, body, header) => {
        const answer = await json(`${system.urls.mpp}/app/v1/nfc/proxy`, {
          body: { type, body, header },
          token: session,
        });
        return answer.status === 200 && typeof answer.body.body === 'string' ? answer.body.body : null;
      },
    };
    sdk = createNfcSdk({
      requestProxy: proxy,
      storage: new MemorySecureStorage(),
      deviceFingerprint: async () => 'system-test-phone',
      cipher: nodeBlockCipher,
      config: { applyTokenIntervalMs: 100, applyTokenTimes: 100 },
    });
    await sdk.init();
    await sdk.connect({ userId: 'CUST-ALICE' });
    expect(await sdk.activatePayment({ silentActivate: false, doConfirm: false })).toBe(2);
    expect(sdk.credentialsRemaining()).toBeGreaterThan(0);
  }, 30_000);

  it('approves a tap over the gateway and the real network, and debits the wallet', async () => {
    const clock = system.clock;
    terminal = new PosTerminal({
      config: hkTerminal,
      clock,
      random: { bytes: (length) => crypto.getRandomValues(new Uint8Array(length)) },
      connection: new HttpNetworkConnection({ baseUrl: system.urls.web, clock, pendingCountMax: 4 }),
    });
    const outcome = await terminal.tap(
      inProcessNfcLink((command) => sdk.processApdu(command)),
      {
        type: 'PURCHASE',
        amountMinor: tapAmountMinor,
      },
    );
    expect(outcome.kind).toBe('APPROVED');
    const wallet = await json(`${system.urls.mpp}/app/v1/wallet`, { token: session });
    expect(wallet.body.balances).toEqual([expect.objectContaining({ currency: 'HKD', value: '98750' })]);
  }, 30_000);

  it('closes the day: the clearing file reaches the issuer processor, which applies it', async () => {
    const closed = await json(`${system.urls.web}/system/v1/clearing/close-day`, { body: {} });
    expect(closed.status).toBe(200);
    const presented = closed.body.presented as { networkTraceId: string; amountMinor: string }[];
    expect(presented).toHaveLength(1);
    expect(presented[0]?.amountMinor).toBe('1250');
    expect(closed.body.ingest).toMatchObject({ status: 'APPLIED', recordCount: 1, appliedCount: 1 });
    const trace = presented[0]?.networkTraceId ?? '';
    const booked = await json(`${system.urls.alipayPlus}/alipayplus/v1/authorizations/${trace}`);
    expect(booked.body).toMatchObject({ authorizedMinor: '1250', clearedMinor: '1250', reversedMinor: '0' });
    // Nothing is left to present: a second close writes an empty file for the next business day.
    const again = await json(`${system.urls.web}/system/v1/clearing/close-day`, { body: {} });
    expect(again.body.presented).toEqual([]);
    expect(again.body.businessDay).not.toBe(closed.body.businessDay);
  }, 30_000);

  it('shows the payment across every party on the timeline, with its ledger postings', async () => {
    const payments = await json(`${system.urls.mpp}/app/v1/payments`, { token: session });
    const [payment] = payments.body.payments as { paymentRequestId: string; status: string }[];
    expect(payment?.status).toBe('SUCCESS');
    const timeline = await json(
      `${system.urls.web}/system/v1/timeline?paymentRequestId=${payment?.paymentRequestId ?? ''}`,
    );
    expect(timeline.status).toBe(200);
    const steps = (timeline.body.entries as { party: string; step: string }[]).map(
      (e) => `${e.party} ${e.step}`,
    );
    // In time order: the tap's way in and out, then the clearing.
    const inOrder = [
      'ACQUIRER 0100 sent',
      'ALIPAYPLUS pay (FINAL) SUCCESS',
      'MPP payment SUCCESS',
      'MASTERCARD 0110 00 (authorization decided)',
      'ACQUIRER 0110 received',
      'ACQUIRER PRESENTED_FOR_CLEARING',
      'ALIPAYPLUS EFFECT CLEARING',
    ];
    expect(steps.filter((step) => inOrder.includes(step))).toEqual(inOrder);
    expect(steps).toEqual(expect.arrayContaining(['MPP ledger PAY', 'MASTERCARD CLEARING_FILED']));
    const ledger = timeline.body.ledger as { kind: string; postings: { amountMinor: string }[] }[];
    expect(ledger.map((t) => t.kind)).toEqual(['PAY']);
    expect(ledger[0]?.postings.map((p) => p.amountMinor).sort()).toEqual(['-1250', '1250']);
    const unknown = await json(`${system.urls.web}/system/v1/timeline?networkTraceId=NOPE`);
    expect(unknown.status).toBe(404);
  });

  it('voids a second tap: the reversal gives the money back and the day presents nothing of it', async () => {
    const outcome = await terminal.tap(
      inProcessNfcLink((command) => sdk.processApdu(command)),
      {
        type: 'PURCHASE',
        amountMinor: 700n,
      },
    );
    expect(outcome.kind).toBe('APPROVED');
    const [latest] = await terminal.panel.transactions(1);
    const voided = await terminal.panel.voidTransaction(latest?.rrn ?? '');
    expect(voided.ok).toBe(true);
    // Alipay+ cancels at the MPP from its outbox, right after it answered the reversal.
    const balance = async () => {
      const wallet = await json(`${system.urls.mpp}/app/v1/wallet`, { token: session });
      return (wallet.body.balances as { value: string }[])[0]?.value;
    };
    await expect.poll(balance, { timeout: 10_000 }).toBe('98750');
    const closed = await json(`${system.urls.web}/system/v1/clearing/close-day`, { body: {} });
    expect(closed.body.presented).toEqual([]);
    const payments = await json(`${system.urls.mpp}/app/v1/payments`, { token: session });
    const cancelled = (payments.body.payments as { paymentRequestId: string; status: string }[]).find(
      (p) => p.status !== 'SUCCESS',
    );
    const timeline = await json(
      `${system.urls.web}/system/v1/timeline?paymentRequestId=${cancelled?.paymentRequestId ?? ''}`,
    );
    const steps = (timeline.body.entries as { party: string; step: string }[]).map(
      (e) => `${e.party} ${e.step}`,
    );
    expect(steps).toEqual(
      expect.arrayContaining([
        'ACQUIRER 0400 sent',
        'ACQUIRER 0410 received',
        'MASTERCARD AUTHORIZATION_REVERSED',
      ]),
    );
    expect((timeline.body.ledger as { kind: string }[]).map((t) => t.kind).sort()).toEqual(['CANCEL', 'PAY']);
  }, 30_000);

  it('lets an unpresented authorization expire when the merchant panel advances the clock 8 days', async () => {
    const outcome = await terminal.tap(
      inProcessNfcLink((command) => sdk.processApdu(command)),
      {
        type: 'PURCHASE',
        amountMinor: 300n,
      },
    );
    expect(outcome.kind).toBe('APPROVED');
    // The admin API: alice's app session (12 h) does not survive the jump.
    const balance = async () => {
      const url = `${system.urls.mpp}/admin/v1/customers/CUST-ALICE/balances`;
      const answer = await json(url, { token: system.adminToken });
      return (answer.body.balances as { value: string }[] | undefined)?.[0]?.value;
    };
    await expect.poll(balance).toBe('98450');
    const advanced = await json(`${system.urls.web}/system/v1/clock/advance`, {
      body: { ms: 8 * 86_400_000 },
    });
    expect(advanced.status).toBe(200);
    // Alipay+'s expiry timer fired inside the advance; the money comes back through the MPP's outbox calls.
    await expect.poll(balance, { timeout: 10_000 }).toBe('98750');
    const relogin = await json(`${system.urls.mpp}/app/v1/login`, {
      body: { username: 'alice', password: 'alice-tapkit' },
    });
    session = String(relogin.body.token);
    const payments = await json(`${system.urls.mpp}/app/v1/payments`, { token: session });
    const [newest] = payments.body.payments as { paymentRequestId: string }[];
    const timeline = await json(
      `${system.urls.web}/system/v1/timeline?paymentRequestId=${newest?.paymentRequestId ?? ''}`,
    );
    const steps = (timeline.body.entries as { party: string; step: string }[]).map(
      (e) => `${e.party} ${e.step}`,
    );
    expect(steps).toEqual(
      expect.arrayContaining(['MASTERCARD AUTHORIZATION_EXPIRED', 'ALIPAYPLUS EFFECT EXPIRY']),
    );
  }, 30_000);

  it('advances the clock by the amount asked and refuses nonsense', async () => {
    const beforeMs = system.clock.nowMs();
    const advanced = await json(`${system.urls.web}/system/v1/clock/advance`, { body: { ms: 86_400_000 } });
    expect(advanced.status).toBe(200);
    expect(Number(advanced.body.nowMs) - beforeMs).toBeGreaterThanOrEqual(86_400_000);
    const refused = await json(`${system.urls.web}/system/v1/clock/advance`, { body: { ms: -1 } });
    expect(refused.status).toBe(400);
  });

  it('close() stops every party and leaves no socket open', async () => {
    const mppPort = Number(new URL(system.urls.mpp).port);
    await system.close();
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: mppPort });
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    await expect
      .poll(() => tcpResources().length, { timeout: 5_000 })
      .toBeLessThanOrEqual(resourcesBefore.length);
  });
});
