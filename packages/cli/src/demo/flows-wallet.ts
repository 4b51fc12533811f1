import { ACTIVATION_PHASES, PAYMENT_STATUS, SDK_RESULT_CODES } from '@tapkit/sdk';
import { Check, type FlowResult } from './types.ts';
import { type DemoWorld, settleTimeoutMs } from './world.ts';

// The wallet flows: activation (manual and silent), a tap, auto-replenish, lock/unlock, the two-tap CDCVM
// and insufficient funds. Alice's phone is activated manually, Bob's silently.

/** An amount below the no-CVM limit that selects no injected fault (its last 4 digits stay below 9901). */
export function smallAmount(world: DemoWorld): bigint {
  return world.random.amountMinor(100n, 3_000n);
}

export async function activationFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('activation (manual, progress events)');
  const progress = world.alice.events.progress;
  const status = await world.alice.sdk.activatePayment({
    silentActivate: false,
    doConfirm: false,
    onProgress: (p) => progress.push(p),
  });
  check.eq('status', PAYMENT_STATUS.PAYMENT_ALLOWED, status);
  check.eq('ActivateStatusListener', PAYMENT_STATUS.PAYMENT_ALLOWED, world.alice.events.statuses.at(-1));
  const apply = world.alice.events.monitor.find((e) => e.id === 'EVENT_APPLY')?.params;
  check.eq('EVENT_APPLY', 'SUCCESS DONE false', `${apply?.applyResult} ${apply?.phase} ${apply?.isSilent}`);
  const phases = progress.map((p) => p.phase).filter((phase, i, all) => all.indexOf(phase) === i);
  check.eq('phases', ACTIVATION_PHASES.join('>'), phases.join('>'));
  const percents = progress.map((p) => p.percent);
  const rising = percents.every((percent, i) => i === 0 || percent >= (percents[i - 1] ?? 0));
  check.eq('percent rising to 100', 'true', rising && percents.at(-1) === 100);
  check.eq('credentials > 0', 'true', world.alice.sdk.credentialsRemaining() > 0);
  return check.result();
}

export async function silentActivationFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('silent activation + doConfirm');
  const silent = await world.bob.sdk.activatePayment({ silentActivate: true });
  check.eq('silent status', PAYMENT_STATUS.ACTIVATION_PREPARED, silent);
  check.eq(
    'isPaymentAvailable',
    PAYMENT_STATUS.ACTIVATION_PREPARED,
    await world.bob.sdk.isPaymentAvailable(),
  );
  const confirmed = await world.bob.sdk.activatePayment({ silentActivate: false, doConfirm: true });
  check.eq('after confirm', PAYMENT_STATUS.PAYMENT_ALLOWED, confirmed);
  check.eq('ActivateStatusListener', '11>2', world.bob.events.statuses.join('>'));
  const confirm = world.bob.events.monitor.find((e) => e.id === 'EVENT_CONFIRM')?.params;
  check.eq('EVENT_CONFIRM', 'SUCCESS 10000', `${confirm?.confirmResult} ${confirm?.errorCode}`);
  return check.result();
}

export async function tapFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('tap -> APPROVED, wallet debited');
  const customerId = world.alice.user.customerId;
  const before = await world.balance(customerId);
  const credentialsBefore = world.alice.sdk.credentialsRemaining();
  const amount = smallAmount(world);
  const tap = await world.tap(world.alice, amount);
  check.eq('POS', 'APPROVED', tap.label);
  const expected = world.expectMinor(check.flow, before - amount);
  check.eq('balance', expected, await world.settledBalance(customerId, expected));
  const payment =
    tap.networkTraceId === undefined ? undefined : await world.alice.payment(`${tap.networkTraceId}-P`);
  check.eq('MPP payment', 'SUCCESS', payment?.status);
  const spent = credentialsBefore - world.alice.sdk.credentialsRemaining();
  // An auto-replenish may follow the tap; without one exactly one credential is gone.
  check.eq('one credential spent (or replenished)', 'true', spent === 1 || spent < 0);
  return check.result();
}

/** Taps until the SDK replenishes on its own; bounded by the credentials a batch can hold. */
export async function replenishFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('auto-replenish below 10 credentials');
  const phone = world.alice;
  const customerId = phone.user.customerId;
  const replenishes = () => phone.events.monitor.filter((e) => e.id === 'EVENT_REPLENISH').length;
  const eventsBefore = replenishes();
  const balanceBefore = await world.balance(customerId);
  const tapCountMax = 40;
  let spentMinor = 0n;
  let lastBefore = phone.sdk.credentialsRemaining();
  let approved = 0;
  let taps = 0;
  for (; taps < tapCountMax && replenishes() === eventsBefore; taps++) {
    lastBefore = phone.sdk.credentialsRemaining();
    const amount = world.random.amountMinor(100n, 500n);
    const tap = await world.tap(phone, amount);
    if (tap.label !== 'APPROVED') break;
    approved += 1;
    spentMinor += amount;
  }
  check.eq('taps approved', taps, approved);
  check.eq('replenish events', 1, replenishes() - eventsBefore);
  const last = phone.events.monitor.at(-1);
  check.eq('replenish result', 'SUCCESS', last?.id === 'EVENT_REPLENISH' ? last.params.result : 'none');
  check.eq(
    'countCredential',
    phone.sdk.credentialsRemaining(),
    last?.id === 'EVENT_REPLENISH' ? last.params.countCredential : 'none',
  );
  check.eq('count before refill < 10', 'true', lastBefore - 1 < 10);
  check.eq('count recovered >= 10', 'true', phone.sdk.credentialsRemaining() >= 10);
  const expected = world.expectMinor(check.flow, balanceBefore - spentMinor);
  check.eq('balance', expected, await world.settledBalance(customerId, expected));
  return check.result();
}

