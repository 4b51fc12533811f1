import { err, ok, type Result } from '@tapkit/protocol';
import {
  applyTransfer,
  ensureCustomerAccount,
  lockIssuedMinor,
  readWalletBalances,
  type WalletBalance,
} from './adapters/db/ledger-repository.ts';
import type { DbHandle } from './adapters/db/open.ts';
import { lockCustomer } from './adapters/db/payment-repository.ts';
import { runTx } from './adapters/db/transaction.ts';
import { fitsIssuance, move, systemAccountId, transferId } from './domain/ledger.ts';
import type { Money } from './domain/money.ts';
import type { Clock } from './ports.ts';

// Customers and their wallets, for the admin API and the demo: create, freeze / unfreeze, top up.

export type CustomerStatus = 'ACTIVE' | 'FROZEN';

export interface CustomerDeps {
  readonly store: DbHandle;
  readonly clock: Clock;
}

export interface Customer {
  readonly customerId: string;
  readonly status: CustomerStatus;
  readonly createdAtMs: number;
  readonly balances: readonly WalletBalance[];
}

/**
 * Creates a customer with a wallet in each currency; idempotent: an existing customer keeps its status
 * and gains any missing wallet. `created` tells which case it was.
 */
export async function createCustomer(
  deps: CustomerDeps,
  input: { customerId: string; currencies: readonly string[] },
): Promise<{ created: boolean }> {
  return runTx(deps.store, async (tx) => {
    const nowMs = deps.clock.nowMs();
    const inserted = await tx
      .insertInto('customers')
      .values({ id: input.customerId, status: 'ACTIVE', created_at_ms: nowMs, updated_at_ms: nowMs })
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    for (const currency of input.currencies) {
      await ensureCustomerAccount(tx, input.customerId, currency, nowMs);
    }
    return { created: (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n };
  });
}

export async function readCustomer(deps: CustomerDeps, customerId: string): Promise<Customer | undefined> {
  const row = await deps.store.db
    .selectFrom('customers')
    .selectAll()
    .where('id', '=', customerId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const balances = await readWalletBalances(deps.store.db, customerId);
  return { customerId, status: row.status, createdAtMs: Number(row.created_at_ms), balances };
}

export async function setCustomerStatus(
  deps: CustomerDeps,
  customerId: string,
  status: CustomerStatus,
): Promise<Result<void, 'CUSTOMER_NOT_FOUND'>> {
  return runTx(deps.store, async (tx) => {
    // Taking the customer lock orders the change after any payment in flight for this customer.
    const current = await lockCustomer(tx, deps.store.engine, customerId);
    if (current === undefined) return err('CUSTOMER_NOT_FOUND');
    await tx
      .updateTable('customers')
      .set({ status, updated_at_ms: deps.clock.nowMs() })
      .where('id', '=', customerId)
      .execute();
    return ok(undefined);
  });
}

export const freezeCustomer = (deps: CustomerDeps, customerId: string) =>
  setCustomerStatus(deps, customerId, 'FROZEN');
export const unfreezeCustomer = (deps: CustomerDeps, customerId: string) =>
  setCustomerStatus(deps, customerId, 'ACTIVE');

export type TopUpError =
  | 'CUSTOMER_NOT_FOUND'
  | 'AMOUNT_NOT_POSITIVE'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'REPEAT_REQ_INCONSISTENT';

export interface TopUpDone {
  readonly transferId: string;
  /** false when this call replayed an earlier top-up with the same topupRequestId. */
  readonly applied: boolean;
  readonly balanceMinor: bigint;
}

/** Credits a wallet from TOPUP_SOURCE, idempotent by topupRequestId (a different request under it fails). */
export async function topUp(
  deps: CustomerDeps,
  input: { topupRequestId: string; customerId: string; amount: Money },
): Promise<Result<TopUpDone, TopUpError>> {
  if (input.amount.value <= 0n) return err('AMOUNT_NOT_POSITIVE');
  const checkedFields = JSON.stringify([
    input.customerId,
    input.amount.currency,
    input.amount.value.toString(),
  ]);
  const id = transferId('TOPUP', input.topupRequestId);
  return runTx(deps.store, async (tx) => {
    const status = await lockCustomer(tx, deps.store.engine, input.customerId);
    const existing = await tx
      .selectFrom('transfers')
      .select('checked_fields')
      .where('id', '=', id)
      .executeTakeFirst();
    if (existing !== undefined && existing.checked_fields !== checkedFields)
      return err('REPEAT_REQ_INCONSISTENT');
    if (status === undefined) return err('CUSTOMER_NOT_FOUND');
    const nowMs = deps.clock.nowMs();
    if (existing === undefined) {
      const issuedMinor = await lockIssuedMinor(tx, deps.store.engine, input.amount.currency, nowMs);
      if (!fitsIssuance(issuedMinor, input.amount.value)) return err('AMOUNT_OUT_OF_RANGE');
    }
    const accountId = await ensureCustomerAccount(tx, input.customerId, input.amount.currency, nowMs);
    if (existing === undefined) {
      const plan = move({
        kind: 'TOPUP',
        clientId: input.topupRequestId,
        currency: input.amount.currency,
        fromAccountId: systemAccountId('TOPUP_SOURCE', input.amount.currency),
        toAccountId: accountId,
        amountMinor: input.amount.value,
        customerId: input.customerId,
        checkedFields,
      });
      await applyTransfer(tx, plan, nowMs);
    }
    const balance = await tx
      .selectFrom('accounts')
      .select('balance_minor')
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    return ok({ transferId: id, applied: existing === undefined, balanceMinor: balance.balance_minor });
  });
}
