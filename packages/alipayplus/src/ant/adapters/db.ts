// The Ant server's tables (Kysely, SQLite and PostgreSQL alike): customers known per MPP, the issuer's
// authorizeService decisions, tokens with their owner and status, and the per-customer event feed the
// SDK pulls. Integers are bigint columns (both engines hand them back as bigint) converted at this edge.

import {
  type Activation,
  type ApplicationStatus,
  type Confirmation,
  type CustomerStatus,
  type SuspendReason,
  SuspendReasonSchema,
  type TokenEventKind,
  TokenInfoSchema,
  type TokenState,
  TransactionResultSchema,
} from '@tapkit/protocol/wire/ant-sdk';
import type { ColumnType, Insertable, Kysely, Migration, Selectable } from 'kysely';
import type { NotifyDatabase } from '../../notify/db.ts';
import type { KnownCustomer } from '../domain/authorize.ts';
import type { AntToken } from '../domain/token.ts';
import type { AntStore, StoredAuthorization, StoredEvent } from '../ports.ts';

type Int = ColumnType<bigint, bigint | number, bigint | number>;

export interface AntCustomersTable {
  mpp_client_id: string;
  customer_id: string;
  status: string;
  created_at_ms: Int;
  updated_at_ms: Int;
}

export interface AntAuthorizationsTable {
  request_id: string;
  token_unique_reference: string;
  customer_id: string;
  decision: string;
  created_at_ms: Int;
}

export interface AntTokensTable {
  token_unique_reference: string;
  mpp_client_id: string;
  customer_id: string;
  application_status: string;
  token_state: string;
  suspended_by: string;
  state_time_ms: Int;
  activation: string;
  confirmation: string;
  created_at_ms: Int;
  updated_at_ms: Int;
  version: Int;
}

export interface AntEventsTable {
  mpp_client_id: string;
  customer_id: string;
  sequence: Int;
  token_unique_reference: string;
  kind: string;
  token_json: string;
  event_time_ms: Int;
  /** JSON of the TRANSACTION_RESULT payload; null for token events (ant_0002). */
  transaction_json: ColumnType<string | null, string | null | undefined, string | null>;
}

/** The Ant server's whole database: the Ant tables and the notify receipts (one file, one migrator). */
export type AntServerDatabase = AntDatabase & NotifyDatabase;

export interface AntDatabase {
  ant_customers: AntCustomersTable;
  ant_authorizations: AntAuthorizationsTable;
  ant_tokens: AntTokensTable;
  ant_events: AntEventsTable;
}

