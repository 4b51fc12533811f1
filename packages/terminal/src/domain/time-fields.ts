// Date and time fields of EMV and ISO 8583, from a clock reading. Pure.

const two = (value: number): string => String(value).padStart(2, '0');

export interface DateTimeFields {
  /** YYMMDD (9A). */
  readonly yymmdd: string;
  /** MMDD (DE13). */
  readonly mmdd: string;
  /** hhmmss (DE12, 9F21). */
  readonly hhmmss: string;
  /** MMDDhhmmss (DE7 is UTC; the same layout). */
  readonly mmddhhmmss: string;
  /** Last digit of the year and day of the year, YDDD: the start of a retrieval reference number. */
  readonly julianYddd: string;
  /** Hour, hh. */
  readonly hh: string;
}

export function dateTimeFields(atMs: number, offsetMinutes = 0): DateTimeFields {
  const date = new Date(atMs + offsetMinutes * 60_000);
  const year = date.getUTCFullYear();
  const mmdd = two(date.getUTCMonth() + 1) + two(date.getUTCDate());
  const hhmmss = two(date.getUTCHours()) + two(date.getUTCMinutes()) + two(date.getUTCSeconds());
  const dayOfYear =
    Math.floor((Date.UTC(year, date.getUTCMonth(), date.getUTCDate()) - Date.UTC(year, 0, 1)) / 86_400_000) +
    1;
  return {
    yymmdd: two(year % 100) + mmdd,
    mmdd,
    hhmmss,
    mmddhhmmss: mmdd + hhmmss,
    julianYddd: String(year % 10) + String(dayOfYear).padStart(3, '0'),
    hh: two(date.getUTCHours()),
  };
}
