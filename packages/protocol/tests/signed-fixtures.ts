// Shared fixtures for the signed HTTP tests: two parties (the MPP hosting the API, Alipay+ calling it),
// their keys, and helpers to sign a request or check a signed answer by hand. Keys are generated once
// per test file that imports this module (RSA keygen is slow).
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { generateRsaKeyPair } from '../src/keys.ts';
import { contentToSign, formatRequestTime, formatSignatureHeader, type HeaderBag } from '../src/signature.ts';
import { type PeerKeys, signContent, verifySignedMessage } from '../src/signing.ts';

function pair(): { privateKey: KeyObject; publicKey: KeyObject } {
  const generated = generateRsaKeyPair();
  return {
    privateKey: createPrivateKey(generated.privateKeyPem),
    publicKey: createPublicKey(generated.publicKeyPem),
  };
}

export const NOW_MS = Date.UTC(2026, 10, 25, 4, 0, 0);
export const CALLER_ID = 'ALIPAY_CONNECT_1';

/** The MPP's answer-signing key. */
export const hostKeys = pair();
/** The caller's request-signing keys, two versions valid at once (rotation). */
export const callerKeysV1 = pair();
export const callerKeysV2 = pair();
/** A key nobody trusts. */
export const strangerKeys = pair();

export const callerPeer: PeerKeys & { signingKey: { key: KeyObject; keyVersion: string } } = {
  clientId: CALLER_ID,
  verifyKeys: new Map([
    ['1', callerKeysV1.publicKey],
    ['2', callerKeysV2.publicKey],
  ]),
  signingKey: { key: hostKeys.privateKey, keyVersion: '1' },
};

export const hostVerifyKeys: ReadonlyMap<string, KeyObject> = new Map([['1', hostKeys.publicKey]]);

export function signedRequestHeaders(p: {
  path: string;
  body: Buffer;
  nowMs?: number;
  clientId?: string;
  key?: KeyObject;
  keyVersion?: string;
}): Record<string, string> {
  const clientId = p.clientId ?? CALLER_ID;
  const time = formatRequestTime(p.nowMs ?? NOW_MS);
  const signature = signContent(
    contentToSign({ method: 'POST', path: p.path, clientId, time, body: p.body }),
    p.key ?? callerKeysV1.privateKey,
  );
  return {
    'content-type': 'application/json; charset=UTF-8',
    'client-id': clientId,
    'request-time': time,
    signature: formatSignatureHeader({ keyVersion: p.keyVersion ?? '1', signature }),
  };
}

/** Checks an answer's signature with the host key, whatever Client-Id it echoes; returns the error code or OK. */
export function answerSignatureCode(p: {
  path: string;
  /** The request's method, which the answer's signature covers; POST unless given. */
  method?: string;
  headers: HeaderBag;
  body: Buffer;
  nowMs?: number;
}): string {
  const verified = verifySignedMessage(
    {
      method: p.method ?? 'POST',
      path: p.path,
      headers: p.headers,
      rawBody: p.body,
      resolvePeer: (clientId) => ({ clientId, verifyKeys: hostVerifyKeys }),
      nowMs: p.nowMs ?? NOW_MS,
    },
    'response-time',
  );
  return verified.ok ? 'OK' : verified.error.code;
}

export const inquiryBody = { acquirerId: 'ACQ_1', pspId: 'PSP_1', paymentRequestId: 'PR_1' };
