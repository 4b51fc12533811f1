import { sql } from 'kysely';
import { type ClearingRecord, readClearingFile } from './adapters/clearing-file.ts';
import {
  authorizationTraceOf,
  commitPlan,
  findRefundCandidates,
  insertAuthorization,
  insertRows,
  loadAuthorization,
  runTx,
  type Tx,
} from './adapters/db/book.ts';
import { newAuthorization } from './authorization.ts';
import { executeCalls } from './calls.ts';
import { type IssuerContext, quoteOrNone } from './context.ts';
import { matchRefund, planClearing, planRefund } from './domain/conversion.ts';
import type { AuthorizationState, MppCall, Plan } from './domain/types.ts';
import type { AuthorizationRecord } from './ports.ts';
import type { IssuerProcessor } from './processor.ts';

// Clearing ingestion: stream the file, stage its records in the database, and apply them only once the
// trailer checked out (a bad trailer rejects the file whole and leaves nothing applied). Idempotent by
// file id (an applied file is not read twice) and by record (CLEARING|<ARN> effect rows). Memory stays
// constant: records move through in pages of `pageSize`.

export type IngestResult =
  | {
      readonly status: 'APPLIED';
      readonly fileId: string;
      readonly recordCount: number;
      readonly appliedCount: number;
    }
  | { readonly status: 'DUPLICATE_FILE'; readonly fileId: string }
  | {
      readonly status: 'REJECTED';
      readonly fileId: string | undefined;
      readonly code: string;
      readonly detail: string;
    };

export interface IngestOptions {
  /** Records staged or applied per transaction. */
  readonly pageSize?: number;
  /** Wait for the MPP calls the records caused (tests); otherwise they run in the background. */
  readonly awaitCalls?: boolean;
}

/** Records per transaction: each commit waits for the disk (synchronous=FULL), so pages are large. */
const pageSizeDefault = 5_000;
/** Above this, the IN lists of a page would pass SQLite's bound-parameter limit. */
const pageSizeMax = 20_000;
/** Rows per multi-row INSERT statement (12 parameters each, under SQLite's 32,766 limit). */
const rowsPerInsertMax = 1_000;
/** Authorizations per batched UPDATE of the fast path (2 parameters each). */
const rowsPerUpdateMax = 1_000;

export async function ingestClearingFile(
  processor: IssuerProcessor,
  source: AsyncIterable<Uint8Array | string>,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const ctx = processor.context;
  const pageSize = Math.min(pageSizeMax, Math.max(1, options.pageSize ?? pageSizeDefault));
  let fileId: string | undefined;
  let page: { record: ClearingRecord; index: number }[] = [];
  for await (const event of readClearingFile(source)) {
    if (event.type === 'header') {
      fileId = event.fileId;
      const begun = await beginFile(ctx, fileId);
      if (!begun) return { status: 'DUPLICATE_FILE', fileId };
    } else if (event.type === 'record') {
      page.push(event);
      if (page.length >= pageSize) {
        await stage(ctx, fileId!, page);
        page = [];
      }
    } else if (event.type === 'rejected') {
      if (fileId !== undefined) await rejectFile(ctx, fileId, `${event.code}: ${event.detail}`);
      return { status: 'REJECTED', fileId, code: event.code, detail: event.detail };
    } else {
      await stage(ctx, event.fileId, page);
      const appliedCount = await applyFile(ctx, event.fileId, pageSize, options.awaitCalls === true);
      return { status: 'APPLIED', fileId: event.fileId, recordCount: event.recordCount, appliedCount };
    }
  }
  throw new Error('clearing reader ended without a verdict');
}

