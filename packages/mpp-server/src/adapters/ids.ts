import { randomBytes } from 'node:crypto';
import type { IdSource } from '../ports.ts';

/** Random ids: a prefix and 20 random bytes in hex (46 characters, within the 64 allowed). */
export const randomIds: IdSource = {
  paymentId: () => `MPPPAY${randomBytes(20).toString('hex')}`,
  refundId: () => `MPPRFD${randomBytes(20).toString('hex')}`,
};

/** Predictable ids for tests: MPPPAY000001, MPPRFD000001, ... */
export function counterIds(): IdSource {
  let paymentCount = 0;
  let refundCount = 0;
  const pad = (n: number) => String(n).padStart(6, '0');
  return {
    paymentId: () => `MPPPAY${pad(++paymentCount)}`,
    refundId: () => `MPPRFD${pad(++refundCount)}`,
  };
}
