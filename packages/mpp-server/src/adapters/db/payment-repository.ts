import { type Insertable, type Kysely, sql, type Updateable } from 'kysely';
import { customerAccountId } from '../../domain/ledger.ts';
import type { Engine } from './open.ts';
import type { AdjustRefundRow, Database, PaymentRow, PaymentsTable, RefundRow } from './schema.ts';
import type { Tx } from './transaction.ts';

// SQL for payments, refunds, adjustRefunds and the customer lock. Concurrency on PostgreSQL: every
// change to a customer's money or to one of their payments first locks the customer row
// (SELECT ... FOR UPDATE), so such transactions run one at a time per customer and always take the
// customer lock before any account or payment lock. Rows for keys that have no customer yet (a cancel
// tombstone, a refund of an unknown payment, an adjustRefund for an unknown customer) race only on
// their primary key; the loser's unique violation makes runTx re-run it and replay the winner.

type Reader = Kysely<Database> | Tx;

export async function findPayment(db: Reader, paymentRequestId: string): Promise<PaymentRow | undefined> {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('payment_request_id', '=', paymentRequestId)
    .executeTakeFirst();
}

export interface CustomerWallet {
  readonly status: 'ACTIVE' | 'FROZEN';
  /** undefined when the customer has no wallet in the currency asked for. */
  readonly accountId: string | undefined;
  readonly balanceMinor: bigint | undefined;
}

/**
 * Reads a customer and their wallet in `currency`; on PostgreSQL locks the customer row until the end of
 * the transaction. undefined when the customer does not exist.
 */
