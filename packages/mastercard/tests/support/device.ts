// A stand-in for the SDK in tests: it speaks the wire contract (@tapkit/protocol/wire/token-service) to the token
// service over HTTP (fastify.inject) exactly as the real SDK will through the MPP server's proxy.

import {
  type Credential,
  exportPublicKeySpkiBase64,
  generateEnvelopeKeyPair,
  type OpenedCredential,
  openCredential,
  type ProxyType,
  type SdkAction,
  type SdkResponse,
  type SdkResultOf,
  sdkResponseSchema,
  sealRegistration,
} from '@tapkit/protocol/wire/token-service';
import type { FastifyInstance } from 'fastify';

export const MPP_SECRET = 'mpp-secret-for-tests';
export const ANT_SECRET = 'ant-secret-for-tests';

const typeOfAction: Record<SdkAction, ProxyType> = {
  GET_PUBLIC_KEY: 'GET_PK',
  REGISTER_DEVICE: 'GET_PK',
  DIGITIZE: 'APPLY',
  TASK_STATUS: 'APPLY',
  PROVISION: 'APPLY',
  NOTIFY_PROVISION_RESULT: 'APPLY',
  REPLENISH: 'REPLENISH',
};

export type { OpenedCredential };

export class TestDevice {
  deviceId = '';
  private keys: CryptoKeyPair | undefined;

  constructor(
    private readonly app: FastifyInstance,
    readonly customerId: string,
    readonly fingerprint = 'fp-test-device',
  ) {}

  async send<A extends SdkAction>(action: A, fields: Record<string, unknown> = {}): Promise<SdkResponse<A>> {
    const body = JSON.stringify({ action, ...fields });
    const response = await this.app.inject({
      method: 'POST',
      url: '/mdes/v1/sdk',
      headers: { authorization: `Bearer ${MPP_SECRET}` },
      payload: { customerId: this.customerId, type: typeOfAction[action], body },
    });
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}: ${response.body}`);
    const outer = response.json() as { body: string };
    return sdkResponseSchema(action).parse(JSON.parse(outer.body)) as SdkResponse<A>;
  }

  async ok<A extends SdkAction>(action: A, fields: Record<string, unknown> = {}): Promise<SdkResultOf<A>> {
    const answer = await this.send(action, fields);
    if (!answer.ok) throw new Error(`${action} failed: ${answer.error.code} ${answer.error.message}`);
    return answer.value;
  }

  async errorCode(action: SdkAction, fields: Record<string, unknown> = {}): Promise<string> {
    const answer = await this.send(action, fields);
    if (answer.ok) throw new Error(`${action} succeeded unexpectedly`);
    return answer.error.code;
  }

  /** GET_PUBLIC_KEY then REGISTER_DEVICE with a fresh RSA-OAEP key pair. */
  async register(): Promise<string> {
    this.keys = await generateEnvelopeKeyPair();
    const registration = await this.sealedRegistration();
    const { deviceId } = await this.ok('REGISTER_DEVICE', registration);
    this.deviceId = deviceId;
    return deviceId;
  }

  /** A REGISTER_DEVICE request body (for tests that replay or tamper with it). */
  async sealedRegistration(): Promise<{ keyId: string; registration: unknown }> {
    if (this.keys === undefined) this.keys = await generateEnvelopeKeyPair();
    const key = await this.ok('GET_PUBLIC_KEY');
    const sealed = await sealRegistration({
      serviceKeySpki: key.publicKey,
      payload: {
        nonce: key.registrationNonce,
        devicePublicKey: await exportPublicKeySpkiBase64(this.keys.publicKey),
        deviceFingerprint: this.fingerprint,
      },
    });
    if (!sealed.ok) throw new Error(sealed.error.message);
    return { keyId: key.keyId, registration: sealed.value };
  }

  async openCredentials(
    tokenUniqueReference: string,
    credentials: Credential[],
  ): Promise<OpenedCredential[]> {
    const privateKey = this.keys?.privateKey;
    if (privateKey === undefined) throw new Error('register first');
    const out: OpenedCredential[] = [];
    for (const credential of credentials) {
      const opened = await openCredential({ privateKey, tokenUniqueReference, credential });
      if (!opened.ok) throw new Error(`credential ${credential.atc}: ${opened.error.message}`);
      out.push(opened.value);
    }
    return out;
  }
}
