import { type Kysely, type Migration, sql } from 'kysely';

// Migration 0005 (PostgreSQL only): the payment functions. `mpp_pay` is the whole pay in one server-side
// function, so that a pay costs one round trip instead of ten (BEGIN, find, lock, find again, transfer,
// postings, balance, payment, outbox, COMMIT), each a write and a wakeup while the connection sits idle in
// transaction; `mpp_cancel`, `mpp_refund` and `mpp_adjust_refund` are the writes of a cancel, a refund
// and an adjustRefund (their second round trip, see there). Each is called as one statement outside any explicit transaction: its own transaction.
//
// mpp_pay is the same pay as payOnSqlite in payments.ts, step for step, and the
// `*.db.test.ts` files prove both engines answer alike:
// 1. the customer is the one named, else the owner of the token paymentMethodId;
// 2. a stored answer is replayed, or REPEAT_REQ_INCONSISTENT when the checked fields differ (the current
//    form, or the pre-0003 form p_legacy_head || customer || p_legacy_tail);
// 3. the customer row is locked (FOR UPDATE), the payment read again (a duplicate that waited for the
//    lock replays the winner), and the wallet read by a later statement, which sees what the previous
//    lock holder committed (READ COMMITTED takes a snapshot per statement inside a function too);
// 4. decidePay's checks in decidePay's order (tombstone first: ORDER_IS_CLOSED);
// 5. on success the transfer, its two postings and the wallet's new balance; then the payment row
//    (inserted, or the tombstone updated) and the notifyPayment outbox row (re-)opened.
// Two first pays of one id racing without a customer to lock end in a unique violation; the caller runs
// the statement again, which then replays the winner. The answer JSON is built here with the same keys in
// the same order as the TypeScript answer; the result objects come from the caller (p_result_codes and
// p_result_texts side by side), so the catalog of codes and messages stays in one place.

// The steps every payment function shares, written once: a transfer with its two postings (leg 0 the
// source, debited; leg 1 the destination, credited), the int64-guarded credit of an account, and the
// notifyPayment outbox row (re-)opened. plpgsql resolves them at call time; the migration creates them
// first anyway, one statement each.
const sharedFunctionsSql = [
  `
create or replace function mpp_post_transfer(
  p_transfer_id text, p_kind text, p_currency text, p_amount_minor bigint, p_customer_id text,
  p_from_account_id text, p_to_account_id text, p_now_ms bigint)
returns void language plpgsql as $fn$
begin
  insert into transfers (id, kind, currency, amount_minor, customer_id, checked_fields, created_at_ms)
    values (p_transfer_id, p_kind, p_currency, p_amount_minor, p_customer_id, null, p_now_ms);
  insert into postings (transfer_id, leg, account_id, currency, amount_minor) values
    (p_transfer_id, 0, p_from_account_id, p_currency, -p_amount_minor),
    (p_transfer_id, 1, p_to_account_id, p_currency, p_amount_minor);
end
$fn$`,
  `
create or replace function mpp_credit(p_account_id text, p_currency text, p_amount_minor bigint)
returns void language plpgsql as $fn$
begin
  update accounts set balance_minor = balance_minor + p_amount_minor
    where id = p_account_id and currency = p_currency
      and balance_minor <= 9223372036854775807 - p_amount_minor;
  if not found then
    raise exception 'ledger: account % (%) does not exist or would pass the int64 limit',
      p_account_id, p_currency;
  end if;
end
$fn$`,
  `
create or replace function mpp_open_notify(p_request_id text, p_now_ms bigint)
returns void language plpgsql as $fn$
begin
  insert into notify_outbox (payment_request_id, next_attempt_at_ms, attempt_count, attempts_total,
      generation, claimed_by, claimed_until_ms, done_at_ms, created_at_ms, opened_at_ms)
    values (p_request_id, p_now_ms, 0, 0, 0, null, null, null, p_now_ms, p_now_ms)
    on conflict (payment_request_id) do update set next_attempt_at_ms = p_now_ms, attempt_count = 0,
      generation = notify_outbox.generation + 1, claimed_by = null, claimed_until_ms = null,
      done_at_ms = null, opened_at_ms = p_now_ms;
end
$fn$`,
];

