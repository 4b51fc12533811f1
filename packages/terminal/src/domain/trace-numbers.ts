import type { DateTimeFields } from './time-fields.ts';

// System trace audit numbers (DE11) and retrieval reference numbers (DE37). Pure.

/** DE11 is n6; 000000 is not used, so the counter runs 1..999999 and wraps. */
export const stanMax = 999_999;

export function nextStan(previous: number): number {
  return previous >= stanMax || previous < 1 ? 1 : previous + 1;
}

export function formatStan(stan: number): string {
  return String(stan).padStart(6, '0');
}

/**
 * DE37 (an12) in the common acquirer layout: YDDD (last digit of the year, day of the year), hh, and
 * the STAN. Unique for a terminal within ten years as long as fewer than a million transactions fall
 * in one hour.
 */
export function retrievalReferenceNumber(time: DateTimeFields, stan: string): string {
  return time.julianYddd + time.hh + stan;
}
