import * as z from 'zod';
import {
  BooleanStringSchema,
  DateTimeSchema,
  IdSchema,
  MerchantSchema,
  ResultSchema,
  requireOnSuccess,
  text,
  textCharsMax,
  WireAmountSchema,
} from './common.ts';

// POST /aps/api/v1/payments/pay (Alipay+ -> MPP). NFC-specific parts are (tapkit), see ALIPAYPLUS_API.md.

export const AuthorizationTypeSchema = z.enum([
  'FINAL',
  'PRE_AUTH',
  'INCREMENTAL',
  'ADVICE',
  'CLEARING_ADJUSTMENT',
]);
export type AuthorizationType = z.infer<typeof AuthorizationTypeSchema>;

/** Authorization types that add to an earlier payment and so must name it. */
export const LINKED_AUTHORIZATION_TYPES: readonly AuthorizationType[] = [
  'INCREMENTAL',
  'CLEARING_ADJUSTMENT',
];

// (tapkit) the only payment method Tapkit's Alipay+ sends: a tap of a tokenized wallet card.
export const PaymentMethodTypeSchema = z.enum(['CONNECT_WALLET_NFC']);

export const PaymentMethodSchema = z.looseObject({
  paymentMethodType: PaymentMethodTypeSchema,
  // The token unique reference of the tapped card.
  paymentMethodId: IdSchema,
});

export const PaymentQuoteSchema = z.looseObject({
  quoteId: IdSchema,
  quoteCurrencyPair: z.string().regex(/^[A-Z]{3}\/[A-Z]{3}$/, 'quoteCurrencyPair must look like "USD/HKD"'),
  quotePrice: z
    .string()
    .max(32)
    .regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'quotePrice must be a plain decimal like "7.8123"')
    .refine((price) => /[1-9]/.test(price), 'quotePrice must be greater than zero'),
  quoteStartTime: DateTimeSchema.nullish(),
  quoteExpiryTime: DateTimeSchema.nullish(),
});

export const OrderSchema = z.looseObject({
  referenceOrderId: IdSchema,
  orderDescription: text(textCharsMax).nullish(),
  merchant: MerchantSchema.nullish(),
  env: z.looseObject({ terminalId: IdSchema.nullish() }).nullish(),
});

// (tapkit) required: every Tapkit payment is an NFC tap, and the authorization type decides how the MPP
// books it, so there is no implicit default.
export const PaymentFactorSchema = z
  .looseObject({
    isInStorePayment: BooleanStringSchema.nullish(),
    inStorePaymentScenario: z.enum(['NFC']).nullish(),
    authorizationType: AuthorizationTypeSchema,
    originalPaymentRequestId: IdSchema.nullish(),
  })
  .superRefine((factor, ctx) => {
    if (LINKED_AUTHORIZATION_TYPES.includes(factor.authorizationType) && !factor.originalPaymentRequestId) {
      ctx.addIssue({
        code: 'custom',
        path: ['originalPaymentRequestId'],
        message: `originalPaymentRequestId is required when authorizationType is ${factor.authorizationType}`,
      });
    }
  });

// (tapkit) ATC as tag 9F36 reads: 2 bytes, 4 upper-case hex digits. posEntryMode is ISO 8583 DE22.
export const NfcTransactionInfoSchema = z.looseObject({
  networkTraceId: IdSchema.nullish(),
  atc: z
    .string()
    .regex(/^[0-9A-F]{4}$/, 'atc must be 4 upper-case hex digits')
    .nullish(),
  posEntryMode: z
    .string()
    .regex(/^[0-9]{2,4}$/, 'posEntryMode must be 2 to 4 digits')
    .nullish(),
  cvmPerformed: BooleanStringSchema.nullish(),
});

export const PayRequestSchema = z
  .looseObject({
    acquirerId: IdSchema,
    pspId: IdSchema,
    paymentRequestId: IdSchema,
    paymentAmount: WireAmountSchema,
    payToAmount: WireAmountSchema,
    paymentQuote: PaymentQuoteSchema.nullish(),
    customerId: IdSchema,
    paymentMethod: PaymentMethodSchema.nullish(),
    order: OrderSchema,
    paymentFactor: PaymentFactorSchema,
    nfcTransactionInfo: NfcTransactionInfoSchema.nullish(),
    customData: text(textCharsMax).nullish(),
    paymentExpiryTime: DateTimeSchema.nullish(),
    paymentNotifyUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .nullish(),
  })
  .superRefine((request, ctx) => {
    const paymentCurrency = request.paymentAmount.currency;
    const payToCurrency = request.payToAmount.currency;
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
export type PayRequest = z.infer<typeof PayRequestSchema>;
export type PayResponse = z.infer<typeof PayResponseSchema>;