const payFunctionSql = `
create or replace function mpp_pay(
  p_request_id text, p_customer_id text, p_payment_method_id text,
  p_payment_currency text, p_payment_minor bigint, p_pay_to_currency text, p_pay_to_minor bigint,
  p_checked text, p_legacy_head text, p_legacy_tail text,
  p_payment_id text, p_payment_time text, p_now_ms bigint, p_pay_day bigint,
  p_custom_data text, p_details_json text, p_request_json text, p_notify_url text,
  p_amount_max bigint, p_daily_count_max bigint, p_daily_amount_max bigint,
  p_result_codes text[], p_result_texts text[],
  out kind text, out answer text)
language plpgsql as $fn$
declare
  v_customer text := p_customer_id;
  v_legacy text;
  v_found boolean;
  v_row_status text;
  v_row_answer text;
  v_row_checked text;
  v_customer_status text;
  v_wallet_id text;
  v_balance bigint;
  v_has_wallet boolean := false;
  v_usage_count bigint := 0;
  v_usage_minor numeric := 0;
  v_code text;
  v_transfer_id text := 'pay:' || p_request_id;
begin
  if v_customer is null and p_payment_method_id is not null then
    select customer_id into v_customer from token_customers where token_reference = p_payment_method_id;
  end if;
  v_legacy := p_legacy_head || to_json(coalesce(v_customer, ''))::text || p_legacy_tail;

  select status, pay_response_json, checked_fields into v_row_status, v_row_answer, v_row_checked
    from payments where payment_request_id = p_request_id;
  v_found := found;
  if v_found and v_row_answer is not null then
    if v_row_checked is null or (v_row_checked <> p_checked and v_row_checked <> v_legacy) then
      kind := 'INCONSISTENT'; return;
    end if;
    kind := 'REPLAY'; answer := v_row_answer; return;
  end if;

  if v_customer is not null then
    select status into v_customer_status from customers where id = v_customer for update;
    if found then
      select status, pay_response_json, checked_fields into v_row_status, v_row_answer, v_row_checked
        from payments where payment_request_id = p_request_id;
      v_found := found;
      if v_found and v_row_answer is not null then
        if v_row_checked is null or (v_row_checked <> p_checked and v_row_checked <> v_legacy) then
          kind := 'INCONSISTENT'; return;
        end if;
        kind := 'REPLAY'; answer := v_row_answer; return;
      end if;
      v_wallet_id := 'C:' || p_pay_to_currency || ':' || v_customer;
      select balance_minor into v_balance from accounts where id = v_wallet_id;
      v_has_wallet := found;
    end if;
  end if;

  if v_found and v_row_status = 'TOMBSTONE' then v_code := 'ORDER_IS_CLOSED';
  elsif v_customer_status is null then v_code := 'USER_NOT_EXIST';
  elsif v_customer_status <> 'ACTIVE' then v_code := 'USER_STATUS_ABNORMAL';
  elsif not v_has_wallet then v_code := 'CURRENCY_NOT_SUPPORT';
  elsif p_amount_max is not null and p_pay_to_minor > p_amount_max then v_code := 'PAYMENT_AMOUNT_EXCEED_LIMIT';
  else
    if p_daily_count_max is not null or p_daily_amount_max is not null then
      select coalesce(sum(pay_to_minor), 0), count(*) into v_usage_minor, v_usage_count from payments
        where customer_id = v_customer and pay_day = p_pay_day and status = 'SUCCESS'
          and pay_to_currency = p_pay_to_currency;
    end if;
    if p_daily_count_max is not null and v_usage_count + 1 > p_daily_count_max then
      v_code := 'PAYMENT_COUNT_EXCEED_LIMIT';
    elsif p_daily_amount_max is not null and v_usage_minor + p_pay_to_minor > p_daily_amount_max then
      v_code := 'USER_AMOUNT_EXCEED_LIMIT';
    elsif v_balance < p_pay_to_minor then v_code := 'USER_BALANCE_NOT_ENOUGH';
    else v_code := 'SUCCESS';
    end if;
  end if;

  if v_code = 'SUCCESS' then
    perform mpp_post_transfer(v_transfer_id, 'PAY', p_pay_to_currency, p_pay_to_minor, v_customer,
      v_wallet_id, 'S:ALIPAYPLUS_SETTLEMENT:' || p_pay_to_currency, p_now_ms);
    update accounts set balance_minor = balance_minor - p_pay_to_minor
      where id = v_wallet_id and currency = p_pay_to_currency;
    if not found then
      raise exception 'ledger: account % (%) does not exist', v_wallet_id, p_pay_to_currency;
    end if;
  end if;

  answer := '{"result":' || p_result_texts[array_position(p_result_codes, v_code)]
    || ',"paymentId":' || to_json(p_payment_id)::text
    || ',"paymentTime":' || to_json(p_payment_time)::text
    || coalesce(',"customerId":' || to_json(v_customer)::text, '')
    || ',"payToAmount":{"currency":' || to_json(p_pay_to_currency)::text
    || ',"value":"' || p_pay_to_minor::text || '"}}';
  if answer is null then raise exception 'mpp_pay: no result text for %', v_code; end if;

  if v_found then
    -- The pay of an id a cancel already closed: keep the tombstone, record what the pay asked for.
    update payments set payment_id = p_payment_id, result_code = v_code, customer_id = v_customer,
        checked_fields = p_checked, payment_currency = p_payment_currency, payment_minor = p_payment_minor,
        pay_to_currency = p_pay_to_currency, pay_to_minor = p_pay_to_minor, payment_time_ms = p_now_ms,
        pay_day = p_pay_day, custom_data = p_custom_data, details_json = p_details_json,
        pay_response_json = answer, request_json = p_request_json, notify_url = p_notify_url,
        updated_at_ms = p_now_ms
      where payment_request_id = p_request_id;
  else
    insert into payments (payment_request_id, payment_id, status, result_code, customer_id, checked_fields,
        payment_currency, payment_minor, pay_to_currency, pay_to_minor, payment_time_ms, pay_day,
        custom_data, details_json, pay_response_json, request_json, notify_url, created_at_ms, updated_at_ms)
      values (p_request_id, p_payment_id, case when v_code = 'SUCCESS' then 'SUCCESS' else 'FAILED' end,
        v_code, v_customer, p_checked, p_payment_currency, p_payment_minor, p_pay_to_currency,
        p_pay_to_minor, p_now_ms, p_pay_day, p_custom_data, p_details_json, answer, p_request_json,
        p_notify_url, p_now_ms, p_now_ms);
  end if;

  perform mpp_open_notify(p_request_id, p_now_ms);
  kind := 'NEW';
end
$fn$`;

