import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateRsaKeyPair, keyFilePaths } from '@tapkit/protocol/node';

// The ./data folder of `tapkit up`: generated on first start, reused afterwards, so balances, tokens and
// keys survive a restart. Secrets are written readable by the owner only.

const secretFileMode = 0o600;

/** Returns the key file paths of a party, generating an RSA-2048 pair on first use. */
export function ensurePartyKeys(dataDir: string, party: string): { privatePath: string; publicPath: string } {
  const dir = join(dataDir, 'keys');
  const paths = keyFilePaths(dir, party);
  if (!existsSync(paths.privatePath) || !existsSync(paths.publicPath)) {
    mkdirSync(dir, { recursive: true });
    const pair = generateRsaKeyPair();
    writeFileSync(paths.privatePath, pair.privateKeyPem, { mode: secretFileMode });
    writeFileSync(paths.publicPath, pair.publicKeyPem);
  }
  return paths;
}

/** A random secret kept in a file of its own (the admin token of `tapkit up`), created on first use. */
export function ensureSecret(dataDir: string, name: string): string {
  const path = join(dataDir, name);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(24).toString('base64url');
  writeFileSync(path, `${secret}\n`, { mode: secretFileMode });
  return secret;
}
