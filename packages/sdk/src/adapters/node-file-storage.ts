// SecureStorage for Node: one file per record in a directory, the keys in files readable by the owner
// only (0600). Writes go to a temporary file that is fsynced and renamed over the old one, then the
// directory is fsynced: a crash leaves either the old or the new record, never a torn one.
//
// Files (tapkit): storage.key (32 raw bytes, the AES-256-GCM storage key), device-key.bin (the device
// RSA key pair as PKCS#8 + SPKI, AES-GCM encrypted under the storage key), <name>.rec (records).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { base64ToBytes, bytesToBase64 } from '@tapkit/protocol/wire/token-service';
import type { KeyStore, SecureStorage } from '../ports.ts';
import { StorageCorruptedError } from '../storage/encrypted-store.ts';
import { generateDeviceKeyPair, once } from './web-keys.ts';

const fileMode = 0o600;
const directoryMode = 0o700;
const storageKeyBytes = 32;
const namePattern = /^[A-Za-z0-9_-]{1,200}$/;
const rsaOaep = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;
const deviceKeyAad = new TextEncoder().encode('tapkit/sdk/device-key/v1');

function isMissing(error: unknown): boolean {
  return (error as { code?: string }).code === 'ENOENT';
}

async function readOptional(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** Writes durably: temp file, fsync, rename, fsync of the directory. */
async function writeAtomic(directory: string, file: string, bytes: Uint8Array): Promise<void> {
  const temporary = join(directory, `.${file}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', fileMode);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, join(directory, file));
  const dir = await open(directory, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** A KeyStore in files of the storage directory (0600): the storage key and the device key pair. */
export class NodeFileKeyStore implements KeyStore {
  constructor(private readonly directory: string) {}

  readonly storageKey = once(async () => {
    await mkdir(this.directory, { recursive: true, mode: directoryMode });
    let raw = await readOptional(join(this.directory, 'storage.key'));
    if (raw === undefined) {
      raw = new Uint8Array(randomBytes(storageKeyBytes));
      await writeAtomic(this.directory, 'storage.key', raw);
    }
    if (raw.length !== storageKeyBytes) throw new StorageCorruptedError('storage.key has the wrong length');
    return globalThis.crypto.subtle.importKey('raw', raw.slice().buffer as ArrayBuffer, 'AES-GCM', false, [
      'encrypt',
      'decrypt',
    ]);
  });

  private deviceKeys = once(() => this.loadOrCreateDeviceKeys());

  deviceKeyPair(): Promise<CryptoKeyPair> {
    return this.deviceKeys();
  }

  async deleteDeviceKeyPair(): Promise<void> {
    await rm(join(this.directory, 'device-key.bin'), { force: true });
    this.deviceKeys = once(() => this.loadOrCreateDeviceKeys());
  }

  private async loadOrCreateDeviceKeys(): Promise<CryptoKeyPair> {
    const key = await this.storageKey();
    const sealed = await readOptional(join(this.directory, 'device-key.bin'));
    if (sealed !== undefined) return this.openDeviceKeys(key, sealed);
    // Extractable only long enough to write it down; the pair handed to the SDK is imported non-extractable.
    const pair = await generateDeviceKeyPair(true);
    const pkcs8 = new Uint8Array(await globalThis.crypto.subtle.exportKey('pkcs8', pair.privateKey));
    const spki = new Uint8Array(await globalThis.crypto.subtle.exportKey('spki', pair.publicKey));
    const plaintext = new TextEncoder().encode(
      JSON.stringify({ pkcs8: bytesToBase64(pkcs8), spki: bytesToBase64(spki) }),
    );
    pkcs8.fill(0);
    const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
    const ciphertext = await globalThis.crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: deviceKeyAad },
      key,
      plaintext,
    );
    const out = new Uint8Array(12 + ciphertext.byteLength);
    out.set(iv, 0);
    out.set(new Uint8Array(ciphertext), 12);
    await writeAtomic(this.directory, 'device-key.bin', out);
    return this.openDeviceKeys(key, out);
  }

  private async openDeviceKeys(key: CryptoKey, sealed: Uint8Array): Promise<CryptoKeyPair> {
    try {
      const plaintext = await globalThis.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: sealed.slice(0, 12), additionalData: deviceKeyAad },
        key,
        sealed.slice(12),
      );
      const parsed = JSON.parse(new TextDecoder().decode(plaintext)) as { pkcs8: string; spki: string };
      const pkcs8 = base64ToBytes(parsed.pkcs8);
      const spki = base64ToBytes(parsed.spki);
      if (pkcs8 === undefined || spki === undefined) throw new Error('bad base64');
      const subtle = globalThis.crypto.subtle;
      const privateKey = await subtle.importKey(
        'pkcs8',
        pkcs8.slice().buffer as ArrayBuffer,
        rsaOaep,
        false,
        ['decrypt'],
      );
      const publicKey = await subtle.importKey('spki', spki.slice().buffer as ArrayBuffer, rsaOaep, true, [
        'encrypt',
      ]);
      return { privateKey, publicKey };
    } catch {
      throw new StorageCorruptedError('device-key.bin cannot be opened');
    }
  }
}

/** SecureStorage in a directory: one file per record, replaced atomically, readable by the owner only. */
export class NodeFileSecureStorage implements SecureStorage {
  readonly keys: NodeFileKeyStore;

  constructor(private readonly directory: string) {
    this.keys = new NodeFileKeyStore(directory);
  }

  private fileOf(name: string): string {
    if (!namePattern.test(name))
      throw new RangeError(`record name ${JSON.stringify(name)} is not a safe file name`);
    return `${name}.rec`;
  }

  read(name: string): Promise<Uint8Array | undefined> {
    return readOptional(join(this.directory, this.fileOf(name)));
  }

  async write(name: string, value: Uint8Array): Promise<void> {
    await mkdir(this.directory, { recursive: true, mode: directoryMode });
    await writeAtomic(this.directory, this.fileOf(name), value);
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.directory, this.fileOf(name)), { force: true });
  }
}

/** The Node storage: records and keys as files in `directory`. */
export function createNodeFileStorage(options: { directory: string }): NodeFileSecureStorage {
  return new NodeFileSecureStorage(options.directory);
}
