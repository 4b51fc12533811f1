import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../src/adapters/db/ledger-repository.ts';
import { createCustomer, topUp } from '../src/customers.ts';
import { testEngines } from './support/engines.ts';
import { balanceOf, makeWorld, money, payCommand } from './support/fixtures.ts';

// A model-based test: random sequences of top-ups, pays (fresh and replayed), refunds, cancels and
// adjustRefunds run against the real store and against a few lines of in-memory bookkeeping. After every
// command both agree on the answer code and every wallet balance, and the ledger invariants hold.

const customers = ['C1', 'C2', 'C3'] as const;
const ghost = 'C9'; // never created

type Command =
  | { kind: 'topUp'; customer: number; value: number }
  | { kind: 'pay'; customer: number; value: number; replayOf: number | null }
  | { kind: 'refund'; payment: number; value: number }
  | { kind: 'cancel'; payment: number; fresh: boolean }
  | { kind: 'adjust'; customer: number; value: number };

const customerIndex = fc.integer({ min: 0, max: customers.length }); // the last index is the ghost
const amount = fc.integer({ min: 1, max: 5000 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('topUp' as const), customer: fc.integer({ min: 0, max: 2 }), value: amount }),
  fc.record({
    kind: fc.constant('pay' as const),
    customer: customerIndex,
    value: amount,
    replayOf: fc.option(fc.nat(), { nil: null }),
  }),
  fc.record({ kind: fc.constant('refund' as const), payment: fc.nat(), value: amount }),
  fc.record({ kind: fc.constant('cancel' as const), payment: fc.nat(), fresh: fc.boolean() }),
  fc.record({ kind: fc.constant('adjust' as const), customer: customerIndex, value: amount }),
);

interface ModelPayment {
  id: string;
  customerId: string;
  value: number;
  status: 'SUCCESS' | 'FAILED' | 'CANCELLED' | 'TOMBSTONE';
  payCode: string | null;
  cancelCode: string | null;
  refunded: number;
  refundCount: number;
}

const customerId = (index: number) => customers[index] ?? ghost;

describe.each(testEngines())('ledger model on $name', (engine) => {
  it('agrees with the store after every command', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 30 }), async (commands) => {
        const store = await engine.open();
        try {
          const world = makeWorld(store);
          const balances = new Map<string, number>(customers.map((c) => [c, 0]));
          for (const c of customers) await createCustomer(world, { customerId: c, currencies: ['HKD'] });
          const payments: ModelPayment[] = [];
          let sequence = 0;
          for (const step of commands) {
            const expected = applyToModel(step, balances, payments, () => `K${++sequence}`);
            const actual = await applyToStore(world, step, expected.target);
            expect(actual).toBe(expected.code);
            for (const c of customers)
              expect(await balanceOf(world, c, 'HKD')).toBe(BigInt(balances.get(c) ?? 0));
            const report = await checkInvariants(store.db, store.engine);
            expect(report.violations).toEqual([]);
          }
          expect(world.errors).toEqual([]);
        } finally {
          await store.close();
        }
      }),
      { numRuns: engine.name === 'sqlite' ? 40 : 15 },
    );
  });
});

interface Expected {
  code: string;
  /** id: the command's own key; subject: the customer, or for a refund the paymentRequestId. */
  target: { id: string; subject: string; value: number };
}

