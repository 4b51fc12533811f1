// The issuer's answer to the token service's authorizeService (MDES "Authorize Service"), as a pure rule.
// (tapkit) The Mastercard hop carries the MPP's customer id but not the MPP, so the customer is looked up
// across the configured MPPs: exactly one MPP must know an ACTIVE customer by that id.
import type { CustomerStatus } from '@tapkit/protocol/wire/ant-sdk';

export interface KnownCustomer {
  readonly mppClientId: string;
  readonly customerId: string;
  readonly status: CustomerStatus;
}

export type DeclineReason = 'CUSTOMER_UNKNOWN' | 'CUSTOMER_AMBIGUOUS' | 'CUSTOMER_NOT_ACTIVE';

export type AuthorizationDecision =
  | { readonly decision: 'APPROVED'; readonly owner: KnownCustomer }
  | { readonly decision: 'DECLINED'; readonly reason: DeclineReason; readonly owner?: KnownCustomer };

export function decideAuthorization(
  candidates: readonly KnownCustomer[],
  isConfiguredMpp: (clientId: string) => boolean,
): AuthorizationDecision {
  const known = candidates.filter((candidate) => isConfiguredMpp(candidate.mppClientId));
  const [only, second] = known;
  if (only === undefined) return { decision: 'DECLINED', reason: 'CUSTOMER_UNKNOWN' };
  // Two MPPs with the same customer id: approving either could give one wallet's user a token that
  // debits the other's. Refuse rather than guess.
  if (second !== undefined) return { decision: 'DECLINED', reason: 'CUSTOMER_AMBIGUOUS' };
  if (only.status !== 'ACTIVE') return { decision: 'DECLINED', reason: 'CUSTOMER_NOT_ACTIVE', owner: only };
  return { decision: 'APPROVED', owner: only };
}
