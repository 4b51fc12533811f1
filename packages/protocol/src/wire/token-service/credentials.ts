// The two sealed messages of the contract, with their contexts and payload schemas in one place, so the
// SDK and the token service cannot drift apart: the registration (device → token service) and the
// credential (token service → device).
import {
  ENVELOPE_CONTEXTS,
  type Envelope,
  importEncryptionPublicKey,
  openJson,
  sealJson,
  type WireResult,
} from './envelope.ts';
import {
  type Credential,
  type CredentialPayload,
  CredentialPayloadSchema,
  type RegistrationPayload,
  RegistrationPayloadSchema,
} from './schemas.ts';

/** Seals a registration to the token service key that GET_PUBLIC_KEY returned (base64 SPKI). */
export async function sealRegistration(input: {
  serviceKeySpki: string;
  payload: RegistrationPayload;
}): Promise<WireResult<Envelope>> {
  const key = await importEncryptionPublicKey(input.serviceKeySpki);
  if (!key.ok) return key;
  const envelope = await sealJson({
    publicKey: key.value,
    value: input.payload,
    context: ENVELOPE_CONTEXTS.registration,
  });
  return { ok: true, value: envelope };
}

export function openRegistration(input: { privateKey: CryptoKey; envelope: Envelope }) {
  return openJson({ ...input, context: ENVELOPE_CONTEXTS.registration, schema: RegistrationPayloadSchema });
}

export async function sealCredential(input: {
  devicePublicKey: CryptoKey;
  payload: CredentialPayload;
}): Promise<Credential> {
  const { tokenUniqueReference, atc } = input.payload;
  const envelope = await sealJson({
    publicKey: input.devicePublicKey,
    value: input.payload,
    context: ENVELOPE_CONTEXTS.credential(tokenUniqueReference, atc),
  });
  return { atc, envelope };
}

export interface OpenedCredential {
  atc: number;
  /** The 16-byte CVN 20 session key. */
  sessionKey: Uint8Array;
}

/**
 * Opens a credential of `tokenUniqueReference` with the device's private key. The context binds the
 * envelope to the token and the clear ATC, and the payload must repeat both: a credential moved to
 * another token or relabelled with another ATC does not open.
 */
export async function openCredential(input: {
  privateKey: CryptoKey;
  tokenUniqueReference: string;
  credential: Credential;
}): Promise<WireResult<OpenedCredential>> {
  const { atc, envelope } = input.credential;
  const opened = await openJson({
    privateKey: input.privateKey,
    envelope,
    context: ENVELOPE_CONTEXTS.credential(input.tokenUniqueReference, atc),
    schema: CredentialPayloadSchema,
  });
  if (!opened.ok) return opened;
  if (opened.value.atc !== atc || opened.value.tokenUniqueReference !== input.tokenUniqueReference) {
    return {
      ok: false,
      error: { code: 'PAYLOAD_INVALID', message: 'credential payload does not match its label' },
    };
  }
  return { ok: true, value: { atc, sessionKey: hexToBytes(opened.value.sessionKey) } };
}

/** Upper-case hex of a 16-byte key; CredentialPayloadSchema guarantees the shape. */
function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
