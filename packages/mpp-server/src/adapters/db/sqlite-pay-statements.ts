import { assert } from '@tapkit/protocol';
import type BetterSqlite3 from 'better-sqlite3';
import {
  customerAccountId,
  INT64_MAX_MINOR,
  isSystemAccountOf,
  keepsRunningBalance,
  type TransferPlan,
} from '../../domain/ledger.ts';
import type { PaymentStatus } from './schema.ts';

// The SQLite pay's statements, prepared once per database and reused: no query is built per request.
// They run on the one connection inside the group commit's transaction (see createTxRunner), so they
// must only be called from a unit of work of that runner. Integers are bound as bigint: better-sqlite3
// binds a JavaScript number as a REAL, which the 0003 checks refuse in a 64-bit column.

export interface StoredPay {
  readonly status: PaymentStatus;
  readonly payResponseJson: string | null;
  readonly checkedFields: string | null;
}

export interface SqliteCustomerWallet {
  readonly status: 'ACTIVE' | 'FROZEN';
  readonly accountId: string | undefined;
  readonly balanceMinor: bigint | undefined;
}

/** The pay outcome's row, in the order of the columns both write statements list. */
export interface PayRowValues {
  readonly paymentId: string | null;
  readonly resultCode: string;
  readonly customerId: string | null;
  readonly checkedFields: string;
  readonly paymentCurrency: string;
  readonly paymentMinor: bigint;
  readonly payToCurrency: string;
  readonly payToMinor: bigint;
  readonly nowMs: number;
  readonly payDay: number;
  readonly customData: string | null;
  readonly detailsJson: string;
  readonly payResponseJson: string;
  readonly requestJson: string | null;
  readonly notifyUrl: string | null;
}

export interface SqlitePayStatements {
  findTokenCustomer(tokenReference: string): string | undefined;
  findPay(paymentRequestId: string): StoredPay | undefined;
  readCustomerWallet(customerId: string, currency: string): SqliteCustomerWallet | undefined;
  readDailyUsage(
    customerId: string,
    currency: string,
    payDay: number,
  ): { amountMinor: bigint; count: number };
  applyTransfer(plan: TransferPlan, nowMs: number): void;
  insertPay(paymentRequestId: string, status: PaymentStatus, row: PayRowValues): void;
  updatePay(paymentRequestId: string, row: PayRowValues): void;
  openNotify(paymentRequestId: string, nowMs: number): void;
}

const payColumns =
  'payment_id, result_code, customer_id, checked_fields, payment_currency, payment_minor, ' +
  'pay_to_currency, pay_to_minor, payment_time_ms, pay_day, custom_data, details_json, ' +
  'pay_response_json, request_json, notify_url, updated_at_ms';

const payValues = (row: PayRowValues): unknown[] => [
  row.paymentId,
  row.resultCode,
  row.customerId,
  row.checkedFields,
  row.paymentCurrency,
  row.paymentMinor,
  row.payToCurrency,
  row.payToMinor,
  BigInt(row.nowMs),
  BigInt(row.payDay),
  row.customData,
  row.detailsJson,
  row.payResponseJson,
  row.requestJson,
  row.notifyUrl,
  BigInt(row.nowMs),
];

const prepared = new WeakMap<BetterSqlite3.Database, SqlitePayStatements>();

/** The statements of `database`, prepared on first use. */
export function sqlitePayStatements(database: BetterSqlite3.Database): SqlitePayStatements {
  let statements = prepared.get(database);
  if (statements === undefined) {
    statements = prepare(database);
    prepared.set(database, statements);
  }
  return statements;
}

function prepare(db: BetterSqlite3.Database): SqlitePayStatements {
  const statements = prepareStatements(db);
  return { ...readers(statements), ...writers(statements) };
}

type Statements = ReturnType<typeof prepareStatements>;

