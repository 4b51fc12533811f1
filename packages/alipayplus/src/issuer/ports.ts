import type { Clock, Result } from '@tapkit/protocol';
import type { Fault } from './domain/faults.ts';
import type { PayOutcome } from './domain/outcome.ts';
import type { AuthorizationView, MppCall } from './domain/types.ts';

// What the issuer processor needs from the world: time, the MPPs (one signed client each), which MPP a
// token belongs to, and a logger. Storage is the Kysely book in adapters/db.

export type { Clock };

/** An authorization as the book keeps it: the rules' view plus who, where and what for. */
export interface AuthorizationRecord extends AuthorizationView {
  readonly tokenUniqueReference: string;
  readonly customerId: string;
  readonly mppId: string;
  readonly merchantId: string | undefined;
  readonly merchantName: string | undefined;
  readonly mcc: string | undefined;
  readonly terminalId: string | undefined;
  readonly acquirerId: string | undefined;
  readonly faults: readonly Fault[];
  readonly adviceReceived: boolean;
  /** Descriptive parts of the pay request (order, nfcTransactionInfo, customData), passed through. */
  readonly details: Readonly<Record<string, unknown>>;
  readonly responseCode: string | undefined;
  readonly approvalCode: string | undefined;
  readonly updatedAtMs: number;
  /** The FX quote every pay of this authorization converts with; undefined for a same-currency wallet. */
  readonly quote: AuthorizationQuote | undefined;
}

/**
 * (tapkit) The FX quote of an authorization, fixed when the authorization is created: its pays
 * (purchase, incremental, clearing adjustment) all convert with it, so one authorization has one rate.
 */
export interface AuthorizationQuote {
  /** The MPP wallet's currency: payToAmount's currency. */
  readonly walletCurrency: string;
  readonly quoteId: string;
  readonly quoteCurrencyPair: string;
  readonly quotePrice: string;
  readonly quoteStartTime: string;
  readonly quoteExpiryTime: string;
}

/** Why no quote could be given (no rate for the pair): QUOTE_PAIR_UNSUPPORTED and friends. */
export interface QuoteRefusal {
  readonly code: string;
  readonly message: string;
}

/** What a new authorization is created with: the record's who, where and what for, before any amounts. */
export type NewAuthorization = Pick<
  AuthorizationRecord,
  | 'networkTraceId'
  | 'type'
  | 'state'
  | 'tokenUniqueReference'
  | 'customerId'
  | 'mppId'
  | 'merchantId'
  | 'merchantName'
  | 'mcc'
  | 'terminalId'
  | 'acquirerId'
  | 'currency'
  | 'expiresAtMs'
  | 'faults'
  | 'details'
> & { readonly quote?: AuthorizationQuote | undefined };

/** The answer to one MPP call as the processor needs it. */
export type GatewayResult =
  | { readonly kind: 'answered'; readonly outcome: PayOutcome; readonly paymentId?: string }
  | { readonly kind: 'unknown'; readonly reason: string };

/**
 * One MPP call, prepared once: `send` may be called again and sends the identical bytes (same
 * Request-Time, same signature), as the doc asks for a re-send after a timeout.
 */
export interface PreparedCall {
  send(): Promise<GatewayResult>;
}

/** Calls into the MPPs; `prepare` builds the signed request of a planned call for an authorization. */
export interface MppGateway {
  prepare(
    auth: AuthorizationRecord,
    call: MppCall,
    options?: { dropAnswer?: boolean; timeoutMs?: number },
  ): PreparedCall;
  /** inquiryPayment for a payment of `auth`. */
  inquire(
    auth: AuthorizationRecord,
    paymentRequestId: string,
    options?: { dropAnswer?: boolean },
  ): Promise<GatewayResult>;
  close(): Promise<void>;
  /**
   * The quote a new authorization in `currency` for `mppId` needs: undefined when the MPP's wallet holds
   * that currency (or the gateway does no FX), a refusal when the rate table has no rate for the pair.
   */
  quoteFor?(mppId: string, currency: string): Result<AuthorizationQuote | undefined, QuoteRefusal>;
}

/** Which MPP a token belongs to (the Ant server keeps the token -> customer mapping per MPP). */
export interface MppRouter {
  /** The MPP's id, which is the Client-Id Alipay+ uses with it; undefined for a token of no known MPP. */
  mppOf(input: {
    tokenUniqueReference: string;
    customerId: string;
  }): Promise<string | undefined> | string | undefined;
}

/**
 * (tapkit) The outcome of an authorization as the processor answered the network (DE39), for the Ant
 * server's NOTIFY feed: the 0110 never reaches the phone, so this is how the SDK hears of a decline.
 * `resultCode` is the MPP's when the MPP declined; the amount is minor units as a decimal string.
 */
export interface AuthorizationDecided {
  readonly tokenUniqueReference: string;
  readonly atc: number;
  readonly networkTraceId: string;
  readonly approved: boolean;
  readonly de39: string;
  readonly resultCode?: string;
  readonly amount: { readonly currency: string; readonly value: string };
  readonly customData?: string;
}

/** Called after the answer is decided, off the answer's path: a failure is logged, the answer stands. */
export type AuthorizationDecidedListener = (event: AuthorizationDecided) => Promise<void> | void;

export interface IssuerLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export const silentLogger: IssuerLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
