// Errors are values: a function that can fail for an operating reason (bad input, a peer's refusal)
// returns a Result instead of throwing, so the caller must look at the failure. Throwing is kept for
// programmer errors (broken invariants), see errors.ts.

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });

export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });
