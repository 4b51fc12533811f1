import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import { pgPaymentFunctions } from './pg-functions.ts';

// The MPP server's schema, created in code and applied on open (Kysely Migrator). One schema for
// SQLite and PostgreSQL: text keys, 64-bit integers for money (minor units) and times (epoch ms).
//
// customers        one row per wallet user: id (the customerId Alipay+ sends), status ACTIVE | FROZEN.
// accounts         ledger accounts. id 'C:<currency>:<customerId>' for a customer wallet (one per
//                  currency, never below zero: checked in the transaction and by a CHECK constraint) or
//                  'S:<kind>:<currency>' for the system accounts TOPUP_SOURCE, ALIPAYPLUS_SETTLEMENT,
//                  REFUNDS and SUSPENSE. For a customer wallet balance_minor is the running sum of its
//                  postings (locked and updated in each transfer); a system account keeps 0 there and its
//                  balance is the sum of its postings (since 0002, see domain/ledger.ts).
// transfers        immutable; id is the client id that makes the movement idempotent:
//                  'pay:<paymentRequestId>', 'cancel:<paymentRequestId>', 'refund:<refundRequestId>',
//                  'adjust:<refundRequestId>', 'topup:<topupRequestId>'. checked_fields holds what a
//                  replay must match (top-ups).
// postings         the legs of a transfer, (transfer_id, leg); the legs of a transfer sum to zero.
// payments         one row per paymentRequestId: the pay outcome (SUCCESS, FAILED, CANCELLED) or a
//                  TOMBSTONE written by a cancel that arrived before its pay. pay_response_json and
//                  cancel_response_json are the stored first answers, replayed on retries.
//                  pay_day = days since the epoch in UTC+8 (the daily limit day). refunded_minor and
//                  refunded_from_minor sum the successful refunds (payment and wallet currency).
// refunds          one row per refundRequestId of `refund`, successful or not, with its stored answer.
// adjust_refunds   one row per refundRequestId of `adjustRefund` (its own key space): what was credited
//                  to which account.
// notify_outbox    one row per payment that needs a notifyPayment: written in the same transaction as the
//                  pay outcome or the cancel. A worker claims due rows (claimed_by / claimed_until_ms lease),
//                  re-reads the payment, sends, and completes (done_at_ms) or reschedules. A cancel
//                  re-opens the row (done or not): generation + 1, claim dropped, due now; a worker
//                  may complete or reschedule only the generation it claimed, so news that changed
//                  while it was sending is never marked done. attempt_count drives the retry schedule
//                  (reset on re-open); attempts_total numbers notify_attempts rows and never goes back.
// notify_attempts  one row per send attempt (outbox_id = payment_request_id, attempt_no).
// users, sessions  the wallet app's login: password_hash from a KDF, sessions keyed by a token hash.

const int64 = 'bigint';

