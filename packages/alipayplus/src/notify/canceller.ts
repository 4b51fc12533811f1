// cancelPayment to an MPP over the signed client. An answer counts only when signed and well-formed
// (SignedClient's promise); S is cancelled, F refused, anything else unknown and retried by the receiver.
import type { SignedClient } from '@tapkit/protocol/node';
import type { CancelOutcome, MppCanceller } from './ports.ts';

export interface CancelIdentity {
  /** (tapkit) acquirerId / pspId Alipay+ puts in the requests it originates itself. */
  acquirerId: string;
  pspId: string;
}

export function signedCanceller(
  clients: ReadonlyMap<string, SignedClient>,
  identity: CancelIdentity,
): MppCanceller {
  return {
    async cancelPayment(mppClientId, paymentRequestId): Promise<CancelOutcome> {
      const client = clients.get(mppClientId);
      if (client === undefined) return { kind: 'refused', resultCode: 'MPP_NOT_CONFIGURED' };
      const outcome = await client.callApi('cancelPayment', { ...identity, paymentRequestId });
      if (outcome.kind === 'unknown')
        return { kind: 'unknown', detail: `${outcome.reason}: ${outcome.detail}` };
      const { resultStatus, resultCode } = outcome.response.result;
      if (resultStatus === 'S') return { kind: 'cancelled' };
      if (resultStatus === 'F') return { kind: 'refused', resultCode };
      return { kind: 'unknown', detail: `U ${resultCode}` };
    },
  };
}
