import { type Iso8583Message, maskPan, RESPONSE_CODE } from '@tapkit/emv';
import {
  buildAuthorizationRequest,
  buildReversalRequest,
  customDataText,
  logFieldsOf,
  type NetworkAnswer,
  readNetworkAnswer,
} from '../domain/authorization-messages.ts';
import type { CardIdentity } from '../domain/card-data.ts';
import type { TerminalConfig } from '../domain/config.ts';
import type { OnlineRequest } from '../domain/kernel.ts';
import type { TerminalOutcome, TransactionSummary } from '../domain/outcome.ts';
import { dateTimeFields } from '../domain/time-fields.ts';
import { formatStan, nextStan, retrievalReferenceNumber } from '../domain/trace-numbers.ts';
import {
  type Clock,
  exchangeMayHaveReachedNetwork,
  type NetworkConnection,
  type NetworkExchangeErrorCode,
  type TerminalLogger,
} from '../ports.ts';
import type { JournalEntry, TransactionJournal } from './journal.ts';

// The acquirer side of the terminal: turns an online request into a 0100, sends it to the card
// network, and reads the 0110. When the answer does not come, the authorization may still have been
// approved, so the terminal shows TRY AGAIN and reverses it (0400 with DE90) in the background.

export interface AcquirerDeps {
  readonly config: TerminalConfig;
  readonly connection: NetworkConnection;
  readonly clock: Clock;
  readonly journal: TransactionJournal;
  readonly logger: TerminalLogger;
  /** The last STAN used (restored from storage after a restart); 0 starts at 000001. */
  readonly lastStan?: number;
}

/** What a network exchange came to: an answer, or why there is none. */
export type Exchanged =
  | { readonly ok: true; readonly answer: NetworkAnswer }
  | { readonly ok: false; readonly code: NetworkExchangeErrorCode | 'NETWORK_RESPONSE_INVALID' };

export class AcquirerLink {
  private stan: number;
  private readonly reversals = new Set<Promise<void>>();

  constructor(private readonly deps: AcquirerDeps) {
    this.stan = deps.lastStan ?? 0;
  }

  get config(): TerminalConfig {
    return this.deps.config;
  }

  /** The next STAN, RRN and time fields for a message sent now. */
  nextTrace(): { stan: string; rrn: string; atMs: number } {
    this.stan = nextStan(this.stan);
    const atMs = this.deps.clock.nowMs();
    const stan = formatStan(this.stan);
    return { stan, rrn: retrievalReferenceNumber(this.localTime(atMs), stan), atMs };
  }

  /** Authorizes a tap's ARQC online. Never rejects. */
  async authorize(online: OnlineRequest): Promise<TerminalOutcome> {
    const trace = this.nextTrace();
    const customData = customDataText(online.customData);
    if (online.customData !== undefined && customData === undefined) {
      this.deps.logger.warn(
        { bytes: online.customData.length },
        'custom data (9F6E) not ASCII or too long: left out',
      );
    }
    const request = buildAuthorizationRequest({
      config: this.deps.config,
      identity: online.identity,
      kind: 'PURCHASE',
      amountMinor: online.transaction.amountMinor,
      stan: trace.stan,
      rrn: trace.rrn,
      utc: dateTimeFields(trace.atMs),
      local: this.localTime(trace.atMs),
      icc: online.icc,
      customData,
    });
    const entry = this.entryFor({
      request,
      trace,
      kind: 'PURCHASE',
      card: online.identity,
      amountMinor: online.transaction.amountMinor,
    });
    await this.deps.journal.save(entry);
    const result = await this.exchange(request);
    return this.conclude(entry, result);
  }

  private async conclude(entry: JournalEntry, result: Exchanged): Promise<TerminalOutcome> {
    const summary = this.summaryOf(entry);
    if (result.ok) {
      const approved = result.answer.responseCode === RESPONSE_CODE.APPROVED;
      await this.deps.journal.save({
        ...entry,
        status: approved ? 'APPROVED' : 'DECLINED',
        responseCode: result.answer.responseCode,
        approvalCode: result.answer.approvalCode,
      });
      this.deps.logger.info(
        { ...logFieldsOf(entry.request), responseCode: result.answer.responseCode },
        'authorization answered',
      );
      if (approved)
        return { kind: 'APPROVED', transaction: summary, approvalCode: result.answer.approvalCode };
      return {
        kind: 'DECLINED',
        reason: { source: 'NETWORK', responseCode: result.answer.responseCode },
        transaction: summary,
      };
    }
    const reversalOwed =
      result.code === 'NETWORK_RESPONSE_INVALID' || exchangeMayHaveReachedNetwork(result.code);
    await this.deps.journal.save({ ...entry, status: reversalOwed ? 'REVERSAL_PENDING' : 'NOT_SENT' });
    this.deps.logger.warn(
      { ...logFieldsOf(entry.request), code: result.code, reversalOwed },
      'authorization not answered',
    );
    if (reversalOwed) this.reverseInBackground(entry);
    return { kind: 'TRY_AGAIN', reason: result.code, reversalOwed };
  }

