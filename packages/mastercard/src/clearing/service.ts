import { join } from 'node:path';
import type { Clock } from '@tapkit/protocol';
import type { AuthorizationLog } from '../network/ports.ts';
import type { TokenDirectory } from '../ports.ts';
import { type ClearingFileSummary, ClearingFileWriter } from './adapters/file-writer.ts';
import type { PresentmentKind, PresentmentRecord } from './domain/record.ts';
import { validateRecord } from './domain/record.ts';
import type { ClearingStore, SubmissionCursor } from './ports.ts';

// The network's clearing desk: acquirers submit first presentments during the business day, either as
// full records or by presenting an authorization the network routed; at the end of the day the
// network writes one clearing file and hands it to the issuer processor.

export interface ClearingSubmission {
  readonly kind: PresentmentKind;
  readonly amountMinor: bigint;
  readonly currencyNumeric: string;
  readonly acquirerReferenceNumber: string;
  /** YYMMDDhhmmss. */
  readonly localDateTime: string;
  /** Links the presentment to its authorization; absent for a clearing without authorization. */
  readonly networkTraceId?: string;
  readonly approvalCode?: string;
  /** Needed when there is no authorization to take the references from. */
  readonly tokenPan?: string;
  readonly merchantId?: string;
  readonly terminalId?: string;
}

export type ClearingSubmitErrorCode =
  | 'CLEARING_AUTHORIZATION_UNKNOWN'
  | 'CLEARING_TOKEN_UNKNOWN'
  | 'CLEARING_RECORD_INVALID'
  | 'CLEARING_DAY_FULL';

export type SubmitResult =
  | { ok: true }
  | { ok: false; error: { code: ClearingSubmitErrorCode; detail: string } };

export interface ClearingFileDelivery {
  /** The file for a business day is written; the issuer processor may ingest it. */
  clearingFileWritten(file: {
    path: string;
    businessDay: string;
    summary: ClearingFileSummary;
  }): Promise<void>;
}

export interface ClearingServiceDeps {
  readonly clock: Clock;
  readonly authorizations: AuthorizationLog;
  readonly tokens: TokenDirectory;
  readonly delivery: ClearingFileDelivery;
  /** Told at submission that an authorization is presented, so its expiry timer stops. */
  readonly onPresented: (networkTraceId: string) => void;
  readonly directory: string;
  /** Where submissions wait for the end of the day (KyselyClearingStore, or in memory in tests). */
  readonly store: ClearingStore;
  readonly newRecordId: () => string;
  /** Records waiting for the end of the day; beyond it submissions are refused. */
  readonly pendingRecordsMax: number;
}

/** Records read from the store per query while the file is written. */
const pageSize = 1_000;

export class ClearingService {
  constructor(private readonly deps: ClearingServiceDeps) {}

  async submitForClearing(submission: ClearingSubmission): Promise<SubmitResult> {
    if ((await this.deps.store.pendingCount()) >= this.deps.pendingRecordsMax) {
      return { ok: false, error: { code: 'CLEARING_DAY_FULL', detail: 'pendingRecordsMax reached' } };
    }
    const references = await this.referencesOf(submission);
    if (!references.ok) return references;
    const record: PresentmentRecord = {
      kind: submission.kind,
      amountMinor: submission.amountMinor,
      currencyNumeric: submission.currencyNumeric,
      acquirerReferenceNumber: submission.acquirerReferenceNumber,
      approvalCode: submission.approvalCode ?? references.value.approvalCode,
      networkTraceId: submission.networkTraceId,
      localDateTime: submission.localDateTime,
      tokenUniqueReference: references.value.tokenUniqueReference,
      fundingReference: references.value.fundingReference,
      merchantId: submission.merchantId,
      terminalId: submission.terminalId,
    };
    const invalid = validateRecord(record);
    if (invalid !== undefined) return { ok: false, error: { code: invalid.code, detail: invalid.detail } };
    await this.deps.store.add({
      recordId: this.deps.newRecordId(),
      submittedAtMs: this.deps.clock.nowMs(),
      record,
    });
    if (record.networkTraceId !== undefined) this.deps.onPresented(record.networkTraceId);
    return { ok: true };
  }