function prepareStatements(db: BetterSqlite3.Database) {
  const tokenCustomer = db
    .prepare('select customer_id from token_customers where token_reference = ?')
    .pluck();
  const findPay = db.prepare(
    'select status, pay_response_json, checked_fields from payments where payment_request_id = ?',
  );
  const wallet = db.prepare(
    'select c.status, a.id as account_id, a.balance_minor from customers c ' +
      'left join accounts a on a.id = ? and a.customer_id = c.id where c.id = ?',
  );
  const usage = db.prepare(
    'select cast(coalesce(sum(pay_to_minor), 0) as bigint) as amount_minor, count(*) as payment_count ' +
      "from payments where customer_id = ? and pay_day = ? and status = 'SUCCESS' and pay_to_currency = ?",
  );
  const transfer = db.prepare(
    'insert into transfers (id, kind, currency, amount_minor, customer_id, checked_fields, created_at_ms) ' +
      'values (?, ?, ?, ?, ?, ?, ?)',
  );
  const posting = db.prepare(
    'insert into postings (transfer_id, leg, account_id, currency, amount_minor) values (?, ?, ?, ?, ?)',
  );
  const debit = db.prepare(
    'update accounts set balance_minor = balance_minor + ? where id = ? and currency = ?',
  );
  const credit = db.prepare(
    'update accounts set balance_minor = balance_minor + ? where id = ? and currency = ? and balance_minor <= ?',
  );
  const insertPay = db.prepare(
    `insert into payments (payment_request_id, status, created_at_ms, ${payColumns}) ` +
      `values (?, ?, ?, ${payColumns
        .split(',')
        .map(() => '?')
        .join(', ')})`,
  );
  const updatePay = db.prepare(
    `update payments set ${payColumns
      .split(', ')
      .map((column) => `${column} = ?`)
      .join(', ')} where payment_request_id = ?`,
  );
  const notify = db.prepare(
    'insert into notify_outbox (payment_request_id, next_attempt_at_ms, attempt_count, attempts_total, ' +
      'generation, claimed_by, claimed_until_ms, done_at_ms, created_at_ms, opened_at_ms) ' +
      'values (?, ?, 0, 0, 0, null, null, null, ?, ?) on conflict (payment_request_id) do update set ' +
      'next_attempt_at_ms = excluded.next_attempt_at_ms, attempt_count = 0, ' +
      'generation = notify_outbox.generation + 1, claimed_by = null, claimed_until_ms = null, ' +
      'done_at_ms = null, opened_at_ms = excluded.opened_at_ms',
  );
  return {
    tokenCustomer,
    findPay,
    wallet,
    usage,
    transfer,
    posting,
    debit,
    credit,
    insertPay,
    updatePay,
    notify,
  };
}

function readers({
  tokenCustomer,
  findPay,
  wallet,
  usage,
}: Statements): Pick<
  SqlitePayStatements,
  'findTokenCustomer' | 'findPay' | 'readCustomerWallet' | 'readDailyUsage'
> {
  return {
    findTokenCustomer: (reference) => tokenCustomer.get(reference) as string | undefined,
    findPay: (id) => {
      const row = findPay.get(id) as
        | { status: PaymentStatus; pay_response_json: string | null; checked_fields: string | null }
        | undefined;
      if (row === undefined) return undefined;
      return {
        status: row.status,
        payResponseJson: row.pay_response_json,
        checkedFields: row.checked_fields,
      };
    },
    readCustomerWallet: (customerId, currency) => {
      const row = wallet.get(customerAccountId(customerId, currency), customerId) as
        | { status: 'ACTIVE' | 'FROZEN'; account_id: string | null; balance_minor: bigint | null }
        | undefined;
      if (row === undefined) return undefined;
      return {
        status: row.status,
        accountId: row.account_id ?? undefined,
        balanceMinor: row.balance_minor ?? undefined,
      };
    },
    readDailyUsage: (customerId, currency, payDay) => {
      const row = usage.get(customerId, BigInt(payDay), currency) as
        | { amount_minor: bigint; payment_count: bigint }
        | undefined;
      return { amountMinor: row?.amount_minor ?? 0n, count: Number(row?.payment_count ?? 0n) };
    },
  };
}

function writers(
  statements: Statements,
): Pick<SqlitePayStatements, 'applyTransfer' | 'insertPay' | 'updatePay' | 'openNotify'> {
  const { transfer, posting, debit, credit, insertPay, updatePay, notify } = statements;
  return {
    applyTransfer: (plan, nowMs) => {
      transfer.run(
        plan.id,
        plan.kind,
        plan.currency,
        plan.amountMinor,
        plan.customerId,
        plan.checkedFields,
        BigInt(nowMs),
      );
      plan.postings.forEach((leg, index) => {
        posting.run(plan.id, BigInt(index), leg.accountId, plan.currency, leg.amountMinor);
      });
      for (const leg of plan.postings) {
        if (!keepsRunningBalance(leg.accountId)) {
          assert(
            isSystemAccountOf(leg.accountId, plan.currency),
            `ledger: account ${leg.accountId} is not a ${plan.currency} account`,
          );
          continue;
        }
        // As applyTransfer in ledger-repository.ts: the CHECK refuses a negative wallet, a credit is
        // guarded against the int64 limit in the statement itself.
        const changes =
          leg.amountMinor > 0n
            ? credit.run(leg.amountMinor, leg.accountId, plan.currency, INT64_MAX_MINOR - leg.amountMinor)
                .changes
            : debit.run(leg.amountMinor, leg.accountId, plan.currency).changes;
        assert(
          changes === 1,
          `ledger: account ${leg.accountId} (${plan.currency}) does not exist or would pass the int64 limit`,
        );
      }
    },
    insertPay: (id, status, row) => {
      insertPay.run(id, status, BigInt(row.nowMs), ...payValues(row));
    },
    updatePay: (id, row) => {
      updatePay.run(...payValues(row), id);
    },
    openNotify: (id, nowMs) => {
      notify.run(id, BigInt(nowMs), BigInt(nowMs), BigInt(nowMs));
    },
  };
}
