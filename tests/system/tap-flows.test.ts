import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '@tapkit/protocol';
import {
  ACTIVATION_PHASES,
  type Clock,
  PAYMENT_STATUS,
  SDK_RESULT_CODES,
  SdkError,
  type TimerHandle,
} from '@tapkit/sdk';
import { NodeFileSecureStorage } from '@tapkit/sdk/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, type RunningSystem, startSystem } from '../../packages/cli/src/system.ts';
import { MppAdmin, Shop, type TapResult, WalletApp, type WalletUser } from './harness.ts';

// Whole tap flows over real loopback sockets: every party runs with its real interface (startSystem),
// on one VirtualClock so the 20–30 s provisioning delay passes virtually. A phone (the wallet app with the
// SDK on Node file storage) logs in, activates through the MPP's NFC proxy, and taps a POS terminal whose
// 0100 goes over TCP to the Mastercard network, then to the Alipay+ issuer processor, then as a signed
// `pay` to the MPP. The flows run in order on shared state, like a user's day; balances come from the
// MPP admin API and the ledger invariants are checked at the end.

/** A fixed start of the virtual day (UTC), so card expiry and business days are reproducible. */
const startMs = Date.parse('2026-11-26T02:00:00Z');
/** The token service's provisioning delay in the default configuration (docs/architecture.md#activation). */
const provisioningMinMs = 20_000;
const provisioningMaxMs = 30_000;
/** Bounds on driving the virtual clock while an SDK call waits on its own timers. */
const driveStepsMax = 20_000;
const realPauseMs = 1;
/** A tap between two taps lets this much virtual time pass (outbox and retry timers get their turn). */
const betweenTapsMs = 1_000;
const tapCountMax = 40;
/** Real-time rounds (realPauseMs each) waiting for an SDK report driven by its own timers. */
const heardRoundsMax = 5_000;

const user = (name: string): WalletUser => {
  const found = DEMO_USERS.find((u) => u.username === name);
  if (found === undefined) throw new Error(`no demo user ${name}`);
  return found;
};

/**
 * The SDK's view of the shared VirtualClock, remembering which timers the SDK itself set, so a test can
 * move time exactly to the SDK's next poll while the real HTTP round trips run in real time.
 */
class SdkClock implements Clock {
  private readonly pending = new Set<{ dueMs: number }>();

  constructor(private readonly inner: VirtualClock) {}

  nowMs(): number {
    return this.inner.nowMs();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const entry = { dueMs: this.inner.nowMs() + Math.max(0, delayMs) };
    this.pending.add(entry);
    const handle = this.inner.setTimer(delayMs, () => {
      this.pending.delete(entry);
      fn();
    });
    return {
      cancel: () => {
        this.pending.delete(entry);
        handle.cancel();
      },
    };
  }

  nextDueMs(): number | undefined {
    let next: number | undefined;
    for (const entry of this.pending) if (next === undefined || entry.dueMs < next) next = entry.dueMs;
    return next;
  }
}

let tempDir: string;
let clock: VirtualClock;
let sdkClock: SdkClock;
let system: RunningSystem;
let admin: MppAdmin;
let shop: Shop;
let alice: WalletApp;
let bob: WalletApp;
let tapNumber = 0;
/** What the terminal was told was approved, per customer: the wallets must show exactly this much less. */
const approvedMinor = new Map<string, bigint>();

/** Resolves `work`, moving virtual time to each SDK timer as soon as the SDK waits on one. */
async function drive<T>(work: Promise<T>): Promise<T> {
  let settled = false;
  const watched = work.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  for (let step = 0; step < driveStepsMax && !settled; step++) {
    const dueMs = sdkClock.nextDueMs();
    if (dueMs === undefined) await new Promise((resolve) => setTimeout(resolve, realPauseMs));
    else await clock.advanceMs(Math.max(0, dueMs - clock.nowMs()));
  }
  if (!settled) throw new Error(`the SDK call did not settle within ${driveStepsMax} drive steps`);
  return watched;
}

