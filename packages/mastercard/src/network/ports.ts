import type { Iso8583Message } from '@tapkit/emv';
import type { AuthorizationType } from './domain/authorization-type.ts';

// What the network service needs from the world besides the shared TokenDirectory and AtcLedger
// (src/ports.ts): the link to the issuer processor, a log of the authorizations it routed, ids, and a
// listener for what expiry tracking and clearing need to know.

export type IssuerExchangeErrorCode =
  /** The request went out and no answer came within the timeout. */
  | 'ISSUER_TIMEOUT'
  /** No connection to the issuer processor (the request was not sent). */
  | 'ISSUER_UNAVAILABLE'
  /** Too many requests are waiting for an answer already. */
  | 'ISSUER_LINK_BUSY';

export type IssuerExchangeResult =
  | { readonly ok: true; readonly value: Iso8583Message }
  | { readonly ok: false; readonly error: { readonly code: IssuerExchangeErrorCode } };

export interface IssuerLink {
  /** Sends a request and waits for its response (matched by STAN and RRN) at most `timeoutMs`. */
  exchange(request: Iso8583Message, timeoutMs: number): Promise<IssuerExchangeResult>;
}

/** One authorization the network answered, kept to link reversals, incrementals and clearing to it. */
export interface AuthorizationEntry {
  readonly networkTraceId: string;
  /** DE32 | DE11 | DE7 of the acquirer's request: what a reversal's DE90 points at. */
  readonly acquirerKey: string;
  readonly tokenUniqueReference: string;
  readonly fundingReference: string;
  readonly processingCode: string;
  readonly amountMinor: bigint;
  /** ISO 4217 numeric, DE49. */
  readonly currencyNumeric: string;
  readonly type: AuthorizationType;
  readonly responseCode: string;
  readonly approvalCode: string | undefined;
  readonly standIn: boolean;
  readonly authorizedAtMs: number;
  /** For an incremental authorization: the trace id of the authorization it adds to. */
  readonly originalNetworkTraceId: string | undefined;
  readonly merchantId: string | undefined;
  readonly terminalId: string | undefined;
}

export interface AuthorizationLog {
  save(entry: AuthorizationEntry): Promise<void>;
  findByTraceId(networkTraceId: string): Promise<AuthorizationEntry | undefined>;
  findByAcquirerKey(acquirerKey: string): Promise<AuthorizationEntry | undefined>;
}

export interface NetworkIds {
  /** A network trace id (DE63), unique across restarts. */
  networkTraceId(): string;
  /** A 6-character approval code (DE38) for stand-in approvals. */
  standInApprovalCode(): string;
}

/** Events for expiry tracking (and anyone else); the listener must not throw. */
export interface NetworkEventListener {
  authorizationApproved(entry: AuthorizationEntry): void;
  /** A full reversal of an approved authorization (a partial one leaves the authorization open). */
  authorizationReversed(event: { networkTraceId: string; atMs: number }): void;
}

export const noNetworkEvents: NetworkEventListener = {
  authorizationApproved: () => undefined,
  authorizationReversed: () => undefined,
};

/** An advice waiting for the issuer's acknowledgement, as stored. */
export interface StoredAdvice {
  readonly adviceId: string;
  readonly message: Iso8583Message;
  readonly attemptCount: number;
}

/** Durable advices: a stand-in approval or an unanswered reversal must survive a restart of the network. */
export interface AdviceStore {
  add(advice: { adviceId: string; message: Iso8583Message; createdAtMs: number }): Promise<void>;
  recordAttempt(adviceId: string): Promise<void>;
  acknowledge(adviceId: string, acknowledgedAtMs: number): Promise<void>;
  /** Advices not yet acknowledged, oldest first. */
  pending(limit: number): Promise<StoredAdvice[]>;
}
