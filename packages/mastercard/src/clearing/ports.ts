import type { PresentmentRecord } from './domain/record.ts';

/** A submitted record and its place in the submission order (submittedAtMs, recordId). */
export interface StoredSubmission {
  readonly recordId: string;
  readonly submittedAtMs: number;
  readonly record: PresentmentRecord;
}

export interface SubmissionCursor {
  readonly submittedAtMs: number;
  readonly recordId: string;
}

/** Submissions waiting for the day's clearing file; durable, so a restart of the network loses none. */
export interface ClearingStore {
  add(submission: StoredSubmission): Promise<void>;
  /** Submissions not yet in a file. */
  pendingCount(): Promise<number>;
  /** Pending submissions after `after` in submission order, at most `limit`. */
  pendingPage(after: SubmissionCursor | undefined, limit: number): Promise<StoredSubmission[]>;
  /** Marks the pending submissions up to and including `upTo` as written to `fileId`. */
  markFiled(fileId: string, upTo: SubmissionCursor): Promise<void>;
}
