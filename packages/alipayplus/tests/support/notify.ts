// What the notifyPayment receiver tests share: the Ant server with only an MPP and a knowledge double
// behind it, Alipay+'s signed client to the real MPP, and a FINAL pay at that MPP for a fresh customer.
import type { AddressInfo } from 'node:net';
import { type PayResponse, systemClock } from '@tapkit/protocol';
import { SignedClient } from '@tapkit/protocol/node';
import type { DbHandle } from '@tapkit/storage';
import { type AntServerApp, type AntServerDatabase, buildAntServerApp } from '../../src/ant/app.ts';
import { adminApiSetup } from '../../src/conformance/setup.ts';
import type { MppCanceller, PaymentKnowledge } from '../../src/notify/ports.ts';
import {
  ADMIN_TOKEN,
  alipayKeys,
  MPP_CLIENT_ID,
  mppKeys,
  TOKEN_SERVICE_CLIENT_ID,
  tokenServiceKeys,
} from './keys.ts';

export const hkd = (value: string) => ({ currency: 'HKD', value });

/** Alipay+'s signed client to the MPP at `mppUrl` (pay, cancelPayment, inquiryPayment). */
export function alipayPlusClientTo(mppUrl: string): SignedClient {
  return new SignedClient({
    baseUrl: mppUrl,
    clientId: MPP_CLIENT_ID,
    signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
    peerVerifyKeys: new Map([['1', mppKeys.publicKey]]),
    clock: systemClock,
  });
}

/** The Ant server on a loopback port with one MPP (at `mppUrl`) and the receiver's doubles; and its URL. */
export async function startNotifyAntServer(p: {
  db: DbHandle<AntServerDatabase>;
  mppUrl: string;
  knowledge: PaymentKnowledge;
  canceller: MppCanceller;
}): Promise<{ server: AntServerApp; url: string }> {
  const server = buildAntServerApp({
    db: p.db,
    clock: systemClock,
    signingKey: { key: alipayKeys.privateKey, keyVersion: '1' },
    mpps: [{ clientId: MPP_CLIENT_ID, verifyKeys: new Map([['1', mppKeys.publicKey]]), baseUrl: p.mppUrl }],
    tokenService: {
      clientId: TOKEN_SERVICE_CLIENT_ID,
      verifyKeys: new Map([['1', tokenServiceKeys.publicKey]]),
      baseUrl: 'http://127.0.0.1:9',
      bearerSecret: 'unused',
    },
    paymentKnowledge: p.knowledge,
    canceller: p.canceller,
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, url: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}` };
}

/** Creates `customerId` with HKD 100.00 at the MPP and pays `value` (minor units) there; S or a throw. */
export async function payAtMpp(
  mppUrl: string,
  client: SignedClient,
  p: { customerId: string; paymentRequestId: string; value: string },
): Promise<PayResponse> {
  const admin = adminApiSetup(mppUrl, ADMIN_TOKEN);
  try {
    await admin.createCustomer(p.customerId, 'HKD', 10_000n);
  } finally {
    await admin.close?.();
  }
  const paid = await client.callApi('pay', {
    acquirerId: 'ACQ',
    pspId: 'PSP',
    paymentRequestId: p.paymentRequestId,
    paymentAmount: hkd(p.value),
    payToAmount: hkd(p.value),
    customerId: p.customerId,
    order: { referenceOrderId: p.paymentRequestId },
    paymentFactor: { authorizationType: 'FINAL' },
  });
  if (paid.kind !== 'answered' || paid.response.result.resultStatus !== 'S') throw new Error('pay failed');
  return paid.response;
}
