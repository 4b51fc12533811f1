// Key generation shared by every key store: Web Crypto only, keys non-extractable unless a store must
// export them to persist them itself (Node: files).
import { generateEnvelopeKeyPair } from '@tapkit/protocol/wire/token-service';

export function generateStorageKey(extractable = false): Promise<CryptoKey> {
  return globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, extractable, [
    'encrypt',
    'decrypt',
  ]) as Promise<CryptoKey>;
}

export function generateDeviceKeyPair(extractable = false): Promise<CryptoKeyPair> {
  return generateEnvelopeKeyPair({ extractable });
}

/** Calls `create` once even when several callers ask at the same time. */
export function once<T>(create: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= create().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
