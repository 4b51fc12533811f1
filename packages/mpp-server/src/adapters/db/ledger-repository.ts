import { assert } from '@tapkit/protocol';
import { type Kysely, sql } from 'kysely';
import {
  type AccountSnapshot,
  assertBalanced,
  customerAccountId,
  evaluateInvariants,
  INT64_MAX_MINOR,
  type InvariantReport,
  ISSUING_ACCOUNT_KINDS,
  isSystemAccountOf,
  keepsRunningBalance,
  SYSTEM_ACCOUNT_KINDS,
  systemAccountId,
  type TransferPlan,
} from '../../domain/ledger.ts';
import type { Engine } from './open.ts';
import type { Database } from './schema.ts';
import type { Tx } from './transaction.ts';

// SQL for the ledger. Only customer wallets keep a running balance (balance_minor, updated in account-id
// order so that on PostgreSQL two transfers take row locks in the same order and cannot deadlock). A system
// account's balance_minor stays 0 and is never locked: its balance is the sum of its postings (see
// domain/ledger.ts), so concurrent pays to the one ALIPAYPLUS_SETTLEMENT account of a currency do not queue
// behind each other. The postings' foreign key still refuses a system account that does not exist.

const sumMinor = (column: string) => sql<bigint>`cast(coalesce(sum(${sql.ref(column)}), 0) as bigint)`;

