import type { JournalEntry } from '@tapkit/terminal';
import { smallAmount } from './flows-wallet.ts';
import { Check, type FlowResult } from './types.ts';
import { type DemoWorld, msPastCancelWindow, otherShopConfig, type Shop } from './world.ts';

// Every row of the conversion table (docs/protocol/alipayplus-api.md#conversion-rules): reversals, partial
// reversal, clearing equal / lower / higher / without authorization, pre-authorization + incremental, refunds
// matched, in excess and unlinked. Each flow taps on Alice's phone, acts as the merchant or the acquirer,
// then reads her balance.

interface Approved {
  readonly traceId: string;
  readonly entry: JournalEntry;
}

/** A tap that must be approved; records the check and returns what later steps need. */
async function approvedTap(
  world: DemoWorld,
  check: Check,
  amountMinor: bigint,
  options: { authorizationType?: string; shop?: Shop } = {},
): Promise<Approved | undefined> {
  const tap = await world.tap(world.alice, amountMinor, { authenticate: true, ...options });
  check.eq('POS', 'APPROVED', tap.label);
  if (tap.label !== 'APPROVED' || tap.networkTraceId === undefined || tap.entry === undefined)
    return undefined;
  return { traceId: tap.networkTraceId, entry: tap.entry };
}

async function expectBalance(world: DemoWorld, check: Check, expectedMinor: bigint): Promise<void> {
  const customerId = world.alice.user.customerId;
  const expected = world.expectMinor(check.flow, expectedMinor);
  check.eq('balance', expected, await world.settledBalance(customerId, expected));
}

/** The calls Alipay+ made to the MPP for `traceId` (the conversion table's right-hand column). */
export async function expectCalls(
  world: DemoWorld,
  check: Check,
  traceId: string,
  expected: readonly string[],
): Promise<void> {
  check.eq('Alipay+ calls', [...expected].sort().join(','), await world.settledCalls(traceId, expected));
}

/** The MPP's payment for the authorization's pay (`<trace>-P`, the issuer's derived id), as status/refunded. */
async function paymentState(world: DemoWorld, traceId: string): Promise<string> {
  const payment = await world.alice.payment(`${traceId}-P`);
  if (payment === undefined) return 'absent';
  return `${payment.status} refunded ${payment.refundedAmount?.value ?? '0'}`;
}

export async function reversalInWindowFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('full reversal in the cancel window -> cancelPayment');
  const before = await world.balance(world.alice.user.customerId);
  const tap = await approvedTap(world, check, smallAmount(world));
  if (tap === undefined) return check.failed('the tap was not approved');
  const voided = await world.terminal.panel.voidTransaction(tap.entry.rrn);
  check.eq('void', 'ok', voided.ok ? 'ok' : voided.error.code);
  await expectBalance(world, check, before);
  await expectCalls(world, check, tap.traceId, ['pay FINAL', 'cancelPayment']);
  check.eq('MPP payment', 'CANCELLED refunded 0', await paymentState(world, tap.traceId));
  return check.result();
}

export async function reversalAfterWindowFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('full reversal after the cancel window -> refund');
  const before = await world.balance(world.alice.user.customerId);
  const amount = smallAmount(world);
  const paidAtMs = world.system.clock.nowMs();
  const tap = await approvedTap(world, check, amount);
  if (tap === undefined) return check.failed('the tap was not approved');
  await world.advanceMs(msPastCancelWindow(paidAtMs, world.system.clock.nowMs()));
  const voided = await world.terminal.panel.voidTransaction(tap.entry.rrn);
  check.eq('void', 'ok', voided.ok ? 'ok' : voided.error.code);
  await expectBalance(world, check, before);
  await expectCalls(world, check, tap.traceId, ['pay FINAL', 'refund']);
  check.eq('MPP payment', `SUCCESS refunded ${amount}`, await paymentState(world, tap.traceId));
  return check.result();
}

export async function partialReversalFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('partial reversal -> refund of the difference');
  const before = await world.balance(world.alice.user.customerId);
  const amount = smallAmount(world) + 1_000n;
  const remaining = world.random.amountMinor(1n, amount - 1n);
  const tap = await approvedTap(world, check, amount);
  if (tap === undefined) return check.failed('the tap was not approved');
  const answer = await world.connection.partialReversal({
    original: tap.entry,
    remainingMinor: remaining,
    config: world.terminalConfig,
    atMs: world.system.clock.nowMs(),
  });
  check.eq('0410 DE39', '00', 'error' in answer ? answer.error : answer.responseCode);
  await expectBalance(world, check, before - remaining);
  await expectCalls(world, check, tap.traceId, ['pay FINAL', 'refund']);
  check.eq('MPP payment', `SUCCESS refunded ${amount - remaining}`, await paymentState(world, tap.traceId));
  return check.result();
}

