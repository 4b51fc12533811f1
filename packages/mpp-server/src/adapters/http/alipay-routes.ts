import {
  type AdjustRefundRequest,
  type Amount,
  API_PATHS,
  type ApiName,
  AUTHORIZATION_TYPE_DEFAULT,
  customerIdOf,
  KNOWN_IN_STORE_PAYMENT_SCENARIOS,
  KNOWN_PAYMENT_METHOD_TYPES,
  merchantIdOf,
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
// calls the payment service and hands back its wire answer (which the plugin signs). Liberal acceptance
// (docs/protocol/alipayplus-api.md#accept-what-the-real-alipay-sends): absent optional fields get their
// documented defaults here, unforeseen values of open enums are logged at info and stored, and the whole
// request is kept with the payment.

/** The few pino methods the routes log with. */
export interface RoutesLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface AlipayRoutesOptions {
  readonly logger?: RoutesLogger;
  /**
   * Hosts (host or host:port, lower case) a paymentNotifyUrl may name; empty: every payment is notified
   * at the configured Alipay+ URL. See notifyUrlOf.
   */
  readonly notifyUrlHostsAllowed?: readonly string[];
}

/** Amounts were validated by the request schema; failing here again is a programmer error. */
function amountOf(wire: unknown, field: string): Money {
  const parsed = parseAmount(wire);
  if (!parsed.ok) throw new Error(`${field} passed the schema but not parseAmount: ${parsed.error.code}`);
  const amount: Amount = parsed.value;
  return { currency: amount.currency, value: amount.value };
}

const orNull = <T>(value: T | null | undefined): T | null => value ?? null;

/**
 * (tapkit) The notifyPayment URL of a payment: its paymentNotifyUrl when that is http(s), its host is in
 * the allow-list, and its path ends with the notifyPayment path (the signed client appends that path to
 * a base URL); otherwise null, and the payment is notified at the configured Alipay+ URL. Never a reason
 * to decline the payment. Returns the base URL (the URL without the notifyPayment path).
 */
export function notifyUrlOf(url: string | null, hostsAllowed: readonly string[]): string | null {
  if (url === null || hostsAllowed.length === 0) return null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return null;
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '')
    return null;
  const host = parsed.host.toLowerCase();
  if (!hostsAllowed.includes(host) && !hostsAllowed.includes(parsed.hostname.toLowerCase())) return null;
  const suffix = API_PATHS.notifyPayment;
  if (!parsed.pathname.endsWith(suffix)) return null;
  return `${parsed.origin}${parsed.pathname.slice(0, -suffix.length)}`;
}

/** Logs (info) a value of an open enum that Tapkit has not seen documented; it is still accepted. */
function noteOpenValue(
  logger: RoutesLogger | undefined,
  field: string,
  value: string | null | undefined,
  known: readonly string[],
  paymentRequestId: string,
): void {
  if (value === null || value === undefined || known.includes(value)) return;
  logger?.info(
    { paymentRequestId, field, value },
    'pay carries an unforeseen value of an open field (accepted)',
  );
}

export function payCommandFrom(body: PayRequest, options: AlipayRoutesOptions = {}): PayCommand {
  const paymentAmount = amountOf(body.paymentAmount, 'paymentAmount');
  const { logger } = options;
  const id = body.paymentRequestId;
  const methodType = body.paymentMethod?.paymentMethodType;
  const scenario = body.paymentFactor?.inStorePaymentScenario;
  noteOpenValue(logger, 'paymentMethod.paymentMethodType', methodType, KNOWN_PAYMENT_METHOD_TYPES, id);
  noteOpenValue(
    logger,
    'paymentFactor.inStorePaymentScenario',
    scenario,
    KNOWN_IN_STORE_PAYMENT_SCENARIOS,
    id,
  );
  const requested = orNull(body.paymentNotifyUrl);
  const notifyUrl = notifyUrlOf(requested, options.notifyUrlHostsAllowed ?? []);
  if (requested !== null && notifyUrl === null) {
    logger?.warn({ paymentRequestId: id }, 'paymentNotifyUrl not allowed; notifying at the configured URL');
  }
  const record = body as Record<string, unknown>;
  return {
    paymentRequestId: id,
    customerId: customerIdOf(body),
    paymentAmount,
    // (doc) absent payToAmount: the wallet is debited paymentAmount (the schema made sure no quote is due).
    payToAmount: body.payToAmount ? amountOf(body.payToAmount, 'payToAmount') : paymentAmount,
    paymentMethodType: orNull(methodType),
    paymentMethodId: orNull(body.paymentMethod?.paymentMethodId),
    customData: orNull(body.customData),
    paymentQuote: orNull(body.paymentQuote),
    details: {
      acquirerId: body.acquirerId,
      pspId: body.pspId,
      order: body.order,
      referenceMerchantId: merchantIdOf(body.order.merchant),
      storeTerminalId: body.order.env?.storeTerminalId ?? body.order.env?.terminalId ?? null,
      paymentFactor: {
        ...(body.paymentFactor ?? {}),
        authorizationType: body.paymentFactor?.authorizationType ?? AUTHORIZATION_TYPE_DEFAULT,
      },
      nfcTransactionInfo: orNull(body.nfcTransactionInfo),
      paymentExpiryTime: orNull(body.paymentExpiryTime),
      paymentNotifyUrl: requested,
    },
    checked: {
      paymentMethod: orNull(body.paymentMethod),
      surchargeInfo: record.surchargeInfo ?? null,
      paymentPromoInfo: record.paymentPromoInfo ?? null,
    },
    requestJson: JSON.stringify(body),
    notifyUrl,
  };
}

export function refundCommandFrom(body: RefundRequest): RefundCommand {
  const record = body as Record<string, unknown>;
  return {
    refundRequestId: body.refundRequestId,
    paymentRequestId: body.paymentRequestId,
    paymentId: orNull(body.paymentId),
    refundAmount: amountOf(body.refundAmount, 'refundAmount'),
    refundFromAmount: body.refundFromAmount ? amountOf(body.refundFromAmount, 'refundFromAmount') : null,
    refundReason: orNull(body.refundReason),
    checked: {
      refundFromAmount: orNull(body.refundFromAmount),
      refundPromoInfo: record.refundPromoInfo ?? null,
      surchargeInfo: record.surchargeInfo ?? null,
    },
    requestJson: JSON.stringify(body),
  };
}

export function adjustRefundCommandFrom(body: AdjustRefundRequest): AdjustRefundCommand {
  const { acquirerId, pspId, refundRequestId, customerId, refundAmount, subScenarioType, ...rest } = body;
  return {
    refundRequestId,
    customerId,
    refundAmount: amountOf(refundAmount, 'refundAmount'),
    subScenarioType,
    paymentRequestId: orNull(body.paymentRequestId),
    // Everything else the request carried, unknown fields included, is kept with the adjustRefund.
    details: { acquirerId, pspId, ...rest },
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
export function registerAlipayRoutes(
  router: SignedRouter,
  service: PaymentService,
  options: AlipayRoutesOptions = {},
): void {
  router.route('pay', async (body) => wire<'pay'>(await service.pay(payCommandFrom(body, options))));
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
