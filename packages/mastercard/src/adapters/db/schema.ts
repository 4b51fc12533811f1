import type { ColumnType } from 'kysely';

// The row types Kysely checks queries against (see migrations.ts for what each table means). Both
// engines hand back 64-bit integers as bigint (better-sqlite3 with safeIntegers, pg with an int8
// parser), so integer columns read as bigint and accept a number or a bigint on write.

type Int64 = ColumnType<bigint, bigint | number, bigint | number>;
type Int64Nullable = ColumnType<bigint | null, bigint | number | null, bigint | number | null>;

export interface TsRegistrationNoncesTable {
  nonce: string;
  customer_id: string;
  created_at_ms: Int64;
  expires_at_ms: Int64;
  used_at_ms: Int64Nullable;
}

export interface TsDevicesTable {
  device_id: string;
  customer_id: string;
  public_key_spki: string;
  fingerprint: string;
  created_at_ms: Int64;
}

export interface TsTokensTable {
  token_unique_reference: string;
  token_pan: string;
  psn: string;
  expiry_yymm: string;
  customer_id: string;
  device_id: string;
  task_id: string;
  state: 'INACTIVE' | 'ACTIVE' | 'SUSPENDED' | 'DEACTIVATED';
  /** Comma-separated suspend reasons in catalog order; '' when not suspended. */
  suspended_by: string;
  provision_ready_at_ms: Int64;
  atc_last_issued: Int64;
  version: Int64;
  created_at_ms: Int64;
  updated_at_ms: Int64;
}

export interface TsNotificationOutboxTable {
  id: string;
  token_unique_reference: string;
  token_version: Int64;
  update_json: string;
  attempt_count: Int64;
  next_attempt_at_ms: Int64;
  delivered_at_ms: Int64Nullable;
  abandoned_at_ms: Int64Nullable;
  last_error: string | null;
  created_at_ms: Int64;
}

export interface MastercardDatabase {
  ts_registration_nonces: TsRegistrationNoncesTable;
  ts_devices: TsDevicesTable;
  ts_tokens: TsTokensTable;
  ts_notification_outbox: TsNotificationOutboxTable;
}
