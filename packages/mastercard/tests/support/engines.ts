// The storage engines a `*.db.test.ts` file runs against, from @tapkit/storage/testing with this
// package's schema, migrations and bookkeeping table (see there for TAPKIT_TEST_POSTGRES_URL /
// TAPKIT_TEST_ENGINES).
import {
  type TestEngine as StorageTestEngine,
  testEngines as storageTestEngines,
} from '@tapkit/storage/testing';
import { migrationProvider } from '../../src/adapters/db/migrations.ts';
import type { MastercardDatabase } from '../../src/adapters/db/schema.ts';

export type TestEngine = StorageTestEngine<MastercardDatabase>;

export function testEngines(): TestEngine[] {
  return storageTestEngines<MastercardDatabase>({
    migrations: migrationProvider,
    migrationTableName: 'ts_migration',
  });
}
