// Alipay+ message signatures (docs/protocol/alipayplus-api.md#headers-and-signatures).
//
//   content  = "<METHOD> <Request-URI>\n<Client-Id>.<Request-Time>.<exact body bytes>"
//   RSA256   = RSASSA-PKCS1-v1_5 with SHA-256
//   header   = "algorithm=RSA256,keyVersion=<v>,signature=<URL-encoded base64>"
//
// Verification is fail-closed: every check returns a stable code and nothing is processed unless all pass.
//
// (tapkit) decisions the documentation leaves open, all in this file:
// - check order and codes: Client-Id missing/malformed -> PARAM_ILLEGAL; time header missing/unparsable ->
//   PARAM_ILLEGAL; Signature missing/malformed -> INVALID_SIGNATURE; unknown Client-Id -> INVALID_CLIENT;
//   unknown keyVersion, stale/future time, bad signature -> INVALID_SIGNATURE;
// - a header sent twice counts as absent; unknown Signature pairs are refused; "RSA256" is case-sensitive;
// - Client-Id is 1-128 printable ASCII without spaces, keyVersion 1-64 of [A-Za-z0-9._-];
// - an ISO 8601 time must carry an offset; Tapkit sends seconds precision with +08:00.
//
// Browser-safe (no node:* imports, no Buffer): the RSA operations and the verifier that needs keys are
// in signing.ts, exported from @tapkit/protocol/node.
import { decodeBase64Strict, encodeBase64 } from './base64.ts';
import { err, ok, type Result } from './result.ts';

export type SignatureAlgorithm = 'RSA256';

export interface SignatureHeader {
  algorithm: SignatureAlgorithm;
  keyVersion: string;
  signature: Uint8Array;
}

export interface SignedContentParts {
  method: string;
  /** The Request-URI exactly as sent on the request line (path and any query). */
  path: string;
  clientId: string;
  /** Request-Time or Response-Time, as the opaque header string. */
  time: string;
  body: Uint8Array | string;
}

/** Default freshness window for Request-Time / Response-Time: ±5 minutes (tapkit). */
export const FRESHNESS_MS_DEFAULT = 5 * 60 * 1000;
/** A Signature header longer than this is not one: RSA-16384 in URL-encoded base64 is under 4 KB. */
export const SIGNATURE_HEADER_CHARS_MAX = 8 * 1024;
/** The Signature header has three pairs; a few more are tolerated only to report duplicates or unknowns. */
const SIGNATURE_PAIRS_MAX = 8;
/** Client-Id: printable ASCII, no spaces (tapkit; the doc gives no grammar). */
const CLIENT_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
/** keyVersion: short token (tapkit; the doc's examples are "1", "2"). */
const KEY_VERSION_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
const TIME_CHARS_MAX = 64;

/** A Client-Id Tapkit will read, sign over and echo in a header. */
export function isWellFormedClientId(value: string): boolean {
  return CLIENT_ID_PATTERN.test(value);
}

const utf8 = new TextEncoder();

export function contentToSign(p: SignedContentParts): Uint8Array {
  const head = utf8.encode(`${p.method} ${p.path}\n${p.clientId}.${p.time}.`);
  const body = typeof p.body === 'string' ? utf8.encode(p.body) : p.body;
  const content = new Uint8Array(head.length + body.length);
  content.set(head, 0);
  content.set(body, head.length);
  return content;
}

export function formatSignatureHeader(h: { keyVersion: string; signature: Uint8Array }): string {
  return `algorithm=RSA256,keyVersion=${h.keyVersion},signature=${encodeURIComponent(encodeBase64(h.signature))}`;
}

export type SignatureErrorCode =
  | 'SIGNATURE_HEADER_EMPTY'
  | 'SIGNATURE_HEADER_TOO_LONG'
  | 'SIGNATURE_PAIR_MALFORMED'
  | 'SIGNATURE_PAIR_DUPLICATE'
  | 'SIGNATURE_PAIR_UNKNOWN'
  | 'SIGNATURE_PART_MISSING'
  | 'SIGNATURE_ALGORITHM_UNSUPPORTED'
  | 'SIGNATURE_KEY_VERSION_MALFORMED'
  | 'SIGNATURE_VALUE_MALFORMED';

export interface SignatureError {
  code: SignatureErrorCode;
  message: string;
}

const SIGNATURE_PAIR_NAMES = ['algorithm', 'keyVersion', 'signature'] as const;
type SignaturePairName = (typeof SIGNATURE_PAIR_NAMES)[number];

