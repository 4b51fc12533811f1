import { type Kysely, sql } from 'kysely';
import type { AtcLedger, AtcRecordOutcome } from '../../ports.ts';
import type { NetworkDatabase } from './migrations.ts';

// The network's ATC ledger in SQL (SQLite or PostgreSQL through Kysely); tables in ./migrations.ts.

export class KyselyAtcLedger implements AtcLedger {
  private readonly db: Kysely<NetworkDatabase>;

  constructor(db: Kysely<unknown>) {
    this.db = db as Kysely<NetworkDatabase>;
  }

  async record(input: {
    tokenUniqueReference: string;
    atc: number;
    seenAtMs: number;
  }): Promise<AtcRecordOutcome> {
    if (!Number.isInteger(input.atc) || input.atc < 0 || input.atc > 0xffff) {
      throw new RangeError(`ATC must be 0..65535, got ${input.atc}`);
    }
    const result = await this.db
      .insertInto('mastercard_network_atc')
      .values({
        token_unique_reference: input.tokenUniqueReference,
        atc: input.atc,
        seen_at_ms: BigInt(Math.trunc(input.seenAtMs)),
      })
      .onConflict((conflict) => conflict.columns(['token_unique_reference', 'atc']).doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) > 0n ? 'RECORDED' : 'DUPLICATE';
  }

  async list(tokenUniqueReference: string, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('mastercard_network_atc')
      .select('atc')
      .where('token_unique_reference', '=', tokenUniqueReference)
      .orderBy('atc')
      .limit(limit)
      .execute();
    return rows.map((row) => Number(row.atc));
  }
}

/** For tests: how many ATC rows exist (all tokens). */
export async function countAtcRows(db: Kysely<unknown>): Promise<number> {
  const row = await sql<{
    n: number | bigint | string;
  }>`select count(*) as n from mastercard_network_atc`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}
