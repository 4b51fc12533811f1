/** Money inside the domain: the currency and a bigint of minor units (never a JavaScript number). */
export interface Money {
  readonly currency: string;
  readonly value: bigint;
}

/**
 * Converts `amountMinor` with the ratio numeratorMinor / denominatorMinor, rounded down (tapkit: the
 * wallet never pays out more than the original exchange gave it).
 */
export function convertDown(amountMinor: bigint, numeratorMinor: bigint, denominatorMinor: bigint): bigint {
  if (denominatorMinor === 0n) return 0n;
  return (amountMinor * numeratorMinor) / denominatorMinor;
}

/** The smaller of two bigints (Math.min does not take bigint). */
export const minBigint = (a: bigint, b: bigint): bigint => (a < b ? a : b);
