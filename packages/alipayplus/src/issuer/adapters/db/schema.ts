import type { Generated } from 'kysely';

// The issuer processor's tables (Kysely types). Money and times are 64-bit integers, read back as bigint on
// both engines (SQLite safe integers, the pg int8 parser of @tapkit/storage).

type Int64 = bigint;

export interface AuthorizationTable {
  network_trace_id: string;
  type: string;
  state: string;
  token_ref: string;
  customer_id: string;
  mpp_id: string;
  merchant_id: string | null;
  merchant_name: string | null;
  mcc: string | null;
  terminal_id: string | null;
  acquirer_id: string | null;
  currency: string;
  authorized_minor: Int64;
  reversed_minor: Int64;
  cleared_minor: Int64;
  refunded_minor: Int64;
  expires_at_ms: Int64;
  created_at_ms: Int64;
  updated_at_ms: Int64;
  response_code: string | null;
  approval_code: string | null;
  /** Comma-separated fault names (faults.ts) this authorization plays. */
  faults: string;
  /** 1 once a 0120 advice said the network approved this authorization itself. */
  advice_received: Int64;
  /** JSON of the pay request's descriptive parts (order, nfcTransactionInfo, customData). */
  details: string;
  /** JSON of the authorization's FX quote (ports.ts AuthorizationQuote); null for a same-currency wallet. */
  quote: string | null;
}

export interface PaymentTable {
  payment_request_id: string;
  network_trace_id: string;
  message_trace_id: string;
  seq: Int64;
  kind: string;
  amount_minor: Int64;
  status: string;
  payment_id: string | null;
  paid_at_ms: Int64;
  refunded_minor: Int64;
  result_code: string | null;
  updated_at_ms: Int64;
}

/** One row per applied network message or clearing record: its key makes every effect happen once. */
export interface EffectTable {
  effect_key: string;
  network_trace_id: string;
  response_code: string | null;
  approval_code: string | null;
  created_at_ms: Int64;
}

/** The outbox of MPP calls a rule decided: written with the amounts, sent after the commit. */
export interface CallTable {
  call_key: string;
  api: string;
  network_trace_id: string;
  /** JSON of the planned MppCall (bigints as strings). */
  call: string;
  status: string;
  attempts: Int64;
  result_code: string | null;
  created_at_ms: Int64;
  updated_at_ms: Int64;
}

/** Money the MPP did not give: kept for manual follow-up, never dropped. */
export interface ReceivableTable {
  receivable_key: string;
  network_trace_id: string;
  customer_id: string;
  mpp_id: string;
  currency: string;
  amount_minor: Int64;
  reason: string;
  status: string;
  created_at_ms: Int64;
}

export interface ClearingFileTable {
  file_id: string;
  status: string;
  record_count: Int64;
  applied_count: Int64;
  error: string | null;
  created_at_ms: Int64;
  updated_at_ms: Int64;
}

export interface ClearingStagedTable {
  file_id: string;
  record_index: Int64;
  arn: string;
  kind: string;
  amount_minor: Int64;
  currency: string;
  network_trace_id: string | null;
  token_ref: string;
  funding_ref: string;
  merchant_id: string | null;
  terminal_id: string | null;
  local_date_time: string;
}

export interface IssuerDatabase {
  issuer_authorizations: AuthorizationTable;
  issuer_payments: PaymentTable;
  issuer_effects: EffectTable;
  issuer_calls: CallTable;
  issuer_receivables: ReceivableTable;
  issuer_clearing_files: ClearingFileTable;
  issuer_clearing_staged: ClearingStagedTable;
}

export type { Generated };
