import {
  type Amount,
  type CurrencyCode,
  currencyExponent,
  INT64_MAX,
  type MinorUnits,
  parseCurrency,
} from './amount.ts';
import { err, ok, type Result } from './result.ts';

// Currency conversion with an Alipay+ quote (paymentQuote: quoteCurrencyPair "USD/HKD", quotePrice
// "7.8123" meaning 1 USD = 7.8123 HKD). Both the Alipay+ counterpart (payToAmount) and the MPP (a refund
// without refundFromAmount) convert, and they must agree to the minor unit, so the arithmetic lives here
// and is exact: bigint rationals, never a JavaScript number.

export type Rounding = 'HALF_UP' | 'DOWN' | 'UP';

/** (tapkit) The documentation does not say how quotes round; Tapkit rounds half up. */
export const QUOTE_ROUNDING_DEFAULT: Rounding = 'HALF_UP';

export interface Quote {
  readonly quoteCurrencyPair: string;
  readonly quotePrice: string;
}

export type QuoteErrorCode =
  | 'QUOTE_PAIR_INVALID'
  | 'QUOTE_PRICE_INVALID'
  | 'QUOTE_CURRENCY_MISMATCH'
  | 'VALUE_TOO_LARGE';

export interface QuoteError {
  code: QuoteErrorCode;
  message: string;
}

const quotePriceCharsMax = 32;

const quoteError = (code: QuoteErrorCode, message: string): Result<never, QuoteError> =>
  err({ code, message });

interface ParsedQuote {
  base: CurrencyCode;
  counter: CurrencyCode;
  /** price = priceScaled / 10^priceScale */
  priceScaled: bigint;
  priceScale: number;
}

export function parseQuote(quote: Quote): Result<ParsedQuote, QuoteError> {
  const [baseText, counterText, ...rest] = quote.quoteCurrencyPair.split('/');
  const base = parseCurrency(baseText ?? '');
  const counter = parseCurrency(counterText ?? '');
  if (rest.length > 0 || !base.ok || !counter.ok || base.value === counter.value) {
    return quoteError(
      'QUOTE_PAIR_INVALID',
      'quoteCurrencyPair must be two different currencies like "USD/HKD"',
    );
  }
  const match = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/.exec(quote.quotePrice);
  if (quote.quotePrice.length > quotePriceCharsMax || match === null) {
    return quoteError('QUOTE_PRICE_INVALID', 'quotePrice must be a plain decimal like "7.8123"');
  }
  const fraction = match[2] ?? '';
  const priceScaled = BigInt((match[1] ?? '0') + fraction);
  if (priceScaled === 0n) {
    return quoteError('QUOTE_PRICE_INVALID', 'quotePrice must be greater than zero');
  }
  return ok({ base: base.value, counter: counter.value, priceScaled, priceScale: fraction.length });
}

/** Divides two non-negative bigints with the given rounding. */
export function divideRounded(numerator: bigint, denominator: bigint, rounding: Rounding): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder === 0n || rounding === 'DOWN') return quotient;
  if (rounding === 'UP') return quotient + 1n;
  return 2n * remainder >= denominator ? quotient + 1n : quotient;
}

/**
 * Converts `amount` into `target` with the quote, in either direction of the pair. Partial refunds that
 * are converted one by one may, through rounding, add up to more than the converted whole; the caller
 * caps them at what remains.
 */
export function convertAmount(
  amount: Amount,
  quote: Quote,
  target: CurrencyCode,
  rounding: Rounding = QUOTE_ROUNDING_DEFAULT,
): Result<Amount, QuoteError> {
  const parsed = parseQuote(quote);
  if (!parsed.ok) return parsed;
  const { base, counter, priceScaled, priceScale } = parsed.value;
  const sourceScale = 10n ** BigInt(currencyExponent(amount.currency));
  const targetScale = 10n ** BigInt(currencyExponent(target));
  const priceDenominator = 10n ** BigInt(priceScale);
  let converted: bigint;
  if (amount.currency === base && target === counter) {
    converted = divideRounded(
      amount.value * priceScaled * targetScale,
      priceDenominator * sourceScale,
      rounding,
    );
  } else if (amount.currency === counter && target === base) {
    converted = divideRounded(
      amount.value * priceDenominator * targetScale,
      priceScaled * sourceScale,
      rounding,
    );
  } else {
    return quoteError(
      'QUOTE_CURRENCY_MISMATCH',
      `quote ${base}/${counter} cannot convert ${amount.currency} to ${target}`,
    );
  }
  if (converted > INT64_MAX) {
    return quoteError('VALUE_TOO_LARGE', 'the converted amount does not fit a signed 64-bit integer');
  }
  return ok({ currency: target, value: converted as MinorUnits });
}
