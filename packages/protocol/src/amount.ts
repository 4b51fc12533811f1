import currencyCodes from 'currency-codes';
import { assert } from './errors.ts';
import { err, ok, type Result } from './result.ts';

// Money on the wire is { currency: ISO 4217 alphabetic code, value: integer string in minor units }.
// Inside Tapkit the value is a bigint branded MinorUnits; it is never a JavaScript number, because a
// number silently loses precision above 2^53 and invites decimal arithmetic on floats.

export type MinorUnits = bigint & { readonly __brand: 'MinorUnits' };
export type CurrencyCode = string & { readonly __brand: 'CurrencyCode' };

export interface Amount {
  readonly currency: CurrencyCode;
  readonly value: MinorUnits;
}

export interface WireAmount {
  currency: string;
  value: string;
}

export type AmountErrorCode =
  | 'AMOUNT_NOT_OBJECT'
  | 'CURRENCY_NOT_STRING'
  | 'CURRENCY_UNKNOWN'
  | 'VALUE_NOT_STRING'
  | 'VALUE_NOT_DIGITS'
  | 'VALUE_LEADING_ZERO'
  | 'VALUE_TOO_LARGE'
  | 'MAJOR_NOT_DECIMAL'
  | 'MAJOR_TOO_MANY_DECIMALS';

export interface AmountError {
  code: AmountErrorCode;
  message: string;
}

/** The largest signed 64-bit integer: Alipay+ values must fit a Java long. */
export const INT64_MAX = 9_223_372_036_854_775_807n;
const int64MaxDigitCount = INT64_MAX.toString().length;

// (tapkit) ISO 4217 codes that are not money a wallet can hold are refused: precious metals, bond-market
// units, the SDR, the test code XTS and "no currency" XXX. Their minor unit is "N.A." in ISO 4217, which
// currency-codes reports as 0 digits.
const nonMoneyCodes: ReadonlySet<string> = new Set([
  'XAG',
  'XAU',
  'XBA',
  'XBB',
  'XBC',
  'XBD',
  'XDR',
  'XPD',
  'XPT',
  'XSU',
  'XTS',
  'XUA',
  'XXX',
]);

const exponentByCode: ReadonlyMap<string, number> = new Map(
  currencyCodes.data
    .filter((record) => !nonMoneyCodes.has(record.code) && Number.isInteger(record.digits))
    .map((record) => [record.code, record.digits]),
);

const codeByNumeric: ReadonlyMap<string, CurrencyCode> = new Map(
  currencyCodes.data
    .filter((record) => exponentByCode.has(record.code))
    .map((record) => [record.number, record.code as CurrencyCode]),
);
const numericByCode: ReadonlyMap<string, string> = new Map(
  [...codeByNumeric].map(([numeric, code]) => [code, numeric]),
);

/** Every currency code parseCurrency accepts, in ISO 4217 list order. */
export const CURRENCY_CODES: readonly CurrencyCode[] = [...exponentByCode.keys()] as CurrencyCode[];

const amountError = (code: AmountErrorCode, message: string): Result<never, AmountError> =>
  err({ code, message });

/** Message text never echoes more than this many characters of caller input, to keep logs small. */
const echoCharsMax = 32;
const echo = (text: string): string =>
  JSON.stringify(text.length > echoCharsMax ? `${text.slice(0, echoCharsMax)}...` : text);

export function parseCurrency(code: string): Result<CurrencyCode, AmountError> {
  // The lookup is exact and case-sensitive: "hkd" is not an ISO 4217 code on the wire.
  if (!/^[A-Z]{3}$/.test(code) || !exponentByCode.has(code)) {
    return amountError('CURRENCY_UNKNOWN', `unknown ISO 4217 currency code ${echo(code)}`);
  }
  return ok(code as CurrencyCode);
}

/** ISO 4217 minor-unit digits: HKD 2, JPY 0, KWD 3. */
export function currencyExponent(code: CurrencyCode): number {
  const exponent = exponentByCode.get(code);
  assert(exponent !== undefined, `currencyExponent: ${code} is not a parsed CurrencyCode`);
  return exponent;
}

/** The ISO 4217 numeric code (as EMV 5F2A carries it): HKD "344", JPY "392". */
export function currencyNumeric(code: CurrencyCode): string {
  const numeric = numericByCode.get(code);
  assert(numeric !== undefined, `currencyNumeric: ${code} is not a parsed CurrencyCode`);
  return numeric;
}

