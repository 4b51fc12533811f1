// The SDK's lifecycle against the REAL counterparts (token service + Ant server, see support/world.ts):
// connect → activate with progress → status 2 → credentials; silent activation → 11 → confirm;
// secondary confirmation (21); network loss mid-activation and a restart resume where it stopped;
// replenish; lock / unlock; delete; disconnect.

import { bytesToHex, decodeTlvOrThrow, findTlvValue } from '@tapkit/emv';
import type { NfcIssueConfig } from '@tapkit/protocol/wire/ant-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySecureStorage } from '../src/adapters/memory-storage.ts';
import type { ActivationProgress } from '../src/lifecycle/activation.ts';
import type { MonitorEvent } from '../src/ports.ts';
import { createNfcSdk, type NfcSdk } from '../src/sdk.ts';
import { SDK_VERSION } from '../src/wire/request-header.ts';
import { dataOf, tap } from './support/card-fixture.ts';
import { verifyFromIssuer } from './support/issuer-check.ts';
import { drive, startWorld, type World } from './support/world.ts';

let world: World | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface Harness {
  world: World;
  sdk: NfcSdk;
  storage: MemorySecureStorage;
  events: { id: MonitorEvent; params: Record<string, unknown> }[];
  /** What the ActivateStatusListener heard. */
  statuses: number[];
}

async function harness(
  options: {
    secondaryConfirmation?: boolean;
    storage?: MemorySecureStorage;
    customerId?: string;
    nfcIssueConfig?: NfcIssueConfig;
  } = {},
): Promise<Harness> {
  world ??= await startWorld({
    secondaryConfirmation: options.secondaryConfirmation ?? false,
    ...(options.nfcIssueConfig === undefined ? {} : { nfcIssueConfig: options.nfcIssueConfig }),
  });
  const storage = options.storage ?? new MemorySecureStorage();
  const events: Harness['events'] = [];
  const statuses: number[] = [];
  const sdk = createNfcSdk({
    requestProxy: world.proxyFor(options.customerId ?? 'customer-1'),
    storage,
    deviceFingerprint: async () => 'fp-sdk-test',
    monitor: { track: (id, params) => events.push({ id, params }) },
    clock: world.clock,
    config: { applyTokenIntervalMs: 2_000, applyTokenTimes: 30 },
  });
  sdk.setActivateStatusListener({ onStatusChanged: (status) => statuses.push(status) });
  await sdk.init();
  await sdk.connect({ userId: options.customerId ?? 'customer-1' });
  return { world, sdk, storage, events, statuses };
}

