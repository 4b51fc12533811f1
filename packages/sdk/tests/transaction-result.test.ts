// After an ARQC the SDK learns the issuer's decision from the REAL Ant server's notification feed
// (NOTIFY PULL, TRANSACTION_RESULT events; see support/world.ts): a decline (DE39 51, insufficient
// balance) reaches onTransactionFailed as NETWORK_DECLINED with the decline reason (no code,
// docs/protocol/sdk.md#what-the-listener-hears), an approval onTransactionResult only. The issuer's port
// (recordTransactionResult) is called here as the issuer processor calls it after its 0110.
import { afterEach, describe, expect, it } from 'vitest';
import { MemorySecureStorage } from '../src/adapters/memory-storage.ts';
import type { TransactionFailure, TransactionOutcome } from '../src/ports.ts';
import { createNfcSdk, type NfcSdk } from '../src/sdk.ts';
import { swOf, tap } from './support/card-fixture.ts';
import { drive, startWorld, type World } from './support/world.ts';

const MPP = 'TAPKIT_MPP_SDK_TEST';
const CUSTOMER = 'customer-1';

let world: World | undefined;

afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface Heard {
  failed: TransactionFailure[];
  results: TransactionOutcome[];
  completed: number[];
}

async function activated(
  config: Record<string, unknown> = {},
): Promise<{ w: World; sdk: NfcSdk; heard: Heard }> {
  const w = await startWorld();
  world = w;
  const heard: Heard = { failed: [], results: [], completed: [] };
  const sdk = createNfcSdk({
    requestProxy: w.proxyFor(CUSTOMER),
    storage: new MemorySecureStorage(),
    deviceFingerprint: async () => 'fp-sdk-test',
    clock: w.clock,
    config,
    transactionListener: {
      onTransactionComplete: (result) => heard.completed.push(result.atc),
      onTransactionFailed: (failure) => heard.failed.push(failure),
      onTransactionResult: (outcome) => heard.results.push(outcome),
    },
  });
  await sdk.init();
  await sdk.connect({ userId: CUSTOMER });
  expect(await drive(w.clock, sdk.activatePayment())).toBe(2);
  return { w, sdk, heard };
}

async function tokenOf(w: World): Promise<string> {
  const answer = await w.ant.ant.handleSdkProxy(MPP, {
    customerId: CUSTOMER,
    sdkRequestType: 'SYNC_TOKEN',
    sdkRequestHeader: '{"sdkVersion":"0.1.0"}',
    sdkRequestBody: JSON.stringify({ op: 'STATUS' }),
  });
  return JSON.parse(answer.sdkResponseBody ?? '{}').value.tokens[0].tokenUniqueReference as string;
}

/** Moves the virtual clock 250 ms at a time (letting real I/O run between) until `check` holds. */
async function until(w: World, check: () => boolean, virtualMsMax = 30_000): Promise<void> {
  const startMs = w.clock.nowMs();
  for (let round = 0; round < 2_000 && !check() && w.clock.nowMs() - startMs < virtualMsMax; round++) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    await w.clock.advanceMs(250);
  }
  // Let the last poll's I/O finish before the caller looks.
  for (let round = 0; round < 5; round++) await new Promise((resolve) => setTimeout(resolve, 2));
}

const notifyCalls = (w: World) => w.calls.filter((type) => type === 'NOTIFY').length;

describe('the issuer decision after an ARQC, from the Ant server notification feed', () => {
  it('a decline with DE39 51 reaches onTransactionFailed as NETWORK_DECLINED with the ATC and the MPP resultCode', async () => {
    const { w, sdk, heard } = await activated();
    const tur = await tokenOf(w);
    const responses = await tap(sdk, { amountMinor: 4200n });
    expect(swOf(responses[4] ?? new Uint8Array())).toBe(0x9000);
    expect(heard.completed).toEqual([1]);
    // The tap has answered; no poll has run yet (the first is 1 s after the tap, on the clock).
    expect(notifyCalls(w)).toBe(0);
    await w.ant.recordTransactionResult({
      tokenUniqueReference: tur,
      atc: 1,
      networkTraceId: 'TRACE-51',
      approved: false,
      de39: '51',
      resultCode: 'USER_BALANCE_NOT_ENOUGH',
      amount: { currency: 'HKD', value: '4200' },
    });
    await until(w, () => heard.failed.length > 0);
    expect(heard.failed).toHaveLength(1);
    expect(heard.failed[0]).toMatchObject({
      result: 'NETWORK_DECLINED',
      atc: 1,
      de39: '51',
      declineReason: 'USER_BALANCE_NOT_ENOUGH',
      transactionInfo: { authorizedAmountMinor: 4200n },
    });
    expect(heard.failed[0]?.error).toBeUndefined();
    expect(heard.results).toEqual([
      {
        tokenUniqueReference: tur,
        atc: 1,
        approved: false,
        de39: '51',
        resultCode: 'USER_BALANCE_NOT_ENOUGH',
        networkTraceId: 'TRACE-51',
        amount: { currency: 'HKD', valueMinor: 4200n },
      },
    ]);
    // Found at the first poll: no further polls for this tap.
    const polls = notifyCalls(w);
    await until(w, () => false, 10_000);
    expect(notifyCalls(w)).toBe(polls);
  });

  it('an approval reaches onTransactionResult only; a result for another ATC is not this tap', async () => {
    const { w, sdk, heard } = await activated();
    const tur = await tokenOf(w);
    await tap(sdk, { amountMinor: 100n });
    const result = {
      tokenUniqueReference: tur,
      networkTraceId: 'TRACE-00',
      approved: true,
      de39: '00',
      amount: { currency: 'HKD', value: '100' },
    };
    await w.ant.recordTransactionResult({ ...result, atc: 99 });
    await w.ant.recordTransactionResult({ ...result, atc: 1 });
    await until(w, () => heard.results.length > 0);
    expect(heard.results.map((r) => [r.atc, r.approved, r.de39])).toEqual([[1, true, '00']]);
    expect(heard.failed).toEqual([]);
  });

  it('polls at the configured offsets only, and reports nothing when no result comes', async () => {
    const { w, sdk, heard } = await activated({ transactionResultPollAtMs: [1_000, 3_000] });
    await tap(sdk, { amountMinor: 100n });
    await until(w, () => false, 20_000);
    expect(notifyCalls(w)).toBe(2);
    expect(heard.results).toEqual([]);
    expect(heard.failed).toEqual([]);
  });

  it('keeps polling past a failed PULL (offline), and stops after disconnect', async () => {
    const { w, sdk, heard } = await activated();
    const tur = await tokenOf(w);
    await tap(sdk, { amountMinor: 100n });
    w.offline = true;
    await until(w, () => notifyCalls(w) >= 1);
    w.offline = false;
    await w.ant.recordTransactionResult({
      tokenUniqueReference: tur,
      atc: 1,
      networkTraceId: 'TRACE-05',
      approved: false,
      de39: '05',
      amount: { currency: 'HKD', value: '100' },
    });
    await until(w, () => heard.failed.length > 0);
    expect(heard.failed[0]).toMatchObject({ result: 'NETWORK_DECLINED', atc: 1, de39: '05' });
    expect(heard.failed[0]?.declineReason).toBeUndefined();

    await tap(sdk, { amountMinor: 100n });
    await sdk.disconnect();
    const before = notifyCalls(w);
    await until(w, () => false, 20_000);
    expect(notifyCalls(w)).toBe(before);
  });
});
