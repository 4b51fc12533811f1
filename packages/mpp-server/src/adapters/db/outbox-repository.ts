import { assert, type WireResult } from '@tapkit/protocol';
import { type Kysely, sql } from 'kysely';
import { paymentOutcome } from '../../wire.ts';
import type { Engine } from './open.ts';
import type { Database, NotifyOutboxRow } from './schema.ts';
import type { Tx } from './transaction.ts';

// The notifyPayment outbox. Rows are written by the payment service in the transaction of the outcome
// (openNotify); the worker (built elsewhere) claims due rows with a lease, records one attempt row per
// send, and completes or reschedules only the generation it claimed.

/** Opens (or re-opens) the notification of a payment, due at once, in the caller's transaction. */
export async function openNotify(tx: Tx, paymentRequestId: string, nowMs: number): Promise<void> {
  await tx
    .insertInto('notify_outbox')
    .values({
      payment_request_id: paymentRequestId,
      next_attempt_at_ms: nowMs,
      attempt_count: 0,
      attempts_total: 0,
      generation: 0,
      claimed_by: null,
      claimed_until_ms: null,
      done_at_ms: null,
      created_at_ms: nowMs,
      opened_at_ms: nowMs,
    })
    .onConflict((oc) =>
      oc.column('payment_request_id').doUpdateSet({
        next_attempt_at_ms: nowMs,
        attempt_count: 0,
        generation: sql`notify_outbox.generation + 1`,
        claimed_by: null,
        claimed_until_ms: null,
        done_at_ms: null,
        opened_at_ms: nowMs,
      }),
    )
    .execute();
}

/**
 * Whether the notification of a payment is finished: acknowledged with S, or stopped (PROCESS_FAIL,
 * REPEAT_REQ_INCONSISTENT, given up) and left to operators. A payment that never had one is not.
 */
export async function isNotifyFinished(
  db: Kysely<Database> | Tx,
  paymentRequestId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('notify_outbox')
    .select('done_at_ms')
    .where('payment_request_id', '=', paymentRequestId)
    .executeTakeFirst();
  return row !== undefined && row.done_at_ms !== null;
}

/** The most rows one claim may take: a worker holding more than it can send would only delay them. */
export const claimBatchSizeMax = 1_000;

export interface ClaimedNotify {
  readonly paymentRequestId: string;
  readonly generation: bigint;
  /** Attempts made since the row was (re-)opened; the retry schedule counts these. */
  readonly attemptCount: number;
  readonly openedAtMs: number;
  readonly createdAtMs: number;
}

const toClaimed = (row: NotifyOutboxRow): ClaimedNotify => ({
  paymentRequestId: row.payment_request_id,
  generation: row.generation,
  attemptCount: Number(row.attempt_count),
  openedAtMs: Number(row.opened_at_ms),
  createdAtMs: Number(row.created_at_ms),
});

/**
 * Claims up to `limit` due rows for `workerId` for `leaseMs`. PostgreSQL: rows locked by another worker's
 * claim are skipped (FOR UPDATE SKIP LOCKED), so several processes never claim the same row. SQLite: one
 * UPDATE ... RETURNING, atomic by itself.
 */
export async function claimDue(
  db: Kysely<Database>,
  engine: Engine,
  p: { workerId: string; nowMs: number; limit: number; leaseMs: number },
): Promise<ClaimedNotify[]> {
  assert(
    Number.isInteger(p.limit) && p.limit >= 1 && p.limit <= claimBatchSizeMax,
    `claimDue: limit ${p.limit} outside 1..${claimBatchSizeMax}`,
  );
  assert(p.leaseMs > 0, `claimDue: leaseMs must be positive, got ${p.leaseMs}`);
  const due = db
    .selectFrom('notify_outbox')
    .select('payment_request_id')
    .where('done_at_ms', 'is', null)
    .where('next_attempt_at_ms', '<=', BigInt(p.nowMs))
    .where((eb) => eb.or([eb('claimed_until_ms', 'is', null), eb('claimed_until_ms', '<=', BigInt(p.nowMs))]))
    .orderBy('next_attempt_at_ms')
    .limit(p.limit);
  const rows = await db
    .updateTable('notify_outbox')
    .set({ claimed_by: p.workerId, claimed_until_ms: p.nowMs + p.leaseMs })
    .where('payment_request_id', 'in', engine === 'postgres' ? due.forUpdate().skipLocked() : due)
    .returningAll()
    .execute();
  return rows.map(toClaimed).sort((a, b) => (a.paymentRequestId < b.paymentRequestId ? -1 : 1));
}

