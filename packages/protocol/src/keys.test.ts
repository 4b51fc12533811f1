import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRsaKeyPair, loadPrivateKey, loadPublicKey, publicKeyToBase64 } from './keys.ts';

// RSA key generation is slow: one pair per file, reused by every test.
const pair = generateRsaKeyPair();
const privateKey = createPrivateKey(pair.privateKeyPem);
const publicKey = createPublicKey(pair.publicKeyPem);

function derBase64(key: KeyObject, type: 'pkcs1' | 'pkcs8' | 'spki'): string {
  return (key.export({ format: 'der', type } as never) as Buffer).toString('base64');
}

function sameKey(a: KeyObject, b: KeyObject): boolean {
  return publicKeyToBase64(a) === publicKeyToBase64(b);
}

function expectPrivate(text: string): void {
  const loaded = loadPrivateKey(text);
  if (!loaded.ok) throw new Error(`expected a key, got ${loaded.error.code}: ${loaded.error.message}`);
  expect(loaded.value.type).toBe('private');
  expect(sameKey(loaded.value, privateKey)).toBe(true);
}

function expectPublic(text: string): void {
  const loaded = loadPublicKey(text);
  if (!loaded.ok) throw new Error(`expected a key, got ${loaded.error.code}: ${loaded.error.message}`);
  expect(loaded.value.type).toBe('public');
  expect(sameKey(loaded.value, publicKey)).toBe(true);
}

function expectError(result: ReturnType<typeof loadPrivateKey>, code: string): void {
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error.code).toBe(code);
}

describe('generateRsaKeyPair', () => {
  it('makes a 2048-bit RSA pair in PKCS#8 / SPKI PEM and bare base64 SPKI', () => {
    expect(pair.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(pair.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(pair.publicKeyBase64).toBe(derBase64(publicKey, 'spki'));
    expect(pair.publicKeyBase64).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });
});

describe('loadPrivateKey', () => {
  it('loads PKCS#8 PEM', () => expectPrivate(pair.privateKeyPem));
  it('loads PKCS#1 PEM', () => expectPrivate(privateKey.export({ format: 'pem', type: 'pkcs1' }) as string));
  it('loads bare base64 PKCS#8 DER', () => expectPrivate(derBase64(privateKey, 'pkcs8')));
  it('loads bare base64 PKCS#1 DER', () => expectPrivate(derBase64(privateKey, 'pkcs1')));
  it('tolerates CRLF, indentation, surrounding blanks and line-wrapped base64', () => {
    const crlf = `\n\n  ${pair.privateKeyPem.replace(/\n/g, '\r\n')}  \n`;
    expectPrivate(crlf);
    const wrapped = derBase64(privateKey, 'pkcs1').replace(/(.{64})/g, '$1\n  ');
    expectPrivate(` ${wrapped}\t`);
    const oneLine = pair.privateKeyPem.replace(/\n/g, ' ');
    expectPrivate(oneLine);
  });
  it('refuses empty, garbage, broken armour and mismatched labels', () => {
    expectError(loadPrivateKey('  \n '), 'KEY_EMPTY');
    expectError(loadPrivateKey('not a key!'), 'KEY_BASE64_MALFORMED');
    expectError(loadPrivateKey('QUJDRA=='), 'KEY_DER_INVALID');
    expectError(
      loadPrivateKey(pair.privateKeyPem.replace('-----END PRIVATE KEY-----', '')),
      'KEY_PEM_MALFORMED',
    );
    expectError(
      loadPrivateKey(pair.privateKeyPem.replace('END PRIVATE KEY', 'END RSA PRIVATE KEY')),
      'KEY_PEM_MALFORMED',
    );
    expectError(loadPrivateKey(pair.publicKeyPem), 'KEY_PEM_LABEL_UNSUPPORTED');
    expectError(loadPrivateKey(pair.privateKeyPem.replace('MII', 'M*I')), 'KEY_PEM_MALFORMED');
    // A PKCS#1 body under a PKCS#8 label is caught, not guessed.
    const mislabelled = (privateKey.export({ format: 'pem', type: 'pkcs1' }) as string).replace(
      /RSA PRIVATE KEY/g,
      'PRIVATE KEY',
    );
    expectError(loadPrivateKey(mislabelled), 'KEY_DER_INVALID');
    expectError(loadPrivateKey('A'.repeat(40_000)), 'KEY_TOO_LONG');
  });
  it('refuses encrypted keys with their own code', () => {
    const pkcs8 = privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'p' });
    expectError(loadPrivateKey(pkcs8 as string), 'KEY_ENCRYPTED');
    const pkcs1 = privateKey.export({ format: 'pem', type: 'pkcs1', cipher: 'aes-256-cbc', passphrase: 'p' });
    expect(pkcs1).toContain('Proc-Type: 4,ENCRYPTED');
    expectError(loadPrivateKey(pkcs1 as string), 'KEY_ENCRYPTED');
  });
  it('refuses non-RSA keys and RSA keys under 2048 bits', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expectError(
      loadPrivateKey(ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string),
      'KEY_NOT_RSA',
    );
    const ed = generateKeyPairSync('ed25519');
    expectError(loadPrivateKey(derBase64(ed.privateKey, 'pkcs8')), 'KEY_NOT_RSA');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expectError(
      loadPrivateKey(small.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string),
      'KEY_TOO_SMALL',
    );
    expectError(loadPublicKey(derBase64(small.publicKey, 'spki')), 'KEY_TOO_SMALL');
    expectError(loadPublicKey(ec.publicKey.export({ format: 'pem', type: 'spki' }) as string), 'KEY_NOT_RSA');
  });
});

