// notifyPayment receipts (Kysely, SQLite and PostgreSQL): one row per (MPP, paymentRequestId) with the
// checked fields, the answer given, the verdict and the state of a cancel it triggered.
import type { ColumnType, Insertable, Kysely, Migration, Selectable } from 'kysely';
import type { CancelState, NotifyReceipt, NotifyStore } from './ports.ts';

type Int = ColumnType<bigint, bigint | number, bigint | number>;

export interface NotifyReceiptsTable {
  mpp_client_id: string;
  payment_request_id: string;
  checked_fields: string;
  answer_json: string;
  verdict: string;
  cancel_state: string;
  cancel_attempts: Int;
  cancel_detail: string | null;
  created_at_ms: Int;
  updated_at_ms: Int;
}

export interface NotifyDatabase {
  notify_receipts: NotifyReceiptsTable;
}

export const NOTIFY_MIGRATIONS: Record<string, Migration> = {
  notify_0001_receipts: {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('notify_receipts')
        .addColumn('mpp_client_id', 'text', (c) => c.notNull())
        .addColumn('payment_request_id', 'text', (c) => c.notNull())
        .addColumn('checked_fields', 'text', (c) => c.notNull())
        .addColumn('answer_json', 'text', (c) => c.notNull())
        .addColumn('verdict', 'text', (c) => c.notNull())
        .addColumn('cancel_state', 'text', (c) => c.notNull())
        .addColumn('cancel_attempts', 'bigint', (c) => c.notNull())
        .addColumn('cancel_detail', 'text')
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('notify_receipts_pk', ['mpp_client_id', 'payment_request_id'])
        .execute();
      await db.schema
        .createIndex('notify_receipts_by_cancel_state')
        .on('notify_receipts')
        .column('cancel_state')
        .execute();
    },
  },
};

function receiptOf(row: Selectable<NotifyReceiptsTable>): NotifyReceipt {
  return {
    mppClientId: row.mpp_client_id,
    paymentRequestId: row.payment_request_id,
    checkedFields: row.checked_fields,
    answerJson: row.answer_json,
    verdict: row.verdict,
    cancelState: row.cancel_state as CancelState,
    cancelAttempts: Number(row.cancel_attempts),
    cancelDetail: row.cancel_detail,
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
  };
}

function rowOf(r: NotifyReceipt): Insertable<NotifyReceiptsTable> {
  return {
    mpp_client_id: r.mppClientId,
    payment_request_id: r.paymentRequestId,
    checked_fields: r.checkedFields,
    answer_json: r.answerJson,
    verdict: r.verdict,
    cancel_state: r.cancelState,
    cancel_attempts: BigInt(r.cancelAttempts),
    cancel_detail: r.cancelDetail,
    created_at_ms: BigInt(r.createdAtMs),
    updated_at_ms: BigInt(r.updatedAtMs),
  };
}

export function createKyselyNotifyStore(db: Kysely<NotifyDatabase>): NotifyStore {
  return {
    async find(mppClientId, paymentRequestId) {
      const row = await db
        .selectFrom('notify_receipts')
        .selectAll()
        .where('mpp_client_id', '=', mppClientId)
        .where('payment_request_id', '=', paymentRequestId)
        .executeTakeFirst();
      return row === undefined ? undefined : receiptOf(row);
    },
    async insert(receipt) {
      const result = await db
        .insertInto('notify_receipts')
        .values(rowOf(receipt))
        .onConflict((oc) => oc.columns(['mpp_client_id', 'payment_request_id']).doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },
    async replace(receipt, expectedCheckedFields) {
      const { mpp_client_id: _m, payment_request_id: _p, created_at_ms: _c, ...changes } = rowOf(receipt);
      const result = await db
        .updateTable('notify_receipts')
        .set(changes)
        .where('mpp_client_id', '=', receipt.mppClientId)
        .where('payment_request_id', '=', receipt.paymentRequestId)
        .where('checked_fields', '=', expectedCheckedFields)
        .executeTakeFirst();
      return (result.numUpdatedRows ?? 0n) > 0n;
    },
    async updateCancel(key, change) {
      await db
        .updateTable('notify_receipts')
        .set({
          cancel_state: change.cancelState,
          cancel_attempts: BigInt(change.cancelAttempts),
          cancel_detail: change.cancelDetail,
          updated_at_ms: BigInt(change.updatedAtMs),
        })
        .where('mpp_client_id', '=', key.mppClientId)
        .where('payment_request_id', '=', key.paymentRequestId)
        .execute();
    },
    async listPendingCancels(limit) {
      const rows = await db
        .selectFrom('notify_receipts')
        .selectAll()
        .where('cancel_state', '=', 'PENDING')
        .orderBy('updated_at_ms')
        .limit(limit)
        .execute();
      return rows.map(receiptOf);
    },
  };
}