export async function lockCustomerWallet(
  tx: Tx,
  engine: Engine,
  customerId: string,
  currency: string,
): Promise<CustomerWallet | undefined> {
  const accountId = customerAccountId(customerId, currency);
  if (engine === 'postgres') {
    // Two statements on purpose: under READ COMMITTED a statement that waited for the lock still returns
    // the joined rows of its own, older snapshot; only a statement started after the lock sees the
    // balance the previous holder committed.
    const status = await lockCustomer(tx, engine, customerId);
    if (status === undefined) return undefined;
    const account = await tx
      .selectFrom('accounts')
      .select('balance_minor')
      .where('id', '=', accountId)
      .executeTakeFirst();
    return {
      status,
      accountId: account === undefined ? undefined : accountId,
      balanceMinor: account?.balance_minor,
    };
  }
  const row = await tx
    .selectFrom('customers as c')
    .leftJoin('accounts as a', (join) => join.on('a.id', '=', accountId).onRef('a.customer_id', '=', 'c.id'))
    .select(['c.status', 'a.id as account_id', 'a.balance_minor'])
    .where('c.id', '=', customerId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return {
    status: row.status,
    accountId: row.account_id ?? undefined,
    balanceMinor: row.balance_minor ?? undefined,
  };
}

/** Locks a customer row (PostgreSQL) and tells whether the customer exists. */
export async function lockCustomer(
  tx: Tx,
  engine: Engine,
  customerId: string,
): Promise<'ACTIVE' | 'FROZEN' | undefined> {
  const query = tx.selectFrom('customers').select('status').where('id', '=', customerId);
  const row = await (engine === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
  return row?.status;
}

export async function readDailyUsage(
  tx: Tx,
  customerId: string,
  currency: string,
  payDay: number,
): Promise<{ amountMinor: bigint; count: number }> {
  const row = await tx
    .selectFrom('payments')
    .select([
      sql<bigint>`cast(coalesce(sum(pay_to_minor), 0) as bigint)`.as('amount_minor'),
      sql<bigint>`cast(count(*) as bigint)`.as('payment_count'),
    ])
    .where('customer_id', '=', customerId)
    .where('pay_day', '=', BigInt(payDay))
    .where('status', '=', 'SUCCESS')
    .where('pay_to_currency', '=', currency)
    .executeTakeFirst();
  return { amountMinor: row?.amount_minor ?? 0n, count: Number(row?.payment_count ?? 0n) };
}

export async function insertPayment(tx: Tx, row: Insertable<PaymentsTable>): Promise<void> {
  await tx.insertInto('payments').values(row).execute();
}

export async function updatePayment(
  tx: Tx,
  paymentRequestId: string,
  patch: Updateable<PaymentsTable>,
): Promise<void> {
  await tx.updateTable('payments').set(patch).where('payment_request_id', '=', paymentRequestId).execute();
}

export async function addRefundToPayment(
  tx: Tx,
  paymentRequestId: string,
  refundMinor: bigint,
  refundFromMinor: bigint,
  nowMs: number,
): Promise<void> {
  await tx
    .updateTable('payments')
    .set({
      refunded_minor: sql`refunded_minor + ${refundMinor}`,
      refunded_from_minor: sql`refunded_from_minor + ${refundFromMinor}`,
      refund_count: sql`refund_count + 1`,
      updated_at_ms: nowMs,
    })
    .where('payment_request_id', '=', paymentRequestId)
    .execute();
}

export async function findRefund(db: Reader, refundRequestId: string): Promise<RefundRow | undefined> {
  return db
    .selectFrom('refunds')
    .selectAll()
    .where('refund_request_id', '=', refundRequestId)
    .executeTakeFirst();
}

export async function insertRefund(tx: Tx, row: RefundRow): Promise<void> {
  await tx.insertInto('refunds').values(row).execute();
}

export async function findAdjustRefund(
  db: Reader,
  refundRequestId: string,
): Promise<AdjustRefundRow | undefined> {
  return db
    .selectFrom('adjust_refunds')
    .selectAll()
    .where('refund_request_id', '=', refundRequestId)
    .executeTakeFirst();
}

export async function insertAdjustRefund(tx: Tx, row: AdjustRefundRow): Promise<void> {
  await tx.insertInto('adjust_refunds').values(row).execute();
}

/** The most payments one history page returns. */
export const historyPageSizeMax = 500;

/** Payments of a customer, newest first, optionally only those carrying `customData` (app history). */
export async function listCustomerPayments(
  db: Reader,
  customerId: string,
  options: { customData?: string; limit: number; after?: HistoryCursor },
): Promise<PaymentRow[]> {
  let query = db
    .selectFrom('payments')
    .selectAll()
    .where('customer_id', '=', customerId)
    .where('pay_response_json', 'is not', null);
  if (options.customData !== undefined) query = query.where('custom_data', '=', options.customData);
  const after = options.after;
  if (after !== undefined) {
    // The rows after the cursor in the list's own order (created_at_ms desc, payment_request_id asc).
    const createdAtMs = BigInt(after.createdAtMs);
    query = query.where((eb) =>
      eb.or([
        eb('created_at_ms', '<', createdAtMs),
        eb.and([
          eb('created_at_ms', '=', createdAtMs),
          eb('payment_request_id', '>', after.paymentRequestId),
        ]),
      ]),
    );
  }
  const limit = Math.max(1, Math.min(Math.trunc(options.limit), historyPageSizeMax));
  return query.orderBy('created_at_ms', 'desc').orderBy('payment_request_id').limit(limit).execute();
}

/** Where a history page ends: the last row's creation time and id (the list's sort keys). */
export interface HistoryCursor {
  readonly createdAtMs: number;
  readonly paymentRequestId: string;
}

/** The customer a token reference belongs to, from the MPP's token mapping. */
export async function findTokenCustomer(db: Reader, tokenReference: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('token_customers')
    .select('customer_id')
    .where('token_reference', '=', tokenReference)
    .executeTakeFirst();
  return row?.customer_id;
}

/**
 * Records that `tokenReference` is `customerId`'s token. First writer wins: a reference already mapped
 * keeps its customer (a mapping that moved would send one user's taps to another's wallet). Returns
 * whether the mapping is now `customerId`'s.
 */
export async function recordTokenCustomer(
  db: Reader,
  p: { tokenReference: string; customerId: string; source: string; nowMs: number },
): Promise<boolean> {
  await db
    .insertInto('token_customers')
    .values({
      token_reference: p.tokenReference,
      customer_id: p.customerId,
      source: p.source,
      created_at_ms: p.nowMs,
    })
    .onConflict((oc) => oc.column('token_reference').doNothing())
    .execute();
  return (await findTokenCustomer(db, p.tokenReference)) === p.customerId;
}
