import * as z from 'zod';
import {
  DateTimeSchema,
  emptyAsAbsent,
  IdSchema,
  MerchantSchema,
  ResultSchema,
  requireOnSuccess,
  WireAmountSchema,
} from './common.ts';

// POST /aps/api/v1/payments/adjustRefund (Alipay+ -> MPP, path tapkit). NFC only; the MPP never fails it
// for business reasons. EXCEED_REFUND carries the excess over a normal refund of the paid amount and names
// the payment; UNLINKED_REFUND carries a whole refund that matches no payment.

export const SubScenarioTypeSchema = z.enum(['EXCEED_REFUND', 'UNLINKED_REFUND']);
export type SubScenarioType = z.infer<typeof SubScenarioTypeSchema>;

export const AdjustRefundRequestSchema = emptyAsAbsent(
  z
    .looseObject({
      acquirerId: IdSchema,
      pspId: IdSchema,
      refundRequestId: IdSchema,
      customerId: IdSchema,
      refundAmount: WireAmountSchema,
      subScenarioType: SubScenarioTypeSchema,
      paymentRequestId: IdSchema.nullish(),
      merchant: MerchantSchema.nullish(),
      networkTraceId: IdSchema.nullish(),
    })
    .superRefine((request, ctx) => {
      if (request.subScenarioType === 'EXCEED_REFUND' && !request.paymentRequestId) {
        ctx.addIssue({
          code: 'custom',
          path: ['paymentRequestId'],
          message: 'paymentRequestId is required when subScenarioType is EXCEED_REFUND',
        });
      }
    }),
);

export const AdjustRefundResponseSchema = z
  .looseObject({
    result: ResultSchema,
    refundId: IdSchema.nullish(),
    refundTime: DateTimeSchema.nullish(),
  })
  .superRefine(requireOnSuccess('refundId'));

export type AdjustRefundRequest = z.infer<typeof AdjustRefundRequestSchema>;
export type AdjustRefundResponse = z.infer<typeof AdjustRefundResponseSchema>;
