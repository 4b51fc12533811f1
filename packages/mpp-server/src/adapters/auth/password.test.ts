import { describe, expect, it } from 'vitest';
import { DUMMY_PASSWORD_HASH, hashPassword, isPasswordHash, verifyPassword } from './password.ts';

describe('password hashing', () => {
  it('verifies the right password and refuses others', async () => {
    const stored = await hashPassword('correct horse');
    expect(isPasswordHash(stored)).toBe(true);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct horsE', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);
    expect(a).not.toBe(b);
    expect(a.split('$')[4]).not.toBe(b.split('$')[4]);
  });

  it('refuses malformed or hostile stored hashes without throwing', async () => {
    for (const stored of [
      '',
      'plain',
      'scrypt$1$8$1$AAAA$AAAA',
      'scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA',
    ]) {
      expect(isPasswordHash(stored)).toBe(false);
      expect(await verifyPassword('x', stored)).toBe(false);
    }
    expect(isPasswordHash(DUMMY_PASSWORD_HASH)).toBe(true);
    expect(await verifyPassword('', DUMMY_PASSWORD_HASH)).toBe(false);
  });
});
