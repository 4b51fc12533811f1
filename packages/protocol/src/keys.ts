// RSA key loading for Alipay+ signatures. Partners exchange keys in several shapes: PEM files in
// PKCS#1 or PKCS#8/SPKI, and (what the official SDKs print and paste into consoles) bare base64 DER
// with no PEM armour. Every loader returns a Result so a bad key in configuration is a clean error
// with a stable code, never a thrown OpenSSL message.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { decodeBase64Strict } from './base64.ts';
import { err, ok, type Result } from './result.ts';

export type KeyErrorCode =
  | 'KEY_EMPTY'
  | 'KEY_TOO_LONG'
  | 'KEY_PEM_MALFORMED'
  | 'KEY_PEM_LABEL_UNSUPPORTED'
  | 'KEY_ENCRYPTED'
  | 'KEY_BASE64_MALFORMED'
  | 'KEY_DER_INVALID'
  | 'KEY_NOT_RSA'
  | 'KEY_TOO_SMALL';

export interface KeyError {
  code: KeyErrorCode;
  message: string;
}

/** RSA keys below this size are refused: Alipay+ issues 2048-bit keys and NIST retired 1024 long ago. */
export const RSA_MODULUS_BITS_MIN = 2048;
/** A 16384-bit private key in PEM is about 13 KB; anything longer is not a key. */
export const KEY_TEXT_CHARS_MAX = 32 * 1024;

type DerFormat = 'pkcs1' | 'pkcs8' | 'spki';

const PRIVATE_PEM_LABELS: Record<string, DerFormat> = { 'RSA PRIVATE KEY': 'pkcs1', 'PRIVATE KEY': 'pkcs8' };
const PUBLIC_PEM_LABELS: Record<string, DerFormat> = { 'RSA PUBLIC KEY': 'pkcs1', 'PUBLIC KEY': 'spki' };

const PEM_PATTERN = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----$/;

export function loadPrivateKey(text: string): Result<KeyObject, KeyError> {
  return loadKey(text, 'private');
}

export function loadPublicKey(text: string): Result<KeyObject, KeyError> {
  return loadKey(text, 'public');
}

function loadKey(text: string, kind: 'private' | 'public'): Result<KeyObject, KeyError> {
  const trimmed = text.trim();
  if (trimmed.length === 0) return err(keyError('KEY_EMPTY', `the ${kind} key text is empty`));
  if (trimmed.length > KEY_TEXT_CHARS_MAX) {
    return err(
      keyError('KEY_TOO_LONG', `the ${kind} key text is longer than ${KEY_TEXT_CHARS_MAX} characters`),
    );
  }
  const labels = kind === 'private' ? PRIVATE_PEM_LABELS : PUBLIC_PEM_LABELS;
  let der: Buffer;
  let formats: readonly DerFormat[];
  if (trimmed.startsWith('-----BEGIN')) {
    const pem = parsePem(trimmed, labels, kind);
    if (!pem.ok) return pem;
    der = pem.value.der;
    formats = [pem.value.format];
  } else {
    const decoded = decodeBase64Strict(trimmed);
    if (decoded === undefined) {
      return err(keyError('KEY_BASE64_MALFORMED', `the ${kind} key is neither PEM nor base64 DER`));
    }
    der = Buffer.from(decoded);
    // The bare form carries no label, so try the modern container first, then the RSA-only one.
    formats = kind === 'private' ? ['pkcs8', 'pkcs1'] : ['spki', 'pkcs1'];
  }
  const key = decodeDer(der, formats, kind);
  if (key === undefined) {
    return err(keyError('KEY_DER_INVALID', `the ${kind} key bytes are not a ${formats.join(' or ')} key`));
  }
  return checkRsa(key, kind);
}

function parsePem(
  text: string,
  labels: Record<string, DerFormat>,
  kind: string,
): Result<{ der: Buffer; format: DerFormat }, KeyError> {
  const match = PEM_PATTERN.exec(text);
  if (match === null) return err(keyError('KEY_PEM_MALFORMED', `the ${kind} key PEM armour is broken`));
  const [, beginLabel = '', body = '', endLabel = ''] = match;
  if (beginLabel !== endLabel) {
    return err(keyError('KEY_PEM_MALFORMED', `PEM BEGIN "${beginLabel}" does not match END "${endLabel}"`));
  }
  // Encrypted keys (PKCS#8 "ENCRYPTED PRIVATE KEY", or PKCS#1 with "Proc-Type: 4,ENCRYPTED" headers) are
  // refused rather than prompting for a passphrase: services load keys unattended.
  if (beginLabel === 'ENCRYPTED PRIVATE KEY' || body.includes('Proc-Type:')) {
    return err(
      keyError('KEY_ENCRYPTED', `the ${kind} key is encrypted; store it decrypted with 0600 permissions`),
    );
  }
  const format = labels[beginLabel];
  if (format === undefined) {
    const expected = Object.keys(labels).join('" or "');
    return err(keyError('KEY_PEM_LABEL_UNSUPPORTED', `PEM "${beginLabel}" is not a "${expected}"`));
  }
  const der = decodeBase64Strict(body);
  if (der === undefined) return err(keyError('KEY_PEM_MALFORMED', `the ${kind} key PEM body is not base64`));
  return ok({ der: Buffer.from(der), format });
}

function decodeDer(der: Buffer, formats: readonly DerFormat[], kind: string): KeyObject | undefined {
  for (const format of formats) {
    try {
      if (kind === 'private') {
        return createPrivateKey({ key: der, format: 'der', type: format as 'pkcs1' | 'pkcs8' });
      }
      return createPublicKey({ key: der, format: 'der', type: format as 'pkcs1' | 'spki' });
    } catch {
      // Not this container; try the next one.
    }
  }
  return undefined;
}

function checkRsa(key: KeyObject, kind: string): Result<KeyObject, KeyError> {
  // RSA-PSS keys ('rsa-pss') are refused too: Alipay+ RSA256 is PKCS#1 v1.5 and a PSS-restricted key cannot do it.
  if (key.asymmetricKeyType !== 'rsa') {
    return err(keyError('KEY_NOT_RSA', `the ${kind} key is ${key.asymmetricKeyType ?? 'unknown'}, not RSA`));
  }
  const modulusBits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (modulusBits < RSA_MODULUS_BITS_MIN) {
    return err(
      keyError('KEY_TOO_SMALL', `the ${kind} RSA key has ${modulusBits} bits, below ${RSA_MODULUS_BITS_MIN}`),
    );
  }
  return ok(key);
}

function keyError(code: KeyErrorCode, message: string): KeyError {
  return { code, message };
}

export interface GeneratedKeyPair {
  /** PKCS#8 PEM ("PRIVATE KEY"). */
  privateKeyPem: string;
  /** SPKI PEM ("PUBLIC KEY"). */
  publicKeyPem: string;
  /** SPKI DER as one line of base64, the form the official SDKs exchange. */
  publicKeyBase64: string;
}

export const RSA_MODULUS_BITS_GENERATED = 2048;

export function generateRsaKeyPair(): GeneratedKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: RSA_MODULUS_BITS_GENERATED,
    publicExponent: 0x10001,
  });
  return {
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    publicKeyBase64: (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).toString('base64'),
  };
}

/** The bare base64 SPKI DER of a public (or private) key, as the official SDKs exchange it. */
export function publicKeyToBase64(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).toString('base64');
}
