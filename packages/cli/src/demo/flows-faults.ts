import { expectCalls } from './flows-conversion.ts';
import { Check, type FlowResult } from './types.ts';
import type { DemoWorld, TapResult } from './world.ts';

// Injected faults by amount suffix (docs/protocol/alipayplus-api.md#fault-injection-by-amount): 9901 the
// MPP's answer is dropped, 9902 Alipay+ times out waiting (8 s on the clock), 9904 the network reverses right
// after approval, 9905 no clearing (the expiry path, with the 7-day authorization expiry). Amounts end in the
// suffix; the leading digit comes from the seed.

/** The 8 s pay timeout of Alipay+ (docs/protocol/alipayplus-api.md#timeouts). */
const payTimeoutMs = 8_000;
/** Real time the demo lets the pay reach the MPP before it moves the clock past the pay timeout. */
const inFlightWaitMs = 300;
/** The authorization expiry of a final authorization (7 days) plus an hour. */
const pastFinalExpiryMs = 7 * 86_400_000 + 3_600_000;

function faultAmount(world: DemoWorld, suffix: string): bigint {
  return BigInt(`${world.random.int(1, 3)}${suffix}`);
}

async function paymentState(world: DemoWorld, tap: TapResult): Promise<string> {
  if (tap.networkTraceId === undefined) return 'no trace id';
  const payment = await world.alice.payment(`${tap.networkTraceId}-P`);
  return payment === undefined
    ? 'absent'
    : `${payment.status} refunded ${payment.refundedAmount?.value ?? '0'}`;
}

/** The end state every cancelled-fault row shares: balance back, pay then cancel at the MPP, payment closed. */
async function checkCancelled(
  world: DemoWorld,
  check: Check,
  tap: TapResult,
  before: bigint,
): Promise<FlowResult> {
  const customerId = world.alice.user.customerId;
  const expected = world.expectMinor(check.flow, before);
  check.eq('balance', expected, await world.settledBalance(customerId, expected));
  if (tap.networkTraceId !== undefined) {
    await expectCalls(world, check, tap.networkTraceId, ['pay FINAL', 'cancelPayment']);
  }
  check.eq('MPP payment', 'CANCELLED refunded 0', await paymentState(world, tap));
  return check.result();
}

export async function fault9901Flow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('fault 9901: MPP answer dropped -> 91, inquiry, cancel');
  const customerId = world.alice.user.customerId;
  const before = await world.balance(customerId);
  const tap = await world.tap(world.alice, faultAmount(world, '9901'), { authenticate: true });
  check.eq('POS', 'DECLINED 91', tap.label);
  return checkCancelled(world, check, tap, before);
}

export async function fault9902Flow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('fault 9902: no answer in 8 s -> 91, inquiry resolves');
  const customerId = world.alice.user.customerId;
  const before = await world.balance(customerId);
  const pending = world.tap(world.alice, faultAmount(world, '9902'), { authenticate: true });
  await new Promise((resolve) => setTimeout(resolve, inFlightWaitMs));
  await world.advanceMs(payTimeoutMs + 100);
  const tap = await pending;
  check.eq('POS', 'DECLINED 91', tap.label);
  if (tap.approvalCode?.startsWith('S') === true) {
    check.note(
      'why',
      `approval code ${tap.approvalCode} is a network stand-in: the network's issuer timeout fired no later than Alipay+'s 8 s pay timeout, so the acquirer never saw 91 and the pay was kept`,
    );
  }
  return checkCancelled(world, check, tap, before);
}

export async function fault9904Flow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('fault 9904: reversal right after approval -> cancel');
  const customerId = world.alice.user.customerId;
  const before = await world.balance(customerId);
  const tap = await world.tap(world.alice, faultAmount(world, '9904'), { authenticate: true });
  check.eq('POS', 'APPROVED', tap.label);
  return checkCancelled(world, check, tap, before);
}

/**
 * The two expiry rows share one 7-day move of the clock, on Bob's wallet (Alice's open authorizations
 * expire then too, after their rows were checked): a plain tap never presented, and a 9905 tap whose
 * presentment the acquirer never delivers. Runs last.
 */
export async function expiryFlows(world: DemoWorld): Promise<FlowResult[]> {
  const plain = new Check('authorization expiry (7 days) -> refund');
  const fault = new Check('fault 9905: no clearing -> expiry refund');
  const phone = world.bob;
  const customerId = phone.user.customerId;
  const plainAmount = world.random.amountMinor(100n, 3_000n);
  const faultMinor = faultAmount(world, '9905');
  await world.topUp(customerId, plainAmount + faultMinor);
  const before = await world.balance(customerId);
  const first = await world.tap(phone, plainAmount);
  plain.eq('POS', 'APPROVED', first.label);
  const second = await world.tap(phone, faultMinor, { authenticate: true });
  fault.eq('POS', 'APPROVED', second.label);
  if (second.networkTraceId !== undefined) {
    const done = await world.clear(second.networkTraceId);
    fault.eq('presented', 'ok', done.ok ? 'ok' : done.error);
  }
  fault.eq('balance after both taps', before - plainAmount - faultMinor, await world.balance(customerId));
  await world.advanceMs(pastFinalExpiryMs);
  const expected = world.expectMinor(fault.flow, world.expectMinor(plain.flow, before));
  const observed = await world.settledBalance(customerId, expected);
  for (const [check, tap, amount] of [
    [plain, first, plainAmount],
    [fault, second, faultMinor],
  ] as const) {
    const payment =
      tap.networkTraceId === undefined ? undefined : await phone.payment(`${tap.networkTraceId}-P`);
    const state = `${payment?.status} refunded ${payment?.refundedAmount?.value ?? '0'}`;
    check.eq('MPP payment', `SUCCESS refunded ${amount}`, state);
    if (tap.networkTraceId !== undefined)
      await expectCalls(world, check, tap.networkTraceId, ['pay FINAL', 'refund']);
    check.eq('balance', expected, observed);
  }
  return [plain.result(), fault.result()];
}