function applyToModel(
  step: Command,
  balances: Map<string, number>,
  payments: ModelPayment[],
  nextKey: () => string,
): Expected {
  const credit = (c: string, v: number) => {
    if (balances.has(c)) balances.set(c, (balances.get(c) ?? 0) + v);
  };
  switch (step.kind) {
    case 'topUp': {
      const c = customerId(step.customer);
      credit(c, step.value);
      return { code: 'OK', target: { id: nextKey(), subject: c, value: step.value } };
    }
    case 'adjust': {
      const c = customerId(step.customer);
      credit(c, step.value);
      return { code: 'SUCCESS', target: { id: nextKey(), subject: c, value: step.value } };
    }
    case 'pay': {
      const replayed =
        step.replayOf === null ? undefined : payments[step.replayOf % Math.max(payments.length, 1)];
      if (replayed?.payCode) {
        return {
          code: replayed.payCode,
          target: { id: replayed.id, subject: replayed.customerId, value: replayed.value },
        };
      }
      const c = customerId(step.customer);
      const target = replayed ?? newPayment(payments, nextKey(), c, step.value);
      target.customerId = replayed ? c : target.customerId;
      target.value = replayed ? step.value : target.value;
      const balance = balances.get(c);
      const code =
        target.status === 'TOMBSTONE'
          ? 'ORDER_IS_CLOSED'
          : balance === undefined
            ? 'USER_NOT_EXIST'
            : balance < step.value
              ? 'USER_BALANCE_NOT_ENOUGH'
              : 'SUCCESS';
      if (code === 'SUCCESS') {
        balances.set(c, (balance ?? 0) - step.value);
        target.status = 'SUCCESS';
      } else if (target.status !== 'TOMBSTONE') {
        target.status = 'FAILED';
      }
      target.payCode = code;
      return { code, target: { id: target.id, subject: c, value: step.value } };
    }
    case 'refund': {
      const p = payments[step.payment % Math.max(payments.length, 1)];
      const target = { id: nextKey(), subject: p?.id ?? 'NO-PAYMENT', value: step.value };
      if (p === undefined || p.payCode === null) return { code: 'ORDER_NOT_EXIST', target };
      if (p.status !== 'SUCCESS') return { code: 'ORDER_STATUS_INVALID', target };
      if (p.refunded + step.value > p.value) return { code: 'REFUND_AMOUNT_EXCEED', target };
      p.refunded += step.value;
      p.refundCount += 1;
      credit(p.customerId, step.value);
      return { code: 'SUCCESS', target };
    }
    case 'cancel': {
      const existing = step.fresh ? undefined : payments[step.payment % Math.max(payments.length, 1)];
      const p = existing ?? newPayment(payments, nextKey(), '', 0);
      const target = { id: p.id, subject: p.customerId, value: p.value };
      if (p.cancelCode !== null) return { code: p.cancelCode, target };
      if (p.payCode === null) {
        p.status = 'TOMBSTONE';
        p.cancelCode = 'SUCCESS';
      } else {
        // (doc) Cancel succeeds after refunds too, giving back what the payment still holds.
        if (p.status === 'SUCCESS') credit(p.customerId, p.value - p.refunded);
        if (p.status !== 'TOMBSTONE') p.status = 'CANCELLED';
        p.cancelCode = 'SUCCESS';
      }
      return { code: p.cancelCode, target };
    }
  }
}

function newPayment(payments: ModelPayment[], id: string, customerId: string, value: number): ModelPayment {
  const payment: ModelPayment = {
    id,
    customerId,
    value,
    status: 'FAILED',
    payCode: null,
    cancelCode: null,
    refunded: 0,
    refundCount: 0,
  };
  payments.push(payment);
  return payment;
}

async function applyToStore(
  world: ReturnType<typeof makeWorld>,
  step: Command,
  target: Expected['target'],
): Promise<string> {
  switch (step.kind) {
    case 'topUp': {
      const done = await topUp(world, {
        topupRequestId: target.id,
        customerId: target.subject,
        amount: money('HKD', target.value),
      });
      return done.ok ? 'OK' : done.error;
    }
    case 'adjust':
      return (
        await world.service.adjustRefund({
          refundRequestId: target.id,
          customerId: target.subject,
          refundAmount: money('HKD', target.value),
          subScenarioType: 'UNLINKED_REFUND',
          paymentRequestId: null,
          details: {},
        })
      ).result.resultCode;
    case 'pay':
      return (
        await world.service.pay(
          payCommand({
            paymentRequestId: target.id,
            customerId: target.subject,
            paymentAmount: money('HKD', target.value),
            payToAmount: money('HKD', target.value),
          }),
        )
      ).result.resultCode;
    case 'refund':
      return (
        await world.service.refund({
          refundRequestId: target.id,
          paymentRequestId: target.subject,
          paymentId: null,
          refundAmount: money('HKD', target.value),
          refundFromAmount: null,
          refundReason: null,
        })
      ).result.resultCode;
    case 'cancel':
      return (await world.service.cancelPayment(target.id)).result.resultCode;
  }
}
