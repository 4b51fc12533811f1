import { assert, type RetrySchedule, retryDelayMs, retrySchedule } from '@tapkit/protocol';

// (tapkit) The notifyPayment retry schedule, in one place (docs/protocol/alipayplus-api.md#notifypayment): after a
// failed attempt wait 10 s, 30 s, 1 min, 2 min, 5 min twice, 15 min four times, 1 h four times, then every
// 6 h, and give up once the next attempt would fall more than 72 h after the outbox row was opened.

const secondMs = 1_000;
const minuteMs = 60 * secondMs;
const hourMs = 60 * minuteMs;

/** The wait after the n-th failed attempt (index 0 = after the first attempt). */
export const NOTIFY_RETRY_DELAYS_MS: readonly number[] = [
  10 * secondMs,
  30 * secondMs,
  1 * minuteMs,
  2 * minuteMs,
  5 * minuteMs,
  5 * minuteMs,
  15 * minuteMs,
  15 * minuteMs,
  15 * minuteMs,
  15 * minuteMs,
  1 * hourMs,
  1 * hourMs,
  1 * hourMs,
  1 * hourMs,
];

/** After the listed delays, attempts come every 6 h. */
export const NOTIFY_RETRY_TAIL_DELAY_MS = 6 * hourMs;

/** No attempt is made later than this after the outbox row was opened (or re-opened by a cancel). */
export const NOTIFY_GIVE_UP_AFTER_MS = 72 * hourMs;

/** The notifyPayment schedule as a RetrySchedule (the list, then every 6 h). */
export const NOTIFY_RETRY_SCHEDULE: RetrySchedule = retrySchedule(
  NOTIFY_RETRY_DELAYS_MS,
  NOTIFY_RETRY_TAIL_DELAY_MS,
);

export type NotifyRetryDecision = { kind: 'retry'; atMs: number } | { kind: 'give_up' };

/**
 * What to do after an attempt that was not acknowledged with S.
 * `attemptCount` is the number of attempts made so far for this opening of the row (at least 1),
 * `openedAtMs` when the row was opened, `nowMs` when the failed attempt finished.
 */
export function nextNotifyAttempt(
  attemptCount: number,
  openedAtMs: number,
  nowMs: number,
): NotifyRetryDecision {
  assert(
    Number.isSafeInteger(attemptCount) && attemptCount >= 1,
    `nextNotifyAttempt: attemptCount must be a positive integer, got ${attemptCount}`,
  );
  const delayMs = retryDelayMs(NOTIFY_RETRY_SCHEDULE, attemptCount);
  const atMs = nowMs + delayMs;
  if (atMs - openedAtMs > NOTIFY_GIVE_UP_AFTER_MS) return { kind: 'give_up' };
  return { kind: 'retry', atMs };
}