// mpp_cancel: the second of a cancel's two round trips. The first reads the payment; the service decides
// in TypeScript (decideCancel) and sends here what it decided from what it saw. This takes the locks
// (the customer's row first, as every payment change does, then the payment's row), checks that the
// payment is still what was seen (else CHANGED: the caller reads again and decides again), and writes:
// the tombstone, or the reversal transfer, the payment's cancel answer and status, and the re-opened
// notification unless it was already finished. A tombstone racing a first pay of the same id ends in a
// unique violation; the caller runs both round trips again.
const cancelFunctionSql = `
create or replace function mpp_cancel(
  p_request_id text, p_seen boolean, p_seen_status text, p_seen_payment_id text,
  p_seen_payment_time_ms bigint, p_seen_customer_id text, p_seen_pay_to_minor bigint,
  p_seen_refunded_from_minor bigint, p_cancel_json text, p_now_ms bigint, p_closes boolean,
  p_transfer_id text, p_currency text, p_from_account_id text, p_to_account_id text, p_amount_minor bigint)
returns text language plpgsql as $fn$
begin
  if not p_seen then
    insert into payments (payment_request_id, status, cancel_response_json, cancelled_at_ms, created_at_ms,
        updated_at_ms)
      values (p_request_id, 'TOMBSTONE', p_cancel_json, p_now_ms, p_now_ms, p_now_ms);
    return 'DONE';
  end if;
  if p_seen_customer_id is not null then
    perform 1 from customers where id = p_seen_customer_id for update;
  end if;
  perform 1 from payments where payment_request_id = p_request_id and cancel_response_json is null
      and status = p_seen_status and payment_id is not distinct from p_seen_payment_id
      and payment_time_ms is not distinct from p_seen_payment_time_ms
      and customer_id is not distinct from p_seen_customer_id
      and pay_to_minor is not distinct from p_seen_pay_to_minor
      and refunded_from_minor = p_seen_refunded_from_minor
    for update;
  if not found then return 'CHANGED'; end if;
  if p_amount_minor is not null then
    perform mpp_post_transfer(p_transfer_id, 'CANCEL', p_currency, p_amount_minor, p_seen_customer_id,
      p_from_account_id, p_to_account_id, p_now_ms);
    perform mpp_credit(p_to_account_id, p_currency, p_amount_minor);
  end if;
  update payments set cancel_response_json = p_cancel_json, updated_at_ms = p_now_ms,
      status = case when p_closes then 'CANCELLED' else status end,
      cancelled_at_ms = case when p_closes then p_now_ms else cancelled_at_ms end
    where payment_request_id = p_request_id;
  if p_closes and not exists (select 1 from notify_outbox where payment_request_id = p_request_id
      and done_at_ms is not null) then
    perform mpp_open_notify(p_request_id, p_now_ms);
  end if;
  return 'DONE';
end
$fn$`;