/** Waits (driving the SDK's timers) until the SDK told the app what `find` looks for. */
async function heard<T>(find: () => T | undefined): Promise<T> {
  return drive(
    (async () => {
      for (let round = 0; round < heardRoundsMax; round++) {
        const found = find();
        if (found !== undefined) return found;
        await new Promise((resolve) => setTimeout(resolve, realPauseMs));
      }
      throw new Error('the SDK did not report it');
    })(),
  );
}

function wallet(name: string, storageDir: string): WalletApp {
  return new WalletApp({
    mppUrl: system.urls.mpp,
    user: user(name),
    storage: new NodeFileSecureStorage(storageDir),
    clock: sdkClock,
    deviceName: `tap-flows-${name}`,
  });
}

/**
 * A tampered phone: the same user and device, over a copy of the phone's storage taken earlier and
 * restored. Its SDK believes what the copy says (an active token with unspent credentials).
 */
function restoredPhone(name: string, backupDir: string): WalletApp {
  return new WalletApp({
    mppUrl: system.urls.mpp,
    user: user(name),
    storage: new NodeFileSecureStorage(join(tempDir, backupDir)),
    clock: sdkClock,
    deviceName: `tap-flows-${name}`,
    // The copy is only tapped once; a background replenish of a stale copy is not what is tested.
    config: { replenishThreshold: 0 },
  });
}

/** One tap after a second of virtual time, carrying a custom data value the payment is found by. */
async function tap(phone: WalletApp, amountMinor: bigint): Promise<TapResult & { customData: string }> {
  await clock.advanceMs(betweenTapsMs);
  tapNumber += 1;
  const customData = `tap-flows-${tapNumber}`;
  phone.sdk.setCustomData(customData);
  const result = await shop.tap(phone, amountMinor);
  phone.sdk.setCustomData(undefined);
  if (result.outcome.kind === 'APPROVED') {
    const customerId = phone.user.customerId;
    approvedMinor.set(customerId, (approvedMinor.get(customerId) ?? 0n) + amountMinor);
  }
  return { ...result, customData };
}

async function codeOf(action: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await action;
    return 'ok';
  } catch (error) {
    if (error instanceof SdkError) return error.code;
    throw error;
  }
}

beforeAll(async () => {
  tempDir = mkdtempSync(join(tmpdir(), 'tapkit-tap-flows-'));
  clock = new VirtualClock(startMs);
  sdkClock = new SdkClock(clock);
  system = await startSystem({
    dataDir: join(tempDir, 'data'),
    clock,
    ports: { web: 0, mpp: 0, alipayPlus: 0, issuerTcp: 0, tokenService: 0, acquirerTcp: 0 },
    webDistDir: join(tempDir, 'no-dist'),
  });
  admin = new MppAdmin(system);
  shop = new Shop(system, clock);
  alice = wallet('alice', join(tempDir, 'alice-phone'));
  bob = wallet('bob', join(tempDir, 'bob-phone'));
}, 30_000);

afterAll(async () => {
  await shop?.close();
  await system?.close();
  rmSync(tempDir, { recursive: true, force: true });
});

