import { randomBytes, randomInt } from 'node:crypto';
import type { NetworkIds } from '../ports.ts';

/**
 * (tapkit) A network trace id is "T" + 20 upper-case hex digits of randomness (80 bits): unique across
 * restarts and instances without coordination. Stand-in approval codes start with "S" so they are
 * recognisable in the issuer's records.
 */
export const randomNetworkIds: NetworkIds = {
  networkTraceId: () => `T${randomBytes(10).toString('hex').toUpperCase()}`,
  standInApprovalCode: () => `S${String(randomInt(0, 100_000)).padStart(5, '0')}`,
};
