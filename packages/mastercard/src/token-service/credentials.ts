// Turns issued ATCs into credentials for the device: derive each session key from the token's MK and
// seal it to the device key. Session keys exist in memory only for the time of this call.
import type { BlockCipher } from '@tapkit/emv';
import { bytesToHex } from '@tapkit/emv';
import type { Credential, CredentialPayload } from '@tapkit/protocol/wire/token-service';
import { sealCredential } from '@tapkit/protocol/wire/token-service';
import { credentialSessionKey } from './domain/keys.ts';

export async function sealCredentials(input: {
  cipher: BlockCipher;
  mk: Uint8Array;
  devicePublicKey: CryptoKey;
  tokenUniqueReference: string;
  atcs: readonly number[];
}): Promise<Credential[]> {
  const credentials: Credential[] = [];
  for (const atc of input.atcs) {
    const sessionKey = credentialSessionKey(input.cipher, input.mk, atc);
    const payload: CredentialPayload = {
      tokenUniqueReference: input.tokenUniqueReference,
      atc,
      sessionKey: bytesToHex(sessionKey),
    };
    sessionKey.fill(0);
    credentials.push(await sealCredential({ devicePublicKey: input.devicePublicKey, payload }));
  }
  return credentials;
}