/** false when the file was applied before; a file left half-staged (a crash) is staged again. */
async function beginFile(ctx: IssuerContext, fileId: string): Promise<boolean> {
  const { handle, clock } = ctx;
  const existing = await handle.db
    .selectFrom('issuer_clearing_files')
    .selectAll()
    .where('file_id', '=', fileId)
    .executeTakeFirst();
  if (existing?.status === 'APPLIED') return false;
  const nowMs = BigInt(clock.nowMs());
  await runTx(handle, async (tx) => {
    await tx.deleteFrom('issuer_clearing_staged').where('file_id', '=', fileId).execute();
    await tx.deleteFrom('issuer_clearing_files').where('file_id', '=', fileId).execute();
    await tx
      .insertInto('issuer_clearing_files')
      .values({
        file_id: fileId,
        status: 'STAGING',
        record_count: 0n,
        applied_count: 0n,
        error: null,
        created_at_ms: nowMs,
        updated_at_ms: nowMs,
      })
      .execute();
  });
  return true;
}

async function rejectFile(ctx: IssuerContext, fileId: string, error: string): Promise<void> {
  const { handle, clock } = ctx;
  await runTx(handle, async (tx) => {
    await tx.deleteFrom('issuer_clearing_staged').where('file_id', '=', fileId).execute();
    await tx
      .updateTable('issuer_clearing_files')
      .set({ status: 'REJECTED', error: error.slice(0, 500), updated_at_ms: BigInt(clock.nowMs()) })
      .where('file_id', '=', fileId)
      .execute();
  });
}

const stagedColumns = [
  'file_id',
  'record_index',
  'arn',
  'kind',
  'amount_minor',
  'currency',
  'network_trace_id',
  'token_ref',
  'funding_ref',
  'merchant_id',
  'terminal_id',
  'local_date_time',
] as const;

async function stage(
  ctx: IssuerContext,
  fileId: string,
  page: readonly { record: ClearingRecord; index: number }[],
) {
  if (page.length === 0) return;
  await runTx(ctx.handle, async (tx) => {
    for (let start = 0; start < page.length; start += rowsPerInsertMax) {
      const rows = page
        .slice(start, start + rowsPerInsertMax)
        .map(({ record, index }) => [
          fileId,
          BigInt(index),
          record.acquirerReferenceNumber,
          record.kind,
          record.amountMinor,
          record.currency,
          record.networkTraceId ?? null,
          record.tokenUniqueReference,
          record.fundingReference,
          record.merchantId ?? null,
          record.terminalId ?? null,
          record.localDateTime,
        ]);
      await insertRows(tx, { table: 'issuer_clearing_staged', columns: stagedColumns, rows });
    }
  });
}

async function applyFile(
  ctx: IssuerContext,
  fileId: string,
  pageSize: number,
  awaitCalls: boolean,
): Promise<number> {
  const { handle, clock } = ctx;
  let after = -1n;
  let applied = 0;
  // Each page moves `after` forward past the records it read, so the loop ends after the last page.
  for (;;) {
    const rows = await handle.db
      .selectFrom('issuer_clearing_staged')
      .selectAll()
      .where('file_id', '=', fileId)
      .where('record_index', '>', after)
      .orderBy('record_index')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.record_index;
    const outcome = await runTx(handle, (tx) => new PageApplier(ctx, tx).apply(rows.map(stagedToRecord)));
    applied += outcome.applied;
    for (const [trace, calls] of outcome.calls) {
      const sending = executeCalls(ctx, trace, calls);
      if (awaitCalls) await sending;
      else ctx.background.add(sending);
    }
  }
  await runTx(handle, async (tx) => {
    await tx.deleteFrom('issuer_clearing_staged').where('file_id', '=', fileId).execute();
    await tx
      .updateTable('issuer_clearing_files')
      .set({
        status: 'APPLIED',
        record_count: after + 1n,
        applied_count: BigInt(applied),
        updated_at_ms: BigInt(clock.nowMs()),
      })
      .where('file_id', '=', fileId)
      .execute();
  });
  return applied;
}

