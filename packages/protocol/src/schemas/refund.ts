import * as z from 'zod';
import {
  DateTimeSchema,
  emptyAsAbsent,
  IdSchema,
  ResultSchema,
  requireOnSuccess,
  text,
  textCharsMax,
  WireAmountSchema,
} from './common.ts';

// POST /aps/api/v1/payments/refund (Alipay+ -> MPP). refundAmount is in the payment's paymentAmount
// currency; refundFromAmount (tapkit, optional) is in the wallet currency, converted with the original
// quote when absent.

// paymentRequestId names the payment; paymentId, when sent, must be that payment's (tapkit). A refund in
// another currency than the payment's is converted at the payment's rate, never refused.
export const RefundRequestSchema = emptyAsAbsent(
  z.looseObject({
    acquirerId: IdSchema,
    pspId: IdSchema,
    paymentRequestId: IdSchema,
    paymentId: IdSchema.nullish(),
    refundRequestId: IdSchema,
    refundAmount: WireAmountSchema,
    refundFromAmount: WireAmountSchema.nullish(),
    refundReason: text(textCharsMax).nullish(),
  }),
);

export const RefundResponseSchema = z
  .looseObject({
    result: ResultSchema,
    refundId: IdSchema.nullish(),
    refundTime: DateTimeSchema.nullish(),
    refundFromAmount: WireAmountSchema.nullish(),
  })
  .superRefine(requireOnSuccess('refundId'));

export type RefundRequest = z.infer<typeof RefundRequestSchema>;
export type RefundResponse = z.infer<typeof RefundResponseSchema>;