describe('loadPublicKey', () => {
  it('loads SPKI PEM', () => expectPublic(pair.publicKeyPem));
  it('loads PKCS#1 PEM', () => expectPublic(publicKey.export({ format: 'pem', type: 'pkcs1' }) as string));
  it('loads bare base64 SPKI DER', () => expectPublic(pair.publicKeyBase64));
  it('loads bare base64 PKCS#1 DER', () => expectPublic(derBase64(publicKey, 'pkcs1')));
  it('refuses a private key PEM', () => {
    expectError(loadPublicKey(pair.privateKeyPem), 'KEY_PEM_LABEL_UNSUPPORTED');
  });
});

describe('keys made by the openssl CLI', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tapkit-keys-'));
    execFileSync('/usr/bin/openssl', ['genrsa', '-traditional', '-out', join(dir, 'pkcs1.pem'), '2048'], {
      stdio: 'ignore',
    });
    const run = (args: string[]) => execFileSync('/usr/bin/openssl', args, { stdio: 'ignore' });
    run(['pkcs8', '-topk8', '-nocrypt', '-in', join(dir, 'pkcs1.pem'), '-out', join(dir, 'pkcs8.pem')]);
    run(['rsa', '-in', join(dir, 'pkcs1.pem'), '-pubout', '-out', join(dir, 'spki.pem')]);
    run(['rsa', '-in', join(dir, 'pkcs1.pem'), '-RSAPublicKey_out', '-out', join(dir, 'rsapub.pem')]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads every openssl format and they are the same key', () => {
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    expect(read('pkcs1.pem')).toContain('BEGIN RSA PRIVATE KEY');
    expect(read('rsapub.pem')).toContain('BEGIN RSA PUBLIC KEY');
    const keys = [
      loadPrivateKey(read('pkcs1.pem')),
      loadPrivateKey(read('pkcs8.pem')),
      loadPublicKey(read('spki.pem')),
      loadPublicKey(read('rsapub.pem')),
    ];
    const encoded = keys.map((k) => (k.ok ? publicKeyToBase64(k.value) : `error ${k.error.code}`));
    expect(new Set(encoded).size).toBe(1);
    expect(encoded[0]).toMatch(/^MII/);
  });
});