function stagedToRecord(row: {
  arn: string;
  kind: string;
  amount_minor: bigint;
  currency: string;
  network_trace_id: string | null;
  token_ref: string;
  funding_ref: string;
  merchant_id: string | null;
  terminal_id: string | null;
  local_date_time: string;
}): ClearingRecord {
  return {
    kind: row.kind as ClearingRecord['kind'],
    amountMinor: row.amount_minor,
    currency: row.currency,
    acquirerReferenceNumber: row.arn,
    networkTraceId: row.network_trace_id ?? undefined,
    tokenUniqueReference: row.token_ref,
    fundingReference: row.funding_ref,
    merchantId: row.merchant_id ?? undefined,
    terminalId: row.terminal_id ?? undefined,
    localDateTime: row.local_date_time,
  };
}

interface LightAuthorization {
  readonly networkTraceId: string;
  readonly state: AuthorizationState;
  readonly currency: string;
  readonly authorizedMinor: bigint;
  readonly reversedMinor: bigint;
  readonly clearedMinor: bigint;
  readonly noClearing: boolean;
}

/**
 * Applies one page of records in one transaction. The common case (clearing equal to the open amount, no
 * MPP call) takes a fast path: the page's authorizations' amounts loaded in one query, one batched UPDATE per
 * record, the effect rows inserted together. Everything else goes through commitPlan.
 */
class PageApplier {
  private readonly cache = new Map<string, AuthorizationRecord | null>();
  /** Amounts only, for the fast path; dropped for an authorization once a full record is loaded. */
  private readonly light = new Map<string, LightAuthorization>();
  private readonly seen = new Set<string>();
  private readonly fastEffects: { key: string; trace: string }[] = [];
  /** Fast-path amounts not yet written: one UPDATE per batch instead of one per record. */
  private readonly pendingClears: { trace: string; clearedMinor: bigint }[] = [];
  readonly calls = new Map<string, MppCall[]>();
  private applied = 0;

  constructor(
    private readonly ctx: IssuerContext,
    private readonly tx: Tx,
  ) {}

  async apply(
    records: readonly ClearingRecord[],
  ): Promise<{ applied: number; calls: Map<string, MppCall[]> }> {
    const keys = records.map((r) => `CLEARING|${r.acquirerReferenceNumber}`);
    const existing = await this.tx
      .selectFrom('issuer_effects')
      .select('effect_key')
      .where('effect_key', 'in', keys)
      .execute();
    for (const row of existing) this.seen.add(row.effect_key);
    await this.preload(records);
    for (const record of records) {
      const key = `CLEARING|${record.acquirerReferenceNumber}`;
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      if (record.kind === 'REFUND') {
        await this.flushClears();
        await this.refund(record, key);
      } else await this.purchase(record, key);
      this.applied += 1;
    }
    await this.flushClears();
    const nowMs = BigInt(this.clock().nowMs());
    const columns = ['effect_key', 'network_trace_id', 'response_code', 'approval_code', 'created_at_ms'];
    for (let start = 0; start < this.fastEffects.length; start += rowsPerInsertMax) {
      const rows = this.fastEffects
        .slice(start, start + rowsPerInsertMax)
        .map((e) => [e.key, e.trace, null, null, nowMs]);
      await insertRows(this.tx, { table: 'issuer_effects', columns, rows });
    }
    return { applied: this.applied, calls: this.calls };
  }

  private clock() {
    return this.ctx.clock;
  }

  /**
   * Loads the page's authorizations without their payments: the common case (clearing equal to the open
   * amount) needs only the amounts; any other case loads the whole record (authorizationOf).
   */
  private async preload(records: readonly ClearingRecord[]): Promise<void> {
    const traces = [
      ...new Set(
        records.flatMap((r) =>
          r.kind === 'PURCHASE' && r.networkTraceId !== undefined ? [r.networkTraceId] : [],
        ),
      ),
    ];
    if (traces.length === 0) return;
    const rows = await this.tx
      .selectFrom('issuer_authorizations')
      .select([
        'network_trace_id',
        'state',
        'currency',
        'authorized_minor',
        'reversed_minor',
        'cleared_minor',
        'faults',
      ])
      .where('network_trace_id', 'in', traces)
      .execute();
    for (const row of rows) {
      this.light.set(row.network_trace_id, {
        networkTraceId: row.network_trace_id,
        state: row.state as AuthorizationState,
        currency: row.currency,
        authorizedMinor: row.authorized_minor,
        reversedMinor: row.reversed_minor,
        clearedMinor: row.cleared_minor,
        noClearing: row.faults.includes('NO_CLEARING'),
      });
    }
  }

