// RSA keys for the parties in tests: generated once per test process (generation is the slow part).
import type { KeyObject } from 'node:crypto';
import { generateRsaKeyPair, loadPrivateKey, loadPublicKey } from '@tapkit/protocol/node';

export interface PartyKeys {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

function keyPair(): PartyKeys {
  const pair = generateRsaKeyPair();
  const privateKey = loadPrivateKey(pair.privateKeyPem);
  const publicKey = loadPublicKey(pair.publicKeyPem);
  if (!privateKey.ok || !publicKey.ok) throw new Error('test keys failed to load');
  return { privateKey: privateKey.value, publicKey: publicKey.value, ...pair };
}

export const alipayKeys = keyPair();
export const mppKeys = keyPair();
/** A second MPP, for the multi-MPP cases. */
export const mppBKeys = keyPair();
export const tokenServiceKeys = keyPair();

export const MPP_CLIENT_ID = 'TAPKIT_MPP_TEST';
export const MPP_B_CLIENT_ID = 'TAPKIT_MPP_B_TEST';
export const TOKEN_SERVICE_CLIENT_ID = 'MASTERCARD_TS_TEST';
export const ADMIN_TOKEN = 'admin-token-for-conformance-tests';
