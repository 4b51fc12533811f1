import { type KeyObject, randomUUID } from 'node:crypto';
import {
  type ApiName,
  type Clock,
  type CurrencyCode,
  convertAmount,
  formatRequestTime,
  type MinorUnits,
  ok,
  parseCurrency,
  type Result,
  type WireResult,
} from '@tapkit/protocol';
import { type CallOutcome, SignedClient, type SigningKey } from '@tapkit/protocol/node';
import { QUOTE_RATES_DEFAULT, QuoteBook, type QuoteConfig } from '../../quotes/quotes.ts';
import type { PayOutcome } from '../domain/outcome.ts';
import type { MppCall } from '../domain/types.ts';
import type {
  AuthorizationQuote,
  AuthorizationRecord,
  GatewayResult,
  MppGateway,
  MppRouter,
  PreparedCall,
  QuoteRefusal,
} from '../ports.ts';

// The MPPs behind the signed Alipay+ client: one SignedClient per MPP, requests built from the book's
// authorization and the planned call. An answer that is not signed, not fresh or not well-formed is
// "unknown" (the SignedClient's promise), never a success.

export interface MppEndpoint {
  readonly mppId: string;
  readonly baseUrl: string;
  /** The Client-Id Alipay+ signs with towards this MPP. */
  readonly clientId: string;
  readonly signingKey: SigningKey;
  /** The MPP's response-signing keys by keyVersion. */
  readonly peerVerifyKeys: ReadonlyMap<string, KeyObject>;
  readonly timeoutsMs?: Partial<Record<ApiName, number>>;
  /**
   * (tapkit) The currency of this MPP's wallets. Unset: the wallet is in the transaction's currency (no
   * conversion). Set and different from an authorization's currency: its pays carry a quote.
   */
  readonly walletCurrency?: string;
}

export interface GatewayConfig {
  /** (tapkit) acquirerId / pspId sent to the MPPs when the message names no acquirer. */
  readonly acquirerIdDefault: string;
  readonly pspId: string;
  /** How long a pay stays open for inquiries (paymentExpiryTime). */
  readonly paymentExpiryMs: number;
  /** The FX rate table quotes come from (cross-currency pays only). */
  readonly quotes: QuoteConfig;
}

export const GATEWAY_CONFIG_DEFAULT: GatewayConfig = {
  acquirerIdDefault: 'TAPKIT_ACQUIRER',
  pspId: 'TAPKIT_ALIPAYPLUS',
  paymentExpiryMs: 3 * 60_000,
  quotes: { rates: QUOTE_RATES_DEFAULT },
};

type Body = Record<string, unknown>;

export class SignedMppGateway implements MppGateway {
  private readonly clients = new Map<string, SignedClient>();
  private readonly walletCurrencies = new Map<string, CurrencyCode>();
  private readonly quotes: QuoteBook;

  constructor(
    endpoints: readonly MppEndpoint[],
    private readonly clock: Clock,
    private readonly config: GatewayConfig = GATEWAY_CONFIG_DEFAULT,
  ) {
    this.quotes = new QuoteBook({ config: config.quotes, clock, newId: randomUUID });
    for (const endpoint of endpoints) {
      if (endpoint.walletCurrency !== undefined) {
        const currency = parseCurrency(endpoint.walletCurrency);
        // A wallet currency that is not ISO 4217 is a configuration error: refuse to start.
        if (!currency.ok)
          throw new Error(`issuer: MPP ${endpoint.mppId} walletCurrency: ${currency.error.message}`);
        this.walletCurrencies.set(endpoint.mppId, currency.value);
      }
      this.clients.set(
        endpoint.mppId,
        new SignedClient({
          baseUrl: endpoint.baseUrl,
          clientId: endpoint.clientId,
          signingKey: endpoint.signingKey,
          peerVerifyKeys: endpoint.peerVerifyKeys,
          clock,
          ...(endpoint.timeoutsMs === undefined ? {} : { timeoutsMs: endpoint.timeoutsMs }),
        }),
      );
    }
  }

  prepare(auth: AuthorizationRecord, call: MppCall, options: { dropAnswer?: boolean } = {}): PreparedCall {
    const client = this.clientOf(auth);
    const prepared = client.prepare(call.api, this.bodyOf(auth, call));
    return {
      send: async () => {
        const outcome = await client.send<Body>(prepared);
        if (options.dropAnswer === true) return { kind: 'unknown', reason: 'FAULT_ANSWER_DROPPED' };
        return judge(call.api, outcome);
      },
    };
  }