const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('customers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('ACTIVE', 'FROZEN')`))
      .addColumn('created_at_ms', int64, (c) => c.notNull())
      .addColumn('updated_at_ms', int64, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('balance_minor', int64, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at_ms', int64, (c) => c.notNull())
      .addCheckConstraint('accounts_customer_not_negative', sql`kind <> 'CUSTOMER' or balance_minor >= 0`)
      .addCheckConstraint('accounts_customer_has_owner', sql`(kind = 'CUSTOMER') = (customer_id is not null)`)
      .execute();
    await db.schema
      .createIndex('accounts_customer_currency')
      .on('accounts')
      .columns(['customer_id', 'currency'])
      .unique()
      .execute();

    await db.schema
      .createTable('transfers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('amount_minor', int64, (c) => c.notNull())
      .addColumn('customer_id', 'text')
      .addColumn('checked_fields', 'text')
      .addColumn('created_at_ms', int64, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('postings')
      .addColumn('transfer_id', 'text', (c) => c.notNull().references('transfers.id'))
      .addColumn('leg', int64, (c) => c.notNull())
      .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
      .addColumn('currency', 'text', (c) => c.notNull())
      .addColumn('amount_minor', int64, (c) => c.notNull())
      .addPrimaryKeyConstraint('postings_pk', ['transfer_id', 'leg'])
      .execute();
    await db.schema.createIndex('postings_account').on('postings').column('account_id').execute();

    await createPaymentTables(db);
    await createNotifyTables(db);
    await createLoginTables(db);
  },
};

async function createPaymentTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('payments')
    .addColumn('payment_request_id', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.unique())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('SUCCESS', 'FAILED', 'CANCELLED', 'TOMBSTONE')`),
    )
    .addColumn('result_code', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('checked_fields', 'text')
    .addColumn('payment_currency', 'text')
    .addColumn('payment_minor', int64)
    .addColumn('pay_to_currency', 'text')
    .addColumn('pay_to_minor', int64)
    .addColumn('payment_time_ms', int64)
    .addColumn('pay_day', int64)
    .addColumn('refunded_minor', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('refunded_from_minor', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('refund_count', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('custom_data', 'text')
    .addColumn('details_json', 'text')
    .addColumn('pay_response_json', 'text')
    .addColumn('cancel_response_json', 'text')
    .addColumn('cancelled_at_ms', int64)
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .addColumn('updated_at_ms', int64, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('payments_customer_day')
    .on('payments')
    .columns(['customer_id', 'pay_day'])
    .execute();
  await db.schema
    .createIndex('payments_customer_created')
    .on('payments')
    .columns(['customer_id', 'created_at_ms'])
    .execute();
  await createRefundTables(db);
}

async function createRefundTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('refunds')
    .addColumn('refund_request_id', 'text', (c) => c.primaryKey())
    .addColumn('refund_id', 'text', (c) => c.notNull().unique())
    .addColumn('payment_request_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text')
    .addColumn('result_code', 'text', (c) => c.notNull())
    .addColumn('checked_fields', 'text', (c) => c.notNull())
    .addColumn('refund_currency', 'text', (c) => c.notNull())
    .addColumn('refund_minor', int64, (c) => c.notNull())
    .addColumn('refund_from_currency', 'text')
    .addColumn('refund_from_minor', int64)
    .addColumn('refund_reason', 'text')
    .addColumn('response_json', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('refunds_payment').on('refunds').column('payment_request_id').execute();

  await db.schema
    .createTable('adjust_refunds')
    .addColumn('refund_request_id', 'text', (c) => c.primaryKey())
    .addColumn('refund_id', 'text', (c) => c.notNull().unique())
    .addColumn('sub_scenario_type', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('payment_request_id', 'text')
    .addColumn('refund_currency', 'text', (c) => c.notNull())
    .addColumn('refund_minor', int64, (c) => c.notNull())
    .addColumn('credited_account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('credited_currency', 'text', (c) => c.notNull())
    .addColumn('credited_minor', int64, (c) => c.notNull())
    .addColumn('checked_fields', 'text', (c) => c.notNull())
    .addColumn('details_json', 'text')
    .addColumn('response_json', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .execute();
}

async function createNotifyTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('notify_outbox')
    .addColumn('payment_request_id', 'text', (c) => c.primaryKey().references('payments.payment_request_id'))
    .addColumn('next_attempt_at_ms', int64, (c) => c.notNull())
    .addColumn('attempt_count', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('attempts_total', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('generation', int64, (c) => c.notNull().defaultTo(0))
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until_ms', int64)
    .addColumn('done_at_ms', int64)
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .addColumn('opened_at_ms', int64, (c) => c.notNull())
    .execute();
  // Only open rows are ever polled, so the index covers just those.
  await db.schema
    .createIndex('notify_outbox_due')
    .on('notify_outbox')
    .column('next_attempt_at_ms')
    .where(sql.ref('done_at_ms'), 'is', null)
    .execute();

  await db.schema
    .createTable('notify_attempts')
    .addColumn('outbox_id', 'text', (c) => c.notNull().references('notify_outbox.payment_request_id'))
    .addColumn('attempt_no', int64, (c) => c.notNull())
    .addColumn('worker_id', 'text', (c) => c.notNull())
    .addColumn('started_at_ms', int64, (c) => c.notNull())
    .addColumn('finished_at_ms', int64)
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('result_code', 'text')
    .addColumn('detail', 'text')
    .addPrimaryKeyConstraint('notify_attempts_pk', ['outbox_id', 'attempt_no'])
    .execute();
}

async function createLoginTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('username', 'text', (c) => c.primaryKey())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull().references('users.username'))
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.id'))
    .addColumn('expires_at_ms', int64, (c) => c.notNull())
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_expires').on('sessions').column('expires_at_ms').execute();
}

/**
 * System accounts stop keeping a running balance (their balance is the sum of their postings, so no pay
 * has to lock the currency's one ALIPAYPLUS_SETTLEMENT row). Their postings are untouched; the cached
 * balance, which equalled the postings' sum, is cleared so that the invariant check can tell a stale one.
 */
const systemAccountsDeriveBalance: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`update accounts set balance_minor = 0 where kind <> 'CUSTOMER'`.execute(db);
  },
};

/**
 * SQLite stores whatever it is given: a sum past the int64 range becomes a REAL (18446744073709552000)
 * and the ledger silently stops adding up. Every 64-bit column gets CHECK(typeof(col) = 'integer') (or
 * null where the column may be null), so such a write fails instead. PostgreSQL's bigint already refuses
 * anything else; nothing to do there.
 *
 * SQLite cannot add a CHECK to an existing table, so each table is rebuilt the documented way
 * (sqlite.org/lang_altertable.html, "making other kinds of table schema changes"): foreign keys off,
 * one transaction: create the new table from the old one's own SQL plus the checks, copy the rows, drop
 * the old table, rename, re-create its indexes, check the foreign keys; commit; foreign keys back on.
 * A table whose rows already hold a non-integer fails the copy, and with it the migration: a database
 * that is already wrong must be repaired by an operator, not opened.
 */
const int64ColumnsAreIntegers: Migration = {
  async up(db: Kysely<unknown>) {
    // PostgreSQL runs migrations in a transaction that one failed statement would abort, so probe for it
    // with a query only PostgreSQL answers; on SQLite (no transaction around migrations) it just fails.
    const isPostgres = await sql`select 1 from pg_catalog.pg_namespace limit 1`.execute(db).then(
      () => true,
      () => false,
    );
    if (isPostgres) return;
    await sql`pragma foreign_keys = off`.execute(db);
    try {
      await sql`begin immediate`.execute(db);
      try {
        for (const table of rebuiltTables) await rebuildWithIntegerChecks(db, table);
        const { rows: broken } = await sql`pragma foreign_key_check`.execute(db);
        if (broken.length > 0) throw new Error(`0003: ${broken.length} foreign key violations after rebuild`);
        await sql`commit`.execute(db);
      } catch (error) {
        await sql`rollback`.execute(db);
        throw error;
      }
    } finally {
      await sql`pragma foreign_keys = on`.execute(db);
    }
  },
};

const rebuiltTables = [
  'customers',
  'accounts',
  'transfers',
  'postings',
  'payments',
  'refunds',
  'adjust_refunds',
  'notify_outbox',
  'notify_attempts',
  'users',
  'sessions',
] as const;

async function rebuildWithIntegerChecks(db: Kysely<unknown>, table: string): Promise<void> {
  const { rows: created } = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'table' and name = ${table}`.execute(db);
  const createSql = created[0]?.sql;
  if (createSql === undefined) throw new Error(`0003: table ${table} is missing`);
  const { rows: columns } = await sql<{ name: string; type: string; notnull: bigint }>`
    select name, type, "notnull" from pragma_table_info(${table})`.execute(db);
  const checks = columns
    .filter((column) => column.type.toLowerCase() === int64)
    .map((column) =>
      column.notnull === 1n
        ? `check (typeof("${column.name}") = 'integer')`
        : `check (typeof("${column.name}") in ('integer', 'null'))`,
    );
  if (checks.length === 0) return;
  const { rows: indexes } = await sql<{ sql: string }>`
    select sql from sqlite_master where type = 'index' and tbl_name = ${table} and sql is not null`.execute(
    db,
  );
  const rebuilt = `${table}_0003`;
  const head = createSql.replace(/^CREATE TABLE\s+("?)([A-Za-z_]+)\1/i, `create table "${rebuilt}"`);
  if (head === createSql) throw new Error(`0003: cannot read the definition of ${table}`);
  const close = head.lastIndexOf(')');
  await sql.raw(`${head.slice(0, close)}, ${checks.join(', ')})`).execute(db);
  await sql.raw(`insert into "${rebuilt}" select * from "${table}"`).execute(db);
  await sql.raw(`drop table "${table}"`).execute(db);
  await sql.raw(`alter table "${rebuilt}" rename to "${table}"`).execute(db);
  for (const index of indexes) await sql.raw(index.sql).execute(db);
}

/**
 * Liberal acceptance (docs/protocol/alipayplus-api.md#accept-what-the-real-alipay-sends):
 * - payments.request_json / refunds.request_json: the request as received (unknown fields included), kept
 *   for history and operators; payments.notify_url: the allowed paymentNotifyUrl of that payment.
 * - token_customers: the MPP's token mapping (tokenUniqueReference -> customer), learnt from the token
 *   service's answers the NFC proxy carries, so a pay that names the customer only through
 *   paymentMethod.paymentMethodId finds them. First writer wins: a mapping never moves to another customer.
 * - notify_outbox.stopped_code / stopped_at_ms: why the retries of a notification ended without an S
 *   (PROCESS_FAIL or REPEAT_REQ_INCONSISTENT acknowledged, or GAVE_UP after 72 h), for the admin API.
 */
const liberalAcceptance: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('payments').addColumn('request_json', 'text').execute();
    await db.schema.alterTable('payments').addColumn('notify_url', 'text').execute();
    await db.schema.alterTable('refunds').addColumn('request_json', 'text').execute();
    await db.schema.alterTable('notify_outbox').addColumn('stopped_code', 'text').execute();
    await db.schema.alterTable('notify_outbox').addColumn('stopped_at_ms', int64).execute();
    await db.schema
      .createTable('token_customers')
      .addColumn('token_reference', 'text', (c) => c.primaryKey())
      .addColumn('customer_id', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at_ms', int64, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('notify_outbox_stopped')
      .on('notify_outbox')
      .column('stopped_at_ms')
      .where(sql.ref('stopped_code'), 'is not', null)
      .execute();
  },
};

/** Migrations in order; names sort lexically, which is the order the Migrator applies them. */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_system_accounts_derive_balance': systemAccountsDeriveBalance,
  '0003_int64_columns_are_integers': int64ColumnsAreIntegers,
  '0004_liberal_acceptance': liberalAcceptance,
  '0005_pg_payment_functions': pgPaymentFunctions,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