// mpp_refund: the second of a refund's two round trips, in the manner of mpp_cancel. The first reads the
// refund of that id (a replay) and the payment; the service decides (decideRefund) and sends here the
// refund row, the credit and the payment's new sums. This locks the customer, then the payment's row,
// and checks the payment is still as seen and no refund of the id was stored meanwhile (else CHANGED:
// the caller then runs the refund as one locking transaction, which waits its turn instead of retrying).
const refundFunctionSql = `
create or replace function mpp_refund(
  p_refund_request_id text, p_payment_request_id text, p_seen boolean, p_seen_status text,
  p_seen_payment_id text, p_seen_customer_id text, p_seen_pay_answered boolean,
  p_seen_refunded_minor bigint, p_seen_refunded_from_minor bigint,
  p_refund_id text, p_result_code text, p_checked text, p_refund_currency text, p_refund_minor bigint,
  p_refund_from_currency text, p_refund_from_minor bigint, p_refund_reason text, p_response_json text,
  p_now_ms bigint, p_request_json text,
  p_add_refund_minor bigint, p_add_refund_from_minor bigint,
  p_transfer_id text, p_currency text, p_from_account_id text, p_to_account_id text, p_amount_minor bigint)
returns text language plpgsql as $fn$
begin
  if p_seen_customer_id is not null then
    perform 1 from customers where id = p_seen_customer_id for update;
  end if;
  if p_seen then
    perform 1 from payments where payment_request_id = p_payment_request_id and status = p_seen_status
        and payment_id is not distinct from p_seen_payment_id
        and customer_id is not distinct from p_seen_customer_id
        and (pay_response_json is not null) = p_seen_pay_answered
        and refunded_minor = p_seen_refunded_minor and refunded_from_minor = p_seen_refunded_from_minor
      for update;
    if not found then return 'CHANGED'; end if;
  else
    perform 1 from payments where payment_request_id = p_payment_request_id;
    if found then return 'CHANGED'; end if;
  end if;
  perform 1 from refunds where refund_request_id = p_refund_request_id;
  if found then return 'CHANGED'; end if;
  if p_amount_minor is not null then
    perform mpp_post_transfer(p_transfer_id, 'REFUND', p_currency, p_amount_minor, p_seen_customer_id,
      p_from_account_id, p_to_account_id, p_now_ms);
    perform mpp_credit(p_to_account_id, p_currency, p_amount_minor);
  end if;
  if p_add_refund_minor is not null then
    update payments set refunded_minor = refunded_minor + p_add_refund_minor,
        refunded_from_minor = refunded_from_minor + p_add_refund_from_minor,
        refund_count = refund_count + 1, updated_at_ms = p_now_ms
      where payment_request_id = p_payment_request_id;
  end if;
  insert into refunds (refund_request_id, refund_id, payment_request_id, customer_id, result_code,
      checked_fields, refund_currency, refund_minor, refund_from_currency, refund_from_minor, refund_reason,
      response_json, created_at_ms, request_json)
    values (p_refund_request_id, p_refund_id, p_payment_request_id, p_seen_customer_id, p_result_code,
      p_checked, p_refund_currency, p_refund_minor, p_refund_from_currency, p_refund_from_minor,
      p_refund_reason, p_response_json, p_now_ms, p_request_json);
  return 'DONE';
end
$fn$`;

