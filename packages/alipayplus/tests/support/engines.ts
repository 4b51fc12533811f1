// Opening a test database with a retry for one known PostgreSQL race: Kysely's migrator introspects the
// tables of EVERY schema, and when another test file drops its own schema at that moment PostgreSQL fails
// the query with 3F000 "schema ... does not exist" (naming the other file's schema). The fix belongs in
// @tapkit/storage (introspect current_schema() only, as packages/mpp-server/src/adapters/db/open.ts does);
// until then a fresh attempt is harmless because each attempt uses a new, empty schema.
import type { DbHandle } from '@tapkit/storage';
import type { TestEngine } from '@tapkit/storage/testing';

const OPEN_ATTEMPTS_MAX = 4;

export async function openFresh<Schema>(engine: TestEngine<Schema>): Promise<DbHandle<Schema>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await engine.open();
    } catch (error) {
      const raced =
        error instanceof Error && /schema "tapkit_test_[0-9a-f]+" does not exist/.test(error.message);
      if (!raced || attempt >= OPEN_ATTEMPTS_MAX) throw error;
    }
  }
}
