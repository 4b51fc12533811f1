// The token service's storage (TokenStore port) on Kysely: SQLite and PostgreSQL with the same queries.
// Every token update is a compare-and-set on `version`, so two requests racing for the same token
// (a REPLENISH and a suspend) can never both win with stale reads.

import { SUSPEND_REASONS, type SuspendReason } from '@tapkit/protocol/wire/token-service';
import type { Insertable, Kysely, Selectable } from 'kysely';
import { statusOf } from '../../token-service/domain/token-state.ts';
import type {
  DeviceRecord,
  InsertTokenOutcome,
  StoredToken,
  TokenStore,
  TokenUpdate,
} from '../../token-service/ports.ts';
import { isUniqueViolation } from './errors.ts';
import type { MastercardDatabase, TsNotificationOutboxTable, TsTokensTable } from './schema.ts';

type TokenRow = Selectable<TsTokensTable>;

function toNumber(value: bigint | number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`stored integer out of range: ${value}`);
  return n;
}

function parseReasons(text: string): SuspendReason[] {
  if (text === '') return [];
  return text.split(',').map((reason) => {
    if (!(SUSPEND_REASONS as readonly string[]).includes(reason))
      throw new Error(`stored reason unknown: ${reason}`);
    return reason as SuspendReason;
  });
}

function tokenFromRow(row: TokenRow): StoredToken {
  const status = statusOf(row.state, parseReasons(row.suspended_by));
  if (status === undefined)
    throw new Error(`token ${row.token_unique_reference}: state and suspended_by disagree`);
  return {
    tokenUniqueReference: row.token_unique_reference,
    tokenPan: row.token_pan,
    psn: row.psn,
    expiryYymm: row.expiry_yymm,
    customerId: row.customer_id,
    deviceId: row.device_id,
    taskId: row.task_id,
    status,
    provisionReadyAtMs: toNumber(row.provision_ready_at_ms),
    atcLastIssued: toNumber(row.atc_last_issued),
    version: toNumber(row.version),
    createdAtMs: toNumber(row.created_at_ms),
    updatedAtMs: toNumber(row.updated_at_ms),
  };
}

function rowOf(token: StoredToken): TokenRow {
  return {
    token_unique_reference: token.tokenUniqueReference,
    token_pan: token.tokenPan,
    psn: token.psn,
    expiry_yymm: token.expiryYymm,
    customer_id: token.customerId,
    device_id: token.deviceId,
    task_id: token.taskId,
    state: token.status.state,
    suspended_by: token.status.state === 'SUSPENDED' ? token.status.suspendedBy.join(',') : '',
    provision_ready_at_ms: BigInt(token.provisionReadyAtMs),
    atc_last_issued: BigInt(token.atcLastIssued),
    version: BigInt(token.version),
    created_at_ms: BigInt(token.createdAtMs),
    updated_at_ms: BigInt(token.updatedAtMs),
  };
}

export function createKyselyTokenStore(db: Kysely<MastercardDatabase>): TokenStore {
  return { ...nonceMethods(db), ...deviceMethods(db), ...tokenMethods(db), ...outboxMethods(db) };
}

/** Registration nonces: single use, until they expire. */
function nonceMethods(
  db: Kysely<MastercardDatabase>,
): Pick<TokenStore, 'insertNonce' | 'consumeNonce' | 'deleteExpiredNonces'> {
  return {
    async insertNonce({ nonce, customerId, createdAtMs, expiresAtMs }) {
      await db
        .insertInto('ts_registration_nonces')
        .values({
          nonce,
          customer_id: customerId,
          created_at_ms: createdAtMs,
          expires_at_ms: expiresAtMs,
          used_at_ms: null,
        })
        .execute();
    },
    async consumeNonce({ nonce, customerId, nowMs }) {
      const result = await db
        .updateTable('ts_registration_nonces')
        .set({ used_at_ms: nowMs })
        .where('nonce', '=', nonce)
        .where('customer_id', '=', customerId)
        .where('used_at_ms', 'is', null)
        .where('expires_at_ms', '>', BigInt(nowMs))
        .executeTakeFirst();
      return result.numUpdatedRows === 1n;
    },
    async deleteExpiredNonces(nowMs, limit) {
      const expired = db
        .selectFrom('ts_registration_nonces')
        .select('nonce')
        .where('expires_at_ms', '<=', BigInt(nowMs))
        .limit(limit);
      const result = await db
        .deleteFrom('ts_registration_nonces')
        .where('nonce', 'in', expired)
        .executeTakeFirst();
      return toNumber(result.numDeletedRows);
    },
  };
}

/** Registered devices by deviceId. */
function deviceMethods(db: Kysely<MastercardDatabase>): Pick<TokenStore, 'insertDevice' | 'findDevice'> {
  return {
    async insertDevice(device: DeviceRecord) {
      await db
        .insertInto('ts_devices')
        .values({
          device_id: device.deviceId,
          customer_id: device.customerId,
          public_key_spki: device.publicKeySpki,
          fingerprint: device.fingerprint,
          created_at_ms: device.createdAtMs,
        })
        .execute();
    },
    async findDevice(deviceId) {
      const row = await db
        .selectFrom('ts_devices')
        .selectAll()
        .where('device_id', '=', deviceId)
        .executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        deviceId: row.device_id,
        customerId: row.customer_id,
        publicKeySpki: row.public_key_spki,
        fingerprint: row.fingerprint,
        createdAtMs: toNumber(row.created_at_ms),
      };
    },
  };
}

