import * as z from 'zod';
import {
  DateTimeSchema,
  emptyAsAbsent,
  IdSchema,
  ResultSchema,
  requireOnSuccess,
  WireAmountSchema,
} from './common.ts';

// POST /aps/api/v1/payments/inquiryPayment (Alipay+ -> MPP). The top-level result says whether the
// inquiry worked (F ORDER_NOT_EXIST for an unknown id); paymentResult says how the payment ended:
// S SUCCESS, U PAYMENT_IN_PROCESS, or F with the reason (F ORDER_IS_CLOSED once cancelled).

export const InquiryPaymentRequestSchema = emptyAsAbsent(
  z.looseObject({
    acquirerId: IdSchema,
    pspId: IdSchema,
    paymentRequestId: IdSchema,
    paymentId: IdSchema.nullish(),
  }),
);

export const InquiryPaymentResponseSchema = z
  .looseObject({
    result: ResultSchema,
    paymentResult: ResultSchema.nullish(),
    paymentId: IdSchema.nullish(),
    paymentTime: DateTimeSchema.nullish(),
    paymentAmount: WireAmountSchema.nullish(),
    payToAmount: WireAmountSchema.nullish(),
    customerId: IdSchema.nullish(),
  })
  .superRefine(requireOnSuccess('paymentResult'))
  .superRefine((response, ctx) => {
    if (response.paymentResult?.resultStatus === 'S' && !response.paymentId) {
      ctx.addIssue({
        code: 'custom',
        path: ['paymentId'],
        message: 'paymentId is required when paymentResult.resultStatus is S',
      });
    }
  });

export type InquiryPaymentRequest = z.infer<typeof InquiryPaymentRequestSchema>;
export type InquiryPaymentResponse = z.infer<typeof InquiryPaymentResponseSchema>;
