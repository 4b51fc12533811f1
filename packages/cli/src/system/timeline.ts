import type { AntServerDatabase, IssuerDatabase } from '@tapkit/alipayplus';
import type { AuthorizationLog } from '@tapkit/mastercard';
import type { Database as MppDatabase } from '@tapkit/mpp-server';
import type { Kysely } from 'kysely';
import type { SystemJournal } from './journal.ts';

// The operations view's timeline of one payment across the parties: the acquirer's messages, the
// network's authorization, reversal, expiry and clearing, Alipay+'s book (pays, calls, effects,
// receivables, notify receipts) and the MPP's payment, ledger postings and notify attempts. Each party's
// records are read with read-only queries on its own database; nothing here changes state.

export interface TimelineEntry {
  readonly atMs: number;
  readonly at: string;
  readonly party: 'ACQUIRER' | 'MASTERCARD' | 'ALIPAYPLUS' | 'MPP';
  readonly step: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface Timeline {
  readonly networkTraceId: string | null;
  readonly paymentRequestIds: readonly string[];
  readonly entries: readonly TimelineEntry[];
  /** The MPP's ledger transfers of these payments with their postings (minor units as strings). */
  readonly ledger: readonly {
    id: string;
    kind: string;
    currency: string;
    amountMinor: string;
    postings: unknown[];
  }[];
}

export interface TimelineSources {
  readonly journal: SystemJournal;
  readonly networkAuthorizations: AuthorizationLog;
  readonly mastercardDb: Kysely<unknown>;
  readonly issuerDb: Kysely<IssuerDatabase>;
  readonly antDb: Kysely<AntServerDatabase>;
  readonly mppDb: Kysely<MppDatabase>;
}

/** Rows read per table for one timeline. */
const rowsMax = 200;

type Add = (
  atMs: number | bigint,
  party: TimelineEntry['party'],
  step: string,
  detail: Record<string, unknown>,
) => void;

/** What the operations view looks a payment up by: exactly one of these. */
export interface TimelineQuery {
  readonly networkTraceId?: string;
  readonly paymentRequestId?: string;
  /** The retrieval reference number the POS shows (DE37). */
  readonly rrn?: string;
}

export async function buildTimeline(
  sources: TimelineSources,
  query: TimelineQuery,
): Promise<Timeline | undefined> {
  const trace =
    query.networkTraceId ??
    (query.rrn === undefined ? undefined : traceOfRrn(sources.journal, query.rrn)) ??
    (await traceOfPayment(sources.issuerDb, query.paymentRequestId));
  const fromIssuer = trace === undefined ? [] : await paymentIdsOf(sources.issuerDb, trace);
  const paymentRequestIds = [
    ...new Set([...fromIssuer, ...(query.paymentRequestId ? [query.paymentRequestId] : [])]),
  ];
  const entries: TimelineEntry[] = [];
  const add: Add = (atMs, party, step, detail) => {
    const ms = Number(atMs);
    entries.push({ atMs: ms, at: new Date(ms).toISOString(), party, step, detail: plain(detail) });
  };
  if (trace !== undefined) {
    for (const event of sources.journal.forTrace(trace))
      add(event.atMs, event.party as TimelineEntry['party'], event.step, { ...event.detail });
    await networkEntries(sources, trace, add);
    await issuerEntries(sources.issuerDb, trace, add);
  }
  await notifyReceipts(sources.antDb, paymentRequestIds, add);
  const ledger = await mppEntries(sources.mppDb, paymentRequestIds, add);
  if (entries.length === 0) return undefined;
  entries.sort((a, b) => a.atMs - b.atMs || flowRank(a) - flowRank(b));
  return { networkTraceId: trace ?? null, paymentRequestIds, entries, ledger };
}

/** The network trace id the answer to the message with this RRN carried (DE63), from the journal. */
function traceOfRrn(journal: SystemJournal, rrn: string): string | undefined {
  return journal.where('rrn', rrn).find((event) => event.networkTraceId !== undefined)?.networkTraceId;
}

/** One line of the operations view's list of recent payments: an exchange the acquirer saw answered. */
export interface RecentPayment {
  readonly at: string;
  readonly networkTraceId: string | null;
  readonly rrn: string | null;
  /** The MTI answered: 0110 an authorization (purchase or refund), 0410 / 0430 a reversal. */
  readonly mti: string;
  readonly kind: 'PURCHASE' | 'REFUND' | 'REVERSAL';
  readonly amountMinor: string | null;
  readonly currencyNumeric: string | null;
  readonly responseCode: string | null;
}

/** The newest answered exchanges first, at most `limit` (the journal is bounded, so this is too). */
export function recentPayments(journal: SystemJournal, limit: number): RecentPayment[] {
  const received = journal.recent(
    (event) => event.party === 'ACQUIRER' && /^0\d10 received$/.test(event.step),
    limit,
  );
  return received.map((event) => {
    const text = (key: string) =>
      typeof event.detail[key] === 'string' ? (event.detail[key] as string) : null;
    const mti = event.step.slice(0, 4);
    const processingCode = text('processingCode') ?? '';
    const kind = mti.startsWith('04') ? 'REVERSAL' : processingCode.startsWith('20') ? 'REFUND' : 'PURCHASE';
    return {
      at: new Date(event.atMs).toISOString(),
      networkTraceId: event.networkTraceId ?? null,
      rrn: text('rrn'),
      mti,
      kind,
      amountMinor: text('amountMinor'),
      currencyNumeric: text('currencyNumeric'),
      responseCode: text('responseCode'),
    };
  });
}

async function traceOfPayment(db: Kysely<IssuerDatabase>, paymentRequestId: string | undefined) {
  if (paymentRequestId === undefined) return undefined;
  const row = await db
    .selectFrom('issuer_payments')
    .select('network_trace_id')
    .where('payment_request_id', '=', paymentRequestId)
    .executeTakeFirst();
  return row?.network_trace_id;
}

async function paymentIdsOf(db: Kysely<IssuerDatabase>, trace: string): Promise<string[]> {
  const rows = await db
    .selectFrom('issuer_payments')
    .select('payment_request_id')
    .where('network_trace_id', '=', trace)
    .limit(rowsMax)
    .execute();
  return rows.map((row) => row.payment_request_id);
}

async function networkEntries(sources: TimelineSources, trace: string, add: Add): Promise<void> {
  const entry = await sources.networkAuthorizations.findByTraceId(trace);
  if (entry !== undefined) {
    add(entry.authorizedAtMs, 'MASTERCARD', `0110 ${entry.responseCode} (authorization decided)`, {
      type: entry.type,
      processingCode: entry.processingCode,
      amountMinor: entry.amountMinor,
      currencyNumeric: entry.currencyNumeric,
      approvalCode: entry.approvalCode,
      standIn: entry.standIn,
      tokenUniqueReference: entry.tokenUniqueReference,
    });
  }
  const db = sources.mastercardDb as Kysely<{
    mastercard_network_clearing_submission: {
      record_id: string;
      submitted_at_ms: bigint;
      record_json: string;
      file_id: string | null;
    };
  }>;
  const submissions = await db
    .selectFrom('mastercard_network_clearing_submission')
    .selectAll()
    .where('record_json', 'like', `%"networkTraceId":${JSON.stringify(trace)}%`)
    .limit(rowsMax)
    .execute();
  for (const row of submissions) {
    const record = JSON.parse(row.record_json) as {
      kind: string;
      amountMinor: string;
      acquirerReferenceNumber: string;
    };
    add(row.submitted_at_ms, 'MASTERCARD', row.file_id === null ? 'CLEARING_SUBMITTED' : 'CLEARING_FILED', {
      kind: record.kind,
      amountMinor: record.amountMinor,
      arn: record.acquirerReferenceNumber,
      fileId: row.file_id,
    });
  }
}

async function issuerEntries(db: Kysely<IssuerDatabase>, trace: string, add: Add): Promise<void> {
  const auth = await db
    .selectFrom('issuer_authorizations')
    .selectAll()
    .where('network_trace_id', '=', trace)
    .executeTakeFirst();
  if (auth !== undefined) {
    add(auth.updated_at_ms, 'ALIPAYPLUS', `AUTHORIZATION ${auth.state}`, {
      type: auth.type,
      currency: auth.currency,
      authorizedMinor: auth.authorized_minor,
      reversedMinor: auth.reversed_minor,
      clearedMinor: auth.cleared_minor,
      refundedMinor: auth.refunded_minor,
      responseCode: auth.response_code,
      customerId: auth.customer_id,
    });
  }
  const effects = await db
    .selectFrom('issuer_effects')
    .selectAll()
    .where('network_trace_id', '=', trace)
    .limit(rowsMax)
    .execute();
  for (const effect of effects)
    add(effect.created_at_ms, 'ALIPAYPLUS', `EFFECT ${effect.effect_key.split('|')[0]}`, {
      effectKey: effect.effect_key,
      responseCode: effect.response_code,
    });
  const payments = await db
    .selectFrom('issuer_payments')
    .selectAll()
    .where('network_trace_id', '=', trace)
    .limit(rowsMax)
    .execute();
  for (const payment of payments)
    add(payment.paid_at_ms, 'ALIPAYPLUS', `pay (${payment.kind}) ${payment.status}`, {
      paymentRequestId: payment.payment_request_id,
      amountMinor: payment.amount_minor,
      resultCode: payment.result_code,
      paymentId: payment.payment_id,
      refundedMinor: payment.refunded_minor,
    });
  const calls = await db
    .selectFrom('issuer_calls')
    .selectAll()
    .where('network_trace_id', '=', trace)
    .limit(rowsMax)
    .execute();
  for (const call of calls)
    add(call.updated_at_ms, 'ALIPAYPLUS', `${call.api} ${call.status}`, {
      callKey: call.call_key,
      attempts: call.attempts,
      resultCode: call.result_code,
    });
  const receivables = await db
    .selectFrom('issuer_receivables')
    .selectAll()
    .where('network_trace_id', '=', trace)
    .limit(rowsMax)
    .execute();
  for (const receivable of receivables)
    add(receivable.created_at_ms, 'ALIPAYPLUS', 'RECEIVABLE', {
      amountMinor: receivable.amount_minor,
      currency: receivable.currency,
      reason: receivable.reason,
      status: receivable.status,
    });
}

async function notifyReceipts(
  db: Kysely<AntServerDatabase>,
  ids: readonly string[],
  add: Add,
): Promise<void> {
  if (ids.length === 0) return;
  const rows = await db
    .selectFrom('notify_receipts')
    .selectAll()
    .where('payment_request_id', 'in', ids)
    .limit(rowsMax)
    .execute();
  for (const row of rows)
    add(row.created_at_ms, 'ALIPAYPLUS', `notifyPayment received (${row.verdict})`, {
      paymentRequestId: row.payment_request_id,
      cancelState: row.cancel_state,
    });
}

async function mppEntries(
  db: Kysely<MppDatabase>,
  ids: readonly string[],
  add: Add,
): Promise<Timeline['ledger']> {
  if (ids.length === 0) return [];
  const payments = await db
    .selectFrom('payments')
    .selectAll()
    .where('payment_request_id', 'in', ids)
    .execute();
  for (const p of payments)
    add(p.payment_time_ms ?? p.created_at_ms, 'MPP', `payment ${p.status}`, {
      paymentRequestId: p.payment_request_id,
      paymentId: p.payment_id,
      resultCode: p.result_code,
      customerId: p.customer_id,
      amountMinor: p.payment_minor,
      currency: p.payment_currency,
      refundedMinor: p.refunded_minor,
      customData: p.custom_data,
    });
  const refunds = await db
    .selectFrom('refunds')
    .selectAll()
    .where('payment_request_id', 'in', ids)
    .limit(rowsMax)
    .execute();
  for (const r of refunds)
    add(r.created_at_ms, 'MPP', `refund ${r.result_code}`, {
      refundRequestId: r.refund_request_id,
      paymentRequestId: r.payment_request_id,
      amountMinor: r.refund_minor,
      currency: r.refund_currency,
    });
  const attempts = await db
    .selectFrom('notify_attempts')
    .selectAll()
    .where('outbox_id', 'in', ids)
    .limit(rowsMax)
    .execute();
  for (const a of attempts)
    add(a.started_at_ms, 'MPP', `notifyPayment attempt ${a.attempt_no}: ${a.outcome}`, {
      paymentRequestId: a.outbox_id,
      resultCode: a.result_code,
    });
  const transferIds = [
    ...ids.flatMap((id) => [`pay:${id}`, `cancel:${id}`]),
    ...refunds.map((r) => `refund:${r.refund_request_id}`),
  ];
  return ledgerOf(db, transferIds, add);
}

async function ledgerOf(
  db: Kysely<MppDatabase>,
  transferIds: readonly string[],
  add: Add,
): Promise<Timeline['ledger']> {
  const transfers = await db.selectFrom('transfers').selectAll().where('id', 'in', transferIds).execute();
  if (transfers.length === 0) return [];
  const postings = await db
    .selectFrom('postings')
    .selectAll()
    .where(
      'transfer_id',
      'in',
      transfers.map((t) => t.id),
    )
    .orderBy('leg')
    .execute();
  return transfers.map((t) => {
    const legs = postings
      .filter((p) => p.transfer_id === t.id)
      .map((p) => ({ accountId: p.account_id, amountMinor: String(p.amount_minor) }));
    add(t.created_at_ms, 'MPP', `ledger ${t.kind}`, {
      transferId: t.id,
      amountMinor: t.amount_minor,
      postings: legs,
    });
    return {
      id: t.id,
      kind: t.kind,
      currency: t.currency,
      amountMinor: String(t.amount_minor),
      postings: legs,
    };
  });
}

/**
 * Steps recorded within the same millisecond are shown in the order the flow makes them happen (the
 * parties' clocks have millisecond resolution, and one loopback hop often takes less).
 */
const flowRanks: readonly [TimelineEntry['party'], RegExp, number][] = [
  ['ACQUIRER', / sent$/, 0],
  ['ALIPAYPLUS', /^EFFECT AUTH|^pay /, 1],
  ['MPP', /^payment |^ledger PAY/, 2],
  ['MASTERCARD', /^0110 /, 3],
  ['ACQUIRER', / received$|^no answer/, 4],
  ['ACQUIRER', /^PRESENTED/, 5],
  ['MASTERCARD', /^CLEARING/, 6],
];

function flowRank(entry: TimelineEntry): number {
  for (const [party, pattern, rank] of flowRanks) {
    if (party === entry.party && pattern.test(entry.step)) return rank;
  }
  return flowRanks.length + 1;
}

/** JSON-safe detail: bigints as strings, undefined dropped. */
function plain(detail: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(detail)) {
    if (value === undefined) continue;
    out[key] = typeof value === 'bigint' ? value.toString() : value;
  }
  return out;
}