/** Clearing for `clearMinor` of a tap for `authMinor`; `clearMinor` undefined presents the authorized amount. */
async function clearingFlow(
  world: DemoWorld,
  name: string,
  amounts: (authMinor: bigint) => bigint | undefined,
  calls: readonly string[],
): Promise<FlowResult> {
  const check = new Check(name);
  const before = await world.balance(world.alice.user.customerId);
  const authorized = smallAmount(world) + 500n;
  const cleared = amounts(authorized);
  const tap = await approvedTap(world, check, authorized);
  if (tap === undefined) return check.failed('the tap was not approved');
  const done = await world.clear(tap.traceId, cleared);
  if (!done.ok) return check.failed(`clearing: ${done.error}`);
  await expectBalance(world, check, before - (cleared ?? authorized));
  await expectCalls(world, check, tap.traceId, calls);
  const record = await world.authorization(tap.traceId);
  check.eq('issuer cleared', cleared ?? authorized, record?.clearedMinor);
  return check.result();
}

export const clearingEqualFlow = (world: DemoWorld) =>
  clearingFlow(world, 'clearing = authorized -> nothing', () => undefined, ['pay FINAL']);

export const clearingLowerFlow = (world: DemoWorld) =>
  clearingFlow(
    world,
    'clearing < authorized -> refund of the difference',
    (authMinor) => world.random.amountMinor(1n, authMinor - 1n),
    ['pay FINAL', 'refund'],
  );

export const clearingHigherFlow = (world: DemoWorld) =>
  clearingFlow(
    world,
    'clearing > authorized -> pay CLEARING_ADJUSTMENT',
    (authMinor) => world.random.amountMinor(authMinor + 1n, authMinor + 1_500n),
    ['pay FINAL', 'pay CLEARING_ADJUSTMENT'],
  );

export async function clearingWithoutAuthorizationFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('clearing without authorization -> pay');
  const card = (await world.journal.list(50)).find((entry) => entry.kind === 'PURCHASE')?.card;
  if (card === undefined) return check.failed('no earlier tap to read the token PAN from');
  const before = await world.balance(world.alice.user.customerId);
  const amount = smallAmount(world);
  const presented = await world.desk.presentWithoutAuthorization({
    tokenPan: card.pan,
    amountMinor: amount,
    currencyNumeric: world.terminalConfig.currencyCode,
    merchantId: world.terminalConfig.merchantId,
    terminalId: world.terminalConfig.terminalId,
  });
  if (!presented.ok) return check.failed(`presentment: ${presented.error}`);
  const closed = await world.desk.closeBusinessDay([]);
  if (!closed.ok) return check.failed(`close day: ${closed.error}`);
  await expectBalance(world, check, before - amount);
  return check.result();
}

/**
 * A pre-authorization expires after 30 days; each incremental adds 30 days
 * (docs/protocol/emv.md#authorization-validity).
 */
const preAuthExpiryDays = 30;

/** Whole days from `fromMs` to the issuer record's expiresAt (ISO text), or a description of what is missing. */
function expiryDays(record: Record<string, unknown> | undefined, fromMs: number): string {
  const expiresAtMs = typeof record?.expiresAt === 'string' ? Date.parse(record.expiresAt) : Number.NaN;
  return Number.isNaN(expiresAtMs) ? 'no expiresAt' : String(Math.round((expiresAtMs - fromMs) / 86_400_000));
}

export async function preAuthIncrementalFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('pre-authorization + incremental, then clearing');
  const before = await world.balance(world.alice.user.customerId);
  const preAuth = smallAmount(world) + 1_000n;
  const increment = smallAmount(world);
  const authorizedAtMs = world.system.clock.nowMs();
  const tap = await approvedTap(world, check, preAuth, { authorizationType: 'PRE_AUTHORIZATION' });
  if (tap === undefined) return check.failed('the pre-authorization was not approved');
  const record = await world.authorization(tap.traceId);
  check.eq('issuer type', 'PRE_AUTH', record?.type);
  check.eq('expiry days', preAuthExpiryDays, expiryDays(record, authorizedAtMs));
  const answer = await world.connection.incremental({
    original: tap.entry,
    originalTraceId: tap.traceId,
    amountMinor: increment,
    config: world.terminalConfig,
    atMs: world.system.clock.nowMs(),
  });
  check.eq('incremental DE39', '00', 'error' in answer ? answer.error : answer.responseCode);
  await expectBalance(world, check, before - preAuth - increment);
  await expectCalls(world, check, tap.traceId, ['pay PRE_AUTH', 'pay INCREMENTAL']);
  const extended = await world.authorization(tap.traceId);
  check.eq('expiry days after incremental', 2 * preAuthExpiryDays, expiryDays(extended, authorizedAtMs));
  const done = await world.clear(tap.traceId, preAuth + increment);
  if (!done.ok) return check.failed(`clearing: ${done.error}`);
  check.eq('after clearing', before - preAuth - increment, await world.balance(world.alice.user.customerId));
  return check.result();
}

