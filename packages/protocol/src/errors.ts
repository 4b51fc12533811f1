// Assertions are for programmer errors only (a broken invariant, an impossible state). They stay on in
// production and throw, because continuing after a broken invariant in a payment system is worse than
// stopping. Operating errors (bad input, a peer's refusal) are returned as values, see result.ts.

export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) {
    throw new AssertionError(message);
  }
}

/** Marks a branch the type checker proves unreachable; throws if it is reached anyway. */
export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
