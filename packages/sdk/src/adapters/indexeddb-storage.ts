// SecureStorage for browsers: records and keys in one IndexedDB database. The storage key and the
// device private key are non-extractable CryptoKeys stored as such (IndexedDB keeps CryptoKeys by
// structured clone), so no script can read their bytes, not even the SDK's. Writes ask for strict
// durability, so a resolved write survives a crash of the browser.
import type { KeyStore, SecureStorage } from '../ports.ts';
import { generateDeviceKeyPair, generateStorageKey, once } from './web-keys.ts';

const databaseVersion = 1;
const RECORDS = 'records';
const KEYS = 'keys';

function promised<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function completed(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function openDatabase(factory: IDBFactory, name: string): Promise<IDBDatabase> {
  const request = factory.open(name, databaseVersion);
  request.onupgradeneeded = () => {
    const db = request.result;
    if (!db.objectStoreNames.contains(RECORDS)) db.createObjectStore(RECORDS);
    if (!db.objectStoreNames.contains(KEYS)) db.createObjectStore(KEYS);
  };
  return promised(request);
}

class Database {
  private readonly db: () => Promise<IDBDatabase>;

  constructor(factory: IDBFactory, name: string) {
    this.db = once(() => openDatabase(factory, name));
  }

  async get<T>(store: string, key: string): Promise<T | undefined> {
    const transaction = (await this.db()).transaction(store, 'readonly');
    return (await promised(transaction.objectStore(store).get(key))) as T | undefined;
  }

  async put(store: string, key: string, value: unknown): Promise<void> {
    const transaction = (await this.db()).transaction(store, 'readwrite', { durability: 'strict' });
    transaction.objectStore(store).put(value, key);
    await completed(transaction);
  }

  /** Adds the value unless the key exists; resolves what is stored afterwards (first writer wins). */
  async putIfAbsent<T>(store: string, key: string, value: T): Promise<T> {
    const transaction = (await this.db()).transaction(store, 'readwrite', { durability: 'strict' });
    const objects = transaction.objectStore(store);
    const existing = (await promised(objects.get(key))) as T | undefined;
    if (existing === undefined) objects.put(value, key);
    await completed(transaction);
    return existing ?? value;
  }

  async delete(store: string, key: string): Promise<void> {
    const transaction = (await this.db()).transaction(store, 'readwrite', { durability: 'strict' });
    transaction.objectStore(store).delete(key);
    await completed(transaction);
  }
}

class IndexedDbKeyStore implements KeyStore {
  constructor(private readonly database: Database) {}

  readonly storageKey = once(async () => {
    const existing = await this.database.get<CryptoKey>(KEYS, 'storage');
    return existing ?? this.database.putIfAbsent(KEYS, 'storage', await generateStorageKey(false));
  });

  private deviceKeys = once(() => this.loadOrCreateDeviceKeys());

  deviceKeyPair(): Promise<CryptoKeyPair> {
    return this.deviceKeys();
  }

  async deleteDeviceKeyPair(): Promise<void> {
    await this.database.delete(KEYS, 'device');
    this.deviceKeys = once(() => this.loadOrCreateDeviceKeys());
  }

  private async loadOrCreateDeviceKeys(): Promise<CryptoKeyPair> {
    const existing = await this.database.get<CryptoKeyPair>(KEYS, 'device');
    return existing ?? this.database.putIfAbsent(KEYS, 'device', await generateDeviceKeyPair(false));
  }
}

/** SecureStorage in a browser's IndexedDB, with non-extractable CryptoKeys. */
export class IndexedDbSecureStorage implements SecureStorage {
  private readonly database: Database;
  readonly keys: KeyStore;

  constructor(options: { databaseName?: string; indexedDB?: IDBFactory } = {}) {
    const factory = options.indexedDB ?? globalThis.indexedDB;
    if (factory === undefined) throw new Error('IndexedDB is not available here');
    this.database = new Database(factory, options.databaseName ?? 'tapkit-sdk');
    this.keys = new IndexedDbKeyStore(this.database);
  }

  async read(name: string): Promise<Uint8Array | undefined> {
    const value = await this.database.get<unknown>(RECORDS, name);
    if (value === undefined) return undefined;
    // Anything but bytes under a record name was not written by the SDK: hand back an empty record,
    // which the encrypted store reports as corrupted (status -3).
    return value instanceof Uint8Array ? value : new Uint8Array(0);
  }

  write(name: string, value: Uint8Array): Promise<void> {
    return this.database.put(RECORDS, name, value.slice());
  }

  remove(name: string): Promise<void> {
    return this.database.delete(RECORDS, name);
  }
}

/** The browser storage: records and keys in the IndexedDB database `databaseName` (default tapkit-sdk). */
export function createIndexedDbStorage(options: { databaseName?: string; indexedDB?: IDBFactory } = {}) {
  return new IndexedDbSecureStorage(options);
}