  async inquire(auth: AuthorizationRecord, paymentRequestId: string, options: { dropAnswer?: boolean } = {}) {
    const client = this.clientOf(auth);
    const outcome = await client.call<Body>('inquiryPayment', {
      ...this.parties(auth),
      paymentRequestId,
    });
    if (options.dropAnswer === true) return { kind: 'unknown', reason: 'FAULT_ANSWER_DROPPED' } as const;
    return judge('inquiryPayment', outcome);
  }

  quoteFor(mppId: string, currency: string): Result<AuthorizationQuote | undefined, QuoteRefusal> {
    const walletCurrency = this.walletCurrencies.get(mppId);
    if (walletCurrency === undefined || walletCurrency === currency) return ok(undefined);
    const quote = this.quotes.createQuote(currency, walletCurrency);
    if (!quote.ok) return quote;
    return ok({ walletCurrency, ...quote.value });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.clients.values()].map((client) => client.close()));
  }

  private clientOf(auth: AuthorizationRecord): SignedClient {
    const client = this.clients.get(auth.mppId);
    // The router only names configured MPPs, so an unknown one here is a programmer error.
    if (client === undefined) throw new Error(`issuer: no MPP endpoint configured for ${auth.mppId}`);
    return client;
  }

  private parties(auth: AuthorizationRecord) {
    return { acquirerId: auth.acquirerId ?? this.config.acquirerIdDefault, pspId: this.config.pspId };
  }

  private bodyOf(auth: AuthorizationRecord, call: MppCall): Body {
    const money = (amountMinor: bigint) => ({ currency: auth.currency, value: amountMinor.toString() });
    switch (call.api) {
      case 'pay':
        return this.payBody(auth, call, money(call.amountMinor));
      case 'cancelPayment':
        return { ...this.parties(auth), paymentRequestId: call.paymentRequestId };
      case 'refund':
        // (tapkit) No refundFromAmount, also for a cross-currency payment: the MPP converts with the
        // payment's own payTo / payment ratio (rounded down, the last refund returning the rest), which is
        // this authorization's quote as applied to that pay, and never over-refunds by a rounding cent.
        return {
          ...this.parties(auth),
          paymentRequestId: call.paymentRequestId,
          paymentId: paymentIdOf(auth, call.paymentRequestId),
          refundRequestId: call.refundRequestId,
          refundAmount: money(call.amountMinor),
        };
      case 'adjustRefund':
        return {
          ...this.parties(auth),
          refundRequestId: call.refundRequestId,
          customerId: auth.customerId,
          refundAmount: money(call.amountMinor),
          subScenarioType: call.subScenarioType,
          ...(call.paymentRequestId === undefined ? {} : { paymentRequestId: call.paymentRequestId }),
          ...(auth.merchantId === undefined ? {} : { merchant: merchantOf(auth) }),
          networkTraceId: auth.networkTraceId,
        };
    }
  }

  private payBody(auth: AuthorizationRecord, call: Extract<MppCall, { api: 'pay' }>, amount: Body): Body {
    const details = auth.details as { nfcTransactionInfo?: Body; customData?: string };
    return {
      ...this.parties(auth),
      paymentRequestId: call.paymentRequestId,
      paymentAmount: amount,
      ...payToOf(auth, call.amountMinor, amount),
      // (tapkit) the top-level customerId, and the Alipay+ PaymentMethod model's own customerId.
      customerId: auth.customerId,
      paymentMethod: {
        paymentMethodType: 'CONNECT_WALLET_NFC',
        paymentMethodId: auth.tokenUniqueReference,
        customerId: auth.customerId,
      },
      order: {
        referenceOrderId: auth.networkTraceId,
        ...(auth.merchantId === undefined ? {} : { merchant: merchantOf(auth) }),
        ...(auth.terminalId === undefined ? {} : { env: { storeTerminalId: auth.terminalId } }),
      },
      paymentFactor: {
        isInStorePayment: 'true',
        inStorePaymentScenario: 'NFC',
        authorizationType: call.authorizationType,
        ...(call.originalPaymentRequestId === undefined
          ? {}
          : { originalPaymentRequestId: call.originalPaymentRequestId }),
      },
      nfcTransactionInfo: { networkTraceId: auth.networkTraceId, ...(details.nfcTransactionInfo ?? {}) },
      ...(details.customData === undefined ? {} : { customData: details.customData }),
      paymentExpiryTime: formatRequestTime(this.clock.nowMs() + this.config.paymentExpiryMs),
    };
  }
}