describe('SDK lifecycle against the real token service and Ant server', () => {
  it('activates manually with progress in order, on the provisioning delay', async () => {
    const { world, sdk, events } = await harness();
    expect(await sdk.isPaymentAvailable()).toBe(0);
    const progress: ActivationProgress[] = [];
    const startMs = world.clock.nowMs();
    const status = await drive(
      world.clock,
      sdk.activatePayment({ silentActivate: false, doConfirm: false, onProgress: (p) => progress.push(p) }),
    );
    const elapsedMs = world.clock.nowMs() - startMs;
    expect(status).toBe(2);
    expect(elapsedMs).toBeGreaterThanOrEqual(20_000);
    expect(elapsedMs).toBeLessThanOrEqual(32_000);
    const phases = progress.map((p) => p.phase).filter((phase, i, all) => all[i - 1] !== phase);
    expect(phases).toEqual([
      'REGISTER_DEVICE',
      'APPLY_TOKEN',
      'WAIT_APPROVAL',
      'PROVISION',
      'STORE',
      'NOTIFY_RESULT',
      'DONE',
    ]);
    const percents = progress.map((p) => p.percent);
    expect([...percents].sort((a, b) => a - b)).toEqual(percents);
    expect(percents.at(-1)).toBe(100);
    expect(await sdk.isPaymentAvailable({ refresh: true })).toBe(2);
    expect(sdk.credentialsRemaining()).toBe(20);
    expect(events.filter((e) => e.id === 'EVENT_APPLY').map((e) => e.params.applyResult)).toEqual([
      'SUCCESS',
    ]);
  });

  it('pays with credentials whose ARQC the issuer master key verifies', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activatePayment());
    const responses = await tap(sdk, { amountMinor: 4200n });
    const record = decodeTlvOrThrow(dataOf(responses[3] ?? new Uint8Array()));
    const pan = bytesToHex(findTlvValue(record, '5A') ?? new Uint8Array()).replace(/F$/, '');
    expect(pan).toMatch(/^541333\d{10}$/);
    const { verification, children } = verifyFromIssuer(responses[4] ?? new Uint8Array(), 4200n, pan);
    expect(verification.valid).toBe(true);
    expect(bytesToHex(findTlvValue(children, '9F36') ?? new Uint8Array())).toBe('0001');
  });

  it('fails with 10001 and starts over when the issuer declines', async () => {
    const { world } = await harness();
    const real = world.proxyFor('customer-1');
    let declined = false;
    const sdk = createNfcSdk({
      requestProxy: {
        sendRequest: async (type, body, header) => {
          if (!declined && body.includes('"DIGITIZE"')) {
            declined = true;
            return JSON.stringify({ ok: false, error: { code: 'ISSUER_DECLINED', message: 'declined' } });
          }
          return real.sendRequest(type, body, header);
        },
      },
      storage: new MemorySecureStorage(),
      deviceFingerprint: async () => 'fp',
      clock: world.clock,
    });
    await sdk.connect({ userId: 'customer-1' });
    await expect(drive(world.clock, sdk.activatePayment())).rejects.toMatchObject({
      code: 10001,
      upstreamCode: 'ISSUER_DECLINED',
    });
    expect(await sdk.isPaymentAvailable()).toBe(0);
    const phases: string[] = [];
    expect(await drive(world.clock, sdk.activatePayment({ onProgress: (p) => phases.push(p.phase) }))).toBe(
      2,
    );
    // The device stays registered (no second GET_PK): REGISTER_DEVICE passes at once.
    expect(phases[0]).toBe('REGISTER_DEVICE');
    expect(world.calls.filter((type) => type === 'GET_PK')).toHaveLength(2);
  });

  it('learns a deletion made elsewhere on refresh, and says -1 when the query fails', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activatePayment());
    world.offline = true;
    expect(await drive(world.clock, sdk.isPaymentAvailable({ refresh: true }))).toBe(-1);
    world.offline = false;
    const tokens = await drive(
      world.clock,
      world.ant.ant.handleSdkProxy('TAPKIT_MPP_SDK_TEST', {
        customerId: 'customer-1',
        sdkRequestType: 'SYNC_TOKEN',
        sdkRequestHeader: '{"sdkVersion":"0.1.0"}',
        sdkRequestBody: JSON.stringify({ op: 'STATUS' }),
      }),
    );
    const tur = JSON.parse(tokens.sdkResponseBody ?? '{}').value.tokens[0].tokenUniqueReference as string;
    await drive(world.clock, world.tokenService.service.delete(tur));
    await drive(world.clock, world.tokenService.service.drainNotifications());
    expect(await drive(world.clock, sdk.isPaymentAvailable({ refresh: true }))).toBe(0);
  });

  it('joins a concurrent activation, and refuses with 10010 a caller that will not wait', async () => {
    const { world, sdk } = await harness();
    const first = sdk.activatePayment();
    await expect(sdk.activatePayment({ wait: false })).rejects.toMatchObject({ code: 10010 });
    const joined = sdk.activatePayment();
    expect(await drive(world.clock, Promise.all([first, joined]))).toEqual([2, 2]);
    expect(world.calls.filter((type) => type === 'GET_PK')).toHaveLength(2);
  });

  it('stops a silent activation at 11 until the user confirms', async () => {
    const { world, sdk, events } = await harness();
    expect(await drive(world.clock, sdk.activatePayment({ silentActivate: true }))).toBe(11);
    expect(await sdk.isPaymentAvailable()).toBe(11);
    expect((await tap(sdk, { amountMinor: 100n })).length).toBeLessThan(5);
    expect(await drive(world.clock, sdk.activatePayment({ doConfirm: true }))).toBe(2);
    expect(events.filter((e) => e.id === 'EVENT_CONFIRM').map((e) => e.params.confirmResult)).toEqual([
      'SUCCESS',
    ]);
  });

  it('stops at 21 when the MPP asks for a secondary confirmation', async () => {
    const { world, sdk } = await harness({ secondaryConfirmation: true });
    expect(await drive(world.clock, sdk.activatePayment())).toBe(21);
    expect(await drive(world.clock, sdk.activatePayment({ doConfirm: true }))).toBe(2);
  });

  it('fails with 10005 when the network goes, and a retry continues where it stopped', async () => {
    const { world, sdk } = await harness();
    const progress: string[] = [];
    const running = sdk.activatePayment({ onProgress: (p) => progress.push(p.phase) });
    // Let it register and apply, then take the network away during the wait for approval.
    await drive(
      world.clock,
      waitFor(() => progress.includes('WAIT_APPROVAL')),
    );
    world.offline = true;
    await expect(drive(world.clock, running)).rejects.toMatchObject({ code: 10005 });
    world.offline = false;
    const retried: string[] = [];
    expect(await drive(world.clock, sdk.activatePayment({ onProgress: (p) => retried.push(p.phase) }))).toBe(
      2,
    );
    expect(retried[0]).toBe('WAIT_APPROVAL');
    expect(world.calls.filter((type) => type === 'GET_PK')).toHaveLength(2);
  });

  it('resumes an activation after an app restart', async () => {
    const first = await harness();
    const progress: string[] = [];
    const running = first.sdk.activatePayment({ onProgress: (p) => progress.push(p.phase) });
    await drive(
      first.world.clock,
      waitFor(() => progress.includes('WAIT_APPROVAL')),
    );
    first.world.offline = true;
    await drive(first.world.clock, running).catch(() => undefined);
    first.world.offline = false;
    const restarted = await harness({ storage: first.storage.reopen() });
    const resumed: string[] = [];
    expect(
      await drive(
        restarted.world.clock,
        restarted.sdk.activatePayment({ onProgress: (p) => resumed.push(p.phase) }),
      ),
    ).toBe(2);
    expect(resumed[0]).toBe('WAIT_APPROVAL');
  });

  it('replenishes by hand and automatically once per crossing below the threshold', async () => {
    const { world, sdk, events } = await harness();
    await drive(world.clock, sdk.activatePayment());
    for (let i = 0; i < 10; i++) await tap(sdk, { amountMinor: 100n });
    expect(sdk.credentialsRemaining()).toBe(10);
    await tap(sdk, { amountMinor: 100n });
    await drive(world.clock, sdk.whenIdle());
    expect(sdk.credentialsRemaining()).toBe(29);
    expect(events.filter((e) => e.id === 'EVENT_REPLENISH')).toHaveLength(1);
    expect(await drive(world.clock, sdk.replenish())).toBe(49);
    expect(events.filter((e) => e.id === 'EVENT_REPLENISH').map((e) => e.params.trigger)).toEqual([
      'AUTO',
      'MANUAL',
    ]);
  });

  it('locks and unlocks through the server; a locked token refuses taps', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activatePayment());
    expect(await drive(world.clock, sdk.lock())).toBe(3);
    expect(await sdk.isPaymentAvailable({ refresh: true })).toBe(3);
    expect((await tap(sdk, { amountMinor: 100n })).length).toBe(3);
    await expect(drive(world.clock, sdk.replenish())).rejects.toMatchObject({ code: 10008 });
    expect(await drive(world.clock, sdk.unlock())).toBe(2);
    expect((await tap(sdk, { amountMinor: 100n })).length).toBe(5);
  });

  it('keeps the local state when the server cannot confirm a lock', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activatePayment());
    world.offline = true;
    await expect(drive(world.clock, sdk.lock())).rejects.toMatchObject({ code: 10005 });
    world.offline = false;
    expect(await sdk.isPaymentAvailable()).toBe(2);
  });

  it('deletes the token (status 0) and can activate a new one', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activatePayment());
    expect(await drive(world.clock, sdk.deleteToken())).toBe(0);
    expect(await sdk.isPaymentAvailable()).toBe(0);
    await expect(sdk.lock()).rejects.toMatchObject({ code: 10009 });
    expect(await drive(world.clock, sdk.activatePayment())).toBe(2);
  });

  it('needs connect for every action (10006) and keeps the token for the same user', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activatePayment());
    await sdk.disconnect();
    expect(await sdk.isPaymentAvailable()).toBe(-2);
    await expect(sdk.activatePayment()).rejects.toMatchObject({ code: 10006 });
    await expect(sdk.lock()).rejects.toMatchObject({ code: 10006 });
    await expect(sdk.activatePayment({ doConfirm: true })).rejects.toMatchObject({ code: 10006 });
    expect(() => sdk.credentialsRemaining()).toThrow(expect.objectContaining({ code: 10006 }));
    await sdk.connect({ userId: 'customer-2' });
    expect(await sdk.isPaymentAvailable()).toBe(0);
    await sdk.connect({ userId: 'customer-1' });
    expect(await sdk.isPaymentAvailable()).toBe(2);
  });
});

