// Calendar rules in UTC+8 (the Alipay+ business day): the cancel window, the refund window and the
// day that daily limits count in.

const dayMs = 86_400_000;
const utc8OffsetMs = 8 * 3_600_000;

/** (doc) A payment can be cancelled until 00:30 UTC+8 on the day after it was made. */
const cancelGraceAfterMidnightMs = 30 * 60_000;

/**
 * (doc) A payment stays refundable for AT LEAST 366 days: the window is configuration (refundWindowDays),
 * never shorter than this minimum, and this minimum by default.
 */
export const REFUND_WINDOW_DAYS_MIN = 366;
export const REFUND_WINDOW_DAYS_DEFAULT = REFUND_WINDOW_DAYS_MIN;

/** Days since the epoch of the UTC+8 calendar day that contains `ms` (tapkit: the daily-limit day). */
export function utc8Day(ms: number): number {
  return Math.floor((ms + utc8OffsetMs) / dayMs);
}

/** The last instant (exclusive) at which a payment made at `paymentTimeMs` can still be cancelled. */
export function cancelDeadlineMs(paymentTimeMs: number): number {
  const nextDayStartMs = (utc8Day(paymentTimeMs) + 1) * dayMs - utc8OffsetMs;
  return nextDayStartMs + cancelGraceAfterMidnightMs;
}

export function isInCancelWindow(paymentTimeMs: number, nowMs: number): boolean {
  return nowMs < cancelDeadlineMs(paymentTimeMs);
}

export function isInRefundWindow(
  paymentTimeMs: number,
  nowMs: number,
  windowDays: number = REFUND_WINDOW_DAYS_DEFAULT,
): boolean {
  return nowMs - paymentTimeMs <= Math.max(windowDays, REFUND_WINDOW_DAYS_MIN) * dayMs;
}

/** ISO 8601 in UTC+8 with its offset, second precision, as the wire wants: 2026-11-25T20:00:00+08:00. */
export function formatUtc8(ms: number): string {
  const shifted = new Date(Math.floor(ms / 1000) * 1000 + utc8OffsetMs).toISOString();
  return `${shifted.slice(0, 19)}+08:00`;
}
