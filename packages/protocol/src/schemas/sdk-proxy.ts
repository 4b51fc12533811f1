import * as z from 'zod';
import { IdSchema, ResultSchema, text } from './common.ts';

// POST /aps/api/v1/mobile/sdkProxy (MPP -> Alipay+, forwarded to the Ant server). (tapkit) The SDK's
// request header and body travel as opaque strings (the SDK's own JSON, serialized): the proxy forwards
// them untouched and never needs to understand them.

/** (tapkit) Fits inside the 64 KiB signed-body limit with room for the envelope. */
export const sdkBodyCharsMax = 32_768;
export const sdkHeaderCharsMax = 4_096;

export const SdkProxyRequestSchema = z.looseObject({
  customerId: IdSchema,
  sdkRequestType: IdSchema,
  // REQUIRED by the doc: the SDK builds it for every request, the MPP passes it on unchanged.
  sdkRequestHeader: text(sdkHeaderCharsMax),
  sdkRequestBody: text(sdkBodyCharsMax),
});

export const SdkProxyResponseSchema = z.looseObject({
  result: ResultSchema,
  sdkResponseBody: text(sdkBodyCharsMax).nullish(),
});

export type SdkProxyRequest = z.infer<typeof SdkProxyRequestSchema>;
export type SdkProxyResponse = z.infer<typeof SdkProxyResponseSchema>;