  /** Sends `request` and reads the answer; a malformed answer counts as none (the outcome is unknown). */
  private async exchange(request: Iso8583Message): Promise<Exchanged> {
    let result: Awaited<ReturnType<NetworkConnection['exchange']>>;
    try {
      result = await this.deps.connection.exchange(request, this.deps.config.networkTimeoutMs);
    } catch (cause) {
      // The port promises not to reject; a connection that does anyway is treated as a lost link.
      this.deps.logger.error({ ...logFieldsOf(request), error: String(cause) }, 'network connection threw');
      return { ok: false, code: 'NETWORK_LINK_LOST' };
    }
    if (!result.ok) return { ok: false, code: result.error.code };
    const answer = readNetworkAnswer(request, result.value);
    return answer === undefined ? { ok: false, code: 'NETWORK_RESPONSE_INVALID' } : { ok: true, answer };
  }

  private reverseInBackground(entry: JournalEntry): void {
    const delivery = this.deliverReversal(entry).then(
      async (answer) => {
        if (answer === undefined) return;
        const current = (await this.deps.journal.get(entry.rrn)) ?? entry;
        await this.deps.journal.save({ ...current, status: 'REVERSED' });
      },
      (cause: unknown) =>
        this.deps.logger.error({ rrn: entry.rrn, error: String(cause) }, 'reversal delivery failed'),
    );
    this.reversals.add(delivery);
    void delivery.finally(() => this.reversals.delete(delivery));
  }

  /**
   * Sends the 0400 until the network answers it or the attempts run out. Any well-formed 0410 ends
   * it: 00 reversed, and 12 means the network never saw the authorization, so nothing is left to undo.
   */
  async deliverReversal(entry: JournalEntry): Promise<NetworkAnswer | undefined> {
    const trace = this.nextTrace();
    const reversal = buildReversalRequest(entry.request, {
      stan: trace.stan,
      utc: dateTimeFields(trace.atMs),
    });
    const { reversalAttemptCountMax, reversalRetryDelayMs } = this.deps.config;
    for (let attempt = 1; attempt <= reversalAttemptCountMax; attempt++) {
      const result = await this.exchange(reversal);
      if (result.ok) {
        this.deps.logger.info(
          { ...logFieldsOf(reversal), responseCode: result.answer.responseCode, attempt },
          'reversal answered',
        );
        return result.answer;
      }
      this.deps.logger.warn(
        { ...logFieldsOf(reversal), code: result.code, attempt },
        'reversal not answered',
      );
      if (attempt < reversalAttemptCountMax) await this.sleep(reversalRetryDelayMs);
    }
    this.deps.logger.error(logFieldsOf(reversal), 'reversal NOT delivered: left pending in the journal');
    return undefined;
  }

  /** Resolves when every background reversal has finished (for shutdown and tests). */
  async settled(): Promise<void> {
    // Bounded: each round awaits the reversals in flight; new ones start only from new taps.
    for (let round = 0; round < 100 && this.reversals.size > 0; round++) {
      await Promise.all([...this.reversals]);
    }
  }

  entryFor(input: {
    request: Iso8583Message;
    trace: { stan: string; rrn: string; atMs: number };
    kind: JournalEntry['kind'];
    card: CardIdentity;
    amountMinor: bigint;
    originalRrn?: string;
  }): JournalEntry {
    return {
      rrn: input.trace.rrn,
      stan: input.trace.stan,
      kind: input.kind,
      amountMinor: input.amountMinor,
      currencyCode: this.deps.config.currencyCode,
      card: input.card,
      atMs: input.trace.atMs,
      request: input.request,
      status: 'PENDING',
      responseCode: undefined,
      approvalCode: undefined,
      refundedMinor: 0n,
      originalRrn: input.originalRrn,
    };
  }

  /** Exchanges a panel request (refund, void) once, without background reversal. */
  async exchangeOnce(request: Iso8583Message): Promise<Exchanged> {
    return this.exchange(request);
  }

  localTime(atMs: number) {
    return dateTimeFields(atMs, this.deps.config.localTimeOffsetMinutes);
  }

  private summaryOf(entry: JournalEntry): TransactionSummary {
    return {
      rrn: entry.rrn,
      stan: entry.stan,
      amountMinor: entry.amountMinor,
      currencyCode: entry.currencyCode,
      maskedPan: maskPan(entry.card.pan),
    };
  }

  private sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.deps.clock.setTimer(delayMs, resolve));
  }
}
