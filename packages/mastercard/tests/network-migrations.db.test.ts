// The network's migrations through @tapkit/storage's runner: idempotent, and a database from before the
// runner (bookkeeping in mastercard_network_migration) is adopted without losing a row.
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateNetworkSchema } from '../src/network/adapters/migrations.ts';
import { type NetworkTestDb, networkTestEngines } from './support/network-engines.ts';

describe.each(networkTestEngines())('network migrations on $name', (engine) => {
  let handle: NetworkTestDb | undefined;
  afterEach(async () => {
    await handle?.close();
    handle = undefined;
  });

  it('runs twice without change and adopts a database of the older bookkeeping', async () => {
    handle = await engine.open();
    const { db } = handle;
    await migrateNetworkSchema(db);
    await sql`insert into mastercard_network_atc (token_unique_reference, atc, seen_at_ms) values ('DTK1', 7, 1)`.execute(
      db,
    );
    // As the earlier runner left it: its own bookkeeping table, none of the storage runner's.
    await sql`drop table mastercard_network_schema_migration`.execute(db);
    await sql`drop table mastercard_network_schema_migration_lock`.execute(db);
    await sql`create table mastercard_network_migration (name text primary key)`.execute(db);
    await migrateNetworkSchema(db);
    await migrateNetworkSchema(db);
    const rows = await sql<{ atc: number | bigint }>`select atc from mastercard_network_atc`.execute(db);
    expect(rows.rows.map((row) => Number(row.atc))).toEqual([7]);
    const applied = await sql<{
      name: string;
    }>`select name from mastercard_network_schema_migration order by name`.execute(db);
    expect(applied.rows.map((row) => row.name)).toEqual([
      '0001_network_atc',
      '0002_network_authorization_advice',
      '0003_network_expiry',
      '0004_network_clearing_submission',
    ]);
  });
});
