import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPrivateKey, loadPublicKey, publicKeyToBase64 } from './keys.ts';
import { keyFilePaths, runKeysCommand } from './keys-cli.ts';

const root = mkdtempSync(join(tmpdir(), 'tapkit-keys-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runKeysCommand(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe('tapkit keys', () => {
  const dir = join(root, 'keys');
  const { privatePath, publicPath } = keyFilePaths(dir, 'mpp');

  it('generates a 0600 PKCS#8 private key and an SPKI public key, and prints the public key twice', async () => {
    const result = await run(['generate', 'mpp', '--dir', dir]);
    expect(result.code).toBe(0);
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
    const privateText = readFileSync(privatePath, 'utf8');
    const publicText = readFileSync(publicPath, 'utf8');
    expect(privateText).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(publicText).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const privateKey = loadPrivateKey(privateText);
    const publicKey = loadPublicKey(publicText);
    if (!privateKey.ok || !publicKey.ok) throw new Error('generated keys do not load');
    const base64 = publicKeyToBase64(publicKey.value);
    expect(publicKeyToBase64(privateKey.value)).toBe(base64);
    expect(result.out).toContain(publicText.trimEnd());
    expect(result.out).toContain(`\n${base64}\n`);
    expect(result.out).not.toContain('PRIVATE KEY-----');
    // The printed base64 is what the SDKs paste: it loads as the same key.
    const printed = loadPublicKey(base64);
    expect(printed.ok && publicKeyToBase64(printed.value)).toBe(base64);
  });

  it('refuses to overwrite without --force, and replaces with it', async () => {
    const before = readFileSync(privatePath, 'utf8');
    const refused = await run(['generate', 'mpp', '--dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('--force');
    expect(readFileSync(privatePath, 'utf8')).toBe(before);
    const forced = await run(['generate', 'mpp', '--dir', dir, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(privatePath, 'utf8')).not.toBe(before);
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
  });

  it('shows an existing public key in both forms', async () => {
    const result = await run(['show', 'mpp', '--dir', dir]);
    expect(result.code).toBe(0);
    const base64 = publicKeyToBase64(createPublicKey(readFileSync(publicPath, 'utf8')));
    expect(result.out).toContain(base64);
    expect((await run(['show', 'nobody', '--dir', dir])).code).toBe(1);
  });

  it('rejects bad usage and unsafe party names', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['rotate', 'mpp'])).code).toBe(2);
    expect((await run(['generate', '../etc', '--dir', dir])).code).toBe(2);
    expect((await run(['generate', 'mpp', '--bogus'])).code).toBe(2);
  });
});
