// Money on screen: minor units as bigint (never a JS number), shown and typed in major units. Every
// currency's exponent and numeric code come from the protocol's ISO 4217 catalog (@tapkit/protocol), the
// same one the servers check amounts against: KWD has 3 decimals, JPY none, and no currency is guessed.
import {
  currencyExponent,
  currencyNumeric,
  currencyOfNumericCode,
  type CurrencyCode as IsoCurrencyCode,
  parseCurrency,
} from '@tapkit/protocol';

/** The currencies the demo pages offer in their pickers (any ISO 4217 currency still formats). */
const OFFERED_CODES = ['HKD', 'CAD', 'USD', 'EUR', 'SGD', 'JPY'] as const;

export type CurrencyCode = (typeof OFFERED_CODES)[number];

/** The offered currencies with their numeric code and minor-unit exponent, read from the catalog. */
export const CURRENCIES: Readonly<Record<CurrencyCode, { numeric: string; exponent: number }>> =
  Object.fromEntries(
    OFFERED_CODES.map((code) => {
      const iso = code as string as IsoCurrencyCode;
      return [code, { numeric: currencyNumeric(iso), exponent: currencyExponent(iso) }];
    }),
  ) as Record<CurrencyCode, { numeric: string; exponent: number }>;

export function isCurrencyCode(value: string): value is CurrencyCode {
  return Object.hasOwn(CURRENCIES, value);
}

/** The ISO 4217 minor-unit digits of any currency; undefined for a code that is not ISO 4217 money. */
export function exponentOf(currency: string): number | undefined {
  const parsed = parseCurrency(currency);
  return parsed.ok ? currencyExponent(parsed.value) : undefined;
}

/** "344" → "HKD"; a numeric code the catalog does not know is shown as it is. */
export function currencyOfNumeric(numeric: string): string {
  return currencyOfNumericCode(numeric) ?? numeric;
}

/**
 * "1234" HKD → "12.34", "1234" KWD → "1.234"; works on the decimal string so no precision is ever lost.
 * A currency outside the catalog shows its minor units as they are: inventing decimals would misstate it.
 */
export function formatMinor(valueMinor: bigint | string, currency: string): string {
  const value = typeof valueMinor === 'bigint' ? valueMinor : BigInt(valueMinor);
  const exponent = exponentOf(currency) ?? 0;
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = exponent === 0 ? '' : `.${digits.slice(digits.length - exponent)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

export function formatMoney(valueMinor: bigint | string, currency: string): string {
  return `${currency} ${formatMinor(valueMinor, currency)}`;
}

/** Up to 12 digits of minor units (EMV 9F02 is n12). */
const amountDigitsMax = 12;

/**
 * "12.5" HKD → 1250n; undefined for anything that is not a positive amount with at most the currency's
 * decimals, and for a currency outside the catalog (its exponent is unknown).
 */
export function parseMajor(text: string, currency: string): bigint | undefined {
  const exponent = exponentOf(currency);
  if (exponent === undefined) return undefined;
  const match = /^(\d{1,12})(?:\.(\d*))?$/.exec(text.trim());
  if (match === null) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) return undefined;
  const digits = (match[1] ?? '') + fraction.padEnd(exponent, '0');
  if (digits.replace(/^0+/, '').length > amountDigitsMax) return undefined;
  const value = BigInt(digits);
  return value > 0n ? value : undefined;
}