describe('tap flows across every party on loopback', () => {
  it('logs in, connects and activates manually: progress in order over 20–30 s of virtual time', async () => {
    await alice.start();
    expect(await alice.sdk.isPaymentAvailable()).toBe(PAYMENT_STATUS.NO_CARD);
    const beganMs = clock.nowMs();
    const status = await drive(
      alice.sdk.activatePayment({
        silentActivate: false,
        doConfirm: false,
        onProgress: (p) => alice.events.progress.push(p),
      }),
    );
    const elapsedMs = clock.nowMs() - beganMs;
    expect(status).toBe(PAYMENT_STATUS.PAYMENT_ALLOWED);
    // Every phase is reported, in the documented order, never going back.
    const order = alice.events.progress.map((p) => ACTIVATION_PHASES.indexOf(p.phase));
    expect(order.every((index, i) => i === 0 || index >= (order[i - 1] ?? 0))).toBe(true);
    expect([...new Set(order)]).toEqual(ACTIVATION_PHASES.map((_, index) => index));
    const percents = alice.events.progress.map((p) => p.percent);
    expect(percents.every((percent, i) => i === 0 || percent >= (percents[i - 1] ?? 0))).toBe(true);
    expect(percents.at(-1)).toBe(100);
    // The SDK polls every 2 s (SDK default), so it sees the end of the delay within one poll.
    expect(elapsedMs).toBeGreaterThanOrEqual(provisioningMinMs);
    expect(elapsedMs).toBeLessThanOrEqual(provisioningMaxMs + 4_000);
    // EVENT_APPLY with the doc's parameters; the approval wait is the provisioning delay (virtual ms).
    const apply = alice.events.monitor.find((e) => e.id === 'EVENT_APPLY')?.params;
    expect(apply).toMatchObject({ applyResult: 'SUCCESS', phase: 'DONE', isSilent: false });
    expect(apply?.applyLoopTimeConsume).toBeGreaterThanOrEqual(provisioningMinMs - 2_000);
    expect(apply?.applyTimeConsume).toBe(elapsedMs);
    expect(typeof apply?.activateLoopTimeConsume).toBe('number');
    expect(alice.sdk.credentialsRemaining()).toBe(20);
  }, 30_000);

  it('approves a tap and debits the wallet by exactly the amount', async () => {
    const before = await admin.balanceMinor('CUST-ALICE');
    const amountMinor = 1_234n;
    const result = await tap(alice, amountMinor);
    expect(result.label).toBe('APPROVED');
    expect(await admin.balanceMinor('CUST-ALICE')).toBe(before - amountMinor);
    const [payment] = await alice.paymentsWithCustomData(result.customData);
    expect(payment).toMatchObject({ status: 'SUCCESS', paymentAmount: { currency: 'HKD', value: '1234' } });
    expect(alice.sdk.credentialsRemaining()).toBe(19);
    expect(alice.events.completions.at(-1)).toMatchObject({ cryptogram: 'ARQC', atc: 1 });
  });

  it('replenishes once on its own when the credentials fall below 10, and the count recovers', async () => {
    const replenishes = () => alice.events.monitor.filter((e) => e.id === 'EVENT_REPLENISH');
    const before = await admin.balanceMinor('CUST-ALICE');
    let spentMinor = 0n;
    const counts: number[] = [];
    for (let taps = 0; taps < tapCountMax && replenishes().length === 0; taps++) {
      const amountMinor = BigInt(100 + taps);
      const result = await tap(alice, amountMinor);
      expect(result.label).toBe('APPROVED');
      spentMinor += amountMinor;
      counts.push(alice.sdk.credentialsRemaining());
    }
    // 19 left after the first tap: ten more taps leave 9, below the threshold of 10.
    expect(counts.slice(0, -1)).toEqual([18, 17, 16, 15, 14, 13, 12, 11, 10]);
    expect(replenishes()).toEqual([
      { id: 'EVENT_REPLENISH', params: expect.objectContaining({ result: 'SUCCESS' }) },
    ]);
    expect(alice.sdk.credentialsRemaining()).toBe(9 + 20);
    // One more tap stays above the threshold: no second replenish.
    const after = await tap(alice, 99n);
    expect(after.label).toBe('APPROVED');
    spentMinor += 99n;
    expect(replenishes()).toHaveLength(1);
    expect(await admin.balanceMinor('CUST-ALICE')).toBe(before - spentMinor);
  });

  it('lock: the SDK refuses (10008), a rolled-back device is declined 57 by the network; unlock approves', async () => {
    const before = await admin.balanceMinor('CUST-ALICE');
    // A tampered device: a copy of the phone's storage from before the lock, restored afterwards. Its SDK
    // still believes the token is active and answers the terminal with a valid cryptogram.
    cpSync(join(tempDir, 'alice-phone'), join(tempDir, 'alice-phone-backup'), { recursive: true });
    expect(await alice.sdk.lock()).toBe(PAYMENT_STATUS.LOCKED);
    expect(await alice.sdk.isPaymentAvailable({ refresh: true })).toBe(PAYMENT_STATUS.LOCKED);
    const credentials = alice.sdk.credentialsRemaining();
    const failures = alice.events.failures.length;
    const refused = await tap(alice, 500n);
    expect(refused.label).toBe('END_APPLICATION STATUS_WORD at GET_PROCESSING_OPTIONS 6985');
    expect(alice.events.failures.slice(failures)).toEqual([
      { result: 'TOKEN_UNAVAILABLE', code: SDK_RESULT_CODES.TOKEN_UNAVAILABLE },
    ]);
    expect(alice.sdk.credentialsRemaining()).toBe(credentials);

    const tampered = restoredPhone('alice', 'alice-phone-backup');
    await tampered.start();
    expect(await tampered.sdk.isPaymentAvailable()).toBe(PAYMENT_STATUS.PAYMENT_ALLOWED);
    const declined = await tap(tampered, 500n);
    expect(tampered.events.completions).toHaveLength(1);
    expect(tampered.events.completions[0]?.cryptogram).toBe('ARQC');
    expect(declined.label).toBe('DECLINED 57');
    // The network declined on the token's status: the pay never reached the MPP.
    expect(await alice.paymentsWithCustomData(declined.customData)).toEqual([]);
    expect(await admin.balanceMinor('CUST-ALICE')).toBe(before);

    expect(await alice.sdk.unlock()).toBe(PAYMENT_STATUS.PAYMENT_ALLOWED);
    const approved = await tap(alice, 500n);
    expect(approved.label).toBe('APPROVED');
    expect(await admin.balanceMinor('CUST-ALICE')).toBe(before - 500n);
  });

  it('two-tap CDCVM above the no-CVM limit: SEE PHONE, the user authenticates, the second tap pays', async () => {
    const before = await admin.balanceMinor('CUST-ALICE');
    const amountMinor = 7_500n;
    const authRequests = alice.events.authRequests.length;
    const failures = alice.events.failures.length;
    const first = await tap(alice, amountMinor);
    expect(first.label).toBe('SEE_PHONE');
    expect(alice.events.authRequests.slice(authRequests).map((info) => info.authorizedAmountMinor)).toEqual([
      amountMinor,
    ]);
    expect(alice.events.failures.slice(failures)).toMatchObject([
      { result: 'CDCVM_REQUIRED', code: SDK_RESULT_CODES.CDCVM_REQUIRED },
    ]);
    expect(await admin.balanceMinor('CUST-ALICE')).toBe(before);
    alice.sdk.notifyUserAuthenticated();
    const second = await tap(alice, amountMinor);
    expect(second.label).toBe('APPROVED');
    expect(alice.events.completions.at(-1)?.cryptogram).toBe('ARQC');
    expect(await admin.balanceMinor('CUST-ALICE')).toBe(before - amountMinor);
  });

  it('silent activation stops at 11 until the user confirms (doConfirm)', async () => {
    await bob.start();
    const status = await drive(bob.sdk.activatePayment({ silentActivate: true }));
    expect(status).toBe(PAYMENT_STATUS.ACTIVATION_PREPARED);
    expect(await bob.sdk.isPaymentAvailable()).toBe(PAYMENT_STATUS.ACTIVATION_PREPARED);
    const early = await tap(bob, 300n);
    expect(early.label).toBe('END_APPLICATION STATUS_WORD at GET_PROCESSING_OPTIONS 6985');
    expect(bob.events.failures).toEqual([
      { result: 'TOKEN_UNAVAILABLE', code: SDK_RESULT_CODES.TOKEN_UNAVAILABLE },
    ]);
    expect(await drive(bob.sdk.activatePayment({ doConfirm: true }))).toBe(PAYMENT_STATUS.PAYMENT_ALLOWED);
    expect(bob.events.monitor.filter((e) => e.id === 'EVENT_CONFIRM')).toEqual([
      {
        id: 'EVENT_CONFIRM',
        params: {
          confirmResult: 'SUCCESS',
          errorCode: SDK_RESULT_CODES.SUCCESS,
          status: PAYMENT_STATUS.PAYMENT_ALLOWED,
        },
      },
    ]);
    const before = await admin.balanceMinor('CUST-BOB');
    expect((await tap(bob, 300n)).label).toBe('APPROVED');
    expect(await admin.balanceMinor('CUST-BOB')).toBe(before - 300n);
  });

  it('insufficient balance: the network declines 51, the MPP records the failure, the wallet is untouched', async () => {
    const before = await admin.balanceMinor('CUST-BOB');
    const amountMinor = before + 1_000n;
    bob.sdk.notifyUserAuthenticated();
    const result = await tap(bob, amountMinor);
    expect(result.label).toBe('DECLINED 51');
    expect(await admin.balanceMinor('CUST-BOB')).toBe(before);
    const [payment] = await bob.paymentsWithCustomData(result.customData);
    expect(payment).toMatchObject({ status: 'FAILED', resultCode: 'USER_BALANCE_NOT_ENOUGH' });
    // The card's part ended with an ARQC: the 0110 never reaches the phone in this Kernel 2 flow (no
    // second GENERATE AC, no issuer script). The SDK learns the decline from the Ant server's
    // notification feed (NOTIFY PULL, TRANSACTION_RESULT) that it polls after the tap.
    const completion = bob.events.completions.at(-1);
    expect(completion?.cryptogram).toBe('ARQC');
    // docs/protocol/sdk.md#what-the-listener-hears: a declined tap is reported as the decline, with no numbered code.
    const declined = await heard(() => bob.events.failures.find((f) => f.result === 'NETWORK_DECLINED'));
    expect(declined).toEqual({
      result: 'NETWORK_DECLINED',
      atc: completion?.atc,
      de39: '51',
      declineReason: 'USER_BALANCE_NOT_ENOUGH',
    });
  });

  it('disconnect: every action fails with 10006 and the card does not answer; connect restores it', async () => {
    await bob.sdk.disconnect();
    expect(await bob.sdk.isPaymentAvailable()).toBe(PAYMENT_STATUS.DISCONNECTED);
    expect(await codeOf(bob.sdk.lock())).toBe(SDK_RESULT_CODES.SDK_NOT_CONNECTED);
    expect(await codeOf(bob.sdk.replenish())).toBe(SDK_RESULT_CODES.SDK_NOT_CONNECTED);
    expect(await codeOf(bob.sdk.activatePayment())).toBe(SDK_RESULT_CODES.SDK_NOT_CONNECTED);
    expect(() => bob.sdk.credentialsRemaining()).toThrow(expect.objectContaining({ code: 10006 }));
    const result = await tap(bob, 300n);
    expect(result.label).toBe('END_APPLICATION PPSE_NOT_FOUND at SELECT_PPSE 6A82');
    await bob.sdk.connect({ userId: bob.user.customerId });
    expect(await bob.sdk.isPaymentAvailable()).toBe(PAYMENT_STATUS.PAYMENT_ALLOWED);
  });

  it('delete token: status 0 on the phone, and the token is gone at the Ant server and the network', async () => {
    cpSync(join(tempDir, 'bob-phone'), join(tempDir, 'bob-phone-backup'), { recursive: true });
    expect(await bob.sdk.deleteToken()).toBe(PAYMENT_STATUS.NO_CARD);
    expect(await bob.sdk.isPaymentAvailable()).toBe(PAYMENT_STATUS.NO_CARD);
    const result = await tap(bob, 300n);
    expect(result.label).toBe('END_APPLICATION PPSE_NOT_FOUND at SELECT_PPSE 6A82');
    expect(await codeOf(bob.sdk.lock())).toBe(SDK_RESULT_CODES.TOKEN_NOT_EXIST);
    // A copy of the phone from before the deletion still holds the card: the network refuses it, and the
    // Ant server's status makes that copy forget it too.
    const restored = restoredPhone('bob', 'bob-phone-backup');
    await restored.start();
    expect(await restored.sdk.isPaymentAvailable()).toBe(PAYMENT_STATUS.PAYMENT_ALLOWED);
    expect((await tap(restored, 300n)).label).toBe('DECLINED 57');
    expect(await restored.sdk.isPaymentAvailable({ refresh: true })).toBe(PAYMENT_STATUS.NO_CARD);
  });

  it('keeps the ledger balanced, and each wallet is down by exactly what the terminal approved', async () => {
    const report = await admin.invariants();
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.currencies.map((c) => [c.currency, c.postingSumMinor])).toEqual([['HKD', '0']]);
    for (const demoUser of DEMO_USERS) {
      const spentMinor = approvedMinor.get(demoUser.customerId) ?? 0n;
      expect(await admin.balanceMinor(demoUser.customerId)).toBe(demoUser.startHkdMinor - spentMinor);
    }
    expect(approvedMinor.get('CUST-BOB')).toBe(300n);
  });
});
