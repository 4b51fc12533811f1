import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

// Password hashing for the wallet app's users: scrypt (node:crypto, in the libuv threadpool) with a random
// 16-byte salt per hash, stored as "scrypt$N$r$p$<salt base64>$<hash base64>" so the cost can rise later
// without breaking old hashes. Comparison is constant-time.

/** (tapkit) N = 2^14, r = 8, p = 1: about 16 MiB and tens of milliseconds per hash. */
export const SCRYPT_COST_DEFAULT = { N: 16_384, r: 8, p: 1 } as const;
const saltBytes = 16;
const hashBytes = 32;
/** Bounds on parameters read back from a stored hash, so a corrupted row cannot ask for gigabytes. */
const costNMax = 1 << 20;
const memoryBytesMax = 256 * 1_048_576;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: memoryBytesMax };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, hashBytes, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, cost = SCRYPT_COST_DEFAULT): Promise<string> {
  const salt = randomBytes(saltBytes);
  const hash = await derive(password, salt, cost);
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface ParsedHash {
  cost: { N: number; r: number; p: number };
  salt: Buffer;
  hash: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const validCost =
    Number.isInteger(N) &&
    N > 1 &&
    N <= costNMax &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32;
  if (!validCost || !Number.isInteger(p) || p < 1 || p > 16) return undefined;
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 8 || hash.length !== hashBytes) return undefined;
  return { cost: { N, r, p }, salt, hash };
}

export function isPasswordHash(stored: string): boolean {
  return parseHash(stored) !== undefined;
}

/** A hash that matches no password, verified against when the user does not exist (same time either way). */
export const DUMMY_PASSWORD_HASH = `scrypt$${SCRYPT_COST_DEFAULT.N}$8$1$${Buffer.alloc(saltBytes).toString('base64')}$${Buffer.alloc(hashBytes).toString('base64')}`;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === undefined) return false;
  const candidate = await derive(password, parsed.salt, parsed.cost);
  return timingSafeEqual(candidate, parsed.hash);
}
