// Classifies storage errors, the same on SQLite (better-sqlite3 codes) and PostgreSQL (SQLSTATE codes),
// so adapters can turn the expected ones into outcomes rather than exceptions. On PostgreSQL two
// concurrent requests with the same key can both find nothing and both insert; the loser gets a unique
// violation and, on retry, reads the winner's stored answer.

const pgUniqueViolation = '23505';
const pgSerializationFailure = '40001';
const pgDeadlockDetected = '40P01';

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  const code = errorCode(error);
  return (
    code === pgUniqueViolation ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  );
}

/** True for errors after which the whole transaction may simply run again. */
export function isRetryableConflict(error: unknown): boolean {
  const code = errorCode(error);
  return (
    isUniqueViolation(error) ||
    code === pgSerializationFailure ||
    code === pgDeadlockDetected ||
    code === 'SQLITE_BUSY'
  );
}
