import type { Kysely } from 'kysely';
import type { NetworkDatabase } from '../../network/adapters/migrations.ts';
import type { TrackedAuthorization } from '../domain/validity.ts';
import type { ExpiryStore } from '../ports.ts';

// Open authorizations in SQL (table mastercard_network_expiry, created by the network's migrations).

const types = new Set(['FINAL', 'UNDEFINED', 'PRE_AUTHORIZATION']);

export class KyselyExpiryStore implements ExpiryStore {
  private readonly db: Kysely<NetworkDatabase>;

  constructor(db: Kysely<unknown>) {
    this.db = db as Kysely<NetworkDatabase>;
  }

  async save(auth: TrackedAuthorization): Promise<void> {
    const row = {
      network_trace_id: auth.networkTraceId,
      type: auth.type,
      authorized_at_ms: BigInt(Math.trunc(auth.authorizedAtMs)),
      expires_at_ms: BigInt(Math.trunc(auth.expiresAtMs)),
      increment_count: auth.incrementCount,
    };
    await this.db
      .insertInto('mastercard_network_expiry')
      .values(row)
      .onConflict((conflict) =>
        conflict
          .column('network_trace_id')
          .doUpdateSet({ expires_at_ms: row.expires_at_ms, increment_count: row.increment_count }),
      )
      .execute();
  }

  async remove(networkTraceId: string): Promise<void> {
    await this.db
      .deleteFrom('mastercard_network_expiry')
      .where('network_trace_id', '=', networkTraceId)
      .execute();
  }

  async listOpen(limit: number): Promise<TrackedAuthorization[]> {
    const rows = await this.db
      .selectFrom('mastercard_network_expiry')
      .selectAll()
      .orderBy('expires_at_ms')
      .orderBy('network_trace_id')
      .limit(limit)
      .execute();
    return rows.map((row) => {
      // The table is written by save() only; another type means a broken database.
      if (!types.has(row.type))
        throw new Error(`expiry row ${row.network_trace_id}: unknown type ${row.type}`);
      return {
        networkTraceId: row.network_trace_id,
        type: row.type as TrackedAuthorization['type'],
        authorizedAtMs: Number(row.authorized_at_ms),
        expiresAtMs: Number(row.expires_at_ms),
        incrementCount: Number(row.increment_count),
        status: 'OPEN' as const,
      };
    });
  }
}
