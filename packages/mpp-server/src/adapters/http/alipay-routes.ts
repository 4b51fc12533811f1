import {
  type AdjustRefundRequest,
  type Amount,
  type ApiName,
  type PayRequest,
  parseAmount,
  type RefundRequest,
  type ResponseOf,
} from '@tapkit/protocol';
import type { SignedRouter } from '@tapkit/protocol/node';
import type { Money } from '../../domain/money.ts';
import type { AdjustRefundCommand, PayCommand, PaymentService, RefundCommand } from '../../payments.ts';

// The Alipay+ -> MPP routes: the signed-API plugin has verified the signature and validated the body
// against the API's schema before a handler runs; a handler turns the wire body into a domain command,
// calls the payment service and hands back its wire answer (which the plugin signs).

/** Amounts were validated by the request schema; failing here again is a programmer error. */
function amountOf(wire: unknown, field: string): Money {
  const parsed = parseAmount(wire);
  if (!parsed.ok) throw new Error(`${field} passed the schema but not parseAmount: ${parsed.error.code}`);
  const amount: Amount = parsed.value;
  return { currency: amount.currency, value: amount.value };
}

const orNull = <T>(value: T | null | undefined): T | null => value ?? null;

export function payCommandFrom(body: PayRequest): PayCommand {
  return {
    paymentRequestId: body.paymentRequestId,
    customerId: body.customerId,
    paymentAmount: amountOf(body.paymentAmount, 'paymentAmount'),
    payToAmount: amountOf(body.payToAmount, 'payToAmount'),
    paymentMethodType: body.paymentMethod?.paymentMethodType ?? null,
    paymentMethodId: body.paymentMethod?.paymentMethodId ?? null,
    customData: orNull(body.customData),
    paymentQuote: orNull(body.paymentQuote),
    details: {
      acquirerId: body.acquirerId,
      pspId: body.pspId,
      order: body.order,
      paymentFactor: body.paymentFactor,
      nfcTransactionInfo: orNull(body.nfcTransactionInfo),
      paymentExpiryTime: orNull(body.paymentExpiryTime),
      paymentNotifyUrl: orNull(body.paymentNotifyUrl),
    },
  };
}

export function refundCommandFrom(body: RefundRequest): RefundCommand {
  return {
    refundRequestId: body.refundRequestId,
    paymentRequestId: body.paymentRequestId,
    paymentId: body.paymentId,
    refundAmount: amountOf(body.refundAmount, 'refundAmount'),
    refundFromAmount: body.refundFromAmount ? amountOf(body.refundFromAmount, 'refundFromAmount') : null,
    refundReason: orNull(body.refundReason),
  };
}

export function adjustRefundCommandFrom(body: AdjustRefundRequest): AdjustRefundCommand {
  return {
    refundRequestId: body.refundRequestId,
    customerId: body.customerId,
    refundAmount: amountOf(body.refundAmount, 'refundAmount'),
    subScenarioType: body.subScenarioType,
    paymentRequestId: orNull(body.paymentRequestId),
    details: {
      acquirerId: body.acquirerId,
      pspId: body.pspId,
      merchant: orNull(body.merchant),
      networkTraceId: orNull(body.networkTraceId),
    },
  };
}

// The service's answers are plain wire objects; the plugin checks them against the response schema.
const wire = <A extends ApiName>(answer: object): ResponseOf<A> => answer as ResponseOf<A>;

/** The Alipay+ APIs the MPP hosts (registerAlipayRoutes); the OpenAPI document lists these. */
export const MPP_HOSTED_APIS = [
  'pay',
  'inquiryPayment',
  'cancelPayment',
  'refund',
  'adjustRefund',
] as const satisfies readonly ApiName[];

/** Registers pay, inquiryPayment, cancelPayment, refund and adjustRefund on a signed router. */
export function registerAlipayRoutes(router: SignedRouter, service: PaymentService): void {
  router.route('pay', async (body) => wire<'pay'>(await service.pay(payCommandFrom(body))));
  router.route('inquiryPayment', async (body) =>
    wire<'inquiryPayment'>(await service.inquiryPayment(body.paymentRequestId, body.paymentId ?? null)),
  );
  router.route('cancelPayment', async (body) =>
    wire<'cancelPayment'>(await service.cancelPayment(body.paymentRequestId)),
  );
  router.route('refund', async (body) => wire<'refund'>(await service.refund(refundCommandFrom(body))));
  router.route('adjustRefund', async (body) =>
    wire<'adjustRefund'>(await service.adjustRefund(adjustRefundCommandFrom(body))),
  );
}