export interface AttemptRecord {
  readonly paymentRequestId: string;
  readonly workerId: string;
  readonly startedAtMs: number;
  readonly finishedAtMs: number | null;
  /** e.g. 'ACKNOWLEDGED', 'REJECTED', 'UNKNOWN', 'SKIPPED' (the worker decides the words). */
  readonly outcome: string;
  readonly resultCode: string | null;
  readonly detail: string | null;
}

/**
 * Adds one notify_attempts row and counts it; returns the attempt number (1, 2, ...). With `generation`,
 * the attempt counts toward the retry schedule (attempt_count) only if the row is still in the generation
 * the worker claimed: when a cancel re-opened the row during the send, the new generation's schedule starts
 * from zero as it should, while attempts_total still numbers every attempt ever made.
 */
export async function recordAttempt(
  db: Kysely<Database>,
  attempt: AttemptRecord,
  generation?: bigint,
): Promise<number> {
  const attemptCount =
    generation === undefined
      ? sql<bigint>`attempt_count + 1`
      : sql<bigint>`case when generation = ${generation} then attempt_count + 1 else attempt_count end`;
  return db.transaction().execute(async (tx) => {
    const counted = await tx
      .updateTable('notify_outbox')
      .set({ attempt_count: attemptCount, attempts_total: sql`attempts_total + 1` })
      .where('payment_request_id', '=', attempt.paymentRequestId)
      .returning('attempts_total')
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('notify_attempts')
      .values({
        outbox_id: attempt.paymentRequestId,
        attempt_no: counted.attempts_total,
        worker_id: attempt.workerId,
        started_at_ms: attempt.startedAtMs,
        finished_at_ms: attempt.finishedAtMs,
        outcome: attempt.outcome,
        result_code: attempt.resultCode,
        detail: attempt.detail,
      })
      .execute();
    return Number(counted.attempts_total);
  });
}

/**
 * Marks the notification done if `workerId` still holds the claim on that generation. With `stoppedCode`
 * the retries ended without an S (PROCESS_FAIL, REPEAT_REQ_INCONSISTENT, GAVE_UP): the row keeps why, and
 * the admin API lists it for operators.
 */
export async function completeNotify(
  db: Kysely<Database>,
  p: { paymentRequestId: string; workerId: string; generation: bigint; nowMs: number; stoppedCode?: string },
): Promise<boolean> {
  const stopped =
    p.stoppedCode === undefined
      ? { stopped_code: null, stopped_at_ms: null }
      : { stopped_code: p.stoppedCode, stopped_at_ms: p.nowMs };
  const updated = await db
    .updateTable('notify_outbox')
    .set({ done_at_ms: p.nowMs, claimed_by: null, claimed_until_ms: null, ...stopped })
    .where('payment_request_id', '=', p.paymentRequestId)
    .where('claimed_by', '=', p.workerId)
    .where('generation', '=', p.generation)
    .executeTakeFirst();
  return updated.numUpdatedRows === 1n;
}

/** Sets the next attempt time and drops the claim, if `workerId` still holds it on that generation. */
export async function rescheduleNotify(
  db: Kysely<Database>,
  p: { paymentRequestId: string; workerId: string; generation: bigint; nextAttemptAtMs: number },
): Promise<boolean> {
  const updated = await db
    .updateTable('notify_outbox')
    .set({ next_attempt_at_ms: p.nextAttemptAtMs, claimed_by: null, claimed_until_ms: null })
    .where('payment_request_id', '=', p.paymentRequestId)
    .where('claimed_by', '=', p.workerId)
    .where('generation', '=', p.generation)
    .executeTakeFirst();
  return updated.numUpdatedRows === 1n;
}

