import type { Kysely } from 'kysely';
import type { KnownPayment, MppOutcomeNews, PaymentKnowledge } from '../../notify/ports.ts';
import type { IssuerDatabase } from './db/schema.ts';

// What Alipay+ knows of a payment it sent, for the notifyPayment receiver (src/notify): read from the
// issuer processor's book. mppClientId is the MPP id of the book (the Client-Id used with that MPP).

export class BookPaymentKnowledge implements PaymentKnowledge {
  constructor(
    private readonly db: Kysely<IssuerDatabase>,
    /** The processor's expediteInquiry: news of an outcome we lack makes the next inquiry happen now. */
    private readonly expedite: (paymentRequestId: string) => boolean = () => false,
  ) {}

  async recordMppOutcome(news: MppOutcomeNews): Promise<void> {
    this.expedite(news.paymentRequestId);
  }

  async findPayment(mppClientId: string, paymentRequestId: string): Promise<KnownPayment | undefined> {
    const row = await this.db
      .selectFrom('issuer_payments as p')
      .innerJoin('issuer_authorizations as a', 'a.network_trace_id', 'p.network_trace_id')
      .select([
        'p.payment_request_id',
        'p.amount_minor',
        'p.status',
        'p.payment_id',
        'a.customer_id',
        'a.currency',
        'a.mpp_id',
      ])
      .where('p.payment_request_id', '=', paymentRequestId)
      .executeTakeFirst();
    if (row === undefined || row.mpp_id !== mppClientId) return undefined;
    const amount = { currency: row.currency, value: row.amount_minor.toString() };
    return {
      mppClientId,
      paymentRequestId,
      customerId: row.customer_id,
      paymentAmount: amount,
      payToAmount: amount,
      status: row.status as KnownPayment['status'],
      paymentId: row.payment_id,
    };
  }
}
