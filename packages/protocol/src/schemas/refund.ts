import * as z from 'zod';
import {
  DateTimeSchema,
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

export const RefundRequestSchema = z.looseObject({
  acquirerId: IdSchema,
  pspId: IdSchema,
  paymentRequestId: IdSchema,
  paymentId: IdSchema,
  refundRequestId: IdSchema,
  refundAmount: WireAmountSchema,
  refundFromAmount: WireAmountSchema.nullish(),
  refundReason: text(textCharsMax).nullish(),
});

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
