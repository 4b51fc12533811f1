import * as z from 'zod';
import {
  DateTimeSchema,
  emptyAsAbsent,
  IdSchema,
  MerchantSchema,
  OpenStringSchema,
  printableText,
  ResultSchema,
  requireOnSuccess,
  text,
  textCharsMax,
  WireAmountSchema,
} from './common.ts';

// POST /aps/api/v1/payments/pay (Alipay+ -> MPP). Accept what the real Alipay+ sends
// (docs/protocol/alipayplus-api.md#accept-what-the-real-alipay-sends): REQUIRED = only what the docs mark
// required (acquirerId, pspId, paymentRequestId, paymentAmount, order.referenceOrderId; the customer is found
// by the MPP, see customerOf below); every other field is optional, unknown fields are kept, enums the docs
// do not fix are open strings. NFC-specific parts are (tapkit), sent by Tapkit's Alipay+ counterpart and used
// when present.

export const AuthorizationTypeSchema = z.enum([
  'FINAL',
  'PRE_AUTH',
  'INCREMENTAL',
  'ADVICE',
  'CLEARING_ADJUSTMENT',
]);
export type AuthorizationType = z.infer<typeof AuthorizationTypeSchema>;

/** (tapkit) A pay without paymentFactor.authorizationType is a final authorization. */
export const AUTHORIZATION_TYPE_DEFAULT: AuthorizationType = 'FINAL';

/** Authorization types that add to an earlier payment and so must name it. */
export const LINKED_AUTHORIZATION_TYPES: readonly AuthorizationType[] = [
  'INCREMENTAL',
  'CLEARING_ADJUSTMENT',
];

/**
 * Values of the open enums Tapkit has seen documented or sends itself; any other value is accepted,
 * stored and logged at info (so an operator learns of it), never refused.
 */
export const KNOWN_PAYMENT_METHOD_TYPES: readonly string[] = ['CONNECT_WALLET_NFC']; // (tapkit) ours
export const KNOWN_IN_STORE_PAYMENT_SCENARIOS: readonly string[] = [
  'PaymentCode', // (doc)
  'OrderCode', // (doc)
  'EntryCode', // (doc)
  'NFC', // (tapkit) what our counterpart sends
];

/** The Alipay+ PaymentMethod model: all optional; paymentMethodId is the token reference of the tap. */
export const PaymentMethodSchema = z.looseObject({
  paymentMethodType: OpenStringSchema.nullish(),
  paymentMethodId: IdSchema.nullish(),
  customerId: IdSchema.nullish(),
});

const quoteTimeSchema = text(64);

export const PaymentQuoteSchema = z.looseObject({
  quoteId: IdSchema,
  quoteCurrencyPair: z.string().regex(/^[A-Z]{3}\/[A-Z]{3}$/, 'quoteCurrencyPair must look like "USD/HKD"'),
  quotePrice: z
    .string()
    .max(32)
    .regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'quotePrice must be a plain decimal like "7.8123"')
    .refine((price) => /[1-9]/.test(price), 'quotePrice must be greater than zero'),
  quoteStartTime: quoteTimeSchema.nullish(),
  quoteExpiryTime: quoteTimeSchema.nullish(),
});

/** order.env: the model's storeTerminalId (legacy terminalId accepted), the rest open. */
export const OrderEnvSchema = z.looseObject({
  storeTerminalId: IdSchema.nullish(),
  terminalId: IdSchema.nullish(),
  terminalType: OpenStringSchema.nullish(),
  osType: OpenStringSchema.nullish(),
});

export const OrderSchema = z.looseObject({
  referenceOrderId: IdSchema,
  orderDescription: text(textCharsMax).nullish(),
  orderAmount: WireAmountSchema.nullish(),
  merchant: MerchantSchema.nullish(),
  env: OrderEnvSchema.nullish(),
});

