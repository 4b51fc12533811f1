import { getSubelements, getText } from '@tapkit/emv';
import { testEngines } from '@tapkit/storage/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listReceivables } from '../src/issuer/adapters/db/book.ts';
import { issuerMigrations } from '../src/issuer/adapters/db/migrations.ts';
import type { IssuerDatabase } from '../src/issuer/adapters/db/schema.ts';
import { BookPaymentKnowledge } from '../src/issuer/adapters/payment-knowledge.ts';
import {
  authorizationFields,
  clearingRecord,
  DAY_MS,
  MPP_CLIENT_ID,
  openEngine,
  reversalFields,
  startWorld,
  type World,
} from './support/issuer-world.ts';

// Every row of the conversion table over real sockets: the real MPP server (signed HTTP), the issuer
// processor (ISO 8583 over TCP) and a scripted network peer, on one VirtualClock. Each test checks the
// MPP ledger balance and how many times each MPP API was called, also with every message sent twice.

let traceCount = 0;
const nextTrace = () => `T${String(++traceCount).padStart(20, '0')}`;

describe.each(testEngines<IssuerDatabase>(issuerMigrations))('issuer processor flows on $name', (engine) => {
  let world: World;
  let closeDb: () => Promise<void>;

  async function open(options: Parameters<typeof startWorld>[1] = {}) {
    const handle = await openEngine(engine);
    closeDb = () => handle.close();
    world = await startWorld(handle, options);
  }

  beforeEach(async () => {
    await open();
  });

  afterEach(async () => {
    await world.close();
    await closeDb();
  });

  async function authorize(input: Parameters<typeof authorizationFields>[0]) {
    const answer = await world.peer.send('0100', authorizationFields(input));
    return { code: getText(answer, 39), answer };
  }

  it('purchase: pay FINAL, 00 with an approval code; a duplicate (sequential and concurrent) changes nothing', async () => {
    const trace = nextTrace();
    const [first, concurrent] = await Promise.all([
      authorize({ trace, amountMinor: 1000n }),
      authorize({ trace, amountMinor: 1000n }),
    ]);
    const again = await authorize({ trace, amountMinor: 1000n });
    expect([first.code, concurrent.code, again.code]).toEqual(['00', '00', '00']);
    expect(getText(again.answer, 38)).toBe(getText(first.answer, 38));
    expect(getText(first.answer, 11)).not.toBe(getText(again.answer, 11));
    expect(world.calls('pay')).toBe(1);
    // The Alipay+ models' names: customer in paymentMethod, referenceMerchantId, storeTerminalId.
    expect(world.mppCalls.get('pay')?.[0]).toMatchObject({
      paymentAmount: { currency: 'HKD', value: '1000' },
      customerId: 'C-ALICE',
      paymentMethod: { paymentMethodType: 'CONNECT_WALLET_NFC', customerId: 'C-ALICE' },
      order: { merchant: { referenceMerchantId: expect.any(String) }, env: { storeTerminalId: 'TERM0001' } },
      paymentFactor: { authorizationType: 'FINAL' },
      customData: 'basket-7',
    });
    expect(await world.balance()).toBe(9000n);
    const auth = await world.issuer.processor.getAuthorization(trace);
    expect(auth).toMatchObject({
      state: 'OPEN',
      authorizedMinor: 1000n,
      reversedMinor: 0n,
      clearedMinor: 0n,
    });
    expect(auth?.expiresAtMs).toBe(world.clock.nowMs() + 7 * DAY_MS);
  });

  it('maps a decline to DE39 (USER_BALANCE_NOT_ENOUGH -> 51) and debits nothing', async () => {
    const { code } = await authorize({ trace: nextTrace(), amountMinor: 20_000n });
    expect(code).toBe('51');
    expect(await world.balance()).toBe(10_000n);
  });

  it('pre-authorization then incremental: PRE_AUTH, then INCREMENTAL linked, expiry 30 + 30 days', async () => {
    const trace = nextTrace();
    expect((await authorize({ trace, amountMinor: 2000n, type: 'PRE_AUTHORIZATION' })).code).toBe('00');
    const increment = nextTrace();
    const fields = { trace: increment, amountMinor: 500n, type: 'INCREMENTAL' as const, original: trace };
    expect((await authorize(fields)).code).toBe('00');
    expect((await authorize(fields)).code).toBe('00');
    const pays = world.mppCalls.get('pay') ?? [];
    expect(pays.map((p) => (p.paymentFactor as { authorizationType: string }).authorizationType)).toEqual([
      'PRE_AUTH',
      'INCREMENTAL',
    ]);
    expect(pays[1]?.paymentFactor).toMatchObject({ originalPaymentRequestId: `${trace}-P` });
    expect(await world.balance()).toBe(7500n);
    const auth = await world.issuer.processor.getAuthorization(increment);
    expect(auth).toMatchObject({ networkTraceId: trace, authorizedMinor: 2500n });
    expect(auth?.expiresAtMs).toBe(world.clock.nowMs() + 60 * DAY_MS);
  });

  it('0120 advice: pay ADVICE; an advice the MPP declines becomes a receivable', async () => {
    const trace = nextTrace();
    const advice = await world.peer.send('0120', authorizationFields({ trace, amountMinor: 700n }));
    await world.peer.send('0120', authorizationFields({ trace, amountMinor: 700n }));
    expect(advice.mti).toBe('0130');
    expect(getText(advice, 39)).toBe('00');
    expect(await world.balance()).toBe(9300n);
    const declined = nextTrace();
    await world.peer.send('0120', authorizationFields({ trace: declined, amountMinor: 50_000n }));
    expect(world.calls('pay')).toBe(2);
    const receivables = await listReceivables(world.issuer.handle.db, declined);
    expect(receivables.map((r) => [r.amount_minor, r.reason])).toEqual([
      [50_000n, 'ADVICE pay declined: USER_BALANCE_NOT_ENOUGH'],
    ]);
    expect(await world.issuer.processor.getAuthorization(declined)).toMatchObject({
      state: 'OPEN',
      authorizedMinor: 50_000n,
    });
  });

  it('full reversal inside the cancel window: cancelPayment once, even as 0400 and 0420', async () => {
    const trace = nextTrace();
    await authorize({ trace, amountMinor: 1000n });
    const reversal = await world.peer.send('0400', reversalFields(trace, 1000n));
    const advice = await world.peer.send('0420', reversalFields(trace, 1000n));
    await world.settle();
    expect([reversal.mti, getText(reversal, 39), advice.mti, getText(advice, 39)]).toEqual([
      '0410',
      '00',
      '0430',
      '00',
    ]);
    expect(world.calls('cancelPayment')).toBe(1);
    expect(await world.balance()).toBe(10_000n);
    expect(await world.issuer.processor.getAuthorization(trace)).toMatchObject({
      state: 'REVERSED',
      reversedMinor: 1000n,
    });
  });

  it('full reversal after the cancel window: refund of everything', async () => {
    const trace = nextTrace();
    await authorize({ trace, amountMinor: 1000n });
    await world.clock.advanceMs(DAY_MS);
    await world.peer.send('0400', reversalFields(trace, 1000n));
    await world.peer.send('0400', reversalFields(trace, 1000n));
    await world.settle();
    expect([world.calls('cancelPayment'), world.calls('refund')]).toEqual([0, 1]);
    expect(await world.balance()).toBe(10_000n);
  });

  it('partial reversal: refund of (authorized - DE95)', async () => {
    const trace = nextTrace();
    await authorize({ trace, amountMinor: 1000n });
    await world.peer.send('0400', reversalFields(trace, 1000n, 600n));
    await world.peer.send('0400', reversalFields(trace, 1000n, 600n));
    await world.settle();
    expect(world.calls('refund')).toBe(1);
    expect(world.mppCalls.get('refund')?.[0]).toMatchObject({ refundAmount: { value: '400' } });
    expect(await world.balance()).toBe(9400n);
    expect(await world.issuer.processor.getAuthorization(trace)).toMatchObject({
      state: 'OPEN',
      reversedMinor: 400n,
    });
  });

  it('clearing equal / lower / higher / without authorization, each file and record applied once', async () => {
    const [equal, lower, higher] = [nextTrace(), nextTrace(), nextTrace()];
    for (const trace of [equal, lower, higher]) await authorize({ trace, amountMinor: 1000n });
    expect(await world.balance()).toBe(7000n);
    const records = [
      clearingRecord({ networkTraceId: equal, amountMinor: 1000n }),
      clearingRecord({ networkTraceId: lower, amountMinor: 800n }),
      clearingRecord({ networkTraceId: higher, amountMinor: 1300n }),
      clearingRecord({ amountMinor: 450n }),
    ];
    const duplicate = records[1]!;
    const first = await world.ingest([...records, duplicate], { fileId: 'F-1' });
    expect(first).toMatchObject({ status: 'APPLIED', recordCount: 5, appliedCount: 4 });
    expect(await world.ingest(records, { fileId: 'F-1' })).toEqual({
      status: 'DUPLICATE_FILE',
      fileId: 'F-1',
    });
    expect(await world.ingest(records, { fileId: 'F-2' })).toMatchObject({
      status: 'APPLIED',
      appliedCount: 0,
    });
    await world.settle();
    // 10000 - 800 (lower) - 1300 (higher) - 1000 (equal) - 450 (no authorization)
    expect(await world.balance()).toBe(6450n);
    expect([world.calls('pay'), world.calls('refund')]).toEqual([5, 1]);
    const kinds = (world.mppCalls.get('pay') ?? [])
      .slice(3)
      .map((p) => (p.paymentFactor as { authorizationType: string }).authorizationType);
    expect(kinds).toEqual(['CLEARING_ADJUSTMENT', 'ADVICE']);
    expect(await world.issuer.processor.getAuthorization(lower)).toMatchObject({
      state: 'CLEARED',
      clearedMinor: 800n,
      reversedMinor: 200n,
    });
    expect(await world.issuer.processor.getAuthorization(higher)).toMatchObject({
      state: 'CLEARED',
      clearedMinor: 1300n,
    });
  });

  // The equal-amount fast path writes its amounts in batches; a later record of the same page for the same
  // authorization (a second presentment) must see the first one's amount in the database.
  it('a second presentment in the same file sees the first one cleared', async () => {
    const trace = nextTrace();
    await authorize({ trace, amountMinor: 1000n });
    const paysBefore = world.calls('pay');
    const applied = await world.ingest([
      clearingRecord({ networkTraceId: trace, amountMinor: 1000n }),
      clearingRecord({ networkTraceId: trace, amountMinor: 300n }),
    ]);
    expect(applied).toMatchObject({ status: 'APPLIED', recordCount: 2, appliedCount: 2 });
    await world.settle();
    expect(await world.issuer.processor.getAuthorization(trace)).toMatchObject({
      state: 'CLEARED',
      clearedMinor: 1300n,
    });
    expect(world.calls('pay')).toBe(paysBefore + 1);
  });

  it('a clearing file with a bad trailer is rejected whole', async () => {
    const trace = nextTrace();
    await authorize({ trace, amountMinor: 1000n });
    const result = await world.ingest([clearingRecord({ networkTraceId: trace, amountMinor: 400n })], {
      badTrailer: true,
    });
    expect(result).toMatchObject({ status: 'REJECTED', code: 'CLEARING_TOTALS_MISMATCH' });
    await world.settle();
    expect(world.calls('refund')).toBe(0);
    expect(await world.issuer.processor.getAuthorization(trace)).toMatchObject({
      state: 'OPEN',
      clearedMinor: 0n,
    });
  });

  it('authorization expiry after 7 days without clearing: refund of the uncleared amount', async () => {
    const trace = nextTrace();
    await authorize({ trace, amountMinor: 1000n });
    await world.settle(7 * DAY_MS);
    expect(world.calls('refund')).toBe(1);
    expect(await world.balance()).toBe(10_000n);
    expect(await world.issuer.processor.getAuthorization(trace)).toMatchObject({
      state: 'EXPIRED',
      reversedMinor: 1000n,
    });
  });

  it('refunds by clearing: matched, exceeding (refund + EXCEED_REFUND), unlinked (UNLINKED_REFUND)', async () => {
    const trace = nextTrace();
    await authorize({ trace, amountMinor: 1000n });
    await world.ingest([clearingRecord({ networkTraceId: trace, amountMinor: 1000n })]);
    await world.clock.advanceMs(DAY_MS);
    const refundAuth = nextTrace();
    expect((await authorize({ trace: refundAuth, amountMinor: 300n, refund: true })).code).toBe('00');
    expect(world.calls('pay')).toBe(1);
    await world.ingest([
      clearingRecord({ kind: 'REFUND', networkTraceId: refundAuth, amountMinor: 300n }),
      clearingRecord({ kind: 'REFUND', amountMinor: 900n }),
      clearingRecord({ kind: 'REFUND', amountMinor: 250n, merchantId: 'OTHERMERCHANT01' }),
    ]);
    await world.settle();
    expect(world.calls('refund')).toBe(2);
    expect(
      (world.mppCalls.get('refund') ?? []).map((r) => (r.refundAmount as { value: string }).value),
    ).toEqual(['300', '700']);
    const adjusts = (world.mppCalls.get('adjustRefund') ?? []).map((r) => [
      r.subScenarioType,
      (r.refundAmount as { value: string }).value,
    ]);
    expect(adjusts).toEqual([
      ['EXCEED_REFUND', '200'],
      ['UNLINKED_REFUND', '250'],
    ]);
    expect(await world.balance()).toBe(10_000n - 1000n + 300n + 900n + 250n);
    expect(await world.issuer.processor.getAuthorization(trace)).toMatchObject({ refundedMinor: 1200n });
  });
});

