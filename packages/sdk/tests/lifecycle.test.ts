// The SDK's lifecycle against the REAL counterparts (token service + Ant server, see support/world.ts):
// connect → activate with progress → status 2 → credentials; silent activation → 11 → confirm;
// secondary confirmation (21); network loss mid-activation and a restart resume where it stopped;
// replenish; lock / unlock; delete; disconnect.

import { bytesToHex, decodeTlvOrThrow, findTlvValue } from '@tapkit/emv';
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySecureStorage } from '../src/adapters/memory-storage.ts';
import type { ActivationProgress } from '../src/lifecycle/activation.ts';
import type { MonitorEvent } from '../src/ports.ts';
import { createNfcSdk, type NfcSdk } from '../src/sdk.ts';
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
}

async function harness(
  options: { secondaryConfirmation?: boolean; storage?: MemorySecureStorage; customerId?: string } = {},
): Promise<Harness> {
  world ??= await startWorld({ secondaryConfirmation: options.secondaryConfirmation ?? false });
  const storage = options.storage ?? new MemorySecureStorage();
  const events: Harness['events'] = [];
  const sdk = createNfcSdk({
    requestProxy: world.proxyFor(options.customerId ?? 'customer-1'),
    storage,
    deviceFingerprint: async () => 'fp-sdk-test',
    monitor: { track: (id, params) => events.push({ id, params }) },
    clock: world.clock,
    config: { applyTokenIntervalMs: 2_000, applyTokenTimes: 30 },
  });
  await sdk.init();
  await sdk.connect({ userId: options.customerId ?? 'customer-1' });
  return { world, sdk, storage, events };
}

