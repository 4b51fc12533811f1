// Server-side key plumbing: the token service's RSA key from configuration text (PEM PKCS#1 / PKCS#8 or
// bare base64 DER, as @tapkit/protocol reads keys) into the Web Crypto form the wire envelope uses, and
// a node:crypto random source.
import { createPublicKey, randomBytes } from 'node:crypto';
import { loadPrivateKey } from '@tapkit/protocol/node';
import { importDecryptionPrivateKey, RSA_MODULUS_BITS_MIN } from '@tapkit/protocol/wire/token-service';
import type { Random } from '../ports.ts';
import type { EncryptionKey } from '../service.ts';

export const nodeRandom: Random = {
  bytes: (length) => new Uint8Array(randomBytes(length)),
};

export async function loadEncryptionKey(input: {
  keyId: string;
  privateKeyText: string;
}): Promise<EncryptionKey> {
  const loaded = loadPrivateKey(input.privateKeyText);
  if (!loaded.ok)
    throw new Error(`token service encryption key: ${loaded.error.code} ${loaded.error.message}`);
  const privateKey = loaded.value;
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (privateKey.asymmetricKeyType !== 'rsa' || bits < RSA_MODULUS_BITS_MIN) {
    throw new Error(`token service encryption key must be RSA-${RSA_MODULUS_BITS_MIN} or larger`);
  }
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  const imported = await importDecryptionPrivateKey(new Uint8Array(pkcs8));
  if (!imported.ok) throw new Error(`token service encryption key: ${imported.error.message}`);
  return { keyId: input.keyId, publicKeySpki: spki.toString('base64'), privateKey: imported.value };
}