describe.each(testEngines<IssuerDatabase>(issuerMigrations))('issuer processor faults on $name', (engine) => {
  let world: World | undefined;
  let closeDb: (() => Promise<void>) | undefined;

  async function open(options: Parameters<typeof startWorld>[1] = {}): Promise<World> {
    const handle = await openEngine(engine);
    closeDb = () => handle.close();
    world = await startWorld(handle, options);
    return world;
  }

  afterEach(async () => {
    await world?.close();
    await closeDb?.();
    world = undefined;
    closeDb = undefined;
  });

  const send = (w: World, trace: string, amountMinor: bigint) =>
    w.peer.send('0100', authorizationFields({ trace, amountMinor }));

  it('9901: the answer is dropped -> 91; the inquiry at 2 s finds the success and cancels it, once', async () => {
    const w = await open();
    const trace = nextTrace();
    expect(getText(await send(w, trace, 9901n), 39)).toBe('91');
    expect(getText(await send(w, trace, 9901n), 39)).toBe('91');
    expect(await w.balance()).toBe(10_000n - 9901n);
    expect(w.calls('inquiryPayment')).toBe(0);
    await w.settle(2_000);
    expect([w.calls('pay'), w.calls('inquiryPayment'), w.calls('cancelPayment')]).toEqual([1, 1, 1]);
    expect(await w.balance()).toBe(10_000n);
    expect(await w.issuer.processor.getAuthorization(trace)).toMatchObject({
      state: 'DECLINED',
      authorizedMinor: 0n,
    });
  });

  it('re-sends a refund that timed out with identical bytes; the MPP refunds once', async () => {
    const w = await open({ timeoutsMs: { refund: 150 }, stall: { api: 'refund', times: 1, ms: 400 } });
    const trace = nextTrace();
    await send(w, trace, 1000n);
    await w.clock.advanceMs(DAY_MS);
    await w.peer.send('0400', reversalFields(trace, 1000n));
    await w.settle(10_000);
    const refunds = w.mppCalls.get('refund') ?? [];
    expect(refunds.length).toBe(2);
    expect(refunds[1]).toEqual(refunds[0]);
    expect(await w.balance()).toBe(10_000n);
    const row = await w.issuer.handle.db
      .selectFrom('issuer_calls')
      .selectAll()
      .where('api', '=', 'refund')
      .executeTakeFirstOrThrow();
    expect([row.status, row.attempts]).toEqual(['DONE', 2n]);
  });

  it('after a restart, an unknown pay is inquired again and cancelled; a pending outbox call is re-sent', async () => {
    const w = await open({ timeoutsMs: { refund: 100 }, stall: { api: 'refund', times: 5, ms: 300 } });
    expect(getText(await send(w, nextTrace(), 9901n), 39)).toBe('91');
    const reversed = nextTrace();
    await send(w, reversed, 90n);
    await w.peer.send('0400', reversalFields(reversed, 90n, 40n));
    await w.settle(20_000);
    // The first unknown pay was cancelled; the refund timed out at every attempt and waits in the outbox.
    expect(w.calls('cancelPayment')).toBe(1);
    const refundRow = () =>
      w.issuer.handle.db
        .selectFrom('issuer_calls')
        .selectAll()
        .where('api', '=', 'refund')
        .executeTakeFirstOrThrow();
    expect((await refundRow()).status).toBe('PENDING');
    const second = nextTrace();
    expect(getText(await send(w, second, 9901n), 39)).toBe('91');
    await w.restartIssuer();
    await w.settle(5_000);
    expect((await refundRow()).status).toBe('DONE');
    expect(await w.issuer.processor.getAuthorization(second)).toMatchObject({ state: 'DECLINED' });
    expect([w.calls('cancelPayment'), w.calls('refund')]).toEqual([2, 6]);
    expect(await w.balance()).toBe(10_000n - 90n + 50n);
  });

  it('serves the notify receiver: what Alipay+ knows of a payment, and news that makes it inquire now', async () => {
    const w = await open();
    const trace = nextTrace();
    expect(getText(await send(w, trace, 9901n), 39)).toBe('91');
    const processor = w.issuer.processor;
    const knowledge = new BookPaymentKnowledge(w.issuer.handle.db, (id) => processor.expediteInquiry(id));
    expect(await knowledge.findPayment(MPP_CLIENT_ID, `${trace}-P`)).toMatchObject({
      status: 'UNKNOWN',
      customerId: 'C-ALICE',
      paymentAmount: { currency: 'HKD', value: '9901' },
    });
    expect(await knowledge.findPayment('ANOTHER_MPP', `${trace}-P`)).toBeUndefined();
    await knowledge.recordMppOutcome({
      mppClientId: MPP_CLIENT_ID,
      paymentRequestId: `${trace}-P`,
      resultStatus: 'S',
      resultCode: 'SUCCESS',
      paymentId: null,
    });
    await w.settle();
    expect([w.calls('inquiryPayment'), w.calls('cancelPayment')]).toEqual([1, 1]);
    expect(await knowledge.findPayment(MPP_CLIENT_ID, `${trace}-P`)).toMatchObject({ status: 'CANCELLED' });
  });

  it('9901 then a stand-in 0120 advice: the success found late is kept, not cancelled', async () => {
    const w = await open();
    const trace = nextTrace();
    expect(getText(await send(w, trace, 9901n), 39)).toBe('91');
    const advice = await w.peer.send('0120', authorizationFields({ trace, amountMinor: 9901n }));
    expect(getText(advice, 39)).toBe('00');
    await w.settle(2_000);
    expect([w.calls('pay'), w.calls('inquiryPayment'), w.calls('cancelPayment')]).toEqual([1, 1, 0]);
    expect(await w.balance()).toBe(10_000n - 9901n);
    expect(await w.issuer.processor.getAuthorization(trace)).toMatchObject({
      state: 'OPEN',
      authorizedMinor: 9901n,
    });
  });

  it('9901 with the late answer a decline, then a 0120 advice: pay ADVICE', async () => {
    const w = await open({ balanceMinor: 5_000n });
    const trace = nextTrace();
    expect(getText(await send(w, trace, 9901n), 39)).toBe('91');
    await w.peer.send('0120', authorizationFields({ trace, amountMinor: 9901n }));
    await w.settle(2_000);
    const kinds = (w.mppCalls.get('pay') ?? []).map(
      (p) => (p.paymentFactor as { authorizationType: string }).authorizationType,
    );
    expect(kinds).toEqual(['FINAL', 'ADVICE']);
    const receivables = await listReceivables(w.issuer.handle.db, trace);
    expect(receivables.map((r) => r.amount_minor)).toEqual([9901n]);
    expect(await w.balance()).toBe(5_000n);
  });

  it('9902: no answer within 8 s (on the clock) -> 91, then inquiry and cancel', async () => {
    const w = await open();
    const answered = send(w, nextTrace(), 9902n);
    // The pay reaches the MPP at once; only the answer is held back until the clock passes 8 s.
    for (let i = 0; i < 100 && w.calls('pay') === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(w.calls('pay')).toBe(1);
    await w.clock.advanceMs(8_000);
    expect(getText(await answered, 39)).toBe('91');
    await w.settle(2_000);
    expect([w.calls('inquiryPayment'), w.calls('cancelPayment')]).toEqual([1, 1]);
    expect(await w.balance()).toBe(10_000n);
  });

  it('9903 (with a dropped pay answer chosen by configuration): the first inquiry times out too', async () => {
    const w = await open({ config: { faults: { byAmountSuffix: true, always: ['PAY_ANSWER_DROPPED'] } } });
    expect(getText(await send(w, nextTrace(), 9903n), 39)).toBe('91');
    await w.clock.advanceMs(2_000);
    await w.settle(5_000);
    expect([w.calls('inquiryPayment'), w.calls('cancelPayment')]).toEqual([1, 0]);
    await w.settle(3_000);
    expect([w.calls('inquiryPayment'), w.calls('cancelPayment')]).toEqual([2, 1]);
    expect(await w.balance()).toBe(10_000n);
  });

  it('9904: approved, flagged in DE48, then reversed right after: cancelled once', async () => {
    const w = await open();
    const trace = nextTrace();
    const answer = await send(w, trace, 9904n);
    expect(getText(answer, 39)).toBe('00');
    expect(getSubelements(answer)).toEqual([{ id: '90', value: '9904' }]);
    await w.settle();
    await w.peer.send('0400', reversalFields(trace, 9904n));
    await w.settle();
    expect(w.calls('cancelPayment')).toBe(1);
    expect(await w.balance()).toBe(10_000n);
  });

  it('9905: the clearing is kept out, the authorization expires and is refunded', async () => {
    const w = await open();
    const trace = nextTrace();
    await send(w, trace, 9905n);
    await w.ingest([clearingRecord({ networkTraceId: trace, amountMinor: 9905n })]);
    await w.settle(7 * DAY_MS);
    expect(w.calls('refund')).toBe(1);
    expect(await w.balance()).toBe(10_000n);
  });
});
