// What the tests that run the MPP server in a child process share: Alipay+'s signed client pointed at
// the child's port, and the pay body they send.
import { systemClock } from '@tapkit/protocol';
import { type GeneratedKeyPair, loadPrivateKey, loadPublicKey, SignedClient } from '@tapkit/protocol/node';

export function childSignedClient(options: {
  port: number;
  clientId: string;
  alipayKeys: Pick<GeneratedKeyPair, 'privateKeyPem' | 'publicKeyPem'>;
  mppKeys: Pick<GeneratedKeyPair, 'privateKeyPem' | 'publicKeyPem'>;
  connectionsMax: number;
}): SignedClient {
  const signing = loadPrivateKey(options.alipayKeys.privateKeyPem);
  const verify = loadPublicKey(options.mppKeys.publicKeyPem);
  if (!signing.ok || !verify.ok) throw new Error('keys');
  return new SignedClient({
    baseUrl: `http://127.0.0.1:${options.port}`,
    clientId: options.clientId,
    signingKey: { key: signing.value, keyVersion: '1' },
    peerVerifyKeys: new Map([['1', verify.value]]),
    clock: systemClock,
    connectionsMax: options.connectionsMax,
  });
}

/** A HKD pay by customer C1, the one these tests top up. */
export const childPayBody = (paymentRequestId: string, amountMinor: bigint) => ({
  acquirerId: 'ACQ-1',
  pspId: 'PSP-1',
  paymentRequestId,
  paymentAmount: { currency: 'HKD', value: amountMinor.toString() },
  payToAmount: { currency: 'HKD', value: amountMinor.toString() },
  customerId: 'C1',
  order: { referenceOrderId: 'RO-1' },
  paymentFactor: { authorizationType: 'FINAL' },
});
