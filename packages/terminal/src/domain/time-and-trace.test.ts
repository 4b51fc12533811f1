import { describe, expect, it } from 'vitest';
import { dateTimeFields } from './time-fields.ts';
import { formatStan, nextStan, retrievalReferenceNumber, stanMax } from './trace-numbers.ts';

describe('date and time fields', () => {
  it('formats a UTC instant for EMV and ISO 8583', () => {
    const fields = dateTimeFields(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(fields).toEqual({
      yymmdd: '260102',
      mmdd: '0102',
      hhmmss: '030405',
      mmddhhmmss: '0102030405',
      julianYddd: '6002',
      hh: '03',
    });
  });

  it('applies the local offset (a date change included)', () => {
    expect(dateTimeFields(Date.UTC(2026, 11, 31, 23, 30, 0), 60).yymmdd).toBe('270101');
    expect(dateTimeFields(Date.UTC(2024, 11, 31, 12, 0, 0)).julianYddd).toBe('4366');
  });
});

describe('STAN and RRN', () => {
  it('counts 1..999999 and wraps, never 000000', () => {
    expect(nextStan(0)).toBe(1);
    expect(nextStan(41)).toBe(42);
    expect(nextStan(stanMax)).toBe(1);
    expect(formatStan(7)).toBe('000007');
  });

  it('builds a 12-character RRN from the date, the hour and the STAN', () => {
    const rrn = retrievalReferenceNumber(dateTimeFields(Date.UTC(2026, 10, 25, 10, 30)), '000123');
    expect(rrn).toBe('632910000123');
    expect(rrn).toHaveLength(12);
  });
});
