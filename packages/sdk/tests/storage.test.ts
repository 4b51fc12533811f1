// Secure storage: records are AES-GCM encrypted at rest under the device storage key, bound to their
// name; a record that does not open means broken storage (status -3); the Node file store persists
// records and keys across restarts with owner-only file modes.
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPublicKeySpkiBase64 } from '@tapkit/protocol/wire/token-service';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemorySecureStorage } from '../src/adapters/memory-storage.ts';
import { createNodeFileStorage } from '../src/node.ts';
import { platformRandom } from '../src/sdk.ts';
import { EncryptedStore, StorageCorruptedError } from '../src/storage/encrypted-store.ts';
import { recordNames } from '../src/storage/records.ts';
import { seededSdk, seedStorage, sessionKeyOf, USER } from './support/card-fixture.ts';

const Schema = z.object({ secret: z.string() });
const directories: string[] = [];

async function tempDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'tapkit-sdk-'));
  directories.push(directory);
  return directory;
}

afterEach(async () => {
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

describe('encrypted records', () => {
  it('round-trips a record and stores no plaintext', async () => {
    const storage = new MemorySecureStorage();
    const store = new EncryptedStore(storage, platformRandom);
    await store.writeJson('alpha', { secret: 'SESSIONKEY0123456789' });
    expect(await store.readJson('alpha', Schema)).toEqual({ secret: 'SESSIONKEY0123456789' });
    const raw = new TextDecoder('latin1').decode(storage.records.get('alpha'));
    expect(raw).not.toContain('SESSIONKEY');
    expect(await store.readJson('absent', Schema)).toBeUndefined();
  });

  it('refuses a record moved under another name, a flipped bit, or a record of another key', async () => {
    const storage = new MemorySecureStorage();
    const store = new EncryptedStore(storage, platformRandom);
    await store.writeJson('alpha', { secret: 's' });
    const sealed = storage.records.get('alpha') ?? new Uint8Array();
    storage.records.set('beta', sealed);
    await expect(store.readJson('beta', Schema)).rejects.toBeInstanceOf(StorageCorruptedError);
    const flipped = sealed.slice();
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    storage.records.set('alpha', flipped);
    await expect(store.readJson('alpha', Schema)).rejects.toBeInstanceOf(StorageCorruptedError);
    const foreign = new MemorySecureStorage();
    foreign.records.set('alpha', sealed);
    await expect(
      new EncryptedStore(foreign, platformRandom).readJson('alpha', Schema),
    ).rejects.toBeInstanceOf(StorageCorruptedError);
  });

  it('reports corrupted storage as status -3 and refuses every action with an SdkError', async () => {
    const storage = new MemorySecureStorage();
    await seedStorage(storage);
    const name = recordNames.wallet(USER);
    const sealed = storage.records.get(name) ?? new Uint8Array();
    sealed[sealed.length - 1] = (sealed[sealed.length - 1] ?? 0) ^ 0xff;
    const { sdk } = await seededSdk({ storage });
    expect(await sdk.isPaymentAvailable()).toBe(-3);
    await expect(sdk.replenish()).rejects.toMatchObject({ code: 10004 });
    expect(() => sdk.credentialsRemaining()).toThrow();
  });
});

describe('Node file storage', () => {
  it('persists records and keys across restarts with owner-only files', async () => {
    const directory = await tempDirectory();
    const first = createNodeFileStorage({ directory });
    await seedStorage(first as unknown as MemorySecureStorage);
    const spki = await exportPublicKeySpkiBase64((await first.keys.deviceKeyPair()).publicKey);
    const files = (await readdir(directory)).sort();
    expect(files).toEqual(
      [
        'device-key.bin',
        'storage.key',
        `${recordNames.state(USER)}.rec`,
        `${recordNames.wallet(USER)}.rec`,
      ].sort(),
    );
    for (const file of files) expect((await stat(join(directory, file))).mode & 0o777).toBe(0o600);
    const walletBytes = await readFile(join(directory, `${recordNames.wallet(USER)}.rec`));
    expect(walletBytes.toString('latin1')).not.toContain(sessionKeyOf(1));

    const second = createNodeFileStorage({ directory });
    expect(await exportPublicKeySpkiBase64((await second.keys.deviceKeyPair()).publicKey)).toBe(spki);
    const { sdk } = await seededSdk({ storage: second as unknown as MemorySecureStorage });
    expect(await sdk.isPaymentAvailable()).toBe(2);
    expect(sdk.credentialsRemaining()).toBe(5);
  });

  it('reports -3 when the storage key was replaced', async () => {
    const directory = await tempDirectory();
    await seedStorage(createNodeFileStorage({ directory }) as unknown as MemorySecureStorage);
    await writeFile(join(directory, 'storage.key'), new Uint8Array(32).fill(7));
    const { sdk } = await seededSdk({
      storage: createNodeFileStorage({ directory }) as unknown as MemorySecureStorage,
    });
    expect(await sdk.isPaymentAvailable()).toBe(-3);
  });
});
