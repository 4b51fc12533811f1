import type { ColumnType, Insertable, Selectable } from 'kysely';

// The row types Kysely checks queries against. Both engines hand back 64-bit integers as bigint
// (better-sqlite3 with safeIntegers, pg with an int8 parser), so every integer column reads as bigint
// and accepts a number or a bigint on write. See migrations.ts for what each table means.

/** A 64-bit integer column: money in minor units, epoch milliseconds, counters. */
type Int64 = ColumnType<bigint, bigint | number, bigint | number>;
/** A 64-bit integer column with a default in the schema: optional on insert. */
type Int64Default = ColumnType<bigint, bigint | number | undefined, bigint | number>;
type Int64Nullable = ColumnType<bigint | null, bigint | number | null, bigint | number | null>;

export interface CustomersTable {
  id: string;
  status: 'ACTIVE' | 'FROZEN';
  created_at_ms: Int64;
  updated_at_ms: Int64;
}

export type AccountKind = 'CUSTOMER' | 'TOPUP_SOURCE' | 'ALIPAYPLUS_SETTLEMENT' | 'REFUNDS' | 'SUSPENSE';

export interface AccountsTable {
  id: string;
  kind: AccountKind;
  customer_id: string | null;
  currency: string;
  balance_minor: Int64Default;
  created_at_ms: Int64;
}

export interface TransfersTable {
  id: string;
  kind: string;
  currency: string;
  amount_minor: Int64;
  customer_id: string | null;
  checked_fields: string | null;
  created_at_ms: Int64;
}

export interface PostingsTable {
  transfer_id: string;
  leg: Int64;
  account_id: string;
  currency: string;
  amount_minor: Int64;
}

export type PaymentStatus = 'SUCCESS' | 'FAILED' | 'CANCELLED' | 'TOMBSTONE';

export interface PaymentsTable {
  payment_request_id: string;
  payment_id: string | null;
  status: PaymentStatus;
  result_code: string | null;
  customer_id: string | null;
  checked_fields: string | null;
  payment_currency: string | null;
  payment_minor: Int64Nullable;
  pay_to_currency: string | null;
  pay_to_minor: Int64Nullable;
  payment_time_ms: Int64Nullable;
  pay_day: Int64Nullable;
  refunded_minor: Int64Default;
  refunded_from_minor: Int64Default;
  refund_count: Int64Default;
  custom_data: string | null;
  details_json: string | null;
  pay_response_json: string | null;
  cancel_response_json: string | null;
  cancelled_at_ms: Int64Nullable;
  created_at_ms: Int64;
  updated_at_ms: Int64;
  /** Since 0003: the pay request as received, unknown fields included. */
  request_json: ColumnType<string | null, string | null | undefined, string | null>;
  /** Since 0003: where this payment's notifyPayment goes (an allowed paymentNotifyUrl), else null. */
  notify_url: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface RefundsTable {
  refund_request_id: string;
  refund_id: string;
  payment_request_id: string;
  customer_id: string | null;
  result_code: string;
  checked_fields: string;
  refund_currency: string;
  refund_minor: Int64;
  refund_from_currency: string | null;
  refund_from_minor: Int64Nullable;
  refund_reason: string | null;
  response_json: string;
  created_at_ms: Int64;
  /** Since 0003: the refund request as received. */
  request_json: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface AdjustRefundsTable {
  refund_request_id: string;
  refund_id: string;
  sub_scenario_type: string;
  customer_id: string;
  payment_request_id: string | null;
  refund_currency: string;
  refund_minor: Int64;
  credited_account_id: string;
  credited_currency: string;
  credited_minor: Int64;
  checked_fields: string;
  details_json: string | null;
  response_json: string;
  created_at_ms: Int64;
}

export interface NotifyOutboxTable {
  payment_request_id: string;
  next_attempt_at_ms: Int64;
  attempt_count: Int64Default;
  attempts_total: Int64Default;
  generation: Int64Default;
  claimed_by: string | null;
  claimed_until_ms: Int64Nullable;
  done_at_ms: Int64Nullable;
  created_at_ms: Int64;
  opened_at_ms: Int64;
  /** Since 0003: PROCESS_FAIL, REPEAT_REQ_INCONSISTENT or GAVE_UP when retries ended without an S. */
  stopped_code: ColumnType<string | null, string | null | undefined, string | null>;
  stopped_at_ms: ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
}

export interface TokenCustomersTable {
  token_reference: string;
  customer_id: string;
  /** Where the mapping was learnt, e.g. TOKEN_SERVICE_ANSWER. */
  source: string;
  created_at_ms: Int64;
}

export interface NotifyAttemptsTable {
  outbox_id: string;
  attempt_no: Int64;
  worker_id: string;
  started_at_ms: Int64;
  finished_at_ms: Int64Nullable;
  outcome: string;
  result_code: string | null;
  detail: string | null;
}

export interface UsersTable {
  username: string;
  password_hash: string;
  customer_id: string;
  created_at_ms: Int64;
}

export interface SessionsTable {
  token_hash: string;
  username: string;
  customer_id: string;
  expires_at_ms: Int64;
  created_at_ms: Int64;
}

export interface Database {
  customers: CustomersTable;
  accounts: AccountsTable;
  transfers: TransfersTable;
  postings: PostingsTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
  adjust_refunds: AdjustRefundsTable;
  notify_outbox: NotifyOutboxTable;
  notify_attempts: NotifyAttemptsTable;
  token_customers: TokenCustomersTable;
  users: UsersTable;
  sessions: SessionsTable;
}

export type PaymentRow = Selectable<PaymentsTable>;
export type RefundRow = Selectable<RefundsTable>;
export type AdjustRefundRow = Selectable<AdjustRefundsTable>;
export type AccountRow = Selectable<AccountsTable>;
export type NotifyOutboxRow = Selectable<NotifyOutboxTable>;
export type NewPayment = Insertable<PaymentsTable>;
