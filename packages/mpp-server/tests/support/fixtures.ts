import { VirtualClock } from '@tapkit/protocol';
import { expect } from 'vitest';
import { checkInvariants, readWalletBalances } from '../../src/adapters/db/ledger-repository.ts';
import type { DbHandle } from '../../src/adapters/db/open.ts';
import { counterIds } from '../../src/adapters/ids.ts';
import { type CustomerDeps, createCustomer, topUp } from '../../src/customers.ts';
import type { Money } from '../../src/domain/money.ts';
import type { LimitsByCurrency } from '../../src/domain/pay.ts';
import { createPaymentService, type PayCommand, type PaymentService } from '../../src/payments.ts';

/** 2026-11-25 10:00 UTC+8. */
export const START_MS = Date.parse('2026-11-25T02:00:00Z');

export const money = (currency: string, value: bigint | number): Money => ({
  currency,
  value: BigInt(value),
});

export interface World {
  readonly store: DbHandle;
  readonly clock: VirtualClock;
  readonly service: PaymentService;
  readonly errors: unknown[];
}

export function makeWorld(store: DbHandle, limits?: LimitsByCurrency): World {
  const clock = new VirtualClock(START_MS);
  const errors: unknown[] = [];
  const service = createPaymentService({
    store,
    clock,
    ids: counterIds(),
    ...(limits === undefined ? {} : { limits }),
    onError: (error) => errors.push(error),
  });
  return { store, clock, service, errors };
}

export async function fundedCustomer(world: CustomerDeps, customerId: string, balance: Money): Promise<void> {
  await createCustomer(world, { customerId, currencies: [balance.currency] });
  if (balance.value > 0n) {
    const done = await topUp(world, {
      topupRequestId: `seed-${customerId}-${balance.currency}`,
      customerId,
      amount: balance,
    });
    expect(done.ok).toBe(true);
  }
}

export async function balanceOf(
  world: World,
  customerId: string,
  currency: string,
): Promise<bigint | undefined> {
  const balances = await readWalletBalances(world.store.db, customerId);
  return balances.find((b) => b.currency === currency)?.balanceMinor;
}

export async function expectLedgerSound(store: DbHandle): Promise<void> {
  const report = await checkInvariants(store.db, store.engine);
  expect(report.violations).toEqual([]);
  expect(report.ok).toBe(true);
}

let requestCount = 0;

export function payCommand(overrides: Partial<PayCommand> & { customerId: string | null }): PayCommand {
  requestCount += 1;
  return {
    paymentRequestId: `PR-${requestCount}-${Math.random().toString(36).slice(2, 8)}`,
    paymentAmount: money('HKD', 1000),
    payToAmount: money('HKD', 1000),
    paymentMethodType: 'CONNECT_WALLET_NFC',
    paymentMethodId: 'TUR-1',
    customData: null,
    paymentQuote: null,
    details: { order: { referenceOrderId: 'ORDER-1' } },
    ...overrides,
  };
}
