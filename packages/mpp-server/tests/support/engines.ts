// The storage engines a `*.db.test.ts` file runs against, from @tapkit/storage/testing with this
// package's schema and migrations (see there for TAPKIT_TEST_POSTGRES_URL / TAPKIT_TEST_ENGINES).
import {
  type TestEngine as StorageTestEngine,
  testEngines as storageTestEngines,
} from '@tapkit/storage/testing';
import { migrationProvider } from '../../src/adapters/db/migrations.ts';
import type { Database } from '../../src/adapters/db/schema.ts';

export type TestEngine = StorageTestEngine<Database>;

export function testEngines(): TestEngine[] {
  return storageTestEngines<Database>({ migrations: migrationProvider, sqliteFileName: 'mpp.db' });
}