// (tapkit) authorizationType decides how the MPP books a tap; absent means FINAL.
export const PaymentFactorSchema = z
  .looseObject({
    isInStorePayment: OpenStringSchema.nullish(),
    inStorePaymentScenario: OpenStringSchema.nullish(),
    authorizationType: AuthorizationTypeSchema.nullish(),
    originalPaymentRequestId: IdSchema.nullish(),
  })
  .superRefine((factor, ctx) => {
    const type = factor.authorizationType;
    if (type && LINKED_AUTHORIZATION_TYPES.includes(type) && !factor.originalPaymentRequestId) {
      ctx.addIssue({
        code: 'custom',
        path: ['originalPaymentRequestId'],
        message: `originalPaymentRequestId is required when authorizationType is ${type}`,
      });
    }
  });

// (tapkit) what the network said about the tap; bounded strings (only our counterpart sends it).
const nfcFieldSchema = text(32);
export const NfcTransactionInfoSchema = z.looseObject({
  networkTraceId: IdSchema.nullish(),
  atc: nfcFieldSchema.nullish(),
  posEntryMode: nfcFieldSchema.nullish(),
  cvmPerformed: nfcFieldSchema.nullish(),
});

/** (tapkit) paymentNotifyUrl is only used when its host is allowed (MPP configuration); bounded here. */
export const notifyUrlCharsMax = 2048;

export const PayRequestObjectSchema = z
  .looseObject({
    acquirerId: IdSchema,
    pspId: IdSchema,
    paymentRequestId: IdSchema,
    paymentAmount: WireAmountSchema,
    payToAmount: WireAmountSchema.nullish(),
    paymentQuote: PaymentQuoteSchema.nullish(),
    customerId: IdSchema.nullish(),
    paymentMethod: PaymentMethodSchema.nullish(),
    order: OrderSchema,
    paymentFactor: PaymentFactorSchema.nullish(),
    nfcTransactionInfo: NfcTransactionInfoSchema.nullish(),
    customData: printableText(textCharsMax).nullish(),
    paymentExpiryTime: text(64).nullish(),
    paymentNotifyUrl: text(notifyUrlCharsMax).nullish(),
  })
  .superRefine((request, ctx) => {
    const paymentCurrency = request.paymentAmount.currency;
    // (doc) payToAmount absent: the wallet is debited paymentAmount itself, so there is nothing to convert.
    const payToCurrency = request.payToAmount?.currency ?? paymentCurrency;
    if (paymentCurrency === payToCurrency) return;
    if (!request.paymentQuote) {
      ctx.addIssue({
        code: 'custom',
        path: ['paymentQuote'],
        message:
          `paymentQuote is required when paymentAmount.currency (${paymentCurrency}) differs from ` +
          `payToAmount.currency (${payToCurrency})`,
      });
      return;
    }
    // (tapkit) the quote must be for these two currencies, in either order.
    const pair = request.paymentQuote.quoteCurrencyPair.split('/').sort().join('/');
    if (pair !== [paymentCurrency, payToCurrency].sort().join('/')) {
      ctx.addIssue({
        code: 'custom',
        path: ['paymentQuote', 'quoteCurrencyPair'],
        message: `quoteCurrencyPair must pair ${paymentCurrency} and ${payToCurrency}`,
      });
    }
  });

/** The pay request as received: "" fields count as absent (dropEmptyStrings), then the object rules. */
export const PayRequestSchema = emptyAsAbsent(PayRequestObjectSchema);

/** The customer id the request names: top-level customerId (tapkit), else paymentMethod.customerId. */
export function customerIdOf(request: PayRequest): string | null {
  return request.customerId ?? request.paymentMethod?.customerId ?? null;
}

export const PayResponseSchema = z
  .looseObject({
    result: ResultSchema,
    paymentId: IdSchema.nullish(),
    paymentTime: DateTimeSchema.nullish(),
    customerId: IdSchema.nullish(),
    payToAmount: WireAmountSchema.nullish(),
  })
  .superRefine(requireOnSuccess('paymentId'));

export type PaymentQuote = z.infer<typeof PaymentQuoteSchema>;
export type PayRequest = z.infer<typeof PayRequestObjectSchema>;
export type PayResponse = z.infer<typeof PayResponseSchema>;
