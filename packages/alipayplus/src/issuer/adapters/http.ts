import type { FastifyInstance } from 'fastify';
import type { AuthorizationRecord } from '../ports.ts';

// Inspection over HTTP: GET /alipayplus/v1/authorizations/:traceId answers an authorization with all its
// amounts (minor units as strings, the Alipay+ wire habit) and its payments at the MPP.

export const AUTHORIZATIONS_PATH = '/alipayplus/v1/authorizations';

export interface AuthorizationLookup {
  getAuthorization(networkTraceId: string): Promise<AuthorizationRecord | undefined>;
}

export function authorizationJson(auth: AuthorizationRecord): Record<string, unknown> {
  return {
    networkTraceId: auth.networkTraceId,
    type: auth.type,
    state: auth.state,
    tokenUniqueReference: auth.tokenUniqueReference,
    customerId: auth.customerId,
    mppId: auth.mppId,
    merchantId: auth.merchantId ?? null,
    currency: auth.currency,
    authorizedMinor: auth.authorizedMinor.toString(),
    reversedMinor: auth.reversedMinor.toString(),
    clearedMinor: auth.clearedMinor.toString(),
    refundedMinor: auth.refundedMinor.toString(),
    expiresAt: new Date(auth.expiresAtMs).toISOString(),
    faults: auth.faults,
    payments: auth.payments.map((p) => ({
      paymentRequestId: p.paymentRequestId,
      kind: p.kind,
      status: p.status,
      amountMinor: p.amountMinor.toString(),
      refundedMinor: p.refundedMinor.toString(),
      paymentId: p.paymentId ?? null,
    })),
  };
}

export function registerIssuerRoutes(app: FastifyInstance, lookup: AuthorizationLookup): void {
  app.get<{ Params: { traceId: string } }>(`${AUTHORIZATIONS_PATH}/:traceId`, async (request, reply) => {
    const traceId = request.params.traceId;
    if (!/^[\x21-\x7e]{1,64}$/.test(traceId)) return reply.code(400).send({ code: 'TRACE_ID_INVALID' });
    const auth = await lookup.getAuthorization(traceId);
    if (auth === undefined) return reply.code(404).send({ code: 'AUTHORIZATION_NOT_FOUND' });
    return authorizationJson(auth);
  });
}
