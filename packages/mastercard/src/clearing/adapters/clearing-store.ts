import type { Kysely } from 'kysely';
import type { NetworkDatabase } from '../../network/adapters/migrations.ts';
import type { PresentmentRecord } from '../domain/record.ts';
import type { ClearingStore, StoredSubmission, SubmissionCursor } from '../ports.ts';

// Submissions waiting for the clearing file: in memory (tests) or in SQL (table
// mastercard_network_clearing_submission, created by the network's migrations).

function isAfter(submission: SubmissionCursor, cursor: SubmissionCursor | undefined): boolean {
  if (cursor === undefined) return true;
  if (submission.submittedAtMs !== cursor.submittedAtMs)
    return submission.submittedAtMs > cursor.submittedAtMs;
  return submission.recordId > cursor.recordId;
}

function compare(a: SubmissionCursor, b: SubmissionCursor): number {
  if (a.submittedAtMs !== b.submittedAtMs) return a.submittedAtMs - b.submittedAtMs;
  return a.recordId < b.recordId ? -1 : a.recordId > b.recordId ? 1 : 0;
}

export class InMemoryClearingStore implements ClearingStore {
  private pending: StoredSubmission[] = [];

  async add(submission: StoredSubmission): Promise<void> {
    this.pending.push(submission);
    this.pending.sort(compare);
  }

  async pendingCount(): Promise<number> {
    return this.pending.length;
  }

  async pendingPage(after: SubmissionCursor | undefined, limit: number): Promise<StoredSubmission[]> {
    return this.pending.filter((submission) => isAfter(submission, after)).slice(0, limit);
  }

  async markFiled(_fileId: string, upTo: SubmissionCursor): Promise<void> {
    this.pending = this.pending.filter((submission) => isAfter(submission, upTo));
  }
}

type RecordJson = Omit<PresentmentRecord, 'amountMinor'> & { amountMinor: string };

export class KyselyClearingStore implements ClearingStore {
  private readonly db: Kysely<NetworkDatabase>;

  constructor(db: Kysely<unknown>) {
    this.db = db as Kysely<NetworkDatabase>;
  }

  async add(submission: StoredSubmission): Promise<void> {
    const json: RecordJson = { ...submission.record, amountMinor: submission.record.amountMinor.toString() };
    await this.db
      .insertInto('mastercard_network_clearing_submission')
      .values({
        record_id: submission.recordId,
        submitted_at_ms: BigInt(Math.trunc(submission.submittedAtMs)),
        record_json: JSON.stringify(json),
        file_id: null,
      })
      .execute();
  }

  async pendingCount(): Promise<number> {
    const row = await this.db
      .selectFrom('mastercard_network_clearing_submission')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('file_id', 'is', null)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  async pendingPage(after: SubmissionCursor | undefined, limit: number): Promise<StoredSubmission[]> {
    let query = this.db
      .selectFrom('mastercard_network_clearing_submission')
      .select(['record_id', 'submitted_at_ms', 'record_json'])
      .where('file_id', 'is', null);
    if (after !== undefined) {
      const atMs = BigInt(after.submittedAtMs);
      query = query.where((eb) =>
        eb.or([
          eb('submitted_at_ms', '>', atMs),
          eb.and([eb('submitted_at_ms', '=', atMs), eb('record_id', '>', after.recordId)]),
        ]),
      );
    }
    const rows = await query.orderBy('submitted_at_ms').orderBy('record_id').limit(limit).execute();
    return rows.map((row) => {
      const json = JSON.parse(row.record_json) as RecordJson;
      return {
        recordId: row.record_id,
        submittedAtMs: Number(row.submitted_at_ms),
        record: {
          ...json,
          amountMinor: BigInt(json.amountMinor),
          approvalCode: json.approvalCode ?? undefined,
          networkTraceId: json.networkTraceId ?? undefined,
          merchantId: json.merchantId ?? undefined,
          terminalId: json.terminalId ?? undefined,
        },
      };
    });
  }

  async markFiled(fileId: string, upTo: SubmissionCursor): Promise<void> {
    const atMs = BigInt(upTo.submittedAtMs);
    await this.db
      .updateTable('mastercard_network_clearing_submission')
      .set({ file_id: fileId })
      .where('file_id', 'is', null)
      .where((eb) =>
        eb.or([
          eb('submitted_at_ms', '<', atMs),
          eb.and([eb('submitted_at_ms', '=', atMs), eb('record_id', '<=', upTo.recordId)]),
        ]),
      )
      .execute();
  }
}