// mpp_adjust_refund: the second of an adjustRefund's two round trips, in the manner of mpp_refund. The
// first reads the stored adjustRefund of the id, the customer, their wallet currencies and the linked
// payment; the service decides where the credit lands (decideAdjustRefund). This locks the customer,
// checks those facts still hold (else CHANGED: the caller runs the locking transaction), opens the
// accounts the credit needs, checks the issuance limit under the lock on the currency's TOPUP_SOURCE row
// (OUT_OF_RANGE: nothing of the adjustRefund is stored, see fitsIssuance), and writes the credit and the row.
const adjustRefundFunctionSql = `
create or replace function mpp_adjust_refund(
  p_refund_request_id text, p_customer_id text, p_seen_customer boolean, p_seen_currencies text[],
  p_linked_request_id text, p_seen_linked boolean,
  p_refund_id text, p_sub_scenario_type text, p_refund_currency text, p_refund_minor bigint,
  p_credit_customer boolean, p_credited_account_id text, p_credited_currency text, p_credited_minor bigint,
  p_checked text, p_details_json text, p_response_json text, p_now_ms bigint)
returns text language plpgsql as $fn$
declare
  v_issued numeric;
  v_transfer_id text := 'adjust:' || p_refund_request_id;
begin
  perform 1 from customers where id = p_customer_id for update;
  if found <> p_seen_customer then return 'CHANGED'; end if;
  if (select coalesce(array_agg(currency order by currency), '{}') from accounts
      where customer_id = p_customer_id) <> coalesce(p_seen_currencies, '{}') then
    return 'CHANGED';
  end if;
  if p_seen_linked is not null and p_seen_linked is distinct from exists (select 1 from payments
      where payment_request_id = p_linked_request_id and customer_id = p_customer_id
        and pay_response_json is not null) then
    return 'CHANGED';
  end if;
  perform 1 from adjust_refunds where refund_request_id = p_refund_request_id;
  if found then return 'CHANGED'; end if;
  insert into accounts (id, kind, customer_id, currency, balance_minor, created_at_ms)
    select 'S:' || kind || ':' || p_credited_currency, kind, null, p_credited_currency, 0, p_now_ms
      from unnest(array['TOPUP_SOURCE', 'ALIPAYPLUS_SETTLEMENT', 'REFUNDS', 'SUSPENSE']) as kind
    on conflict (id) do nothing;
  if p_credited_minor > 0 then
    perform 1 from accounts where id = 'S:TOPUP_SOURCE:' || p_credited_currency for update;
    select -coalesce(sum(amount_minor), 0) into v_issued from postings
      where account_id in ('S:TOPUP_SOURCE:' || p_credited_currency, 'S:REFUNDS:' || p_credited_currency);
    if not (v_issued >= 0 and v_issued <= 9223372036854775807 - p_credited_minor) then
      return 'OUT_OF_RANGE';
    end if;
  end if;
  if p_credit_customer then
    insert into accounts (id, kind, customer_id, currency, balance_minor, created_at_ms)
      values (p_credited_account_id, 'CUSTOMER', p_customer_id, p_credited_currency, 0, p_now_ms)
      on conflict (id) do nothing;
  end if;
  if p_credited_minor > 0 then
    perform mpp_post_transfer(v_transfer_id, 'ADJUST_REFUND', p_credited_currency, p_credited_minor,
      case when p_credit_customer then p_customer_id end, 'S:REFUNDS:' || p_credited_currency,
      p_credited_account_id, p_now_ms);
    if p_credit_customer then
      perform mpp_credit(p_credited_account_id, p_credited_currency, p_credited_minor);
    end if;
  end if;
  insert into adjust_refunds (refund_request_id, refund_id, sub_scenario_type, customer_id,
      payment_request_id, refund_currency, refund_minor, credited_account_id, credited_currency,
      credited_minor, checked_fields, details_json, response_json, created_at_ms)
    values (p_refund_request_id, p_refund_id, p_sub_scenario_type, p_customer_id, p_linked_request_id,
      p_refund_currency, p_refund_minor, p_credited_account_id, p_credited_currency, p_credited_minor,
      p_checked, p_details_json, p_response_json, p_now_ms);
  return 'DONE';
end
$fn$`;