export async function lockFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('lock -> SDK refuses (10008); unlock -> approved');
  const phone = world.alice;
  const customerId = phone.user.customerId;
  const before = await world.balance(customerId);
  check.eq('lock', PAYMENT_STATUS.LOCKED, await phone.sdk.lock());
  const failuresBefore = phone.events.failures.length;
  const refused = await world.tap(phone, smallAmount(world));
  check.eq('POS while locked', 'END_APPLICATION STATUS_WORD 6985', refused.label);
  const failure = phone.events.failures.slice(failuresBefore)[0];
  check.eq('SDK failure', SDK_RESULT_CODES.TOKEN_UNAVAILABLE, failure?.code);
  check.eq('unlock', PAYMENT_STATUS.PAYMENT_ALLOWED, await phone.sdk.unlock());
  const amount = smallAmount(world);
  const tap = await world.tap(phone, amount);
  check.eq('POS after unlock', 'APPROVED', tap.label);
  const expected = world.expectMinor(check.flow, before - amount);
  check.eq('balance', expected, await world.settledBalance(customerId, expected));
  return check.result();
}

export async function cdcvmFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('two-tap CDCVM above the no-CVM limit');
  const phone = world.alice;
  const customerId = phone.user.customerId;
  const before = await world.balance(customerId);
  const amount = world.random.amountMinor(world.terminalConfig.noCvmLimitMinor + 1n, 9_000n);
  const authRequestsBefore = phone.events.authRequests;
  const first = await world.tap(phone, amount);
  check.eq('first tap', 'SEE_PHONE', first.label);
  check.eq('onTransactionAuth', 1, phone.events.authRequests - authRequestsBefore);
  const second = await world.tap(phone, amount, { authenticate: true });
  check.eq('second tap', 'APPROVED', second.label);
  const expected = world.expectMinor(check.flow, before - amount);
  check.eq('balance', expected, await world.settledBalance(customerId, expected));
  return check.result();
}

export async function insufficientFundsFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('insufficient funds -> DE39 51');
  const phone = world.bob;
  const customerId = phone.user.customerId;
  const before = await world.balance(customerId);
  const amount = before + world.random.amountMinor(1n, 2_000n);
  const failuresBefore = phone.events.failures.length;
  const completionsBefore = phone.events.completions.length;
  const tap = await world.tap(phone, amount, { authenticate: true });
  check.eq('POS', 'DECLINED 51', tap.label);
  const payment =
    tap.networkTraceId === undefined ? undefined : await phone.payment(`${tap.networkTraceId}-P`);
  check.eq('MPP payment', 'FAILED USER_BALANCE_NOT_ENOUGH', `${payment?.status} ${payment?.resultCode}`);
  // docs/architecture.md#a-tap: the SDK reports onTransactionFailed; a network decline comes after the card's ARQC, so
  // the SDK learns it from the Ant server's notification feed it polls after the tap (1 s, 2 s, ...). It
  // is reported as the decline (docs/protocol/sdk.md#what-the-listener-hears), with the MPP's resultCode as
  // the reason, not as a code.
  const declined = await waitFor(() =>
    phone.events.failures.slice(failuresBefore).some((failure) => failure.result === 'NETWORK_DECLINED'),
  );
  const decline = phone.events.failures.slice(failuresBefore).find((f) => f.result === 'NETWORK_DECLINED');
  check.eq(
    'SDK failure event',
    'NETWORK_DECLINED USER_BALANCE_NOT_ENOUGH',
    declined ? `${decline?.result} ${decline?.declineReason}` : 'none',
  );
  if (!declined) {
    const completed = phone.events.completions.slice(completionsBefore).join(',');
    check.note(
      'why',
      `the SDK reported onTransactionComplete(${completed || 'none'}) but no TRANSACTION_RESULT came from the Ant server's feed within ${settleTimeoutMs} ms`,
    );
  }
  const expected = world.expectMinor(check.flow, before);
  check.eq('balance', expected, await world.settledBalance(customerId, expected));
  return check.result();
}

/** Polls `done` in real time (the demo's clock is real time plus an offset) for up to `timeoutMs`. */
async function waitFor(done: () => boolean, timeoutMs = settleTimeoutMs): Promise<boolean> {
  const pollMs = 50;
  for (let waitedMs = 0; waitedMs <= timeoutMs; waitedMs += pollMs) {
    if (done()) return true;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return done();
}