  private async authorizationOf(messageTrace: string): Promise<AuthorizationRecord | undefined> {
    const cached = this.cache.get(messageTrace);
    if (cached !== undefined) return cached ?? undefined;
    const trace = await authorizationTraceOf(this.tx, messageTrace);
    const auth = trace === undefined ? undefined : await loadAuthorization(this.tx, trace);
    this.cache.set(messageTrace, auth ?? null);
    return auth;
  }

  private async purchase(record: ClearingRecord, key: string): Promise<void> {
    const light = record.networkTraceId === undefined ? undefined : this.light.get(record.networkTraceId);
    if (light !== undefined && this.tryFast(light, record, key)) return;
    // The slow path reads authorizations from the database: the fast path's amounts must be there first.
    await this.flushClears();
    const auth =
      record.networkTraceId === undefined ? undefined : await this.authorizationOf(record.networkTraceId);
    if (auth?.faults.includes('NO_CLEARING')) {
      // 9905: the acquirer "never sends" this clearing; the record is kept out, the expiry path runs.
      this.fastEffects.push({ key, trace: auth.networkTraceId });
      return;
    }
    const plan = planClearing(auth, {
      amountMinor: record.amountMinor,
      idBase: record.acquirerReferenceNumber,
    });
    const holder =
      auth ??
      (await this.createHolder(
        record,
        record.networkTraceId ?? `C${record.acquirerReferenceNumber}`,
        'UNLINKED',
      ));
    if (holder === undefined) return;
    await this.commit(holder, key, plan, record);
  }

  /** Clearing equal to the open amount (or kept out by fault 9905): no MPP call, a batched UPDATE. */
  private tryFast(light: LightAuthorization, record: ClearingRecord, key: string): boolean {
    if (light.noClearing) {
      this.fastEffects.push({ key, trace: light.networkTraceId });
      return true;
    }
    const remaining = light.authorizedMinor - light.reversedMinor - light.clearedMinor;
    const usable = light.state === 'OPEN' || light.state === 'CLEARED';
    if (!usable || light.currency !== record.currency || record.amountMinor !== remaining) return false;
    this.pendingClears.push({ trace: light.networkTraceId, clearedMinor: record.amountMinor });
    // Later records of the page see this one's effect through the light cache; the row itself is written
    // by flushClears, before anything reads it from the database and before the page commits.
    this.light.set(light.networkTraceId, {
      ...light,
      state: 'CLEARED',
      clearedMinor: light.clearedMinor + record.amountMinor,
    });
    this.ctx.expiry.cancel(light.networkTraceId);
    this.fastEffects.push({ key, trace: light.networkTraceId });
    return true;
  }

  /**
   * Writes the fast path's pending amounts, rowsPerUpdateMax authorizations per UPDATE ... FROM (VALUES).
   * An authorization is in at most one pending entry: a second record for it no longer equals its open
   * amount, takes the slow path, and flushes first. One text for both engines: both name the columns of
   * a VALUES list column1, column2, and the cast gives PostgreSQL the amount's type.
   */
  private async flushClears(): Promise<void> {
    const nowMs = BigInt(this.clock().nowMs());
    while (this.pendingClears.length > 0) {
      const batch = this.pendingClears.splice(0, rowsPerUpdateMax);
      const tuples = sql.join(
        batch.map(({ trace, clearedMinor }) => sql`(${trace}, cast(${clearedMinor} as bigint))`),
      );
      await sql`update issuer_authorizations
        set cleared_minor = issuer_authorizations.cleared_minor + v.column2, state = ${'CLEARED'}, updated_at_ms = ${nowMs}
        from (values ${tuples}) as v
        where issuer_authorizations.network_trace_id = v.column1`.execute(this.tx);
    }
  }

