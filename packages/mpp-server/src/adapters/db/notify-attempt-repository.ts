import { type Kysely, sql } from 'kysely';
import type { AttemptRecord } from './outbox-repository.ts';
import type { Database } from './schema.ts';

/**
 * Adds one notify_attempts row and returns its number, like outbox-repository's recordAttempt, but counts
 * the attempt toward the retry schedule (attempt_count) only if the row is still in the generation the
 * worker claimed: when a cancel re-opened the row during the send, the new generation's schedule starts
 * from zero as it should, while attempts_total still numbers every attempt ever made.
 */
export async function recordClaimedAttempt(
  db: Kysely<Database>,
  attempt: AttemptRecord,
  generation: bigint,
): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const counted = await tx
      .updateTable('notify_outbox')
      .set({
        attempt_count: sql`case when generation = ${generation} then attempt_count + 1 else attempt_count end`,
        attempts_total: sql`attempts_total + 1`,
      })
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