// Names carry the part's prefix: the Alipay+ counterpart runs one migrator over every part's migrations.
export const ANT_MIGRATIONS: Record<string, Migration> = {
  ant_0001_tables: {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('ant_customers')
        .addColumn('mpp_client_id', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('ant_customers_pk', ['mpp_client_id', 'customer_id'])
        .execute();
      await db.schema.createIndex('ant_customers_by_id').on('ant_customers').column('customer_id').execute();
      await db.schema
        .createTable('ant_authorizations')
        .addColumn('request_id', 'text', (c) => c.primaryKey())
        .addColumn('token_unique_reference', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('ant_tokens')
        .addColumn('token_unique_reference', 'text', (c) => c.primaryKey())
        .addColumn('mpp_client_id', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('application_status', 'text', (c) => c.notNull())
        .addColumn('token_state', 'text', (c) => c.notNull())
        .addColumn('suspended_by', 'text', (c) => c.notNull())
        .addColumn('state_time_ms', 'bigint', (c) => c.notNull())
        .addColumn('activation', 'text', (c) => c.notNull())
        .addColumn('confirmation', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('ant_tokens_by_owner')
        .on('ant_tokens')
        .columns(['mpp_client_id', 'customer_id'])
        .execute();
      await db.schema
        .createTable('ant_events')
        .addColumn('mpp_client_id', 'text', (c) => c.notNull())
        .addColumn('customer_id', 'text', (c) => c.notNull())
        .addColumn('sequence', 'bigint', (c) => c.notNull())
        .addColumn('token_unique_reference', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('token_json', 'text', (c) => c.notNull())
        .addColumn('event_time_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('ant_events_pk', ['mpp_client_id', 'customer_id', 'sequence'])
        .execute();
    },
  },
  // A nullable column, so the rows written before it read as token events unchanged.
  ant_0002_event_transaction: {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('ant_events').addColumn('transaction_json', 'text').execute();
    },
  },
};

/** A concurrent writer took the next event sequence; this many tries before giving up. */
const EVENT_INSERT_ATTEMPTS_MAX = 8;

const customerOf = (row: Selectable<AntCustomersTable>): KnownCustomer => ({
  mppClientId: row.mpp_client_id,
  customerId: row.customer_id,
  status: row.status as CustomerStatus,
});

function reasonsOf(text: string): SuspendReason[] {
  if (text === '') return [];
  return text.split(',').map((reason) => SuspendReasonSchema.parse(reason));
}

function tokenOf(row: Selectable<AntTokensTable>): AntToken {
  return {
    tokenUniqueReference: row.token_unique_reference,
    mppClientId: row.mpp_client_id,
    customerId: row.customer_id,
    applicationStatus: row.application_status as ApplicationStatus,
    tokenState: row.token_state as TokenState,
    suspendedBy: reasonsOf(row.suspended_by),
    stateTimeMs: Number(row.state_time_ms),
    activation: row.activation as Activation,
    confirmation: row.confirmation as Confirmation,
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
    version: Number(row.version),
  };
}

function rowOf(token: AntToken): Insertable<AntTokensTable> {
  return {
    token_unique_reference: token.tokenUniqueReference,
    mpp_client_id: token.mppClientId,
    customer_id: token.customerId,
    application_status: token.applicationStatus,
    token_state: token.tokenState,
    suspended_by: token.suspendedBy.join(','),
    state_time_ms: BigInt(token.stateTimeMs),
    activation: token.activation,
    confirmation: token.confirmation,
    created_at_ms: BigInt(token.createdAtMs),
    updated_at_ms: BigInt(token.updatedAtMs),
    version: BigInt(token.version),
  };
}

const inserted = (result: { numInsertedOrUpdatedRows?: bigint }): boolean =>
  (result.numInsertedOrUpdatedRows ?? 0n) > 0n;

export function createKyselyAntStore(db: Kysely<AntDatabase>): AntStore {
  return { ...customerMethods(db), ...authorizationMethods(db), ...tokenMethods(db), ...eventMethods(db) };
}

/** The customers each MPP told of, by (MPP, customerId). */
function customerMethods(
  db: Kysely<AntDatabase>,
): Pick<AntStore, 'touchCustomer' | 'findCustomer' | 'findCustomersById' | 'setCustomerStatus'> {
  return {
    async touchCustomer(mppClientId, customerId, nowMs) {
      await db
        .insertInto('ant_customers')
        .values({
          mpp_client_id: mppClientId,
          customer_id: customerId,
          status: 'ACTIVE',
          created_at_ms: nowMs,
          updated_at_ms: nowMs,
        })
        .onConflict((oc) => oc.columns(['mpp_client_id', 'customer_id']).doNothing())
        .execute();
      const row = await this.findCustomer(mppClientId, customerId);
      if (row === undefined) throw new Error('touchCustomer: the customer row vanished');
      return row;
    },
    async findCustomer(mppClientId, customerId) {
      const row = await db
        .selectFrom('ant_customers')
        .selectAll()
        .where('mpp_client_id', '=', mppClientId)
        .where('customer_id', '=', customerId)
        .executeTakeFirst();
      return row === undefined ? undefined : customerOf(row);
    },
    async findCustomersById(customerId, limit) {
      const rows = await db
        .selectFrom('ant_customers')
        .selectAll()
        .where('customer_id', '=', customerId)
        .orderBy('mpp_client_id')
        .limit(limit)
        .execute();
      return rows.map(customerOf);
    },
    async setCustomerStatus(mppClientId, customerId, status, nowMs) {
      await db
        .insertInto('ant_customers')
        .values({
          mpp_client_id: mppClientId,
          customer_id: customerId,
          status,
          created_at_ms: nowMs,
          updated_at_ms: nowMs,
        })
        .onConflict((oc) =>
          oc.columns(['mpp_client_id', 'customer_id']).doUpdateSet({ status, updated_at_ms: nowMs }),
        )
        .execute();
    },
  };
}

/** authorizeService's decisions by requestId (a retried request gets the same one). */
function authorizationMethods(
  db: Kysely<AntDatabase>,
): Pick<AntStore, 'findAuthorization' | 'insertAuthorization'> {
  return {
    async findAuthorization(requestId) {
      const row = await db
        .selectFrom('ant_authorizations')
        .selectAll()
        .where('request_id', '=', requestId)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        requestId: row.request_id,
        tokenUniqueReference: row.token_unique_reference,
        customerId: row.customer_id,
        decision: row.decision as StoredAuthorization['decision'],
        createdAtMs: Number(row.created_at_ms),
      };
    },
    async insertAuthorization(a) {
      const result = await db
        .insertInto('ant_authorizations')
        .values({
          request_id: a.requestId,
          token_unique_reference: a.tokenUniqueReference,
          customer_id: a.customerId,
          decision: a.decision,
          created_at_ms: a.createdAtMs,
        })
        .onConflict((oc) => oc.column('request_id').doNothing())
        .executeTakeFirst();
      return inserted(result);
    },
  };
}

/** Tokens by tokenUniqueReference, updated under an optimistic version check. */
function tokenMethods(
  db: Kysely<AntDatabase>,
): Pick<AntStore, 'insertToken' | 'findToken' | 'listTokens' | 'updateToken'> {
  return {
    async insertToken(token) {
      const result = await db
        .insertInto('ant_tokens')
        .values(rowOf(token))
        .onConflict((oc) => oc.column('token_unique_reference').doNothing())
        .executeTakeFirst();
      return inserted(result);
    },
    async findToken(tokenUniqueReference) {
      const row = await db
        .selectFrom('ant_tokens')
        .selectAll()
        .where('token_unique_reference', '=', tokenUniqueReference)
        .executeTakeFirst();
      return row === undefined ? undefined : tokenOf(row);
    },
    async listTokens(mppClientId, customerId, limit) {
      const rows = await db
        .selectFrom('ant_tokens')
        .selectAll()
        .where('mpp_client_id', '=', mppClientId)
        .where('customer_id', '=', customerId)
        .orderBy('created_at_ms', 'desc')
        .orderBy('token_unique_reference')
        .limit(limit)
        .execute();
      return rows.map(tokenOf);
    },
    async updateToken(next, expectedVersion) {
      const { token_unique_reference: _key, ...changes } = rowOf(next);
      const result = await db
        .updateTable('ant_tokens')
        .set(changes)
        .where('token_unique_reference', '=', next.tokenUniqueReference)
        .where('version', '=', BigInt(expectedVersion))
        .executeTakeFirst();
      return (result.numUpdatedRows ?? 0n) > 0n;
    },
  };
}

/** Each customer's notification feed, numbered without gaps. */
function eventMethods(db: Kysely<AntDatabase>): Pick<AntStore, 'appendEvent' | 'listEvents'> {
  return {
    async appendEvent(owner, event) {
      for (let attempt = 1; attempt <= EVENT_INSERT_ATTEMPTS_MAX; attempt++) {
        const last = await db
          .selectFrom('ant_events')
          .select((eb) => eb.fn.max('sequence').as('last'))
          .where('mpp_client_id', '=', owner.mppClientId)
          .where('customer_id', '=', owner.customerId)
          .executeTakeFirst();
        const sequence = Number(last?.last ?? 0) + 1;
        const result = await db
          .insertInto('ant_events')
          .values({
            mpp_client_id: owner.mppClientId,
            customer_id: owner.customerId,
            sequence,
            token_unique_reference: event.tokenUniqueReference,
            kind: event.kind,
            token_json: JSON.stringify(event.token),
            event_time_ms: event.eventTimeMs,
            transaction_json: event.transaction === undefined ? null : JSON.stringify(event.transaction),
          })
          .onConflict((oc) => oc.columns(['mpp_client_id', 'customer_id', 'sequence']).doNothing())
          .executeTakeFirst();
        if (inserted(result)) return sequence;
      }
      throw new Error('appendEvent: no free sequence after the attempt limit');
    },
    async listEvents(owner, afterSequence, limit) {
      const rows = await db
        .selectFrom('ant_events')
        .selectAll()
        .where('mpp_client_id', '=', owner.mppClientId)
        .where('customer_id', '=', owner.customerId)
        .where('sequence', '>', BigInt(afterSequence))
        .orderBy('sequence')
        .limit(limit)
        .execute();
      return rows.map(
        (row): StoredEvent => ({
          sequence: Number(row.sequence),
          tokenUniqueReference: row.token_unique_reference,
          kind: row.kind as TokenEventKind,
          token: TokenInfoSchema.parse(JSON.parse(row.token_json)),
          eventTimeMs: Number(row.event_time_ms),
          ...(row.transaction_json === null
            ? {}
            : { transaction: TransactionResultSchema.parse(JSON.parse(row.transaction_json)) }),
        }),
      );
    },
  };
}

export interface TokenOwner {
  readonly mppClientId: string;
  readonly customerId: string;
}

/**
 * The owner of an approved token, for the issuer processor (which MPP to call, customerId in the pay
 * request). Takes the Ant tables' database or any database that includes them.
 */
export async function lookupTokenOwner(
  database: Kysely<AntDatabase> | Kysely<AntServerDatabase>,
  tokenUniqueReference: string,
): Promise<TokenOwner | undefined> {
  const db = database as Kysely<AntDatabase>;
  const row = await db
    .selectFrom('ant_tokens')
    .select(['mpp_client_id', 'customer_id'])
    .where('token_unique_reference', '=', tokenUniqueReference)
    .where('application_status', '=', 'APPROVED')
    .executeTakeFirst();
  return row === undefined ? undefined : { mppClientId: row.mpp_client_id, customerId: row.customer_id };
}
