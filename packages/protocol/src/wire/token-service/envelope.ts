// The credential envelope (tapkit): how the token service and the SDK encrypt to each other's RSA key.
// Both sides use it: the SDK seals its registration to the token service key, the token service seals
// every payment credential to the device key. Web Crypto only (globalThis.crypto.subtle), so the same
// code runs in Node 20, browsers and React Native with a Web Crypto polyfill.
//
//   alg        "RSA-OAEP-256+A256GCM": a fresh AES-256 key per envelope, encrypted with RSA-OAEP
//              (SHA-256, MGF1-SHA-256, empty label) under the recipient's public key; the payload
//              encrypted with AES-256-GCM, 96-bit random IV, 128-bit tag appended to the ciphertext.
//   context    AES-GCM additional data: UTF-8 of a purpose string both sides know and never send
//              (see ENVELOPE_CONTEXTS). It binds an envelope to its use: a credential envelope for one
//              token and ATC cannot be replayed as another, a registration cannot pass for a credential.
//
// Why hybrid rather than RSA-OAEP directly: a credential is small enough, but a registration carries
// a 294-byte public key, above RSA-2048 OAEP-SHA-256's 190-byte limit; one format for both is simpler.
import * as z from 'zod';
import { base64ToBytes, bytesToBase64 } from './base64.ts';

export const ENVELOPE_ALGORITHM = 'RSA-OAEP-256+A256GCM';
export const ENVELOPE_VERSION = 1;
/** The smallest RSA modulus the token service accepts for a device key or uses for its own. */
export const RSA_MODULUS_BITS_MIN = 2048;
/** RSA-4096 is the largest key either side is expected to use; its OAEP block is 512 bytes. */
const WRAPPED_KEY_BYTES_MAX = 512;
/** A registration is under 1 KiB and a credential under 200 bytes; 16 KiB leaves room and bounds work. */
export const ENVELOPE_PLAINTEXT_BYTES_MAX = 16 * 1024;
const ivBytes = 12;
const aesKeyBytes = 32;
const gcmTagBytes = 16;

/** The purposes an envelope can have; the context strings are part of the wire contract. */
export const ENVELOPE_CONTEXTS = {
  registration: 'tapkit/mdes/register-device/v1',
  credential: (tokenUniqueReference: string, atc: number) =>
    `tapkit/mdes/credential/v1/${tokenUniqueReference}/${atc}`,
} as const;

const base64Field = (bytesMax: number) =>
  z
    .string()
    .max(Math.ceil(bytesMax / 3) * 4 + 4)
    .refine((text) => base64ToBytes(text) !== undefined, { message: 'must be standard padded base64' });