/** Whether the migration runs on PostgreSQL (a query only PostgreSQL answers; see migration 0003). */
async function isPostgres(db: Kysely<unknown>): Promise<boolean> {
  return sql`select 1 from pg_catalog.pg_namespace limit 1`.execute(db).then(
    () => true,
    () => false,
  );
}

/** 0005: the PostgreSQL payment functions. SQLite has no server to run them: it keeps its statements. */
export const pgPaymentFunctions: Migration = {
  async up(db: Kysely<unknown>) {
    if (!(await isPostgres(db))) return;
    for (const text of sharedFunctionsSql) await sql.raw(text).execute(db);
    await sql.raw(payFunctionSql).execute(db);
    await sql.raw(cancelFunctionSql).execute(db);
    await sql.raw(refundFunctionSql).execute(db);
    await sql.raw(adjustRefundFunctionSql).execute(db);
  },
};

/** The statements that call them, with the parameters in the order of the functions' arguments. */
export const payFunctionCall =
  'select kind, answer from mpp_pay($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, ' +
  '$16, $17, $18, $19, $20, $21, $22, $23)';

export const cancelFunctionCall =
  'select mpp_cancel($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) as outcome';

/** A cancel's first round trip: the payment as it is now. */
export const findPaymentStatement = 'select * from payments where payment_request_id = $1';

export const refundFunctionCall =
  'select mpp_refund($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, ' +
  '$19, $20, $21, $22, $23, $24, $25, $26, $27) as outcome';

/**
 * A refund's first round trip: the stored refund of the id (r_ columns, null when none) and the payment
 * (null columns when none), side by side in one row.
 */
export const findRefundAndPaymentStatement =
  'select r.checked_fields as r_checked_fields, r.response_json as r_response_json, p.* ' +
  'from (select 1) as one left join refunds r on r.refund_request_id = $1 ' +
  'left join payments p on p.payment_request_id = $2';

export const adjustRefundFunctionCall =
  'select mpp_adjust_refund($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, ' +
  '$18) as outcome';

/**
 * An adjustRefund's first round trip: the stored adjustRefund of the id (null columns when none), whether
 * the customer exists, their wallet currencies in order, and the linked payment ($3, may be null).
 */
export const findAdjustRefundFactsStatement =
  'select a.checked_fields as a_checked_fields, a.response_json as a_response_json, ' +
  '(select status from customers where id = $2) as customer_status, ' +
  '(select array_agg(currency order by currency) from accounts where customer_id = $2) as currencies, ' +
  'p.* from (select 1) as one left join adjust_refunds a on a.refund_request_id = $1 ' +
  'left join payments p on p.payment_request_id = $3';
