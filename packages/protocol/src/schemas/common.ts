import * as z from 'zod';
import { parseAmount } from '../amount.ts';
import { RESULT_STATUSES } from '../result-codes.ts';

// Field schemas shared by the Alipay+ API schemas. They describe the WIRE shape: every scalar is a JSON
// string (booleans are "true"/"false"), an optional field is absent or null but never "", and amounts
// follow the strict parseAmount rules.
//
// Every object schema is loose (z.looseObject): unknown extra fields are accepted and kept. A newer
// Alipay+ may add fields at any time, and refusing them would turn a harmless addition into failed
// payments. Kept fields also mean a parsed body re-serializes without losing anything.

/** Identifiers (paymentRequestId, paymentId, customerId, ...) are at most 64 characters (doc). */
export const idCharsMax = 64;
/** Free texts (customData, descriptions, merchant names) are at most 256 characters. */
export const textCharsMax = 256;

export const IdSchema = z.string().min(1).max(idCharsMax);

/** A non-empty string of at most `charsMax` characters. */
export const text = (charsMax: number) => z.string().min(1).max(charsMax);

export const BooleanStringSchema = z.enum(['true', 'false']);

/** ISO 8601 date-time with a UTC offset or Z, e.g. 2026-11-25T12:00:00+08:00. */
export const DateTimeSchema = z.iso.datetime({ offset: true });

export const ResultStatusSchema = z.enum(RESULT_STATUSES as ['S', 'F', 'U']);

/**
 * A result object: { resultCode, resultStatus, resultMessage }. resultCode is any code, not only the
 * catalog's, because a newer peer may send codes Tapkit does not know; the status decides what to do.
 */
export const ResultSchema = z.looseObject({
  resultCode: z.string().min(1).max(idCharsMax),
  resultStatus: ResultStatusSchema,
  resultMessage: z.string().max(1024),
});

/** { currency, value } validated by parseAmount: known ISO 4217 code, digits only, fits int64. */
export const WireAmountSchema = z
  .looseObject({
    currency: z.string(),
    value: z.string(),
  })
  .superRefine((wire, ctx) => {
    const parsed = parseAmount(wire);
    if (!parsed.ok) {
      const path = parsed.error.code === 'CURRENCY_UNKNOWN' ? ['currency'] : ['value'];
      ctx.addIssue({ code: 'custom', path, message: parsed.error.message, params: parsed.error });
    }
  });

export const MerchantAddressSchema = z.looseObject({
  region: z
    .string()
    .regex(/^[A-Z]{2}$/, 'region must be an ISO 3166-1 alpha-2 code')
    .nullish(),
  city: text(128).nullish(),
});

export const MerchantSchema = z.looseObject({
  merchantId: IdSchema,
  merchantName: text(textCharsMax).nullish(),
  merchantMCC: z
    .string()
    .regex(/^[0-9]{4}$/, 'merchantMCC must be 4 digits')
    .nullish(),
  merchantAddress: MerchantAddressSchema.nullish(),
});

/**
 * A refinement for responses: when the result is S, the named fields must be present. (tapkit) A success
 * without the ids needed for later calls (refund, cancel) is treated as malformed, hence unknown.
 */
export const requireOnSuccess =
  (...fields: readonly string[]) =>
  (response: { result: { resultStatus: string } }, ctx: z.RefinementCtx): void => {
    if (response.result.resultStatus !== 'S') return;
    const record = response as unknown as Record<string, unknown>;
    for (const field of fields) {
      if (record[field] === undefined || record[field] === null) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `${field} is required when resultStatus is S`,
        });
      }
    }
  };
