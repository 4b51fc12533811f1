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

/**
 * (tapkit) The id grammar: 1 to 64 characters, none of them a control character (C0, DEL, C1) or half a
 * surrogate pair. SQLite would store a NUL and PostgreSQL would refuse it (U for ever): the outcome
 * would depend on the engine, so such an id is PARAM_ILLEGAL on both. Any other Unicode is accepted.
 */
export const IdSchema = z
  .string()
  .min(1)
  .max(idCharsMax)
  .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'must not contain control characters');

/**
 * A non-empty string of at most `charsMax` characters: free text keeps any printable Unicode (and line
 * breaks), but never a NUL or half a surrogate pair, which no engine stores as sent.
 */
export const text = (charsMax: number) =>
  z
    .string()
    .min(1)
    .max(charsMax)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: naming NUL is the point of this pattern.
    .regex(/^[^\u0000\p{Cs}]*$/u, 'must not contain NUL or unpaired surrogates');

/** A short tapkit text an app chose (customData): printable, no control characters at all. */
export const printableText = (charsMax: number) =>
  z
    .string()
    .min(1)
    .max(charsMax)
    .regex(/^[^\p{Cc}\p{Cs}]*$/u, 'must not contain control characters');

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

/** (tapkit) Bound of an open-string field whose values the docs do not fix (types, scenarios, regions). */
export const openCharsMax = 64;
/** An open string: any value the peer sends (bounded), never refused for being unforeseen. */
export const OpenStringSchema = text(openCharsMax);

// The Alipay+ Merchant model (doc names); every field optional and open: a payment is never declined for
// how the acquirer describes its merchant.
export const MerchantAddressSchema = z.looseObject({
  region: OpenStringSchema.nullish(),
  city: text(128).nullish(),
});

export const MerchantSchema = z.looseObject({
  referenceMerchantId: IdSchema.nullish(),
  /** The name Tapkit's counterpart used before it spoke the model's `referenceMerchantId`; accepted. */
  merchantId: IdSchema.nullish(),
  merchantName: text(textCharsMax).nullish(),
  merchantDisplayName: text(textCharsMax).nullish(),
  merchantMCC: OpenStringSchema.nullish(),
  merchantAddress: MerchantAddressSchema.nullish(),
});

/** The merchant's id under the model's name, else the legacy one. */
export function merchantIdOf(merchant: z.infer<typeof MerchantSchema> | null | undefined): string | null {
  return merchant?.referenceMerchantId ?? merchant?.merchantId ?? null;
}

/** (tapkit) How deep dropEmptyStrings walks; the signed-body bounds keep real requests far shallower. */
const emptyStringDepthMax = 32;

/**
 * (tapkit, liberal acceptance) On receipt, a field whose value is "" counts as absent: the property is
 * dropped before validation, so an optional one is simply not there and a required one fails as missing
 * (PARAM_ILLEGAL). Array elements are left alone (an array's length is part of its meaning).
 */
export function dropEmptyStrings(value: unknown, depth = 0): unknown {
  if (depth >= emptyStringDepthMax || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => dropEmptyStrings(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    // defineProperty, not assignment: a "__proto__" key from JSON.parse stays a plain field.
    if (child !== '') {
      Object.defineProperty(out, key, {
        value: dropEmptyStrings(child, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
}

/** A request schema whose "" fields count as absent (see dropEmptyStrings). */
export const emptyAsAbsent = <S extends z.ZodType>(schema: S) =>
  z.preprocess((value: unknown) => dropEmptyStrings(value), schema);

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
