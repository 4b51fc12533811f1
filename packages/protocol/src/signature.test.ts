import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRsaKeyPair } from './keys.ts';
import {
  contentToSign,
  formatRequestTime,
  formatSignatureHeader,
  type HeaderBag,
  parseRequestTime,
  parseSignatureHeader,
} from './signature.ts';
import {
  type PeerKeys,
  signContent,
  signContentAsync,
  type VerifyInput,
  verifySignedMessage,
  verifySignedMessageAsync,
} from './signing.ts';

// One key pair per role for the whole file (RSA keygen is slow).
const current = generateRsaKeyPair();
const previous = generateRsaKeyPair();
const stranger = generateRsaKeyPair();
const currentKey = createPrivateKey(current.privateKeyPem);
const previousKey = createPrivateKey(previous.privateKeyPem);
const strangerKey = createPrivateKey(stranger.privateKeyPem);

const dir = mkdtempSync(join(tmpdir(), 'tapkit-sig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOW_MS = Date.UTC(2026, 10, 25, 4, 0, 0); // 2026-11-25T12:00:00+08:00
const TIME = '2026-11-25T12:00:00+08:00';
const PATH = '/aps/api/v1/payments/pay';
const BODY = Buffer.from('{"paymentRequestId":"r-1","note":"caf\u00e9 \u2713"}', 'utf8');

const peer: PeerKeys = {
  clientId: 'CLIENT_1',
  verifyKeys: new Map([
    ['1', createPublicKey(previous.publicKeyPem)],
    ['2', createPublicKey(current.publicKeyPem)],
  ]),
};
const resolvePeer = (clientId: string) => (clientId === peer.clientId ? peer : undefined);

interface Message {
  method: string;
  path: string;
  clientId: string;
  time: string;
  body: Buffer;
}
const message: Message = { method: 'POST', path: PATH, clientId: 'CLIENT_1', time: TIME, body: BODY };

function signedHeaders(m: Message, key: KeyObject = currentKey, keyVersion = '2'): HeaderBag {
  const signature = signContent(contentToSign(m), key);
  return {
    'client-id': m.clientId,
    'request-time': m.time,
    signature: formatSignatureHeader({ keyVersion, signature }),
  };
}

function input(m: Message, headers: HeaderBag, nowMs = NOW_MS): VerifyInput {
  return {
    method: m.method,
    path: m.path,
    headers,
    rawBody: m.body,
    resolvePeer,
    nowMs,
    freshnessMs: 300_000,
  };
}

function verifyCode(m: Message, headers: HeaderBag, nowMs = NOW_MS): string {
  const result = verifySignedMessage(input(m, headers, nowMs), 'request-time');
  return result.ok ? 'OK' : result.error.code;
}

describe('contentToSign', () => {
  it('is "<METHOD> <URI>\\n<Client-Id>.<Time>.<body bytes>"', () => {
    const content = contentToSign(message);
    expect(Buffer.from(content).toString('utf8')).toBe(
      `POST ${PATH}\nCLIENT_1.${TIME}.${BODY.toString('utf8')}`,
    );
    expect(Buffer.from(content.subarray(content.length - BODY.length)).equals(BODY)).toBe(true);
  });
  it('keeps body bytes exactly, even ones that are not valid UTF-8', () => {
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const content = contentToSign({ ...message, body: raw });
    expect(Buffer.from(content.subarray(content.length - 4)).equals(raw)).toBe(true);
  });
});

describe('cross-check with the openssl CLI', () => {
  const keyPath = join(dir, 'key.pem');
  const pubPath = join(dir, 'pub.pem');
  writeFileSync(keyPath, current.privateKeyPem);
  writeFileSync(pubPath, current.publicKeyPem);

  it('verifies a signature made by `openssl dgst -sha256 -sign`', () => {
    const contentPath = join(dir, 'content-a.bin');
    writeFileSync(contentPath, contentToSign(message));
    const signature = execFileSync('/usr/bin/openssl', ['dgst', '-sha256', '-sign', keyPath, contentPath]);
    expect(signature.length).toBe(256);
    const headers = {
      ...signedHeaders(message),
      signature: formatSignatureHeader({ keyVersion: '2', signature }),
    };
    expect(verifyCode(message, headers)).toBe('OK');
    // Deterministic PKCS#1 v1.5: our signature over the same bytes is identical.
    expect(signContent(contentToSign(message), currentKey).equals(signature)).toBe(true);
  });

  it('produces signatures `openssl dgst -sha256 -verify` accepts, and it rejects a tampered one', async () => {
    const contentPath = join(dir, 'content-b.bin');
    const sigPath = join(dir, 'sig.bin');
    writeFileSync(contentPath, contentToSign(message));
    writeFileSync(sigPath, await signContentAsync(contentToSign(message), currentKey));
    const verify = () =>
      execFileSync(
        '/usr/bin/openssl',
        ['dgst', '-sha256', '-verify', pubPath, '-signature', sigPath, contentPath],
        {
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ).toString();
    expect(verify()).toContain('Verified OK');
    const tampered = readFileSync(sigPath);
    tampered[10] = (tampered[10] ?? 0) ^ 0x01;
    writeFileSync(sigPath, tampered);
    expect(verify).toThrow();
  });
});

describe('verifySignedMessage', () => {
  it('accepts a good message, with either sync or async verification', async () => {
    expect(verifyCode(message, signedHeaders(message))).toBe('OK');
    const result = await verifySignedMessageAsync(input(message, signedHeaders(message)), 'request-time');
    expect(result).toEqual({ ok: true, value: { clientId: 'CLIENT_1', time: TIME } });
  });

  it('fails when any signed part is tampered with', () => {
    const headers = signedHeaders(message);
    expect(verifyCode({ ...message, method: 'PUT' }, headers)).toBe('INVALID_SIGNATURE');
    expect(verifyCode({ ...message, path: `${PATH}x` }, headers)).toBe('INVALID_SIGNATURE');
    expect(verifyCode({ ...message, path: PATH.replace('pay', 'paY') }, headers)).toBe('INVALID_SIGNATURE');
    const body = Buffer.from(BODY);
    body[5] = (body[5] ?? 0) ^ 0x20;
    expect(verifyCode({ ...message, body }, headers)).toBe('INVALID_SIGNATURE');
    expect(verifyCode({ ...message, body: Buffer.concat([BODY, Buffer.from(' ')]) }, headers)).toBe(
      'INVALID_SIGNATURE',
    );
    // Client-Id and time are read from the headers, so tamper with those.
    expect(verifyCode(message, { ...headers, 'request-time': '2026-11-25T12:00:01+08:00' })).toBe(
      'INVALID_SIGNATURE',
    );
    const twin: PeerKeys = { clientId: 'CLIENT_2', verifyKeys: peer.verifyKeys };
    const bothPeers = (id: string) => (id === 'CLIENT_2' ? twin : resolvePeer(id));
    const swapped = verifySignedMessage(
      { ...input(message, { ...headers, 'client-id': 'CLIENT_2' }), resolvePeer: bothPeers },
      'request-time',
    );
    expect(swapped.ok ? 'OK' : swapped.error.code).toBe('INVALID_SIGNATURE');
  });

  it('fails on a tampered signature byte', () => {
    const signature = signContent(contentToSign(message), currentKey);
    for (const index of [0, 100, 255]) {
      const bad = Buffer.from(signature);
      bad[index] = (bad[index] ?? 0) ^ 0x80;
      const headers = {
        ...signedHeaders(message),
        signature: formatSignatureHeader({ keyVersion: '2', signature: bad }),
      };
      expect(verifyCode(message, headers)).toBe('INVALID_SIGNATURE');
    }
    const short = formatSignatureHeader({ keyVersion: '2', signature: signature.subarray(0, 255) });
    expect(verifyCode(message, { ...signedHeaders(message), signature: short })).toBe('INVALID_SIGNATURE');
  });

  it('fails on stale and future Request-Time, at the edge of the window', () => {
    const headers = signedHeaders(message);
    expect(verifyCode(message, headers, NOW_MS + 300_000)).toBe('OK');
    expect(verifyCode(message, headers, NOW_MS + 300_001)).toBe('INVALID_SIGNATURE');
    expect(verifyCode(message, headers, NOW_MS - 300_000)).toBe('OK');
    expect(verifyCode(message, headers, NOW_MS - 300_001)).toBe('INVALID_SIGNATURE');
    const wide = verifySignedMessage(
      { ...input(message, headers, NOW_MS + 3_600_000), freshnessMs: 3_600_000 },
      'request-time',
    );
    expect(wide.ok).toBe(true);
  });

  it('accepts epoch milliseconds as Request-Time, signed as the opaque string', () => {
    const m = { ...message, time: String(NOW_MS) };
    expect(verifyCode(m, signedHeaders(m))).toBe('OK');
    // Ten times the instant is a parsable but far-future time: stale, not malformed.
    expect(verifyCode(m, { ...signedHeaders(m), 'request-time': `${NOW_MS}0` })).toBe('INVALID_SIGNATURE');
    expect(verifyCode(m, { ...signedHeaders(m), 'request-time': `${NOW_MS}ms` })).toBe('PARAM_ILLEGAL');
    const iso = { ...message, time: '2026-11-25T04:00:00.000Z' };
    expect(verifyCode(iso, signedHeaders(iso))).toBe('OK');
  });

  it('accepts URL-encoded and raw base64 signature values', () => {
    const signature = signContent(contentToSign(message), currentKey);
    const raw = signature.toString('base64');
    const headers = signedHeaders(message);
    expect(headers.signature).toContain(encodeURIComponent(raw));
    expect(
      verifyCode(message, { ...headers, signature: `algorithm=RSA256,keyVersion=2,signature=${raw}` }),
    ).toBe('OK');
    expect(
      verifyCode(message, { ...headers, signature: `algorithm=RSA256, keyVersion=2,  signature=${raw}` }),
    ).toBe('OK');
    expect(
      verifyCode(message, {
        ...headers,
        signature: `signature=${encodeURIComponent(raw)},keyVersion=2,algorithm=RSA256`,
      }),
    ).toBe('OK');
  });

  it('picks the key by keyVersion while two are valid (rotation)', () => {
    expect(verifyCode(message, signedHeaders(message, previousKey, '1'))).toBe('OK');
    expect(verifyCode(message, signedHeaders(message, currentKey, '2'))).toBe('OK');
    expect(verifyCode(message, signedHeaders(message, previousKey, '2'))).toBe('INVALID_SIGNATURE');
    expect(verifyCode(message, signedHeaders(message, currentKey, '1'))).toBe('INVALID_SIGNATURE');
    expect(verifyCode(message, signedHeaders(message, currentKey, '3'))).toBe('INVALID_SIGNATURE');
    expect(verifyCode(message, signedHeaders(message, strangerKey, '2'))).toBe('INVALID_SIGNATURE');
  });

  it('maps missing and malformed headers to stable codes', () => {
    const headers = signedHeaders(message);
    const without = (name: string) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
    expect(verifyCode(message, without('signature'))).toBe('INVALID_SIGNATURE');
    expect(verifyCode(message, without('client-id'))).toBe('PARAM_ILLEGAL');
    expect(verifyCode(message, without('request-time'))).toBe('PARAM_ILLEGAL');
    expect(verifyCode(message, { ...headers, 'request-time': 'yesterday' })).toBe('PARAM_ILLEGAL');
    expect(verifyCode(message, { ...headers, 'client-id': 'CLIENT 1' })).toBe('PARAM_ILLEGAL');
    expect(verifyCode(message, { ...headers, signature: 'algorithm=RSA256,keyVersion=2' })).toBe(
      'INVALID_SIGNATURE',
    );
    expect(verifyCode(message, { ...headers, signature: ['a', 'b'] })).toBe('INVALID_SIGNATURE');
    expect(verifyCode(message, { ...headers, 'client-id': 'CLIENT_9' })).toBe('INVALID_CLIENT');
  });

  it('reads header names case-insensitively', () => {
    const headers = signedHeaders(message);
    const mixed: HeaderBag = {
      'Client-Id': headers['client-id'],
      'REQUEST-TIME': headers['request-time'],
      Signature: headers.signature,
    };
    expect(verifyCode(message, mixed)).toBe('OK');
  });
});

describe('parseSignatureHeader', () => {
  const value = encodeURIComponent(Buffer.alloc(256, 0xfb).toString('base64'));
  const codeOf = (text: string) => {
    const parsed = parseSignatureHeader(text);
    return parsed.ok ? 'OK' : parsed.error.code;
  };
  it('round-trips formatSignatureHeader', () => {
    const signature = new Uint8Array(256).fill(0xfb);
    const parsed = parseSignatureHeader(formatSignatureHeader({ keyVersion: '7', signature }));
    expect(parsed).toEqual({ ok: true, value: { algorithm: 'RSA256', keyVersion: '7', signature } });
  });
  it('rejects unknown algorithms, missing parts, duplicates, unknown pairs and bad values', () => {
    expect(codeOf(`algorithm=RSA256,keyVersion=1,signature=${value}`)).toBe('OK');
    expect(codeOf(`algorithm=RSA512,keyVersion=1,signature=${value}`)).toBe(
      'SIGNATURE_ALGORITHM_UNSUPPORTED',
    );
    expect(codeOf(`algorithm=rsa256,keyVersion=1,signature=${value}`)).toBe(
      'SIGNATURE_ALGORITHM_UNSUPPORTED',
    );
    expect(codeOf(`algorithm=RSA256,signature=${value}`)).toBe('SIGNATURE_PART_MISSING');
    expect(codeOf(`algorithm=RSA256,keyVersion=1,keyVersion=2,signature=${value}`)).toBe(
      'SIGNATURE_PAIR_DUPLICATE',
    );
    expect(codeOf(`algorithm=RSA256,keyVersion=1,signature=${value},extra=1`)).toBe('SIGNATURE_PAIR_UNKNOWN');
    expect(codeOf(`algorithm=RSA256,keyVersion=1,signature=${value},`)).toBe('SIGNATURE_PAIR_MALFORMED');
    expect(codeOf(`algorithm=RSA256,keyVersion=,signature=${value}`)).toBe('SIGNATURE_KEY_VERSION_MALFORMED');
    expect(codeOf('algorithm=RSA256,keyVersion=1,signature=')).toBe('SIGNATURE_VALUE_MALFORMED');
    expect(codeOf('algorithm=RSA256,keyVersion=1,signature=%E0%A4%A')).toBe('SIGNATURE_VALUE_MALFORMED');
    expect(codeOf('algorithm=RSA256,keyVersion=1,signature=ab cd')).toBe('SIGNATURE_VALUE_MALFORMED');
    expect(codeOf('')).toBe('SIGNATURE_HEADER_EMPTY');
    expect(codeOf(`algorithm=RSA256,keyVersion=1,signature=${'A'.repeat(9000)}`)).toBe(
      'SIGNATURE_HEADER_TOO_LONG',
    );
  });
});

describe('Request-Time', () => {
  it('formats ISO 8601 with +08:00 by default and parses it back to the second', () => {
    expect(formatRequestTime(NOW_MS)).toBe(TIME);
    expect(formatRequestTime(NOW_MS + 999)).toBe(TIME);
    expect(formatRequestTime(NOW_MS, 0)).toBe('2026-11-25T04:00:00Z');
    expect(formatRequestTime(NOW_MS, -330)).toBe('2026-11-24T22:30:00-05:30');
    expect(parseRequestTime(TIME)).toBe(NOW_MS);
    expect(parseRequestTime('2026-11-24T22:30:00-05:30')).toBe(NOW_MS);
    expect(parseRequestTime('2026-11-25T04:00:00.25Z')).toBe(NOW_MS + 250);
    expect(parseRequestTime('2026-11-25T12:00:00+0800')).toBe(NOW_MS);
    expect(parseRequestTime(String(NOW_MS))).toBe(NOW_MS);
  });
  it('refuses times without offset and impossible dates', () => {
    for (const bad of [
      '2026-11-25T12:00:00',
      '2026-02-29T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-11-25T24:00:00Z',
      '2026-11-25 12:00:00Z',
      '',
      '-5',
      '1.5',
      '2026-11-25T12:00:00+25:00',
    ]) {
      expect(parseRequestTime(bad), bad).toBeUndefined();
    }
    expect(parseRequestTime('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
  });
});
