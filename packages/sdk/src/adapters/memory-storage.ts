// SecureStorage in memory: for tests and for hosts that bring their own persistence. Isomorphic.
// `snapshot`/`restore` let tests simulate a restart (a new SDK over the same bytes) and tamper with them.
import type { KeyStore, SecureStorage } from '../ports.ts';
import { generateDeviceKeyPair, generateStorageKey, once } from './web-keys.ts';

/** A KeyStore in memory, for tests and hosts that bring their own persistence. */
export class MemoryKeyStore implements KeyStore {
  private deviceKeys: (() => Promise<CryptoKeyPair>) | undefined;
  readonly storageKey = once(() => generateStorageKey());

  deviceKeyPair(): Promise<CryptoKeyPair> {
    this.deviceKeys ??= once(() => generateDeviceKeyPair());
    return this.deviceKeys();
  }

  async deleteDeviceKeyPair(): Promise<void> {
    this.deviceKeys = undefined;
  }
}

/** SecureStorage in memory; its records and keys last as long as the object. */
export class MemorySecureStorage implements SecureStorage {
  /** The stored records by name (ciphertext), open to tests. */
  readonly records = new Map<string, Uint8Array>();
  /** Set to make the next writes fail (tests of crash windows). */
  failWrites = false;

  constructor(readonly keys: KeyStore = new MemoryKeyStore()) {}

  async read(name: string): Promise<Uint8Array | undefined> {
    const value = this.records.get(name);
    return value === undefined ? undefined : value.slice();
  }

  async write(name: string, value: Uint8Array): Promise<void> {
    if (this.failWrites) throw new Error('write failed (simulated)');
    this.records.set(name, value.slice());
  }

  async remove(name: string): Promise<void> {
    if (this.failWrites) throw new Error('write failed (simulated)');
    this.records.delete(name);
  }

  /** A second storage over a copy of the same records and keys: "the app restarted". */
  reopen(): MemorySecureStorage {
    const copy = new MemorySecureStorage(this.keys);
    for (const [name, value] of this.records) copy.records.set(name, value.slice());
    return copy;
  }
}
