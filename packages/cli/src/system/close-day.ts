import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { IngestResult, RunningIssuer } from '@tapkit/alipayplus';
import type { ClearingFileDelivery, ClearingService } from '@tapkit/mastercard';
import type { Clock } from '@tapkit/protocol';
import type { AcquirerCaptureLog } from './acquirer.ts';
import type { SystemJournal } from './journal.ts';

// The end of the business day (merchant panel "close the day"): the acquirer presents what it captured,
// Mastercard writes the day's clearing file from the submissions and delivers it to the Alipay+ issuer
// processor, which ingests it (and calls the MPP for whatever the conversion rules say).

export interface Presentment {
  readonly networkTraceId: string;
  /** Defaults to what stays approved of the authorization; another amount plays clearing higher/lower. */
  readonly amountMinor?: bigint;
}

export interface CloseDayResult {
  readonly businessDay: string;
  readonly presented: readonly { networkTraceId: string; amountMinor: string }[];
  readonly refused: readonly { networkTraceId: string; code: string }[];
  readonly file: { fileId: string; recordCount: number; path: string };
  readonly ingest: IngestResult | { status: 'NOT_DELIVERED' };
}

/** Delivers written clearing files to the issuer processor and remembers each file's ingestion. */
export class IssuerClearingDelivery implements ClearingFileDelivery {
  private readonly results = new Map<string, IngestResult>();

  constructor(
    private readonly issuer: () => RunningIssuer,
    private readonly journal: SystemJournal,
    private readonly clock: Clock,
  ) {}

  async clearingFileWritten(file: { path: string; businessDay: string }): Promise<void> {
    // awaitCalls: the merchant panel shows the outcome, so the MPP calls the file caused run first.
    const result = await this.issuer().ingestClearingFile(file.path, { awaitCalls: true });
    this.results.set(file.path, result);
    this.journal.add({
      atMs: this.clock.nowMs(),
      party: 'ALIPAYPLUS',
      step: 'CLEARING_FILE_INGESTED',
      detail: { businessDay: file.businessDay, ...result },
    });
  }

  resultOf(path: string): IngestResult | undefined {
    return this.results.get(path);
  }
}

export interface CloseDayDeps {
  readonly clearing: ClearingService;
  readonly captures: AcquirerCaptureLog;
  readonly delivery: IssuerClearingDelivery;
  readonly clearingDir: string;
  readonly clock: Clock;
  readonly journal: SystemJournal;
}

/** One presentment outside the day's automatic batch (demo flows, clearing without authorization). */
export type PresentInput =
  | { readonly networkTraceId: string; readonly amountMinor?: bigint }
  | {
      readonly kind: 'PURCHASE' | 'REFUND';
      readonly tokenPan: string;
      readonly amountMinor: bigint;
      readonly currencyNumeric: string;
      readonly merchantId: string;
      readonly terminalId: string;
    };

export async function presentOne(
  deps: CloseDayDeps,
  input: PresentInput,
): Promise<{ ok: true } | { ok: false; code: string }> {
  const acquirerReferenceNumber = newArn(deps.clock.nowMs());
  const localDateTime = yymmddhhmmss(deps.clock.nowMs());
  const submitted =
    'networkTraceId' in input
      ? await deps.clearing.presentAuthorization({
          networkTraceId: input.networkTraceId,
          acquirerReferenceNumber,
          localDateTime,
          ...(input.amountMinor === undefined ? {} : { amountMinor: input.amountMinor }),
        })
      : await deps.clearing.submitForClearing({ ...input, acquirerReferenceNumber, localDateTime });
  if (!submitted.ok) return { ok: false, code: submitted.error.code };
  // Presented by hand: the end-of-day batch must not present the same authorization again.
  if ('networkTraceId' in input) deps.captures.markPresented(input.networkTraceId);
  deps.journal.add({
    atMs: deps.clock.nowMs(),
    party: 'ACQUIRER',
    step: 'PRESENTED_FOR_CLEARING',
    ...('networkTraceId' in input ? { networkTraceId: input.networkTraceId } : {}),
    detail: { amountMinor: String(input.amountMinor ?? ''), arn: acquirerReferenceNumber },
  });
  return { ok: true };
}

/** Business days looked at, at most, to find one not closed yet. */
const businessDaysAheadMax = 3_660;

export async function closeDay(
  deps: CloseDayDeps,
  explicit: readonly Presentment[] | undefined,
): Promise<CloseDayResult> {
  const localDateTime = yymmddhhmmss(deps.clock.nowMs());
  const presented: { networkTraceId: string; amountMinor: string }[] = [];
  const refused: { networkTraceId: string; code: string }[] = [];
  const wanted =
    explicit ??
    deps.captures
      .unpresented()
      .map((c) => ({ networkTraceId: c.networkTraceId, amountMinor: c.remainingMinor }));
  for (const item of wanted) {
    const submitted = await deps.clearing.presentAuthorization({
      networkTraceId: item.networkTraceId,
      acquirerReferenceNumber: newArn(deps.clock.nowMs()),
      localDateTime,
      ...(item.amountMinor === undefined ? {} : { amountMinor: item.amountMinor }),
    });
    if (!submitted.ok) {
      refused.push({ networkTraceId: item.networkTraceId, code: submitted.error.code });
      continue;
    }
    deps.captures.markPresented(item.networkTraceId);
    const amountMinor = item.amountMinor ?? deps.captures.find(item.networkTraceId)?.remainingMinor;
    presented.push({ networkTraceId: item.networkTraceId, amountMinor: String(amountMinor ?? '') });
    deps.journal.add({
      atMs: deps.clock.nowMs(),
      party: 'ACQUIRER',
      step: 'PRESENTED_FOR_CLEARING',
      networkTraceId: item.networkTraceId,
      detail: { amountMinor: String(amountMinor ?? '') },
    });
  }
  const businessDay = nextOpenBusinessDay(deps.clearingDir, deps.clock.nowMs());
  const written = await deps.clearing.closeBusinessDay(businessDay);
  return {
    businessDay,
    presented,
    refused,
    file: { fileId: written.summary.fileId, recordCount: written.summary.recordCount, path: written.path },
    ingest: deps.delivery.resultOf(written.path) ?? { status: 'NOT_DELIVERED' },
  };
}

/**
 * (tapkit) The day of the clock, or the first later day without a clearing file: closing twice on one
 * calendar day closes the next business day, because the issuer ingests each file id only once.
 */
export function nextOpenBusinessDay(clearingDir: string, nowMs: number): string {
  const dayMs = 86_400_000;
  for (let ahead = 0; ahead < businessDaysAheadMax; ahead++) {
    const day = new Date(nowMs + ahead * dayMs).toISOString().slice(0, 10).replaceAll('-', '');
    if (!existsSync(join(clearingDir, `clearing-${day}.ipm`))) return day;
  }
  throw new Error(`no open business day within ${businessDaysAheadMax} days`);
}

/** 23 digits: a leading 7, the time in ms (15 digits) and 7 random digits, so ARNs never repeat. */
function newArn(nowMs: number): string {
  return `7${String(nowMs).padStart(15, '0').slice(-15)}${String(randomInt(10_000_000)).padStart(7, '0')}`;
}

function yymmddhhmmss(nowMs: number): string {
  const iso = new Date(nowMs).toISOString();
  return `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}
