// The one retry-schedule type of every party: the waits after each failed attempt, then either the last
// wait again or a fixed tail. The notifyPayment schedule, the issuer's MPP calls, the token service's
// notifications, the network's advices and the issuer link's reconnects are all values of it.
import { assert } from './errors.ts';

export interface RetrySchedule {
  /** The wait after the n-th failed attempt (index 0: after the first). Not empty. */
  readonly delaysMs: readonly number[];
  /** The wait once the list is used up; the last entry of `delaysMs` again unless set. */
  readonly thenEveryMs?: number;
}

/** A schedule of these waits, the last repeating. */
export function retrySchedule(delaysMs: readonly number[], thenEveryMs?: number): RetrySchedule {
  assert(delaysMs.length > 0, 'retrySchedule: delaysMs must not be empty');
  return thenEveryMs === undefined ? { delaysMs } : { delaysMs, thenEveryMs };
}

/** The wait after `failedAttempts` failed attempts (at least 1). */
export function retryDelayMs(schedule: RetrySchedule, failedAttempts: number): number {
  assert(
    Number.isSafeInteger(failedAttempts) && failedAttempts >= 1,
    `retryDelayMs: failedAttempts must be a positive integer, got ${failedAttempts}`,
  );
  const { delaysMs, thenEveryMs } = schedule;
  const listed = delaysMs[failedAttempts - 1];
  if (listed !== undefined) return listed;
  const last = delaysMs[delaysMs.length - 1];
  const tail = thenEveryMs ?? last;
  assert(tail !== undefined, 'retryDelayMs: the schedule has no delays');
  return tail;
}
