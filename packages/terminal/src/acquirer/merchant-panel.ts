import { RESPONSE_CODE } from '@tapkit/emv';
import { buildAuthorizationRequest } from '../domain/authorization-messages.ts';
import { amountMinorMax } from '../domain/terminal-data.ts';
import { dateTimeFields } from '../domain/time-fields.ts';
import type { NetworkExchangeErrorCode, TerminalLogger } from '../ports.ts';
import type { AcquirerLink } from './acquirer-link.ts';
import { type JournalSummary, summaryOf, type TransactionJournal } from './journal.ts';

// What the merchant does after the tap: list transactions, refund a purchase (in part or in full, by
// its RRN, without the card), void one (a full reversal). Errors are values with stable codes.

export type PanelErrorCode =
  | 'TRANSACTION_NOT_FOUND'
  /** Only an approved purchase without refunds, or an approved refund, can be voided. */
  | 'NOT_VOIDABLE'
  /** Only an approved purchase can be refunded. */
  | 'NOT_REFUNDABLE'
  /** Not positive, or more than what is left to refund. */
  | 'AMOUNT_INVALID'
  /** The network answered with a DE39 other than 00. */
  | 'DECLINED'
  | NetworkExchangeErrorCode
  | 'NETWORK_RESPONSE_INVALID';

export type PanelResult =
  | { readonly ok: true; readonly value: JournalSummary }
  | { readonly ok: false; readonly error: { readonly code: PanelErrorCode; readonly responseCode?: string } };

const failure = (code: PanelErrorCode, responseCode?: string): PanelResult => ({
  ok: false,
  error: responseCode === undefined ? { code } : { code, responseCode },
});

/** Panel listings are bounded. */
export const panelListCountMax = 500;

export class MerchantPanel {
  constructor(
    private readonly acquirer: AcquirerLink,
    private readonly journal: TransactionJournal,
    private readonly logger: TerminalLogger,
  ) {}

  async transactions(limit = 50): Promise<JournalSummary[]> {
    const entries = await this.journal.list(Math.min(Math.max(limit, 0), panelListCountMax));
    return entries.map(summaryOf);
  }

  /** Refunds `amountMinor` of an approved purchase: a 0100 with DE3 20, no DE55. */
  async refund(rrn: string, amountMinor: bigint): Promise<PanelResult> {
    const original = await this.journal.get(rrn);
    if (original === undefined) return failure('TRANSACTION_NOT_FOUND');
    if (original.kind !== 'PURCHASE' || original.status !== 'APPROVED') return failure('NOT_REFUNDABLE');
    const left = original.amountMinor - original.refundedMinor;
    if (amountMinor <= 0n || amountMinor > left || amountMinor > amountMinorMax)
      return failure('AMOUNT_INVALID');
    const trace = this.acquirer.nextTrace();
    const request = buildAuthorizationRequest({
      config: this.acquirer.config,
      identity: original.card,
      kind: 'REFUND',
      amountMinor,
      stan: trace.stan,
      rrn: trace.rrn,
      utc: dateTimeFields(trace.atMs),
      local: this.acquirer.localTime(trace.atMs),
      icc: undefined,
      customData: undefined,
    });
    const entry = this.acquirer.entryFor({
      request,
      trace,
      kind: 'REFUND',
      card: original.card,
      amountMinor,
      originalRrn: rrn,
    });
    await this.journal.save(entry);
    const result = await this.acquirer.exchangeOnce(request);
    if (!result.ok) {
      await this.journal.save({ ...entry, status: 'NOT_SENT' });
      this.logger.warn({ rrn: entry.rrn, code: result.code }, 'refund not answered');
      return failure(result.code);
    }
    const approved = result.answer.responseCode === RESPONSE_CODE.APPROVED;
    const saved = {
      ...entry,
      status: approved ? ('APPROVED' as const) : ('DECLINED' as const),
      responseCode: result.answer.responseCode,
    };
    await this.journal.save(saved);
    if (!approved) return failure('DECLINED', result.answer.responseCode);
    await this.journal.save({ ...original, refundedMinor: original.refundedMinor + amountMinor });
    return { ok: true, value: summaryOf(saved) };
  }

  /** Voids an approved transaction: a full reversal (0400 with DE90), answered before the result. */
  async voidTransaction(rrn: string): Promise<PanelResult> {
    const entry = await this.journal.get(rrn);
    if (entry === undefined) return failure('TRANSACTION_NOT_FOUND');
    const voidable = entry.status === 'APPROVED' || entry.status === 'REVERSAL_PENDING';
    if (!voidable || entry.refundedMinor > 0n) return failure('NOT_VOIDABLE');
    const answer = await this.acquirer.deliverReversal(entry);
    if (answer === undefined) {
      // The reversal may have reached the network: the journal says so, and the merchant can retry.
      await this.journal.save({ ...entry, status: 'REVERSAL_PENDING' });
      return failure('NETWORK_TIMEOUT');
    }
    if (answer.responseCode !== RESPONSE_CODE.APPROVED) return failure('DECLINED', answer.responseCode);
    const voided = { ...entry, status: 'REVERSED' as const };
    await this.journal.save(voided);
    return { ok: true, value: summaryOf(voided) };
  }
}