/** Tokens by reference, task, PAN or live device; an update advances the version and may queue a notification in the same transaction. */
function tokenMethods(
  db: Kysely<MastercardDatabase>,
): Pick<
  TokenStore,
  | 'insertToken'
  | 'findToken'
  | 'findTokenByTaskId'
  | 'findTokenByPan'
  | 'findLiveTokenByDevice'
  | 'updateToken'
> {
  const tokens = () => db.selectFrom('ts_tokens').selectAll();
  const one = async (query: ReturnType<typeof tokens>) => {
    const row = await query.executeTakeFirst();
    return row === undefined ? undefined : tokenFromRow(row);
  };
  return {
    async insertToken(token): Promise<InsertTokenOutcome> {
      try {
        await db.insertInto('ts_tokens').values(rowOf(token)).execute();
        return 'INSERTED';
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // Which rule stopped it: ask rather than parse engine-specific error messages.
        const panTaken = await db
          .selectFrom('ts_tokens')
          .select('token_pan')
          .where('token_pan', '=', token.tokenPan)
          .executeTakeFirst();
        if (panTaken !== undefined) return 'PAN_TAKEN';
        const live = await tokens()
          .where('device_id', '=', token.deviceId)
          .where('state', '<>', 'DEACTIVATED')
          .executeTakeFirst();
        if (live !== undefined) return 'DEVICE_HAS_TOKEN';
        throw error;
      }
    },
    findToken: (tur) => one(tokens().where('token_unique_reference', '=', tur)),
    findTokenByTaskId: (taskId) => one(tokens().where('task_id', '=', taskId)),
    findTokenByPan: (tokenPan) => one(tokens().where('token_pan', '=', tokenPan)),
    findLiveTokenByDevice: (deviceId) =>
      one(tokens().where('device_id', '=', deviceId).where('state', '<>', 'DEACTIVATED')),
    async updateToken(next, expectedVersion, notification) {
      if (next.version !== expectedVersion + 1) throw new Error('updateToken: version must advance by one');
      const { token_unique_reference, created_at_ms, ...changes } = rowOf(next);
      return db.transaction().execute(async (tx) => {
        const result = await tx
          .updateTable('ts_tokens')
          .set(changes)
          .where('token_unique_reference', '=', token_unique_reference)
          .where('version', '=', BigInt(expectedVersion))
          .executeTakeFirst();
        if (result.numUpdatedRows !== 1n) return false;
        if (notification !== undefined)
          await tx.insertInto('ts_notification_outbox').values(outboxRow(next, notification)).execute();
        return true;
      });
    },
  };
}

function outboxRow(token: StoredToken, update: TokenUpdate): Insertable<TsNotificationOutboxTable> {
  return {
    id: `${token.tokenUniqueReference}:${token.version}`,
    token_unique_reference: token.tokenUniqueReference,
    token_version: token.version,
    update_json: JSON.stringify(update),
    attempt_count: 0,
    next_attempt_at_ms: update.eventTimeMs,
    delivered_at_ms: null,
    abandoned_at_ms: null,
    last_error: null,
    created_at_ms: update.eventTimeMs,
  };
}

/**
 * The head of each token's queue: open, with no open notification of a lower version for the token.
 * Only heads are ever sent, so a token's news arrives in order even when one of them needs retries.
 */
function queueHeads(db: Kysely<MastercardDatabase>) {
  return db
    .selectFrom('ts_notification_outbox as o')
    .where('o.delivered_at_ms', 'is', null)
    .where('o.abandoned_at_ms', 'is', null)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('ts_notification_outbox as p')
            .select('p.id')
            .whereRef('p.token_unique_reference', '=', 'o.token_unique_reference')
            .whereRef('p.token_version', '<', 'o.token_version')
            .where('p.delivered_at_ms', 'is', null)
            .where('p.abandoned_at_ms', 'is', null),
        ),
      ),
    );
}

function outboxMethods(
  db: Kysely<MastercardDatabase>,
): Pick<
  TokenStore,
  | 'dueNotifications'
  | 'markNotificationDelivered'
  | 'rescheduleNotification'
  | 'abandonNotification'
  | 'nextNotificationDueMs'
> {
  const heads = () => queueHeads(db);
  return {
    async dueNotifications(nowMs, limit) {
      const rows = await heads()
        .selectAll('o')
        .where('o.next_attempt_at_ms', '<=', BigInt(nowMs))
        .orderBy('o.created_at_ms')
        .orderBy('o.id')
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        update: JSON.parse(row.update_json) as TokenUpdate,
        tokenVersion: toNumber(row.token_version),
        attemptCount: toNumber(row.attempt_count),
        nextAttemptAtMs: toNumber(row.next_attempt_at_ms),
      }));
    },
    async markNotificationDelivered(id, nowMs) {
      await db
        .updateTable('ts_notification_outbox')
        .set({ delivered_at_ms: nowMs })
        .where('id', '=', id)
        .execute();
    },
    async rescheduleNotification({ id, attemptCount, nextAttemptAtMs, lastError }) {
      await db
        .updateTable('ts_notification_outbox')
        .set({ attempt_count: attemptCount, next_attempt_at_ms: nextAttemptAtMs, last_error: lastError })
        .where('id', '=', id)
        .execute();
    },
    async abandonNotification({ id, attemptCount, nowMs, lastError }) {
      await db
        .updateTable('ts_notification_outbox')
        .set({ attempt_count: attemptCount, abandoned_at_ms: nowMs, last_error: lastError })
        .where('id', '=', id)
        .execute();
    },
    async nextNotificationDueMs() {
      const row = await heads()
        .select((eb) => eb.fn.min('o.next_attempt_at_ms').as('due'))
        .executeTakeFirst();
      return row?.due === null || row?.due === undefined ? undefined : toNumber(row.due);
    },
  };
}