/** A merchant refund from the panel, then its presentment at the end of the day. */
async function panelRefund(
  world: DemoWorld,
  check: Check,
  shop: Shop,
  rrn: string,
  amountMinor: bigint,
): Promise<string | undefined> {
  const refunded = await shop.terminal.panel.refund(rrn, amountMinor);
  check.eq('panel refund', 'ok', refunded.ok ? 'ok' : refunded.error.code);
  if (!refunded.ok) return undefined;
  const traceId = world.connection.answerOf(shop.config.terminalId, refunded.value.rrn)?.networkTraceId;
  if (traceId === undefined) return undefined;
  const done = await world.clear(traceId);
  check.eq('refund clearing', 'ok', done.ok ? 'ok' : done.error);
  return done.ok ? traceId : undefined;
}

export async function refundMatchedFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('refund matched, <= refundable -> refund');
  const before = await world.balance(world.alice.user.customerId);
  const amount = smallAmount(world) + 500n;
  const refund = world.random.amountMinor(1n, amount);
  // A shop of its own: the refund can match only this purchase (matching is by token and merchant).
  const shop = world.shop(1);
  const tap = await approvedTap(world, check, amount, { shop });
  if (tap === undefined) return check.failed('the tap was not approved');
  const cleared = await world.clear(tap.traceId);
  if (!cleared.ok) return check.failed(`clearing: ${cleared.error}`);
  const refundTrace = await panelRefund(world, check, shop, tap.entry.rrn, refund);
  if (refundTrace === undefined) return check.failed('the refund did not go through');
  await expectBalance(world, check, before - amount + refund);
  await expectCalls(world, check, tap.traceId, ['pay FINAL', 'refund']);
  check.note('refund authorization calls', (await world.mppCalls(refundTrace)).join(',') || 'none');
  return check.result();
}

export async function refundExceedFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('refund > refundable -> refund + adjustRefund EXCEED');
  const before = await world.balance(world.alice.user.customerId);
  const amount = smallAmount(world) + 500n;
  const cleared = world.random.amountMinor(1n, amount - 1n);
  const shop = world.shop(2);
  const tap = await approvedTap(world, check, amount, { shop });
  if (tap === undefined) return check.failed('the tap was not approved');
  const done = await world.clear(tap.traceId, cleared);
  if (!done.ok) return check.failed(`clearing: ${done.error}`);
  // The terminal still sees the whole purchase as refundable; Alipay+ knows only `cleared` was paid.
  const refundTrace = await panelRefund(world, check, shop, tap.entry.rrn, amount);
  if (refundTrace === undefined) return check.failed('the refund did not go through');
  await expectBalance(world, check, before - cleared + amount);
  // The clearing below the authorization refunds once, the merchant refund once more, then the excess.
  await expectCalls(world, check, tap.traceId, ['pay FINAL', 'refund', 'refund', 'adjustRefund EXCEED']);
  check.note('refund authorization calls', (await world.mppCalls(refundTrace)).join(',') || 'none');
  return check.result();
}

export async function unlinkedRefundFlow(world: DemoWorld): Promise<FlowResult> {
  const check = new Check('unlinked refund -> adjustRefund UNLINKED');
  const card = (await world.journal.list(50)).find((entry) => entry.kind === 'PURCHASE')?.card;
  if (card === undefined) return check.failed('no earlier tap to read the card from');
  const before = await world.balance(world.alice.user.customerId);
  const amount = smallAmount(world);
  // A shop where this card never bought anything: the refund matches no payment.
  const answer = await world.connection.refundAuthorization({
    card,
    amountMinor: amount,
    config: otherShopConfig,
    atMs: world.system.clock.nowMs(),
  });
  check.eq('refund 0110 DE39', '00', 'error' in answer ? answer.error : answer.responseCode);
  if ('error' in answer || answer.networkTraceId === undefined)
    return check.failed('no refund authorization');
  const done = await world.clear(answer.networkTraceId);
  if (!done.ok) return check.failed(`clearing: ${done.error}`);
  await expectBalance(world, check, before + amount);
  await expectCalls(world, check, answer.networkTraceId, ['adjustRefund UNLINKED']);
  return check.result();
}
