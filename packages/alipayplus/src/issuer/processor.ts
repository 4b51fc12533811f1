import { type Iso8583Message, RESPONSE_CODE } from '@tapkit/emv';
import { listPendingCalls, parseCall } from './adapters/db/book.ts';
import { type NetworkMessage, parseNetworkMessage, responseTo } from './adapters/iso-messages.ts';
import { type Answer, advice, incremental, purchase, refundAuthorization } from './authorization.ts';
import { executeCalls } from './calls.ts';
import type { IssuerConfig } from './config.ts';
import { createIssuerContext, findAuthorization, type IssuerContext, type IssuerDeps } from './context.ts';
import { expire, resumeExpiries } from './expiry.ts';
import { inquire, resumeUnknown } from './inquiry.ts';
import type { AuthorizationRecord } from './ports.ts';
import { reversal } from './reversal.ts';

export { decidedEventOf, newAuthorization } from './authorization.ts';
export type { IssuerDeps } from './context.ts';

// The issuer processor: the network's ISO 8583 messages in, MPP calls out, every authorization's amounts
// kept in the book. It composes the IssuerContext and routes each message to its flow (authorization.ts,
// reversal.ts; expiry.ts and inquiry.ts run on the context's timers; clearing.ts on files). One flow
// changes an authorization at a time (a per-trace-id lock); each effect is keyed (AUTH|trace,
// ADVICE|trace, REVERSAL|trace|DE95, CLEARING|ARN, EXPIRY|trace|...) so a message delivered twice answers
// the same and changes nothing. (tapkit) One processor instance per database.

const AUTHORIZATION_MTIS = ['0100', '0120', '0400', '0420'];

export class IssuerProcessor {
  /** The context every flow runs on (clearing ingestion takes it from here). */
  readonly context: IssuerContext;
  private readonly inFlight = new Map<string, Promise<Answer>>();

  constructor(deps: IssuerDeps) {
    this.context = createIssuerContext(deps, { expire, inquire });
  }

  get config(): IssuerConfig {
    return this.context.config;
  }

  /** One network message in, its answer out (undefined for messages that get none). */
  async handle(request: Iso8583Message): Promise<Iso8583Message | undefined> {
    if (request.mti === '0800') return responseTo(request, RESPONSE_CODE.APPROVED);
    if (!AUTHORIZATION_MTIS.includes(request.mti)) {
      const isRequest = /^\d{2}[02468]\d$/.test(request.mti);
      return isRequest ? responseTo(request, RESPONSE_CODE.INVALID_TRANSACTION) : undefined;
    }
    const parsed = parseNetworkMessage(request);
    if ('responseCode' in parsed) {
      this.context.logger.warn({ mti: request.mti, detail: parsed.detail }, 'network message refused');
      return responseTo(request, parsed.responseCode);
    }
    const kind = request.mti === '0100' ? 'AUTH' : request.mti === '0120' ? 'ADVICE' : 'REVERSAL';
    const key =
      kind === 'REVERSAL'
        ? `REVERSAL|${parsed.networkTraceId}|${parsed.replacementMinor ?? 'FULL'}`
        : `${kind}|${parsed.networkTraceId}`;
    // Concurrent duplicates join the first delivery and get its answer.
    let work = this.inFlight.get(key);
    if (work === undefined) {
      work = this.dispatch(kind, key, parsed, request.mti).finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, work);
    }
    const decided = await work;
    return responseTo(request, decided.code, decided.extra);
  }

  private dispatch(
    kind: 'AUTH' | 'ADVICE' | 'REVERSAL',
    key: string,
    m: NetworkMessage,
    mti: string,
  ): Promise<Answer> {
    const ctx = this.context;
    if (kind === 'ADVICE') return advice(ctx, key, m);
    if (kind === 'REVERSAL') return reversal(ctx, key, m, mti);
    if (m.isRefund) return refundAuthorization(ctx, key, m);
    if (m.type === 'INCREMENTAL') return incremental(ctx, key, m);
    return purchase(ctx, key, m);
  }

  getAuthorization(networkTraceId: string): Promise<AuthorizationRecord | undefined> {
    return findAuthorization(this.context, networkTraceId);
  }

  /**
   * The MPP told a final outcome (notifyPayment) of a payment whose pay answer was unknown: inquire at
   * once rather than on the schedule. The inquiry, not the notify, decides (the notify is not the answer
   * to our request). False when no inquiry was waiting for that payment.
   */
  expediteInquiry(paymentRequestId: string): boolean {
    return this.context.inquiries.expedite(paymentRequestId);
  }

  /** Waits for every background flow (outbox calls, inquiries in progress, injected reversals). */
  async idle(): Promise<void> {
    await this.context.background.idle();
  }

  /** Background flows still running (tests step a virtual clock until this is 0). */
  backgroundCount(): number {
    return this.context.background.size;
  }

  /** Resumes after a restart: outbox calls still pending, unknown payments, expiry timers. */
  async start(): Promise<void> {
    const ctx = this.context;
    const limit = ctx.config.resumeBatchMax;
    for (const row of await listPendingCalls(ctx.handle.db, limit)) {
      ctx.background.add(executeCalls(ctx, row.network_trace_id, [parseCall(row.call)]));
    }
    await resumeUnknown(ctx, limit);
    await resumeExpiries(ctx, limit);
  }

  stop(): void {
    this.context.expiry.stop();
    this.context.inquiries.stop();
  }
}
