// Every record the SDK keeps is encrypted at rest with the device storage key (AES-256-GCM, Web Crypto),
// whatever SecureStorage implementation holds the bytes. The record name is the GCM additional data, so
// a record copied under another name (another user's credentials, say) fails to open.
//
// Layout (tapkit): version 0x01 ‖ IV (12 bytes) ‖ ciphertext ‖ GCM tag (16 bytes).
import type { z } from 'zod';
import type { Random, SecureStorage } from '../ports.ts';

const formatVersion = 0x01;
const ivBytes = 12;
const tagBytes = 16;
/** Records are a few KiB; anything far larger is not ours. */
export const RECORD_BYTES_MAX = 1024 * 1024;
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

/** Stored data that cannot be opened or parsed: the protected storage is broken (status -3). */
export class StorageCorruptedError extends Error {
  /** Always 'StorageCorruptedError'. */
  override readonly name = 'StorageCorruptedError';
}

function additionalData(name: string): Uint8Array<ArrayBuffer> {
  return textEncoder.encode(`tapkit/sdk/record/v1/${name}`);
}

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

export class EncryptedStore {
  constructor(
    private readonly storage: SecureStorage,
    private readonly random: Random,
  ) {}

  /** The record's value validated by `schema`; undefined when absent; StorageCorruptedError when unreadable. */
  async readJson<T>(name: string, schema: z.ZodType<T>): Promise<T | undefined> {
    const sealed = await this.storage.read(name);
    if (sealed === undefined) return undefined;
    const plaintext = await this.open(name, sealed);
    let json: unknown;
    try {
      json = JSON.parse(textDecoder.decode(plaintext));
    } catch {
      throw new StorageCorruptedError(`record ${name} is not JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new StorageCorruptedError(`record ${name} does not match its schema`);
    return parsed.data;
  }

  async writeJson(name: string, value: unknown): Promise<void> {
    const plaintext = textEncoder.encode(JSON.stringify(value));
    await this.storage.write(name, await this.seal(name, plaintext));
  }

  remove(name: string): Promise<void> {
    return this.storage.remove(name);
  }

  private async seal(name: string, plaintext: Uint8Array): Promise<Uint8Array> {
    const key = await this.storage.keys.storageKey();
    const iv = this.random.bytes(ivBytes);
    const ciphertext = await globalThis.crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: arrayBuffer(iv), additionalData: additionalData(name) },
      key,
      arrayBuffer(plaintext),
    );
    const out = new Uint8Array(1 + ivBytes + ciphertext.byteLength);
    out[0] = formatVersion;
    out.set(iv, 1);
    out.set(new Uint8Array(ciphertext), 1 + ivBytes);
    return out;
  }

  private async open(name: string, sealed: Uint8Array): Promise<Uint8Array> {
    if (
      sealed.length < 1 + ivBytes + tagBytes ||
      sealed.length > RECORD_BYTES_MAX ||
      sealed[0] !== formatVersion
    ) {
      throw new StorageCorruptedError(`record ${name} has a bad layout`);
    }
    const key = await this.storage.keys.storageKey();
    try {
      const plaintext = await globalThis.crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: arrayBuffer(sealed.subarray(1, 1 + ivBytes)),
          additionalData: additionalData(name),
        },
        key,
        arrayBuffer(sealed.subarray(1 + ivBytes)),
      );
      return new Uint8Array(plaintext);
    } catch {
      throw new StorageCorruptedError(`record ${name} cannot be decrypted`);
    }
  }
}
