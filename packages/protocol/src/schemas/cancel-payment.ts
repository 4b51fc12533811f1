import * as z from 'zod';
import { DateTimeSchema, emptyAsAbsent, IdSchema, ResultSchema } from './common.ts';

// POST /aps/api/v1/payments/cancelPayment (Alipay+ -> MPP). Succeeds whatever the payment's status,
// inside the cancel window; after it F CANCEL_WINDOW_EXCEEDED.

export const CancelPaymentRequestSchema = emptyAsAbsent(
  z.looseObject({
    acquirerId: IdSchema,
    pspId: IdSchema,
    paymentRequestId: IdSchema,
  }),
);

export const CancelPaymentResponseSchema = z.looseObject({
  result: ResultSchema,
  // Absent when the payment was never seen (the cancel only recorded a tombstone).
  paymentId: IdSchema.nullish(),
  cancelTime: DateTimeSchema.nullish(),
});

export type CancelPaymentRequest = z.infer<typeof CancelPaymentRequestSchema>;
export type CancelPaymentResponse = z.infer<typeof CancelPaymentResponseSchema>;
