import type { Kysely, Migration, MigrationProvider } from 'kysely';

// The issuer processor's migrations, applied by openDatabase (@tapkit/storage). (tapkit) The issuer keeps
// its own database (its own migration history), separate from the Ant server's and the MPP's.

const int64 = 'bigint';

const initial: Migration = {
  async up(db: Kysely<unknown>) {
    await createBook(db);
    await createOutbox(db);
    await createClearing(db);
  },
};

async function createBook(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('issuer_authorizations')
    .addColumn('network_trace_id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('token_ref', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('mpp_id', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('merchant_name', 'text')
    .addColumn('mcc', 'text')
    .addColumn('terminal_id', 'text')
    .addColumn('acquirer_id', 'text')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('authorized_minor', int64, (c) => c.notNull())
    .addColumn('reversed_minor', int64, (c) => c.notNull())
    .addColumn('cleared_minor', int64, (c) => c.notNull())
    .addColumn('refunded_minor', int64, (c) => c.notNull())
    .addColumn('expires_at_ms', int64, (c) => c.notNull())
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .addColumn('updated_at_ms', int64, (c) => c.notNull())
    .addColumn('response_code', 'text')
    .addColumn('approval_code', 'text')
    .addColumn('faults', 'text', (c) => c.notNull())
    .addColumn('advice_received', int64, (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('issuer_authorizations_refund_match')
    .on('issuer_authorizations')
    .columns(['token_ref', 'merchant_id', 'created_at_ms'])
    .execute();
  await db.schema
    .createIndex('issuer_authorizations_state')
    .on('issuer_authorizations')
    .column('state')
    .execute();

  await db.schema
    .createTable('issuer_payments')
    .addColumn('payment_request_id', 'text', (c) => c.primaryKey())
    .addColumn('network_trace_id', 'text', (c) =>
      c.notNull().references('issuer_authorizations.network_trace_id'),
    )
    .addColumn('message_trace_id', 'text', (c) => c.notNull())
    .addColumn('seq', int64, (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount_minor', int64, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text')
    .addColumn('paid_at_ms', int64, (c) => c.notNull())
    .addColumn('refunded_minor', int64, (c) => c.notNull())
    .addColumn('result_code', 'text')
    .addColumn('updated_at_ms', int64, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('issuer_payments_trace')
    .on('issuer_payments')
    .columns(['network_trace_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('issuer_payments_message')
    .on('issuer_payments')
    .column('message_trace_id')
    .execute();
  await db.schema.createIndex('issuer_payments_status').on('issuer_payments').column('status').execute();
}

async function createOutbox(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('issuer_effects')
    .addColumn('effect_key', 'text', (c) => c.primaryKey())
    .addColumn('network_trace_id', 'text', (c) => c.notNull())
    .addColumn('response_code', 'text')
    .addColumn('approval_code', 'text')
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('issuer_calls')
    .addColumn('call_key', 'text', (c) => c.primaryKey())
    .addColumn('api', 'text', (c) => c.notNull())
    .addColumn('network_trace_id', 'text', (c) => c.notNull())
    .addColumn('call', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', int64, (c) => c.notNull())
    .addColumn('result_code', 'text')
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .addColumn('updated_at_ms', int64, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('issuer_calls_status').on('issuer_calls').column('status').execute();

  await db.schema
    .createTable('issuer_receivables')
    .addColumn('receivable_key', 'text', (c) => c.primaryKey())
    .addColumn('network_trace_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('mpp_id', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('amount_minor', int64, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .execute();
}

async function createClearing(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('issuer_clearing_files')
    .addColumn('file_id', 'text', (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('record_count', int64, (c) => c.notNull())
    .addColumn('applied_count', int64, (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('created_at_ms', int64, (c) => c.notNull())
    .addColumn('updated_at_ms', int64, (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('issuer_clearing_staged')
    .addColumn('file_id', 'text', (c) => c.notNull())
    .addColumn('record_index', int64, (c) => c.notNull())
    .addColumn('arn', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount_minor', int64, (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('network_trace_id', 'text')
    .addColumn('token_ref', 'text', (c) => c.notNull())
    .addColumn('funding_ref', 'text', (c) => c.notNull())
    .addColumn('merchant_id', 'text')
    .addColumn('terminal_id', 'text')
    .addColumn('local_date_time', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('issuer_clearing_staged_pk', ['file_id', 'record_index'])
    .execute();
}

/** Cross-currency pays: the quote an authorization's pays convert with (null: same currency). */
const authorizationQuote: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable('issuer_authorizations').addColumn('quote', 'text').execute();
  },
};

export const issuerMigrations: MigrationProvider = {
  getMigrations: async () => ({
    '0001_issuer_initial': initial,
    '0002_issuer_authorization_quote': authorizationQuote,
  }),
};