describe('SDK lifecycle against the real token service and Ant server', () => {
  it('activates manually with progress in order, on the provisioning delay', async () => {
    const { world, sdk, events } = await harness();
    expect(await sdk.isPaymentAvailable()).toBe(0);
    const progress: ActivationProgress[] = [];
    const startMs = world.clock.nowMs();
    const status = await drive(
      world.clock,
      sdk.activate({ silent: false, onProgress: (p) => progress.push(p) }),
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
    expect(events.filter((e) => e.id === 'EVENT_APPLY').map((e) => e.params.result)).toEqual(['SUCCESS']);
  });

  it('pays with credentials whose ARQC the issuer master key verifies', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activate({}));
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
      requestProxy: async (type, body) => {
        if (!declined && body.includes('"DIGITIZE"')) {
          declined = true;
          return JSON.stringify({ ok: false, error: { code: 'ISSUER_DECLINED', message: 'declined' } });
        }
        return real(type, body);
      },
      storage: new MemorySecureStorage(),
      deviceFingerprint: async () => 'fp',
      clock: world.clock,
    });
    await sdk.connect({ userId: 'customer-1' });
    await expect(drive(world.clock, sdk.activate({}))).rejects.toMatchObject({
      code: 10001,
      upstreamCode: 'ISSUER_DECLINED',
    });
    expect(await sdk.isPaymentAvailable()).toBe(0);
    const phases: string[] = [];
    expect(await drive(world.clock, sdk.activate({ onProgress: (p) => phases.push(p.phase) }))).toBe(2);
    // The device stays registered (no second GET_PK): REGISTER_DEVICE passes at once.
    expect(phases[0]).toBe('REGISTER_DEVICE');
    expect(world.calls.filter((type) => type === 'GET_PK')).toHaveLength(2);
  });

  it('learns a deletion made elsewhere on refresh, and says -1 when the query fails', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activate({}));
    world.offline = true;
    expect(await drive(world.clock, sdk.isPaymentAvailable({ refresh: true }))).toBe(-1);
    world.offline = false;
    const tokens = await drive(
      world.clock,
      world.ant.ant.handleSdkProxy('TAPKIT_MPP_SDK_TEST', {
        customerId: 'customer-1',
        sdkRequestType: 'SYNC_TOKEN',
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
    const first = sdk.activate({});
    await expect(sdk.activate({ wait: false })).rejects.toMatchObject({ code: 10010 });
    const joined = sdk.activate({});
    expect(await drive(world.clock, Promise.all([first, joined]))).toEqual([2, 2]);
    expect(world.calls.filter((type) => type === 'GET_PK')).toHaveLength(2);
  });

  it('stops a silent activation at 11 until the user confirms', async () => {
    const { world, sdk, events } = await harness();
    expect(await drive(world.clock, sdk.activate({ silent: true }))).toBe(11);
    expect(await sdk.isPaymentAvailable()).toBe(11);
    expect((await tap(sdk, { amountMinor: 100n })).length).toBeLessThan(5);
    expect(await drive(world.clock, sdk.confirmActivation())).toBe(2);
    expect(events.filter((e) => e.id === 'EVENT_CONFIRM').map((e) => e.params.result)).toEqual(['SUCCESS']);
  });

  it('stops at 21 when the MPP asks for a secondary confirmation', async () => {
    const { world, sdk } = await harness({ secondaryConfirmation: true });
    expect(await drive(world.clock, sdk.activate({}))).toBe(21);
    expect(await drive(world.clock, sdk.confirmActivation())).toBe(2);
  });

  it('fails with 10005 when the network goes, and a retry continues where it stopped', async () => {
    const { world, sdk } = await harness();
    const progress: string[] = [];
    const running = sdk.activate({ onProgress: (p) => progress.push(p.phase) });
    // Let it register and apply, then take the network away during the wait for approval.
    await drive(
      world.clock,
      waitFor(() => progress.includes('WAIT_APPROVAL')),
    );
    world.offline = true;
    await expect(drive(world.clock, running)).rejects.toMatchObject({ code: 10005 });
    world.offline = false;
    const retried: string[] = [];
    expect(await drive(world.clock, sdk.activate({ onProgress: (p) => retried.push(p.phase) }))).toBe(2);
    expect(retried[0]).toBe('WAIT_APPROVAL');
    expect(world.calls.filter((type) => type === 'GET_PK')).toHaveLength(2);
  });

  it('resumes an activation after an app restart', async () => {
    const first = await harness();
    const progress: string[] = [];
    const running = first.sdk.activate({ onProgress: (p) => progress.push(p.phase) });
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
        restarted.sdk.activate({ onProgress: (p) => resumed.push(p.phase) }),
      ),
    ).toBe(2);
    expect(resumed[0]).toBe('WAIT_APPROVAL');
  });

  it('replenishes by hand and automatically once per crossing below the threshold', async () => {
    const { world, sdk, events } = await harness();
    await drive(world.clock, sdk.activate({}));
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
    await drive(world.clock, sdk.activate({}));
    expect(await drive(world.clock, sdk.lock())).toBe(3);
    expect(await sdk.isPaymentAvailable({ refresh: true })).toBe(3);
    expect((await tap(sdk, { amountMinor: 100n })).length).toBe(3);
    await expect(drive(world.clock, sdk.replenish())).rejects.toMatchObject({ code: 10008 });
    expect(await drive(world.clock, sdk.unlock())).toBe(2);
    expect((await tap(sdk, { amountMinor: 100n })).length).toBe(5);
  });

  it('keeps the local state when the server cannot confirm a lock', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activate({}));
    world.offline = true;
    await expect(drive(world.clock, sdk.lock())).rejects.toMatchObject({ code: 10005 });
    world.offline = false;
    expect(await sdk.isPaymentAvailable()).toBe(2);
  });

  it('deletes the token (status 0) and can activate a new one', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activate({}));
    expect(await drive(world.clock, sdk.deleteToken())).toBe(0);
    expect(await sdk.isPaymentAvailable()).toBe(0);
    await expect(sdk.lock()).rejects.toMatchObject({ code: 10009 });
    expect(await drive(world.clock, sdk.activate({}))).toBe(2);
  });

  it('needs connect for every action (10006) and keeps the token for the same user', async () => {
    const { world, sdk } = await harness();
    await drive(world.clock, sdk.activate({}));
    await sdk.disconnect();
    expect(await sdk.isPaymentAvailable()).toBe(-2);
    await expect(sdk.activate({})).rejects.toMatchObject({ code: 10006 });
    await expect(sdk.lock()).rejects.toMatchObject({ code: 10006 });
    await expect(sdk.confirmActivation()).rejects.toMatchObject({ code: 10006 });
    expect(() => sdk.credentialsRemaining()).toThrow(expect.objectContaining({ code: 10006 }));
    await sdk.connect({ userId: 'customer-2' });
    expect(await sdk.isPaymentAvailable()).toBe(0);
    await sdk.connect({ userId: 'customer-1' });
    expect(await sdk.isPaymentAvailable()).toBe(2);
  });
});

/** A promise that resolves once `condition` holds (checked as the clock is driven). */
function waitFor(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = () => (condition() ? resolve() : setTimeout(check, 1));
    check();
  });
}
