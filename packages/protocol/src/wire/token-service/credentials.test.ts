import { describe, expect, it } from 'vitest';
import { openCredential, openRegistration, sealCredential, sealRegistration } from './credentials.ts';
import { exportPublicKeySpkiBase64, generateEnvelopeKeyPair } from './envelope.ts';

const device = await generateEnvelopeKeyPair();
const service = await generateEnvelopeKeyPair();
const payload = {
  tokenUniqueReference: 'DTKMCAAAA',
  atc: 42,
  sessionKey: '0123456789ABCDEFFEDCBA9876543210',
};

describe('sealed contract messages', () => {
  it('opens a credential for its token and ATC into key bytes', async () => {
    const credential = await sealCredential({ devicePublicKey: device.publicKey, payload });
    expect(credential.atc).toBe(42);
    const opened = await openCredential({
      privateKey: device.privateKey,
      tokenUniqueReference: 'DTKMCAAAA',
      credential,
    });
    if (!opened.ok) throw new Error(opened.error.message);
    expect(opened.value.atc).toBe(42);
    expect(Array.from(opened.value.sessionKey.subarray(0, 3))).toEqual([0x01, 0x23, 0x45]);
    expect(opened.value.sessionKey).toHaveLength(16);
  });

  it('refuses a credential relabelled with another ATC or moved to another token', async () => {
    const credential = await sealCredential({ devicePublicKey: device.publicKey, payload });
    const relabelled = await openCredential({
      privateKey: device.privateKey,
      tokenUniqueReference: 'DTKMCAAAA',
      credential: { ...credential, atc: 43 },
    });
    const moved = await openCredential({
      privateKey: device.privateKey,
      tokenUniqueReference: 'DTKMCBBBB',
      credential,
    });
    expect([relabelled.ok, moved.ok]).toEqual([false, false]);
  });

  it('seals a registration to the SPKI key GET_PUBLIC_KEY returns', async () => {
    const registration = {
      nonce: 'n_1',
      devicePublicKey: await exportPublicKeySpkiBase64(device.publicKey),
      deviceFingerprint: 'fp',
    };
    const sealed = await sealRegistration({
      serviceKeySpki: await exportPublicKeySpkiBase64(service.publicKey),
      payload: registration,
    });
    if (!sealed.ok) throw new Error(sealed.error.message);
    expect(await openRegistration({ privateKey: service.privateKey, envelope: sealed.value })).toEqual({
      ok: true,
      value: registration,
    });
    expect((await openRegistration({ privateKey: device.privateKey, envelope: sealed.value })).ok).toBe(
      false,
    );
    expect((await sealRegistration({ serviceKeySpki: 'bad', payload: registration })).ok).toBe(false);
  });
});