  /** The acquirer presents an authorization the network routed, for its authorized amount or another. */
  async presentAuthorization(input: {
    networkTraceId: string;
    acquirerReferenceNumber: string;
    localDateTime: string;
    amountMinor?: bigint;
  }): Promise<SubmitResult> {
    const entry = await this.deps.authorizations.findByTraceId(input.networkTraceId);
    if (entry === undefined) {
      return {
        ok: false,
        error: { code: 'CLEARING_AUTHORIZATION_UNKNOWN', detail: 'no such network trace id' },
      };
    }
    return this.submitForClearing({
      kind: entry.processingCode.startsWith('20') ? 'REFUND' : 'PURCHASE',
      amountMinor: input.amountMinor ?? entry.amountMinor,
      currencyNumeric: entry.currencyNumeric,
      acquirerReferenceNumber: input.acquirerReferenceNumber,
      localDateTime: input.localDateTime,
      networkTraceId: entry.networkTraceId,
      ...(entry.approvalCode === undefined ? {} : { approvalCode: entry.approvalCode }),
      ...(entry.merchantId === undefined ? {} : { merchantId: entry.merchantId }),
      ...(entry.terminalId === undefined ? {} : { terminalId: entry.terminalId }),
    });
  }

  pendingCount(): Promise<number> {
    return this.deps.store.pendingCount();
  }

  /**
   * Writes the day's file (`clearing-<YYYYMMDD>.ipm`) from the waiting submissions, marks them filed
   * and delivers the file. Records submitted while the file is being written wait for the next day.
   */
  async closeBusinessDay(businessDay: string): Promise<{ path: string; summary: ClearingFileSummary }> {
    if (!/^\d{8}$/.test(businessDay)) throw new RangeError('businessDay must be YYYYMMDD');
    const fileId = `MC-${businessDay}`;
    const path = join(this.deps.directory, `clearing-${businessDay}.ipm`);
    const writer = await ClearingFileWriter.toFile(path, {
      fileId,
      createdDateTime: businessDay.slice(2) + timeOfDay(this.deps.clock.nowMs()),
    });
    const pageCountMax = Math.ceil(this.deps.pendingRecordsMax / pageSize) + 1;
    let cursor: SubmissionCursor | undefined;
    for (let page = 0; page < pageCountMax; page++) {
      const submissions = await this.deps.store.pendingPage(cursor, pageSize);
      for (const submission of submissions) await writer.write(submission.record);
      const last = submissions.at(-1);
      if (last === undefined) break;
      cursor = { submittedAtMs: last.submittedAtMs, recordId: last.recordId };
    }
    const summary = await writer.finish();
    if (cursor !== undefined) await this.deps.store.markFiled(fileId, cursor);
    await this.deps.delivery.clearingFileWritten({ path, businessDay, summary });
    return { path, summary };
  }

  private async referencesOf(submission: ClearingSubmission) {
    type References = {
      tokenUniqueReference: string;
      fundingReference: string;
      approvalCode: string | undefined;
    };
    const fail = (code: ClearingSubmitErrorCode, detail: string) => ({
      ok: false as const,
      error: { code, detail },
    });
    if (submission.networkTraceId !== undefined) {
      const entry = await this.deps.authorizations.findByTraceId(submission.networkTraceId);
      if (entry === undefined) return fail('CLEARING_AUTHORIZATION_UNKNOWN', 'no such network trace id');
      const value: References = { ...entry, approvalCode: entry.approvalCode };
      return { ok: true as const, value };
    }
    const token =
      submission.tokenPan === undefined
        ? undefined
        : await this.deps.tokens.lookupByTokenPan(submission.tokenPan);
    if (token === undefined)
      return fail('CLEARING_TOKEN_UNKNOWN', 'neither an authorization nor a known token');
    const value: References = { ...token, approvalCode: undefined };
    return { ok: true as const, value };
  }
}

function timeOfDay(nowMs: number): string {
  const date = new Date(nowMs);
  return [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join('');
}
