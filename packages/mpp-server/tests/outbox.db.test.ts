import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/adapters/db/open.ts';
import {
  claimDue,
  completeNotify,
  readOutbox,
  readPaymentForNotify,
  recordAttempt,
  releaseClaims,
  rescheduleNotify,
} from '../src/adapters/db/outbox-repository.ts';
import { testEngines } from './support/engines.ts';
import { fundedCustomer, makeWorld, money, payCommand, START_MS, type World } from './support/fixtures.ts';

describe.each(testEngines())('notify outbox repository on $name', (engine) => {
  let store: DbHandle;
  let world: World;

  beforeEach(async () => {
    store = await engine.open();
    world = makeWorld(store);
    await fundedCustomer(world, 'C1', money('HKD', 100_000));
  });

  afterEach(async () => {
    await store.close();
  });

  const pay = async (id: string) => {
    await world.service.pay(payCommand({ paymentRequestId: id, customerId: 'C1' }));
  };

  it('writes a due row with each pay outcome and lets two workers claim disjoint rows', async () => {
    for (let i = 0; i < 10; i++) await pay(`P${i}`);
    const claim = (workerId: string) =>
      claimDue(store.db, store.engine, { workerId, nowMs: START_MS, limit: 6, leaseMs: 30_000 });
    const [a, b] = await Promise.all([claim('w1'), claim('w2')]);
    const ids = [...(a ?? []), ...(b ?? [])].map((row) => row.paymentRequestId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(10);
    // Claimed rows are not claimable again until the lease ends.
    expect(await claim('w3')).toEqual([]);
    const later = await claimDue(store.db, store.engine, {
      workerId: 'w3',
      nowMs: START_MS + 30_000,
      limit: 100,
      leaseMs: 30_000,
    });
    expect(later).toHaveLength(10);
  });

  it('records attempts, reschedules, completes, and releases claims', async () => {
    await pay('P1');
    await pay('P2');
    const claimed = await claimDue(store.db, store.engine, {
      workerId: 'w1',
      nowMs: START_MS,
      limit: 10,
      leaseMs: 60_000,
    });
    expect(claimed.map((c) => [c.paymentRequestId, c.attemptCount, c.generation])).toEqual([
      ['P1', 0, 0n],
      ['P2', 0, 0n],
    ]);
    const attempt = (id: string) =>
      recordAttempt(store.db, {
        paymentRequestId: id,
        workerId: 'w1',
        startedAtMs: START_MS,
        finishedAtMs: START_MS + 5,
        outcome: 'UNKNOWN',
        resultCode: null,
        detail: 'TIMEOUT',
      });
    expect(await attempt('P1')).toBe(1);
    expect(await attempt('P1')).toBe(2);
    expect(
      await rescheduleNotify(store.db, {
        paymentRequestId: 'P1',
        workerId: 'w1',
        generation: 0n,
        nextAttemptAtMs: START_MS + 10_000,
      }),
    ).toBe(true);
    expect(
      await completeNotify(store.db, {
        paymentRequestId: 'P2',
        workerId: 'w2',
        generation: 0n,
        nowMs: START_MS,
      }),
    ).toBe(false);
    expect(
      await completeNotify(store.db, {
        paymentRequestId: 'P2',
        workerId: 'w1',
        generation: 0n,
        nowMs: START_MS,
      }),
    ).toBe(true);
    const p1 = await readOutbox(store.db, 'P1');
    expect([p1?.attempt_count, p1?.next_attempt_at_ms, p1?.claimed_by]).toEqual([
      2n,
      BigInt(START_MS + 10_000),
      null,
    ]);
    expect((await readOutbox(store.db, 'P2'))?.done_at_ms).toBe(BigInt(START_MS));
    const attempts = await store.db
      .selectFrom('notify_attempts')
      .select(['outbox_id', 'attempt_no'])
      .execute();
    expect(attempts.map((a) => [a.outbox_id, a.attempt_no])).toEqual([
      ['P1', 1n],
      ['P1', 2n],
    ]);
    const reclaimed = await claimDue(store.db, store.engine, {
      workerId: 'w1',
      nowMs: START_MS + 10_000,
      limit: 10,
      leaseMs: 60_000,
    });
    expect(reclaimed.map((c) => c.paymentRequestId)).toEqual(['P1']);
    expect(await releaseClaims(store.db, 'w1')).toBe(1);
    expect((await readOutbox(store.db, 'P1'))?.claimed_by).toBeNull();
  });

  it('re-opens a completed row on cancel, and a stale generation cannot complete it', async () => {
    await pay('P1');
    const [claimed] = await claimDue(store.db, store.engine, {
      workerId: 'w1',
      nowMs: START_MS,
      limit: 1,
      leaseMs: 60_000,
    });
    expect((await readPaymentForNotify(store.db, 'P1'))?.paymentResult.resultCode).toBe('SUCCESS');
    // The cancel lands while w1 is sending the (now stale) SUCCESS news.
    await world.service.cancelPayment('P1');
    expect(
      await completeNotify(store.db, {
        paymentRequestId: 'P1',
        workerId: 'w1',
        generation: claimed?.generation ?? -1n,
        nowMs: START_MS,
      }),
    ).toBe(false);
    const row = await readOutbox(store.db, 'P1');
    expect([row?.generation, row?.done_at_ms, row?.claimed_by]).toEqual([1n, null, null]);
    const notice = await readPaymentForNotify(store.db, 'P1');
    expect(notice).toMatchObject({
      paymentRequestId: 'P1',
      paymentId: 'MPPPAY000001',
      paymentResult: { resultCode: 'ORDER_IS_CLOSED', resultStatus: 'F' },
      paymentAmount: { currency: 'HKD', value: '1000' },
      payToAmount: { currency: 'HKD', value: '1000' },
      customerId: 'C1',
      paymentTime: '2026-11-25T10:00:00+08:00',
    });
  });

  it('has nothing to notify for a cancel tombstone', async () => {
    await world.service.cancelPayment('NEVER-PAID');
    expect(await readPaymentForNotify(store.db, 'NEVER-PAID')).toBeUndefined();
    expect(await readOutbox(store.db, 'NEVER-PAID')).toBeUndefined();
  });
});