/** Gives back every claim of a worker (graceful shutdown), so other workers can take the rows at once. */
export async function releaseClaims(db: Kysely<Database>, workerId: string): Promise<number> {
  const updated = await db
    .updateTable('notify_outbox')
    .set({ claimed_by: null, claimed_until_ms: null })
    .where('claimed_by', '=', workerId)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows);
}

/** The most stopped notifications one admin page lists. */
export const stoppedPageSizeMax = 500;

export interface StoppedNotify {
  readonly paymentRequestId: string;
  readonly stoppedCode: string;
  readonly stoppedAtMs: number;
  readonly attemptsTotal: number;
  /** The last attempt's acknowledgement code and detail, as recorded in notify_attempts. */
  readonly lastResultCode: string | null;
  readonly lastDetail: string | null;
}

/** Notifications whose retries ended without an S acknowledgement, newest first. */
export async function listStoppedNotify(
  db: Kysely<Database>,
  options: { limit: number },
): Promise<StoppedNotify[]> {
  const limit = Math.max(1, Math.min(Math.trunc(options.limit), stoppedPageSizeMax));
  const rows = await db
    .selectFrom('notify_outbox as o')
    .leftJoin('notify_attempts as a', (join) =>
      join.onRef('a.outbox_id', '=', 'o.payment_request_id').onRef('a.attempt_no', '=', 'o.attempts_total'),
    )
    .select([
      'o.payment_request_id',
      'o.stopped_code',
      'o.stopped_at_ms',
      'o.attempts_total',
      'a.result_code',
      'a.detail',
    ])
    .where('o.stopped_code', 'is not', null)
    .orderBy('o.stopped_at_ms', 'desc')
    .orderBy('o.payment_request_id')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    paymentRequestId: row.payment_request_id,
    stoppedCode: row.stopped_code ?? '',
    stoppedAtMs: Number(row.stopped_at_ms ?? 0n),
    attemptsTotal: Number(row.attempts_total),
    lastResultCode: row.result_code ?? null,
    lastDetail: row.detail ?? null,
  }));
}

export async function readOutbox(
  db: Kysely<Database>,
  paymentRequestId: string,
): Promise<NotifyOutboxRow | undefined> {
  return db
    .selectFrom('notify_outbox')
    .selectAll()
    .where('payment_request_id', '=', paymentRequestId)
    .executeTakeFirst();
}

/** What a notifyPayment request says about a payment, read fresh before each attempt. */
export interface PaymentNotice {
  readonly paymentRequestId: string;
  readonly paymentId: string;
  /** S SUCCESS or F with the pay's reason; a cancelled payment is F ORDER_IS_CLOSED (doc). */
  readonly paymentResult: WireResult;
  readonly paymentAmount: { currency: string; value: string };
  readonly payToAmount: { currency: string; value: string };
  readonly customerId: string;
  readonly paymentTime: string;
}

/** undefined when there is nothing to notify (unknown id, or a cancel tombstone no pay ever reached). */
export async function readPaymentForNotify(
  db: Kysely<Database>,
  paymentRequestId: string,
): Promise<PaymentNotice | undefined> {
  const row = await db
    .selectFrom('payments')
    .selectAll()
    .where('payment_request_id', '=', paymentRequestId)
    .executeTakeFirst();
  if (row === undefined || row.pay_response_json === null) return undefined;
  const stored = JSON.parse(row.pay_response_json) as { paymentId: string; paymentTime: string };
  return {
    paymentRequestId,
    paymentId: stored.paymentId,
    paymentResult: paymentOutcome(row),
    paymentAmount: { currency: row.payment_currency ?? '', value: String(row.payment_minor ?? 0n) },
    payToAmount: { currency: row.pay_to_currency ?? '', value: String(row.pay_to_minor ?? 0n) },
    customerId: row.customer_id ?? '',
    paymentTime: stored.paymentTime,
  };
}
