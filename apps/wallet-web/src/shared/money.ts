// Money on screen: minor units as bigint (never a JS number), shown and typed in major units.

/** ISO 4217 currencies the demo pages offer, with their numeric code and minor-unit exponent. */
export const CURRENCIES = {
  HKD: { numeric: '344', exponent: 2 },
  CAD: { numeric: '124', exponent: 2 },
  USD: { numeric: '840', exponent: 2 },
  EUR: { numeric: '978', exponent: 2 },
  SGD: { numeric: '702', exponent: 2 },
  JPY: { numeric: '392', exponent: 0 },
} as const;

export type CurrencyCode = keyof typeof CURRENCIES;

export function isCurrencyCode(value: string): value is CurrencyCode {
  return Object.hasOwn(CURRENCIES, value);
}

export function exponentOf(currency: string): number {
  return isCurrencyCode(currency) ? CURRENCIES[currency].exponent : 2;
}

export function currencyOfNumeric(numeric: string): string {
  const found = Object.entries(CURRENCIES).find(([, c]) => c.numeric === numeric);
  return found === undefined ? numeric : found[0];
}

/** "1234" HKD → "12.34"; works on the decimal string so no precision is ever lost. */
export function formatMinor(valueMinor: bigint | string, currency: string): string {
  const value = typeof valueMinor === 'bigint' ? valueMinor : BigInt(valueMinor);
  const exponent = exponentOf(currency);
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

/** "12.5" HKD → 1250n; undefined for anything that is not a positive amount with at most `exponent` decimals. */
export function parseMajor(text: string, currency: string): bigint | undefined {
  const exponent = exponentOf(currency);
  const match = /^(\d{1,12})(?:\.(\d*))?$/.exec(text.trim());
  if (match === null) return undefined;
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) return undefined;
  const digits = (match[1] ?? '') + fraction.padEnd(exponent, '0');
  if (digits.replace(/^0+/, '').length > amountDigitsMax) return undefined;
  const value = BigInt(digits);
  return value > 0n ? value : undefined;
}