describe('the Alipay+ SDK API: remote configuration, status listener, monitor, request header', () => {
  it('reads nfc_issue_config on connect; its polling wins over the local config', async () => {
    // Two polls 1 s apart cannot see a 20-30 s provisioning: the remote count and interval are in force.
    const { world, sdk } = await harness({
      nfcIssueConfig: { applyTokenTimes: 2, applyTokenInterval: 1_000 },
    });
    const startMs = world.clock.nowMs();
    await expect(drive(world.clock, sdk.activatePayment())).rejects.toMatchObject({ code: 10005 });
    expect(world.clock.nowMs() - startMs).toBeLessThan(5_000);
    expect(world.calls[0]).toBe('SYNC_TOKEN');
  });

  it('keeps the last good copy and uses it when the fetch fails', async () => {
    const first = await harness({
      nfcIssueConfig: { applyTokenTimes: 2, applyTokenInterval: 1_000, asyncAmountLimitSwitch: true },
    });
    expect(await first.sdk.isPaymentAvailable({ withAmountLimit: true })).toEqual({
      status: 0,
      passwordFreeAmountMinor: 5000n,
    });
    first.world.offline = true;
    const restarted = await harness({ storage: first.storage.reopen() });
    expect(await restarted.sdk.isPaymentAvailable({ withAmountLimit: true })).toEqual({
      status: 0,
      passwordFreeAmountMinor: 5000n,
    });
    restarted.world.offline = false;
    const startMs = restarted.world.clock.nowMs();
    await expect(drive(restarted.world.clock, restarted.sdk.activatePayment())).rejects.toMatchObject({
      code: 10005,
    });
    expect(restarted.world.clock.nowMs() - startMs).toBeLessThan(5_000);
    // Without any copy and offline, the local config stands (no amount without the switch).
    restarted.world.offline = true;
    const fresh = await harness({ customerId: 'customer-9' });
    expect(await fresh.sdk.isPaymentAvailable({ withAmountLimit: true })).toEqual({ status: 0 });
  });

  it('tells the ActivateStatusListener each change of the local status', async () => {
    const { world, sdk, statuses } = await harness({ secondaryConfirmation: true });
    expect(await drive(world.clock, sdk.activatePayment({ silentActivate: true }))).toBe(11);
    expect(statuses).toEqual([11]);
    expect(await drive(world.clock, sdk.activatePayment({ doConfirm: true }))).toBe(2);
    // The confirmation finishes the activation (21: the MPP asks for a second one), then confirms it.
    expect(statuses).toEqual([11, 21, 2]);
    await drive(world.clock, sdk.lock());
    await drive(world.clock, sdk.unlock());
    expect(statuses).toEqual([11, 21, 2, 3, 2]);
  });

  it('stops a manual activation at 21; doConfirm confirms it (EVENT_CONFIRM confirmResult, errorCode)', async () => {
    const { world, sdk, events } = await harness({ secondaryConfirmation: true });
    expect(await drive(world.clock, sdk.activatePayment())).toBe(21);
    expect(await drive(world.clock, sdk.activatePayment({ doConfirm: true }))).toBe(2);
    expect(events.filter((e) => e.id === 'EVENT_CONFIRM').map((e) => e.params)).toEqual([
      { confirmResult: 'SUCCESS', errorCode: 10000, status: 2 },
    ]);
    await expect(sdk.activatePayment({ silentActivate: true, doConfirm: true })).rejects.toMatchObject({
      code: 10011,
    });
  });

  it('reports EVENT_APPLY once per run with the doc parameters', async () => {
    const { world, sdk, events } = await harness();
    await drive(world.clock, sdk.activatePayment({ silentActivate: true }));
    await drive(world.clock, sdk.activatePayment({ doConfirm: true }));
    const applies = events.filter((e) => e.id === 'EVENT_APPLY').map((e) => e.params);
    expect(applies).toHaveLength(2);
    expect(applies[0]).toMatchObject({
      applyResult: 'SUCCESS',
      phase: 'NOTIFY_RESULT',
      isSilent: true,
      activateLoopTimeConsume: 0,
    });
    expect(applies[0]?.applyLoopTimeConsume).toBeGreaterThanOrEqual(18_000);
    expect(applies[0]?.applyTimeConsume).toBeGreaterThanOrEqual(applies[0]?.applyLoopTimeConsume as number);
    expect(applies[1]).toMatchObject({
      applyResult: 'SUCCESS',
      phase: 'DONE',
      isSilent: false,
      applyLoopTimeConsume: 0,
    });
    expect(typeof applies[1]?.activateLoopTimeConsume).toBe('number');
    // countCredential: the credentials held after the replenish (20 provisioned + a batch of 20).
    await drive(world.clock, sdk.replenish());
    expect(events.filter((e) => e.id === 'EVENT_REPLENISH').map((e) => e.params.countCredential)).toEqual([
      40,
    ]);
  });

  it('sends an sdkRequestHeader with every request: version, platform, hashed fingerprint, unique ids', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activatePayment());
    expect(world.headers.length).toBe(world.calls.length);
    expect(world.headers.map((h) => h.requestType)).toEqual(world.calls);
    const digest = new Uint8Array(
      await crypto.subtle.digest('SHA-256', new TextEncoder().encode('fp-sdk-test')),
    );
    const hash = btoa(String.fromCharCode(...digest))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    for (const header of world.headers) {
      expect(header).toMatchObject({
        sdkVersion: SDK_VERSION,
        platform: 'node',
        deviceFingerprintHash: hash,
      });
      expect(JSON.stringify(header)).not.toContain('fp-sdk-test');
    }
    expect(new Set(world.headers.map((h) => h.requestId)).size).toBe(world.headers.length);
    expect(world.headers[0]?.requestTime).toBe(new Date(world.headers[0]?.requestTime ?? 0).toISOString());
  });
});

/** A promise that resolves once `condition` holds (checked as the clock is driven). */
function waitFor(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (condition() ? resolve() : setTimeout(check, 1));
    check();
  });
}
