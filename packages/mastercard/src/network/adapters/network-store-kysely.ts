import {
  bytesToHex,
  decodeIso8583,
  encodeIso8583,
  hexToBytes,
  type Iso8583Message,
  iso8583v1987,
} from '@tapkit/emv';
import type { Kysely } from 'kysely';
import type { AdviceStore, AuthorizationEntry, AuthorizationLog, StoredAdvice } from '../ports.ts';
import type { NetworkDatabase } from './migrations.ts';

// The network's authorization log and advice queue in SQL (tables in ./migrations.ts).

type EntryJson = Omit<AuthorizationEntry, 'amountMinor'> & { amountMinor: string };

function toJson(entry: AuthorizationEntry): string {
  const json: EntryJson = { ...entry, amountMinor: entry.amountMinor.toString() };
  return JSON.stringify(json);
}

function fromJson(text: string): AuthorizationEntry {
  const json = JSON.parse(text) as EntryJson;
  // JSON drops undefined members; the entry type wants them present.
  return {
    ...json,
    amountMinor: BigInt(json.amountMinor),
    approvalCode: json.approvalCode ?? undefined,
    originalNetworkTraceId: json.originalNetworkTraceId ?? undefined,
    merchantId: json.merchantId ?? undefined,
    terminalId: json.terminalId ?? undefined,
  };
}

export class KyselyAuthorizationLog implements AuthorizationLog {
  private readonly db: Kysely<NetworkDatabase>;

  constructor(db: Kysely<unknown>) {
    this.db = db as Kysely<NetworkDatabase>;
  }

  async save(entry: AuthorizationEntry): Promise<void> {
    await this.db
      .insertInto('mastercard_network_authorization')
      .values({
        network_trace_id: entry.networkTraceId,
        acquirer_key: entry.acquirerKey,
        entry_json: toJson(entry),
      })
      .onConflict((conflict) =>
        conflict.column('network_trace_id').doUpdateSet({ entry_json: toJson(entry) }),
      )
      .execute();
  }

  async findByTraceId(networkTraceId: string): Promise<AuthorizationEntry | undefined> {
    const row = await this.db
      .selectFrom('mastercard_network_authorization')
      .select('entry_json')
      .where('network_trace_id', '=', networkTraceId)
      .executeTakeFirst();
    return row === undefined ? undefined : fromJson(row.entry_json);
  }

  async findByAcquirerKey(acquirerKey: string): Promise<AuthorizationEntry | undefined> {
    // An acquirer may reuse a STAN on another day; DE7 is part of the key, the latest entry wins.
    const rows = await this.db
      .selectFrom('mastercard_network_authorization')
      .select('entry_json')
      .where('acquirer_key', '=', acquirerKey)
      .limit(16)
      .execute();
    const entries = rows.map((row) => fromJson(row.entry_json));
    return entries.sort((a, b) => b.authorizedAtMs - a.authorizedAtMs)[0];
  }
}

function encodeMessage(message: Iso8583Message): string {
  return bytesToHex(encodeIso8583(iso8583v1987, message));
}

function decodeMessage(hex: string): Iso8583Message {
  const decoded = decodeIso8583(iso8583v1987, hexToBytes(hex));
  // The network wrote these bytes itself; an undecodable row means a broken database.
  if (!decoded.ok) throw new Error(`stored advice does not decode: ${decoded.error.code}`);
  return decoded.value;
}

export class KyselyAdviceStore implements AdviceStore {
  private readonly db: Kysely<NetworkDatabase>;

  constructor(db: Kysely<unknown>) {
    this.db = db as Kysely<NetworkDatabase>;
  }

  async add(advice: { adviceId: string; message: Iso8583Message; createdAtMs: number }): Promise<void> {
    await this.db
      .insertInto('mastercard_network_advice')
      .values({
        advice_id: advice.adviceId,
        message_hex: encodeMessage(advice.message),
        created_at_ms: BigInt(Math.trunc(advice.createdAtMs)),
        attempt_count: 0,
        acknowledged_at_ms: null,
      })
      .execute();
  }

  async recordAttempt(adviceId: string): Promise<void> {
    await this.db
      .updateTable('mastercard_network_advice')
      .set((eb) => ({ attempt_count: eb('attempt_count', '+', 1) }))
      .where('advice_id', '=', adviceId)
      .execute();
  }

  async acknowledge(adviceId: string, acknowledgedAtMs: number): Promise<void> {
    await this.db
      .updateTable('mastercard_network_advice')
      .set({ acknowledged_at_ms: BigInt(Math.trunc(acknowledgedAtMs)) })
      .where('advice_id', '=', adviceId)
      .execute();
  }

  async pending(limit: number): Promise<StoredAdvice[]> {
    const rows = await this.db
      .selectFrom('mastercard_network_advice')
      .select(['advice_id', 'message_hex', 'attempt_count'])
      .where('acknowledged_at_ms', 'is', null)
      .orderBy('created_at_ms')
      .orderBy('advice_id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      adviceId: row.advice_id,
      message: decodeMessage(row.message_hex),
      attemptCount: Number(row.attempt_count),
    }));
  }
}
