import type { z } from 'zod';
import type { ApiName } from '../result-codes.ts';
import { AdjustRefundRequestSchema, AdjustRefundResponseSchema } from './adjust-refund.ts';
import { CancelPaymentRequestSchema, CancelPaymentResponseSchema } from './cancel-payment.ts';
import { InquiryPaymentRequestSchema, InquiryPaymentResponseSchema } from './inquiry-payment.ts';
import { NotifyPaymentRequestSchema, NotifyPaymentResponseSchema } from './notify-payment.ts';
import { PayRequestSchema, PayResponseSchema } from './pay.ts';
import { RefundRequestSchema, RefundResponseSchema } from './refund.ts';
import { SdkProxyRequestSchema, SdkProxyResponseSchema } from './sdk-proxy.ts';

export * from './adjust-refund.ts';
export * from './cancel-payment.ts';
export * from './common.ts';
export * from './inquiry-payment.ts';
export * from './notify-payment.ts';
export * from './pay.ts';
export * from './refund.ts';
export * from './sdk-proxy.ts';
export * from './tokens.ts';

export const REQUEST_SCHEMAS = {
  pay: PayRequestSchema,
  inquiryPayment: InquiryPaymentRequestSchema,
  cancelPayment: CancelPaymentRequestSchema,
  refund: RefundRequestSchema,
  adjustRefund: AdjustRefundRequestSchema,
  notifyPayment: NotifyPaymentRequestSchema,
  sdkProxy: SdkProxyRequestSchema,
} as const satisfies Record<ApiName, z.ZodType>;

export const RESPONSE_SCHEMAS = {
  pay: PayResponseSchema,
  inquiryPayment: InquiryPaymentResponseSchema,
  cancelPayment: CancelPaymentResponseSchema,
  refund: RefundResponseSchema,
  adjustRefund: AdjustRefundResponseSchema,
  notifyPayment: NotifyPaymentResponseSchema,
  sdkProxy: SdkProxyResponseSchema,
} as const satisfies Record<ApiName, z.ZodType>;

/** The parsed request body of an API, e.g. RequestOf<'pay'> is PayRequest. */
export type RequestOf<A extends ApiName> = z.infer<(typeof REQUEST_SCHEMAS)[A]>;
/** The response body of an API, e.g. ResponseOf<'pay'> is PayResponse. */
export type ResponseOf<A extends ApiName> = z.infer<(typeof RESPONSE_SCHEMAS)[A]>;