export function parseSignatureHeader(value: string): Result<SignatureHeader, SignatureError> {
  if (value.trim().length === 0) return err(sigError('SIGNATURE_HEADER_EMPTY', 'Signature header is empty'));
  if (value.length > SIGNATURE_HEADER_CHARS_MAX) {
    return err(sigError('SIGNATURE_HEADER_TOO_LONG', 'Signature header is too long'));
  }
  const pairs = splitPairs(value);
  if (!pairs.ok) return pairs;
  const { algorithm, keyVersion, signature } = pairs.value;
  if (algorithm === undefined || keyVersion === undefined || signature === undefined) {
    const missing = SIGNATURE_PAIR_NAMES.filter((name) => pairs.value[name] === undefined).join(', ');
    return err(sigError('SIGNATURE_PART_MISSING', `Signature header lacks ${missing}`));
  }
  if (algorithm !== 'RSA256') {
    return err(
      sigError('SIGNATURE_ALGORITHM_UNSUPPORTED', `Signature algorithm "${clip(algorithm)}" is not RSA256`),
    );
  }
  if (!KEY_VERSION_PATTERN.test(keyVersion)) {
    return err(sigError('SIGNATURE_KEY_VERSION_MALFORMED', 'Signature keyVersion is malformed'));
  }
  const bytes = decodeSignatureValue(signature);
  if (bytes === undefined) {
    return err(sigError('SIGNATURE_VALUE_MALFORMED', 'Signature value is not (URL-encoded) base64'));
  }
  return ok({ algorithm: 'RSA256', keyVersion, signature: bytes });
}

function splitPairs(value: string): Result<Partial<Record<SignaturePairName, string>>, SignatureError> {
  const parts = value.split(',');
  if (parts.length > SIGNATURE_PAIRS_MAX) {
    return err(sigError('SIGNATURE_PAIR_MALFORMED', 'Signature header has too many pairs'));
  }
  const pairs: Partial<Record<SignaturePairName, string>> = {};
  for (const part of parts) {
    // Lenient about spaces around pairs ("a=1, b=2"), strict about everything else.
    const trimmed = part.trim();
    const equals = trimmed.indexOf('=');
    if (equals <= 0) return err(sigError('SIGNATURE_PAIR_MALFORMED', 'Signature pair is not name=value'));
    // Split on the first '=' only: raw base64 values end in '='.
    const name = trimmed.slice(0, equals).trim();
    const pairValue = trimmed.slice(equals + 1).trim();
    if (!isPairName(name)) {
      return err(sigError('SIGNATURE_PAIR_UNKNOWN', `Signature pair "${clip(name)}" is unknown`));
    }
    if (pairs[name] !== undefined) {
      return err(sigError('SIGNATURE_PAIR_DUPLICATE', `Signature pair "${name}" appears twice`));
    }
    pairs[name] = pairValue;
  }
  return ok(pairs);
}

function isPairName(name: string): name is SignaturePairName {
  return (SIGNATURE_PAIR_NAMES as readonly string[]).includes(name);
}

function decodeSignatureValue(value: string): Uint8Array | undefined {
  // The official SDKs URL-encode the base64 ('+' -> %2B, '/' -> %2F, '=' -> %3D); raw base64 has no '%'
  // and decodeURIComponent leaves its '+', '/' and '=' alone, so one decode accepts both forms.
  let decoded: string;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    return undefined;
  }
  if (/\s/.test(decoded)) return undefined;
  return decodeBase64Strict(decoded);
}

function sigError(code: SignatureErrorCode, message: string): SignatureError {
  return { code, message };
}

function clip(text: string): string {
  return text.length > 32 ? `${text.slice(0, 32)}...` : text;
}

// ---- Request-Time / Response-Time ----

const ISO_TIME_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;
const EPOCH_MS_PATTERN = /^\d{1,15}$/;

/**
 * Request-Time as ISO 8601 with an offset (what Tapkit and the doc send) or epoch milliseconds (what two
 * official SDKs send). A time without an offset is refused: its instant would depend on our time zone.
 */
export function parseRequestTime(value: string): number | undefined {
  if (value.length > TIME_CHARS_MAX) return undefined;
  if (EPOCH_MS_PATTERN.test(value)) return Number(value);
  const match = ISO_TIME_PATTERN.exec(value);
  if (match === null) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zone = 'Z'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetMinutes = parseOffsetMinutes(zone);
  if (offsetMinutes === undefined) return undefined;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const utcMs = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return utcMs - offsetMinutes * 60_000;
}

function parseOffsetMinutes(zone: string): number | undefined {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4));
  if (hours > 23 || minutes > 59) return undefined;
  return sign * (hours * 60 + minutes);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** ISO 8601 with an explicit offset, seconds precision: 2026-11-25T12:00:00+08:00 (UTC+8 by default). */
export function formatRequestTime(ms: number, offsetMinutes = 480): string {
  const local = new Date(Math.floor(ms / 1000) * 1000 + offsetMinutes * 60_000);
  const stamp = local.toISOString().slice(0, 19);
  if (offsetMinutes === 0) return `${stamp}Z`;
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${stamp}${sign}${pad2(Math.floor(abs / 60))}:${pad2(abs % 60)}`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

// ---- Headers the verifier reads ----

export type HeaderBag = Record<string, string | string[] | undefined>;

export type VerifyErrorCode = 'INVALID_SIGNATURE' | 'INVALID_CLIENT' | 'PARAM_ILLEGAL';
export interface VerifyError {
  code: VerifyErrorCode;
  reason: string;
}
export type TimeHeaderName = 'request-time' | 'response-time';

/**
 * Header lookup by case-insensitive name. A header repeated (array value) is treated as absent: two
 * Signature or Client-Id values cannot both be right, and picking one would be a guess.
 */
export function singleHeader(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const direct = headers[wanted];
  if (direct !== undefined) return typeof direct === 'string' ? direct : undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined)
      return typeof value === 'string' ? value : undefined;
  }
  return undefined;
}
