import { type FieldValue, getText, type Iso8583Message } from '@tapkit/emv';
import {
  buildAuthorizationRequest,
  buildReversalRequest,
  type CardIdentity,
  dateTimeFields,
  formatStan,
  type JournalEntry,
  type NetworkConnection,
  type NetworkExchangeResult,
  retrievalReferenceNumber,
  type TerminalConfig,
} from '@tapkit/terminal';

// The demo's acquirer connection: the terminal's real TCP connection to the network's acquirer entry,
// with a recorder in front. The terminal (packages/terminal) only sends FINAL purchases, refunds and full
// reversals; the conversion table also needs pre-authorizations, incrementals and partial reversals, which a
// hotel or fuel terminal would send. (tapkit) The demo plays that acquirer: it marks the next tap's 0100 as
// PRE_AUTHORIZATION (DE61 is outside the cryptogram) and builds incrementals and partial reversals from the
// terminal's journal entry, sending them over the same connection.

/** What the network answered to one authorization, by terminal id (DE41) and RRN (DE37). */
export interface RecordedAnswer {
  readonly mti: string;
  readonly responseCode: string | undefined;
  /** DE63: the network trace id Alipay+ and clearing know the authorization by. */
  readonly networkTraceId: string | undefined;
  /** DE38; (tapkit, packages/mastercard) "S" + 5 digits when the network stood in for the issuer. */
  readonly approvalCode: string | undefined;
}

export class RecordingConnection implements NetworkConnection {
  /** DE61 for the next tap's 0100 (then cleared); undefined leaves the terminal's FINAL. */
  nextAuthorizationType: string | undefined;
  private readonly answers = new Map<string, RecordedAnswer>();
  private stanNext = 500_000;

  constructor(private readonly inner: NetworkConnection) {}

  async exchange(request: Iso8583Message, timeoutMs: number): Promise<NetworkExchangeResult> {
    let sent = request;
    if (request.mti === '0100' && request.fields.has(55) && this.nextAuthorizationType !== undefined) {
      const fields = new Map(request.fields);
      fields.set(61, this.nextAuthorizationType);
      sent = { mti: request.mti, fields };
      this.nextAuthorizationType = undefined;
    }
    const result = await this.inner.exchange(sent, timeoutMs);
    const rrn = getText(sent, 37);
    const terminalId = getText(sent, 41);
    if (result.ok && rrn !== undefined && terminalId !== undefined && sent.mti === '0100') {
      this.answers.set(`${terminalId.trimEnd()}|${rrn}`, {
        mti: result.value.mti,
        responseCode: getText(result.value, 39),
        networkTraceId: getText(result.value, 63),
        approvalCode: getText(result.value, 38),
      });
    }
    return result;
  }

  /** The answer to the 0100 terminal `terminalId` sent with RRN `rrn` (RRNs repeat across terminals). */
  answerOf(terminalId: string, rrn: string): RecordedAnswer | undefined {
    return this.answers.get(`${terminalId.trimEnd()}|${rrn}`);
  }

  close(): Promise<void> | void {
    return this.inner.close?.();
  }

  /** Own STANs far above the terminal's, so the network's (DE41, DE11) matching never mixes them up. */
  private trace(atMs: number, config: TerminalConfig): { stan: string; rrn: string } {
    this.stanNext += 1;
    const stan = formatStan(this.stanNext);
    return { stan, rrn: retrievalReferenceNumber(dateTimeFields(atMs, config.localTimeOffsetMinutes), stan) };
  }

  /** An incremental authorization (DE61 INCREMENTAL, DE63 = the original trace id, no DE55). */
  async incremental(input: {
    original: JournalEntry;
    originalTraceId: string;
    amountMinor: bigint;
    config: TerminalConfig;
    atMs: number;
  }): Promise<RecordedAnswer | { error: string }> {
    const trace = this.trace(input.atMs, input.config);
    const fields = new Map<number, FieldValue>(input.original.request.fields);
    fields.delete(55);
    fields.delete(48);
    fields.set(4, String(input.amountMinor).padStart(12, '0'));
    fields.set(7, dateTimeFields(input.atMs).mmddhhmmss);
    fields.set(11, trace.stan);
    fields.set(37, trace.rrn);
    fields.set(61, 'INCREMENTAL');
    fields.set(63, input.originalTraceId);
    return this.send({ mti: '0100', fields }, input.config);
  }

  /** A partial reversal: the original's 0400 with DE95 = the amount that stays approved. */
  async partialReversal(input: {
    original: JournalEntry;
    remainingMinor: bigint;
    config: TerminalConfig;
    atMs: number;
  }): Promise<RecordedAnswer | { error: string }> {
    const trace = this.trace(input.atMs, input.config);
    const reversal = buildReversalRequest(input.original.request, {
      stan: trace.stan,
      utc: dateTimeFields(input.atMs),
    });
    const fields = new Map(reversal.fields);
    fields.set(95, String(input.remainingMinor).padStart(12, '0').padEnd(42, '0'));
    return this.send({ mti: '0400', fields }, input.config);
  }

  /** A refund authorization (DE3 20, keyed, no DE55) from the terminal `config` describes. */
  async refundAuthorization(input: {
    card: CardIdentity;
    amountMinor: bigint;
    config: TerminalConfig;
    atMs: number;
  }): Promise<RecordedAnswer | { error: string }> {
    const trace = this.trace(input.atMs, input.config);
    const request = buildAuthorizationRequest({
      config: input.config,
      identity: input.card,
      kind: 'REFUND',
      amountMinor: input.amountMinor,
      stan: trace.stan,
      rrn: trace.rrn,
      utc: dateTimeFields(input.atMs),
      local: dateTimeFields(input.atMs, input.config.localTimeOffsetMinutes),
      icc: undefined,
      customData: undefined,
    });
    return this.send(request, input.config);
  }

  private async send(
    request: Iso8583Message,
    config: TerminalConfig,
  ): Promise<RecordedAnswer | { error: string }> {
    const result = await this.exchange(request, config.networkTimeoutMs);
    if (!result.ok) return { error: result.error.code };
    return {
      mti: result.value.mti,
      responseCode: getText(result.value, 39),
      networkTraceId: getText(result.value, 63),
      approvalCode: getText(result.value, 38),
    };
  }
}