/** The currency of an ISO 4217 numeric code ("344" -> HKD); undefined for a code that is not money. */
export function currencyOfNumericCode(numeric: string): CurrencyCode | undefined {
  return codeByNumeric.get(numeric);
}

/** Brands a bigint as minor units; a value outside 0..INT64_MAX is a programmer error. */
export function minorUnits(value: bigint): MinorUnits {
  assert(value >= 0n && value <= INT64_MAX, `minorUnits: ${value} is outside 0..INT64_MAX`);
  return value as MinorUnits;
}

/** Parses a wire minor-unit value: digits only, no sign, no leading zeros except "0", fits int64. */
export function parseMinorUnits(value: unknown): Result<MinorUnits, AmountError> {
  if (typeof value !== 'string') {
    return amountError('VALUE_NOT_STRING', `amount value must be a string, got ${typeof value}`);
  }
  if (!/^[0-9]+$/.test(value)) {
    return amountError('VALUE_NOT_DIGITS', `amount value ${echo(value)} must be digits only`);
  }
  if (value.length > 1 && value.startsWith('0')) {
    return amountError('VALUE_LEADING_ZERO', `amount value ${echo(value)} has a leading zero`);
  }
  if (value.length > int64MaxDigitCount || BigInt(value) > INT64_MAX) {
    return amountError('VALUE_TOO_LARGE', `amount value ${echo(value)} does not fit a signed 64-bit integer`);
  }
  return ok(BigInt(value) as MinorUnits);
}

export function parseAmount(wire: unknown): Result<Amount, AmountError> {
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) {
    return amountError('AMOUNT_NOT_OBJECT', 'amount must be an object { currency, value }');
  }
  const { currency, value } = wire as { currency?: unknown; value?: unknown };
  if (typeof currency !== 'string') {
    return amountError('CURRENCY_NOT_STRING', `amount currency must be a string, got ${typeof currency}`);
  }
  const parsedCurrency = parseCurrency(currency);
  if (!parsedCurrency.ok) return parsedCurrency;
  const parsedValue = parseMinorUnits(value);
  if (!parsedValue.ok) return parsedValue;
  return ok({ currency: parsedCurrency.value, value: parsedValue.value });
}

export function toWireAmount(amount: Amount): WireAmount {
  return { currency: amount.currency, value: amount.value.toString() };
}

/** The major-unit text of an amount, with exactly the currency's decimals: HKD 1000 -> "10.00". */
export function formatMajor(amount: Amount): string {
  const exponent = currencyExponent(amount.currency);
  if (exponent === 0) return amount.value.toString();
  const digits = amount.value.toString().padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** Display text, code first: "HKD 10.00", "JPY 100", "KWD 1.234". */
export function formatAmount(amount: Amount): string {
  return `${amount.currency} ${formatMajor(amount)}`;
}

/**
 * Parses major-unit text as a person types it: "10", "10.5", "10.50" for HKD give 1000, 1050, 1050.
 * No sign, no leading zeros (except a single "0" before the point), no more decimals than the currency
 * has, and the result must fit int64.
 */
export function parseMajorAmount(currency: CurrencyCode, text: string): Result<Amount, AmountError> {
  const exponent = currencyExponent(currency);
  const match = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/.exec(text);
  if (match === null) {
    return amountError('MAJOR_NOT_DECIMAL', `${echo(text)} is not a plain decimal amount like "10.50"`);
  }
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) {
    return amountError(
      'MAJOR_TOO_MANY_DECIMALS',
      `${echo(text)} has more than ${exponent} decimals, the minor unit of ${currency}`,
    );
  }
  if (whole.length + exponent > int64MaxDigitCount + 1) {
    return amountError('VALUE_TOO_LARGE', `${echo(text)} does not fit a signed 64-bit integer`);
  }
  const minor = BigInt(whole + fraction.padEnd(exponent, '0'));
  if (minor > INT64_MAX) {
    return amountError('VALUE_TOO_LARGE', `${echo(text)} does not fit a signed 64-bit integer`);
  }
  return ok({ currency, value: minor as MinorUnits });
}

/** Builds an Amount from trusted parts (programmer error if they are invalid). */
export function amountOf(currency: string, value: bigint): Amount {
  const parsedCurrency = parseCurrency(currency);
  assert(parsedCurrency.ok, `amountOf: unknown currency ${currency}`);
  return { currency: parsedCurrency.value, value: minorUnits(value) };
}
