// RSA256 signing and verification of Alipay+ messages with node:crypto (Node only; exported from
// @tapkit/protocol/node). The header grammar, the content to sign and the time formats are the browser-safe
// part in signature.ts; the check order and codes (tapkit) are listed there.
import { constants, type KeyObject, sign, verify } from 'node:crypto';
import { err, ok, type Result } from './result.ts';
import {
  contentToSign,
  FRESHNESS_MS_DEFAULT,
  type HeaderBag,
  isWellFormedClientId,
  parseRequestTime,
  parseSignatureHeader,
  type SignatureHeader,
  singleHeader,
  type TimeHeaderName,
  type VerifyError,
  type VerifyErrorCode,
} from './signature.ts';

export interface SigningKey {
  key: KeyObject;
  keyVersion: string;
}

const RSA256_KEY_OPTIONS = { padding: constants.RSA_PKCS1_PADDING } as const;

export function signContent(content: Uint8Array, key: KeyObject): Buffer {
  return sign('sha256', content, { key, ...RSA256_KEY_OPTIONS });
}

/** Signs in the libuv threadpool (crypto.sign with a callback), so the event loop keeps serving. */
export function signContentAsync(content: Uint8Array, key: KeyObject): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    sign('sha256', content, { key, ...RSA256_KEY_OPTIONS }, (error, signature) => {
      if (error !== null) reject(error);
      else resolve(signature);
    });
  });
}

export function verifyContent(content: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  try {
    return verify('sha256', content, { key, ...RSA256_KEY_OPTIONS }, signature);
  } catch {
    // A wrong-length signature or a key of the wrong kind is a failed verification, not a crash.
    return false;
  }
}

export function verifyContentAsync(
  content: Uint8Array,
  signature: Uint8Array,
  key: KeyObject,
): Promise<boolean> {
  return new Promise((resolve) => {
    try {
      verify('sha256', content, { key, ...RSA256_KEY_OPTIONS }, signature, (error, valid) => {
        resolve(error === null && valid);
      });
    } catch {
      resolve(false);
    }
  });
}

// ---- Verification ----

export interface PeerKeys {
  clientId: string;
  /** Keys by keyVersion. Two entries during a rotation; the header's keyVersion picks one. */
  verifyKeys: ReadonlyMap<string, KeyObject>;
}

export interface VerifyInput {
  method: string;
  path: string;
  headers: HeaderBag;
  rawBody: Buffer;
  resolvePeer(clientId: string): PeerKeys | undefined;
  nowMs: number;
  freshnessMs?: number;
}

interface CheckedHeaders {
  clientId: string;
  time: string;
  signature: SignatureHeader;
  verifyKey: KeyObject;
}

/** Every check short of the RSA operation itself, shared by the sync and async verifiers. */
function checkHeaders(input: VerifyInput, timeHeader: TimeHeaderName): Result<CheckedHeaders, VerifyError> {
  const clientId = singleHeader(input.headers, 'client-id');
  if (clientId === undefined || !isWellFormedClientId(clientId)) {
    return err(verifyError('PARAM_ILLEGAL', 'Client-Id header is missing or malformed'));
  }
  const time = singleHeader(input.headers, timeHeader);
  const timeMs = time === undefined ? undefined : parseRequestTime(time);
  if (time === undefined || timeMs === undefined) {
    return err(verifyError('PARAM_ILLEGAL', `${headerTitle(timeHeader)} header is missing or malformed`));
  }
  const signatureText = singleHeader(input.headers, 'signature');
  if (signatureText === undefined)
    return err(verifyError('INVALID_SIGNATURE', 'Signature header is missing'));
  const signature = parseSignatureHeader(signatureText);
  if (!signature.ok) return err(verifyError('INVALID_SIGNATURE', signature.error.message));
  const peer = input.resolvePeer(clientId);
  if (peer === undefined) return err(verifyError('INVALID_CLIENT', 'Client-Id is not known'));
  const verifyKey = peer.verifyKeys.get(signature.value.keyVersion);
  if (verifyKey === undefined)
    return err(verifyError('INVALID_SIGNATURE', 'Signature keyVersion is not known'));
  const freshnessMs = input.freshnessMs ?? FRESHNESS_MS_DEFAULT;
  if (Math.abs(input.nowMs - timeMs) > freshnessMs) {
    return err(
      verifyError('INVALID_SIGNATURE', `${headerTitle(timeHeader)} is outside the freshness window`),
    );
  }
  return ok({ clientId, time, signature: signature.value, verifyKey });
}

function contentOf(input: VerifyInput, checked: CheckedHeaders): Uint8Array {
  return contentToSign({
    method: input.method,
    path: input.path,
    clientId: checked.clientId,
    time: checked.time,
    body: input.rawBody,
  });
}

export function verifySignedMessage(
  input: VerifyInput,
  timeHeader: TimeHeaderName,
): Result<{ clientId: string; time: string }, VerifyError> {
  const checked = checkHeaders(input, timeHeader);
  if (!checked.ok) return checked;
  const { clientId, time, signature, verifyKey } = checked.value;
  if (!verifyContent(contentOf(input, checked.value), signature.signature, verifyKey)) {
    return err(verifyError('INVALID_SIGNATURE', 'Signature does not match the message'));
  }
  return ok({ clientId, time });
}

/** Same checks as verifySignedMessage, with the RSA verification in the libuv threadpool. */
export async function verifySignedMessageAsync(
  input: VerifyInput,
  timeHeader: TimeHeaderName,
): Promise<Result<{ clientId: string; time: string }, VerifyError>> {
  const checked = checkHeaders(input, timeHeader);
  if (!checked.ok) return checked;
  const { clientId, time, signature, verifyKey } = checked.value;
  if (!(await verifyContentAsync(contentOf(input, checked.value), signature.signature, verifyKey))) {
    return err(verifyError('INVALID_SIGNATURE', 'Signature does not match the message'));
  }
  return ok({ clientId, time });
}

function headerTitle(name: TimeHeaderName): string {
  return name === 'request-time' ? 'Request-Time' : 'Response-Time';
}

function verifyError(code: VerifyErrorCode, reason: string): VerifyError {
  return { code, reason };
}
