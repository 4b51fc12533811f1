// FX quotes for cross-currency payments: a configurable rate table, a quote id per quote, and the
// payToAmount / paymentQuote of a pay request. The arithmetic is @tapkit/protocol's convertAmount, the
// same the MPP uses for refunds, so both sides agree to the minor unit.
import {
  type Amount,
  type Clock,
  type CurrencyCode,
  convertAmount,
  err,
  formatRequestTime,
  ok,
  type PaymentQuote,
  parseQuote,
  type Result,
  type WireAmount,
} from '@tapkit/protocol';

/** One row of the rate table: 1 `base` = `price` `counter` (e.g. USD/HKD 7.8123). */
export interface RateEntry {
  readonly base: string;
  readonly counter: string;
  /** A plain decimal string, never a JS number: "7.8123". */
  readonly price: string;
}

export interface QuoteConfig {
  readonly rates: readonly RateEntry[];
  /** (tapkit) How long a quote is valid; 10 minutes by default. */
  readonly validityMs?: number;
}

export const QUOTE_VALIDITY_MS_DEFAULT = 10 * 60_000;

/** (tapkit) The default rate table: sample rates into HKD wallets, not market data. */
export const QUOTE_RATES_DEFAULT: readonly RateEntry[] = [
  { base: 'USD', counter: 'HKD', price: '7.8000' },
  { base: 'EUR', counter: 'HKD', price: '8.4000' },
  { base: 'CNY', counter: 'HKD', price: '1.0800' },
];

export type QuoteErrorCode = 'QUOTE_SAME_CURRENCY' | 'QUOTE_PAIR_UNSUPPORTED' | 'QUOTE_CONVERSION_FAILED';
export interface QuoteFailure {
  code: QuoteErrorCode;
  message: string;
}

export interface IssuedQuote extends PaymentQuote {
  readonly quoteId: string;
  readonly quoteCurrencyPair: string;
  readonly quotePrice: string;
  readonly quoteStartTime: string;
  readonly quoteExpiryTime: string;
}

export interface QuoteBookDeps {
  config: QuoteConfig;
  clock: Clock;
  /** A fresh unique id per quote. */
  newId(): string;
}

export class QuoteBook {
  private readonly rates = new Map<string, RateEntry>();

  constructor(private readonly deps: QuoteBookDeps) {
    for (const entry of deps.config.rates) {
      const pair = `${entry.base}/${entry.counter}`;
      // A rate that does not parse is a configuration error: refuse to start rather than misprice.
      const parsed = parseQuote({ quoteCurrencyPair: pair, quotePrice: entry.price });
      if (!parsed.ok) throw new Error(`quotes: rate ${pair} ${entry.price}: ${parsed.error.message}`);
      this.rates.set(pair, entry);
    }
  }

  /** A quote to convert `from` into `to`, from the direct or the inverse row of the table. */
  createQuote(from: string, to: string): Result<IssuedQuote, QuoteFailure> {
    if (from === to) return err({ code: 'QUOTE_SAME_CURRENCY', message: `${from} needs no quote` });
    const entry = this.rates.get(`${from}/${to}`) ?? this.rates.get(`${to}/${from}`);
    if (entry === undefined)
      return err({ code: 'QUOTE_PAIR_UNSUPPORTED', message: `no rate for ${from}/${to}` });
    const nowMs = this.deps.clock.nowMs();
    return ok({
      quoteId: this.deps.newId(),
      quoteCurrencyPair: `${entry.base}/${entry.counter}`,
      quotePrice: entry.price,
      quoteStartTime: formatRequestTime(nowMs),
      quoteExpiryTime: formatRequestTime(nowMs + (this.deps.config.validityMs ?? QUOTE_VALIDITY_MS_DEFAULT)),
    });
  }

  /**
   * payToAmount (in the wallet currency) and paymentQuote (when the currencies differ) for a pay request
   * of `paymentAmount`.
   */
  payAmounts(
    paymentAmount: Amount,
    walletCurrency: CurrencyCode,
  ): Result<{ payToAmount: WireAmount; paymentQuote: IssuedQuote | null }, QuoteFailure> {
    if (paymentAmount.currency === walletCurrency) {
      return ok({ payToAmount: wire(paymentAmount), paymentQuote: null });
    }
    const quote = this.createQuote(paymentAmount.currency, walletCurrency);
    if (!quote.ok) return quote;
    const converted = convertAmount(paymentAmount, quote.value, walletCurrency);
    if (!converted.ok) return err({ code: 'QUOTE_CONVERSION_FAILED', message: converted.error.message });
    return ok({ payToAmount: wire(converted.value), paymentQuote: quote.value });
  }
}

function wire(amount: Amount): WireAmount {
  return { currency: amount.currency, value: amount.value.toString() };
}
