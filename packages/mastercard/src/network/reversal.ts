import { getText, type Iso8583Message, RESPONSE_CODE } from '@tapkit/emv';
import { logFieldsOf, type NetworkDeps } from './deps.ts';
import {
  acquirerKeyOf,
  parseOriginalDataElements,
  responseTo,
  responseWithCode,
  reversalAdvice,
  toIssuerRequest,
} from './domain/messages.ts';

// Reversals (0400 request, 0420 advice) find their authorization through DE90 and go to the issuer
// with the authorization's network trace id in DE63. DE95 (partial reversal) carries the amount that
// stays approved; it is forwarded as is, the issuer processor refunds the difference.

/** DE95's first 12 digits: the amount that stays approved. Absent or zero means a full reversal. */
export function isFullReversal(request: Iso8583Message): boolean {
  const de95 = getText(request, 95);
  if (de95 === undefined) return true;
  const remaining = de95.slice(0, 12);
  return !/^\d{12}$/.test(remaining) || BigInt(remaining) === 0n;
}

export async function handleReversal(deps: NetworkDeps, request: Iso8583Message): Promise<Iso8583Message> {
  const original = parseOriginalDataElements(getText(request, 90));
  if (original === undefined) return responseWithCode(request, RESPONSE_CODE.INVALID_TRANSACTION);
  const entry = await deps.authorizations.findByAcquirerKey(acquirerKeyOf(original));
  if (entry === undefined) {
    deps.logger.info(logFieldsOf(request), 'reversal of an unknown authorization');
    return responseWithCode(request, RESPONSE_CODE.INVALID_TRANSACTION);
  }
  // Nothing was approved, so there is nothing for the issuer to undo: acknowledge locally.
  if (entry.responseCode !== RESPONSE_CODE.APPROVED) {
    return responseWithCode(request, RESPONSE_CODE.APPROVED, entry.networkTraceId);
  }
  const issuerRequest = toIssuerRequest(request, {
    tokenUniqueReference: entry.tokenUniqueReference,
    fundingReference: entry.fundingReference,
    networkTraceId: entry.networkTraceId,
  });
  const result = await deps.issuer.exchange(issuerRequest, deps.config.issuerTimeoutMs);
  let responseCode: string;
  if (result.ok) {
    responseCode = getText(result.value, 39) ?? RESPONSE_CODE.SYSTEM_ERROR;
  } else {
    // A reversal must not be lost: the network acknowledges it and owes the issuer a 0420 advice.
    responseCode = RESPONSE_CODE.APPROVED;
    await deps.advices.enqueue(reversalAdvice(issuerRequest));
  }
  if (responseCode === RESPONSE_CODE.APPROVED && isFullReversal(request)) {
    deps.events.authorizationReversed({ networkTraceId: entry.networkTraceId, atMs: deps.clock.nowMs() });
  }
  deps.logger.info(
    {
      ...logFieldsOf(request),
      networkTraceId: entry.networkTraceId,
      responseCode,
      issuerAnswered: result.ok,
    },
    'reversal answered',
  );
  return responseTo(
    request,
    new Map([
      [39, responseCode],
      [63, entry.networkTraceId],
    ]),
  );
}
