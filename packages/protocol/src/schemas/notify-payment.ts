import * as z from 'zod';
import { DateTimeSchema, IdSchema, ResultSchema, WireAmountSchema } from './common.ts';

// POST /aps/api/v1/payments/notifyPayment (MPP -> Alipay+). Sent when a payment reaches S or F, never U
// (a cancelled payment is F ORDER_IS_CLOSED). The answer is an acknowledgement: only S stops retries.

export const NotifyPaymentRequestSchema = z
  .looseObject({
    paymentRequestId: IdSchema,
    paymentId: IdSchema.nullish(),
    paymentResult: ResultSchema,
    paymentAmount: WireAmountSchema,
    payToAmount: WireAmountSchema,
    customerId: IdSchema,
    paymentTime: DateTimeSchema.nullish(),
  })
  .superRefine((request, ctx) => {
    if (request.paymentResult.resultStatus === 'U') {
      ctx.addIssue({
        code: 'custom',
        path: ['paymentResult', 'resultStatus'],
        message: 'notifyPayment carries only final results (S or F), never U',
      });
    }
    if (request.paymentResult.resultStatus === 'S' && !request.paymentId) {
      ctx.addIssue({
        code: 'custom',
        path: ['paymentId'],
        message: 'paymentId is required when paymentResult.resultStatus is S',
      });
    }
  });

export const NotifyPaymentResponseSchema = z.looseObject({
  result: ResultSchema,
});

export type NotifyPaymentRequest = z.infer<typeof NotifyPaymentRequestSchema>;
export type NotifyPaymentResponse = z.infer<typeof NotifyPaymentResponseSchema>;