  private async refund(record: ClearingRecord, key: string): Promise<void> {
    const config = this.ctx.config;
    const atMs = this.clock().nowMs();
    const candidates =
      record.merchantId === undefined
        ? []
        : await findRefundCandidates(this.tx, {
            tokenRef: record.tokenUniqueReference,
            merchantId: record.merchantId,
            sinceMs: atMs - config.refundMatchWindowMs,
          });
    const refundEvent = { ...record, amountMinor: record.amountMinor, atMs };
    const matched = matchRefund(candidates, refundEvent, config.refundMatchWindowMs);
    const plan = planRefund(matched, {
      amountMinor: record.amountMinor,
      idBase: record.acquirerReferenceNumber,
    });
    const holderTrace = record.networkTraceId ?? `R${record.acquirerReferenceNumber}`;
    const holder =
      matched !== undefined
        ? candidates.find((c) => c.networkTraceId === matched.networkTraceId)
        : ((await this.authorizationOf(holderTrace)) ??
          (await this.createHolder(record, holderTrace, 'REFUND')));
    if (holder === undefined) return;
    await this.commit(holder, key, plan, record);
  }

  private async createHolder(record: ClearingRecord, trace: string, type: 'UNLINKED' | 'REFUND') {
    const mppId = await this.ctx.router.mppOf({
      tokenUniqueReference: record.tokenUniqueReference,
      customerId: record.fundingReference,
    });
    if (mppId === undefined) {
      this.ctx.logger.error(
        { arn: record.acquirerReferenceNumber },
        'clearing record for a token of no known MPP',
      );
      return undefined;
    }
    const nowMs = this.clock().nowMs();
    const message = {
      networkTraceId: trace,
      tokenUniqueReference: record.tokenUniqueReference,
      customerId: record.fundingReference,
      merchantId: record.merchantId,
      merchantName: undefined,
      mcc: undefined,
      terminalId: record.terminalId,
      acquirerId: undefined,
      currency: record.currency,
      details: {},
    };
    await insertAuthorization(
      this.tx,
      newAuthorization(message, {
        mppId,
        faults: [],
        type,
        expiresAtMs: nowMs,
        // A refund holder pays nothing (adjustRefund is in the record's currency); an unlinked purchase does.
        quote: type === 'UNLINKED' ? quoteOrNone(this.ctx, mppId, record.currency, trace) : undefined,
      }),
      nowMs,
    );
    return (await loadAuthorization(this.tx, trace))!;
  }

  private async commit(
    auth: AuthorizationRecord,
    key: string,
    plan: Plan,
    record: ClearingRecord,
  ): Promise<void> {
    const nowMs = this.clock().nowMs();
    const calls = await commitPlan(this.tx, {
      auth,
      effectKey: key,
      plan,
      nowMs,
      messageTraceId: record.networkTraceId ?? auth.networkTraceId,
    });
    if (calls !== false && calls.length > 0)
      this.calls.set(auth.networkTraceId, [...(this.calls.get(auth.networkTraceId) ?? []), ...calls]);
    // Later records of the page must see this one's effect.
    const fresh = await loadAuthorization(this.tx, auth.networkTraceId);
    this.cache.set(auth.networkTraceId, fresh ?? null);
    this.light.delete(auth.networkTraceId);
    if (record.networkTraceId !== undefined) this.light.delete(record.networkTraceId);
    if (record.networkTraceId !== undefined) this.cache.set(record.networkTraceId, fresh ?? null);
    if (plan.state !== undefined && plan.state !== 'OPEN') this.ctx.expiry.cancel(auth.networkTraceId);
  }
}
