import { describe, expect, it } from 'vitest';
import { isRetryableConflict, isUniqueViolation } from './errors.ts';

const withCode = (code: unknown) => Object.assign(new Error('x'), { code });

describe('isUniqueViolation', () => {
  it.each(['23505', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'SQLITE_CONSTRAINT_UNIQUE'])('is true for %s', (code) => {
    expect(isUniqueViolation(withCode(code))).toBe(true);
  });

  it.each(['40001', 'SQLITE_CONSTRAINT_FOREIGNKEY', 'SQLITE_BUSY', 23505, undefined])(
    'is false for %s',
    (code) => {
      expect(isUniqueViolation(withCode(code))).toBe(false);
    },
  );

  it('is false for values that are not objects', () => {
    expect(isUniqueViolation(null)).toBe(false);
    expect(isUniqueViolation('23505')).toBe(false);
  });
});

describe('isRetryableConflict', () => {
  it.each(['23505', '40001', '40P01', 'SQLITE_BUSY', 'SQLITE_CONSTRAINT_UNIQUE'])(
    'is true for %s',
    (code) => {
      expect(isRetryableConflict(withCode(code))).toBe(true);
    },
  );

  it.each(['23503', 'SQLITE_CONSTRAINT_FOREIGNKEY', 'SQLITE_CORRUPT', undefined])(
    'is false for %s',
    (code) => {
      expect(isRetryableConflict(withCode(code))).toBe(false);
    },
  );
});