/** Creates the system accounts of a currency if they do not exist yet. */
export async function ensureSystemAccounts(
  tx: Tx | Kysely<Database>,
  currency: string,
  nowMs: number,
): Promise<void> {
  await tx
    .insertInto('accounts')
    .values(
      SYSTEM_ACCOUNT_KINDS.map((kind) => ({
        id: systemAccountId(kind, currency),
        kind,
        customer_id: null,
        currency,
        balance_minor: 0n,
        created_at_ms: nowMs,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

/** Opens a customer's wallet in a currency (and the currency's system accounts) if missing. */
export async function ensureCustomerAccount(
  tx: Tx,
  customerId: string,
  currency: string,
  nowMs: number,
): Promise<string> {
  await ensureSystemAccounts(tx, currency, nowMs);
  const id = customerAccountId(customerId, currency);
  await tx
    .insertInto('accounts')
    .values({
      id,
      kind: 'CUSTOMER',
      customer_id: customerId,
      currency,
      balance_minor: 0n,
      created_at_ms: nowMs,
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  return id;
}

/**
 * How much money the currency's ledger has issued (see fitsIssuance), read under a lock on the currency's
 * TOPUP_SOURCE row on PostgreSQL, so that two issues of the same currency cannot both pass the check.
 * Only top-ups and adjustRefunds issue money; the hot path (pay) never takes this lock. Lock order: the
 * customer row first, then this, then the wallet (as in applyTransfer).
 */
export async function lockIssuedMinor(
  tx: Tx,
  engine: Engine,
  currency: string,
  nowMs: number,
): Promise<bigint> {
  await ensureSystemAccounts(tx, currency, nowMs);
  const lock = tx
    .selectFrom('accounts')
    .select('id')
    .where('id', '=', systemAccountId('TOPUP_SOURCE', currency));
  await (engine === 'postgres' ? lock.forUpdate() : lock).executeTakeFirst();
  const row = await tx
    .selectFrom('postings')
    .select(sumMinor('amount_minor').as('sum_minor'))
    .where(
      'account_id',
      'in',
      ISSUING_ACCOUNT_KINDS.map((kind) => systemAccountId(kind, currency)),
    )
    .executeTakeFirstOrThrow();
  return -row.sum_minor;
}

/** Writes a transfer, its postings and the new balances. The caller has checked the business rules. */
export async function applyTransfer(tx: Tx, plan: TransferPlan, nowMs: number): Promise<void> {
  assertBalanced(plan);
  await tx
    .insertInto('transfers')
    .values({
      id: plan.id,
      kind: plan.kind,
      currency: plan.currency,
      amount_minor: plan.amountMinor,
      customer_id: plan.customerId,
      checked_fields: plan.checkedFields,
      created_at_ms: nowMs,
    })
    .execute();
  await tx
    .insertInto('postings')
    .values(
      plan.postings.map((posting, leg) => ({
        transfer_id: plan.id,
        leg,
        account_id: posting.accountId,
        currency: plan.currency,
        amount_minor: posting.amountMinor,
      })),
    )
    .execute();
  const ordered = [...plan.postings].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  for (const posting of ordered) {
    if (!keepsRunningBalance(posting.accountId)) {
      assert(
        isSystemAccountOf(posting.accountId, plan.currency),
        `ledger: account ${posting.accountId} is not a ${plan.currency} account`,
      );
      continue;
    }
    // The CHECK constraint on accounts refuses a negative customer wallet; the caller checked the
    // balance first, so hitting it is a programmer error that rolls the transaction back. A credit is
    // guarded against the int64 limit in the same statement (SQLite would turn an overflowing sum into a
    // REAL, PostgreSQL would fail it); the issuance check makes that unreachable, hence an assertion.
    const credit = posting.amountMinor > 0n;
    const updated = await tx
      .updateTable('accounts')
      .set({ balance_minor: sql`balance_minor + ${posting.amountMinor}` })
      .where('id', '=', posting.accountId)
      .where('currency', '=', plan.currency)
      .$if(credit, (q) => q.where('balance_minor', '<=', INT64_MAX_MINOR - posting.amountMinor))
      .executeTakeFirst();
    assert(
      updated.numUpdatedRows === 1n,
      `ledger: account ${posting.accountId} (${plan.currency}) does not exist or would pass the int64 limit`,
    );
  }
}

export interface WalletBalance {
  readonly currency: string;
  readonly balanceMinor: bigint;
}

export async function readWalletBalances(
  db: Kysely<Database> | Tx,
  customerId: string,
): Promise<WalletBalance[]> {
  const rows = await db
    .selectFrom('accounts')
    .select(['currency', 'balance_minor'])
    .where('customer_id', '=', customerId)
    .orderBy('currency')
    .execute();
  return rows.map((row) => ({ currency: row.currency, balanceMinor: row.balance_minor }));
}

export interface AccountBalance {
  readonly id: string;
  readonly kind: string;
  readonly customerId: string | null;
  readonly currency: string;
  readonly balanceMinor: bigint;
}

/** An account and its balance: the running balance of a wallet, the postings' sum of a system account. */
export async function readAccount(
  db: Kysely<Database> | Tx,
  accountId: string,
): Promise<AccountBalance | undefined> {
  const row = await db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
  if (row === undefined) return undefined;
  const balanceMinor =
    row.kind === 'CUSTOMER'
      ? row.balance_minor
      : (
          await db
            .selectFrom('postings')
            .select(sumMinor('amount_minor').as('sum_minor'))
            .where('account_id', '=', accountId)
            .executeTakeFirstOrThrow()
        ).sum_minor;
  return { id: row.id, kind: row.kind, customerId: row.customer_id, currency: row.currency, balanceMinor };
}

/**
 * Recomputes the ledger from its postings and judges it (see evaluateInvariants). Reads in one
 * transaction so that a concurrent transfer is either wholly in the snapshot or wholly out of it
 * (PostgreSQL: repeatable read).
 */
export async function checkInvariants(
  db: Kysely<Database>,
  engine: 'sqlite' | 'postgres',
): Promise<InvariantReport> {
  const builder = db.transaction();
  const run = engine === 'postgres' ? builder.setIsolationLevel('repeatable read') : builder;
  return run.execute(async (tx) => {
    const postingSums = tx
      .selectFrom('postings')
      .select(['account_id', sumMinor('amount_minor').as('posting_sum_minor')])
      .groupBy('account_id')
      .as('p');
    const accounts = await tx
      .selectFrom('accounts as a')
      .leftJoin(postingSums, 'p.account_id', 'a.id')
      .select(['a.id', 'a.kind', 'a.currency', 'a.balance_minor', 'p.posting_sum_minor'])
      .orderBy('a.id')
      .execute();
    const unbalanced = await tx
      .selectFrom('postings')
      .select(['transfer_id', sumMinor('amount_minor').as('sum_minor')])
      .groupBy('transfer_id')
      .having(sql`sum(amount_minor)`, '<>', 0)
      .execute();
    const snapshots: AccountSnapshot[] = accounts.map((row) => ({
      id: row.id,
      kind: row.kind,
      currency: row.currency,
      balanceMinor: row.balance_minor,
      postingSumMinor: row.posting_sum_minor ?? 0n,
    }));
    return evaluateInvariants(
      snapshots,
      unbalanced.map((row) => ({ id: row.transfer_id, sumMinor: row.sum_minor })),
    );
  });
}