/**
 * payToAmount (and paymentQuote) of a pay: the payment amount itself for a same-currency wallet, else the
 * amount converted with the authorization's own quote, so every pay of one authorization uses one rate.
 */
function payToOf(auth: AuthorizationRecord, amountMinor: bigint, amount: Body): Body {
  const quote = auth.quote;
  if (quote === undefined) return { payToAmount: amount };
  const { walletCurrency, ...paymentQuote } = quote;
  const converted = convertAmount(
    { currency: auth.currency as CurrencyCode, value: amountMinor as MinorUnits },
    paymentQuote,
    walletCurrency as CurrencyCode,
  );
  // The quote was made for this very pair when the authorization was created; failing here is a bug.
  if (!converted.ok) throw new Error(`issuer: quote ${quote.quoteId}: ${converted.error.message}`);
  return {
    payToAmount: { currency: walletCurrency, value: converted.value.value.toString() },
    paymentQuote,
  };
}

/** The Alipay+ Merchant model: referenceMerchantId (ISO 8583 DE42), name and MCC when the network sent them. */
function merchantOf(auth: AuthorizationRecord): Body {
  return {
    referenceMerchantId: auth.merchantId,
    ...(auth.merchantName === undefined ? {} : { merchantName: auth.merchantName }),
    ...(auth.mcc === undefined ? {} : { merchantMCC: auth.mcc }),
  };
}

function paymentIdOf(auth: AuthorizationRecord, paymentRequestId: string): string {
  // Refunds are planned only for payments that succeeded, which the book stores with the MPP's paymentId.
  return auth.payments.find((p) => p.paymentRequestId === paymentRequestId)?.paymentId ?? paymentRequestId;
}

function outcomeOf(result: WireResult): PayOutcome {
  if (result.resultStatus === 'S') return { status: 'S' };
  if (result.resultStatus === 'F') return { status: 'F', resultCode: result.resultCode };
  return { status: 'UNKNOWN', reason: result.resultCode };
}

function judge(api: ApiName, outcome: CallOutcome<Body>): GatewayResult {
  if (outcome.kind === 'unknown') return { kind: 'unknown', reason: `${outcome.reason}: ${outcome.detail}` };
  const response = outcome.response as {
    result: WireResult;
    paymentResult?: WireResult | null;
    paymentId?: string | null;
  };
  if (api !== 'inquiryPayment') {
    return { kind: 'answered', outcome: outcomeOf(response.result), ...paymentIdField(response.paymentId) };
  }
  if (response.result.resultStatus === 'F' && response.result.resultCode === 'ORDER_NOT_EXIST') {
    return { kind: 'answered', outcome: outcomeOf(response.result) };
  }
  // Any other refusal of the inquiry itself (signature, freshness, parameters) says nothing about the
  // payment: ask again later.
  if (response.result.resultStatus !== 'S' || !response.paymentResult) {
    return { kind: 'unknown', reason: `inquiry not answered: ${response.result.resultCode}` };
  }
  return {
    kind: 'answered',
    outcome: outcomeOf(response.paymentResult),
    ...paymentIdField(response.paymentId),
  };
}

function paymentIdField(paymentId: string | null | undefined): { paymentId?: string } {
  return paymentId ? { paymentId } : {};
}

/** Routes every token to one MPP by customer id prefix or a fixed default (tapkit: single-MPP setups). */
export class StaticMppRouter implements MppRouter {
  constructor(
    private readonly defaultMppId: string | undefined,
    private readonly byTokenPrefix: ReadonlyMap<string, string> = new Map(),
  ) {}

  mppOf(input: { tokenUniqueReference: string; customerId: string }): string | undefined {
    for (const [prefix, mppId] of this.byTokenPrefix) {
      if (input.tokenUniqueReference.startsWith(prefix)) return mppId;
    }
    return this.defaultMppId;
  }
}