export const EnvelopeSchema = z.strictObject({
  v: z.literal(ENVELOPE_VERSION),
  alg: z.literal(ENVELOPE_ALGORITHM),
  wrappedKey: base64Field(WRAPPED_KEY_BYTES_MAX),
  iv: base64Field(ivBytes),
  ciphertext: base64Field(ENVELOPE_PLAINTEXT_BYTES_MAX + gcmTagBytes),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

export type WireCryptoErrorCode = 'KEY_INVALID' | 'KEY_TOO_SMALL' | 'ENVELOPE_INVALID' | 'PAYLOAD_INVALID';
export interface WireCryptoError {
  code: WireCryptoErrorCode;
  message: string;
}
export type WireResult<T> = { ok: true; value: T } | { ok: false; error: WireCryptoError };

const rsaOaep = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;
const textEncoder = new TextEncoder();

function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

function fail(code: WireCryptoErrorCode, message: string): { ok: false; error: WireCryptoError } {
  return { ok: false, error: { code, message } };
}

/** Web Crypto wants a BufferSource backed by a plain ArrayBuffer; copy to be sure of it. */
function buffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

function modulusBits(key: CryptoKey): number {
  return (key.algorithm as RsaHashedKeyAlgorithm).modulusLength;
}

/** A recipient's RSA public key from base64 SubjectPublicKeyInfo (DER), for sealing envelopes. */
export async function importEncryptionPublicKey(spkiBase64: string): Promise<WireResult<CryptoKey>> {
  const der = base64ToBytes(spkiBase64);
  if (der === undefined) return fail('KEY_INVALID', 'public key is not base64');
  let key: CryptoKey;
  try {
    key = await subtle().importKey('spki', buffer(der), rsaOaep, true, ['encrypt']);
  } catch {
    return fail('KEY_INVALID', 'public key is not an RSA SubjectPublicKeyInfo');
  }
  if (modulusBits(key) < RSA_MODULUS_BITS_MIN) {
    return fail(
      'KEY_TOO_SMALL',
      `RSA key has ${modulusBits(key)} bits, at least ${RSA_MODULUS_BITS_MIN} needed`,
    );
  }
  return { ok: true, value: key };
}

/** A recipient's RSA private key from PKCS#8 (DER), for opening envelopes. */
export async function importDecryptionPrivateKey(pkcs8: Uint8Array): Promise<WireResult<CryptoKey>> {
  try {
    const key = await subtle().importKey('pkcs8', buffer(pkcs8), rsaOaep, false, ['decrypt']);
    return { ok: true, value: key };
  } catch {
    return fail('KEY_INVALID', 'private key is not an RSA PKCS#8 key');
  }
}

/**
 * A fresh device key pair. The private key is not extractable: it never leaves the platform's key
 * store (browsers keep it in IndexedDB as a CryptoKey).
 */
export async function generateEnvelopeKeyPair(
  options: { extractable?: boolean } = {},
): Promise<CryptoKeyPair> {
  return subtle().generateKey(
    { ...rsaOaep, modulusLength: RSA_MODULUS_BITS_MIN, publicExponent: new Uint8Array([1, 0, 1]) },
    options.extractable ?? false,
    ['encrypt', 'decrypt'],
  );
}

export async function exportPublicKeySpkiBase64(key: CryptoKey): Promise<string> {
  return bytesToBase64(new Uint8Array(await subtle().exportKey('spki', key)));
}

export async function sealEnvelope(input: {
  publicKey: CryptoKey;
  plaintext: Uint8Array;
  context: string;
}): Promise<Envelope> {
  if (input.plaintext.length > ENVELOPE_PLAINTEXT_BYTES_MAX) {
    throw new RangeError(
      `envelope plaintext is ${input.plaintext.length} bytes, max ${ENVELOPE_PLAINTEXT_BYTES_MAX}`,
    );
  }
  const rawKey = globalThis.crypto.getRandomValues(new Uint8Array(aesKeyBytes));
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(ivBytes));
  const aesKey = await subtle().importKey('raw', rawKey, { name: 'AES-GCM' }, false, ['encrypt']);
  const ciphertext = await subtle().encrypt(
    { name: 'AES-GCM', iv, additionalData: textEncoder.encode(input.context) },
    aesKey,
    buffer(input.plaintext),
  );
  const wrappedKey = await subtle().encrypt(rsaOaep, input.publicKey, rawKey);
  rawKey.fill(0);
  return {
    v: ENVELOPE_VERSION,
    alg: ENVELOPE_ALGORITHM,
    wrappedKey: bytesToBase64(new Uint8Array(wrappedKey)),
    iv: bytesToBase64(iv),
    ciphertext: bytesToBase64(new Uint8Array(ciphertext)),
  };
}

/**
 * Opens an envelope sealed to `privateKey` for `context`. Every failure (wrong key, wrong context,
 * tampered bytes) is the same ENVELOPE_INVALID: telling them apart would help an attacker, not a user.
 */
export async function openEnvelope(input: {
  privateKey: CryptoKey;
  envelope: Envelope;
  context: string;
}): Promise<WireResult<Uint8Array>> {
  const wrappedKey = base64ToBytes(input.envelope.wrappedKey);
  const iv = base64ToBytes(input.envelope.iv);
  const ciphertext = base64ToBytes(input.envelope.ciphertext);
  if (wrappedKey === undefined || iv === undefined || ciphertext === undefined || iv.length !== ivBytes) {
    return fail('ENVELOPE_INVALID', 'envelope fields are malformed');
  }
  if (ciphertext.length < gcmTagBytes) return fail('ENVELOPE_INVALID', 'envelope ciphertext is too short');
  try {
    const rawKey = new Uint8Array(await subtle().decrypt(rsaOaep, input.privateKey, buffer(wrappedKey)));
    if (rawKey.length !== aesKeyBytes) return fail('ENVELOPE_INVALID', 'envelope cannot be opened');
    const aesKey = await subtle().importKey('raw', rawKey, { name: 'AES-GCM' }, false, ['decrypt']);
    rawKey.fill(0);
    const plaintext = await subtle().decrypt(
      { name: 'AES-GCM', iv: buffer(iv), additionalData: textEncoder.encode(input.context) },
      aesKey,
      buffer(ciphertext),
    );
    return { ok: true, value: new Uint8Array(plaintext) };
  } catch {
    return fail('ENVELOPE_INVALID', 'envelope cannot be opened');
  }
}

/** Seals the JSON text of `value`. */
export function sealJson(input: {
  publicKey: CryptoKey;
  value: unknown;
  context: string;
}): Promise<Envelope> {
  const plaintext = textEncoder.encode(JSON.stringify(input.value));
  return sealEnvelope({ publicKey: input.publicKey, plaintext, context: input.context });
}

/** Opens an envelope and validates its JSON payload with `schema`. */
export async function openJson<T>(input: {
  privateKey: CryptoKey;
  envelope: Envelope;
  context: string;
  schema: z.ZodType<T>;
}): Promise<WireResult<T>> {
  const opened = await openEnvelope(input);
  if (!opened.ok) return opened;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(opened.value));
  } catch {
    return fail('PAYLOAD_INVALID', 'envelope payload is not UTF-8 JSON');
  }
  const parsed = input.schema.safeParse(json);
  if (!parsed.success) return fail('PAYLOAD_INVALID', `envelope payload: ${firstIssue(parsed.error)}`);
  return { ok: true, value: parsed.data };
}

/** "path: message" of a Zod error's first issue, for error messages that say where input was wrong. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const where = issue.path.length === 0 ? '(root)' : issue.path.join('.');
  return `${where}: ${issue.message}`;
}
