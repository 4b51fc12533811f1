// What the SDK needs from the world. It opens no connection, reads no clock and draws no randomness of
// its own: the wallet app (or a test) hands these in through createNfcSdk. Everything here is
// isomorphic: the Node and browser implementations live in src/adapters/.
import type { PaymentStatus } from './domain/status.ts';
import type { SdkError } from './errors.ts';

// ---- Network: the app's NFCRequestProxy ----

/** The request types of the doc (docs/protocol/sdk.md#proxy-request-types). */
export const DOCUMENTED_REQUEST_TYPES = ['GET_PK', 'APPLY', 'TRANSFER', 'SYNC_TOKEN', 'NOTIFY'] as const;
/**
 * (tapkit) REPLENISH: the seed says the SDK fetches new credentials from Mastercard, the docs name no
 * type for it. This is the one place the name is defined for the SDK.
 */
export const TAPKIT_REQUEST_TYPES = ['REPLENISH'] as const;
/** Every request type the SDK hands to the proxy: the documented ones and Tapkit's REPLENISH. */
export type ProxyRequestType =
  | (typeof DOCUMENTED_REQUEST_TYPES)[number]
  | (typeof TAPKIT_REQUEST_TYPES)[number];

/**
 * The app's NFCRequestProxy SPI. `sendRequest` posts `(type, body, header)` to the MPP server with the
 * user's session and resolves the response body unchanged; `null` when the request failed or timed out
 * (the SDK reports 10005). `header` is the SDK's `sdkRequestHeader` (JSON text, see SdkRequestHeader):
 * the app and the MPP server pass it on unchanged, like the body.
 */
export interface NfcRequestProxy {
  /** Posts one SDK request to the MPP server; resolves the response body, or null on any failure. */
  sendRequest(type: ProxyRequestType, body: string, header: string): Promise<string | null>;
}

export type { SdkRequestHeader } from '@tapkit/protocol/wire/ant-sdk';

// ---- Time and randomness ----

/** A timer set with Clock.setTimer. */
export interface TimerHandle {
  /** Stops the timer; its function is not called afterwards. */
  cancel(): void;
}

/** Structurally the same as @tapkit/protocol's Clock (that package is not isomorphic, so not imported). */
export interface Clock {
  /** The current time, in milliseconds since the Unix epoch. */
  nowMs(): number;
  /** Calls `fn` once after `delayMs` milliseconds of this clock. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

/** The source of randomness (device keys, request ids); the platform's crypto by default. */
export interface Random {
  /** Cryptographically secure random bytes. */
  bytes(length: number): Uint8Array;
}

// ---- Secure storage ----

/**
 * The platform key store. The SDK never sees key bytes: it receives CryptoKeys it cannot export.
 * Node keeps them in files readable by the owner only (0600); the browser keeps non-extractable
 * CryptoKeys in IndexedDB.
 */
export interface KeyStore {
  /** The AES-256-GCM key that encrypts every stored record; created on first use. */
  storageKey(): Promise<CryptoKey>;
  /** The device's RSA-OAEP key pair (credentials are sealed to it); created on first use. */
  deviceKeyPair(): Promise<CryptoKeyPair>;
  /** Forgets the device key pair (after a token is deleted, a new activation registers a new key). */
  deleteDeviceKeyPair(): Promise<void>;
}

/**
 * SecureStorage SPI: named records of opaque bytes plus the key store. The SDK encrypts every record
 * with the storage key before `write`, so an implementation stores ciphertext only.
 */
export interface SecureStorage {
  /** The record's bytes, or undefined when no record has that name. */
  read(name: string): Promise<Uint8Array | undefined>;
  /**
   * Replaces a record atomically and durably: once the promise resolves, a crash or power cut keeps
   * the new value; if it rejects, the old value is still there.
   */
  write(name: string, value: Uint8Array): Promise<void>;
  /** Deletes a record durably; removing an absent record is not an error. */
  remove(name: string): Promise<void>;
  /** The key store that holds the storage key and the device key pair. */
  readonly keys: KeyStore;
}

// ---- App SPIs ----

/** The app's device fingerprint SPI: a stable identifier of the device, sent hashed when it registers. */
export type DeviceFingerprint = () => Promise<string>;

/** The app's answer to TransactionPermit.isAllowed for one tap. */
export type PermitDecision =
  | 'PROCEED'
  | 'DECLINE'
  | 'NEED_AUTH'
  | 'APP_CUSTOM_DECLINE_1'
  | 'APP_CUSTOM_DECLINE_2'
  | 'APP_CUSTOM_DECLINE_3'
  | 'APP_CUSTOM_DECLINE_4';

/** Transit MCCs or not (docs/protocol/sdk.md#the-permit: `PURCHASE` / `TRANSIT`). */
export type RichTransactionType = 'PURCHASE' | 'TRANSIT';
/** From the no-CVM limit (doc); UNKNOWN when the terminal sent no amount (tapkit). */
export type TransactionRange = 'LOW_VALUE' | 'HIGH_VALUE' | 'UNKNOWN';

/** What the terminal told the card about the transaction (from the GENERATE AC data, CDOL1). */
export interface TransactionInfo {
  /** 5F2A, the transaction currency, ISO 4217 numeric, three digits (doc: currency code). */
  readonly currencyCode: string;
  /** 9F02, minor units of `currencyCode` (doc: authorised amount). Money is never a JS number. */
  readonly authorizedAmountMinor: bigint;
  /** Against the no-CVM limit (doc). */
  readonly transactionRange: TransactionRange;
  /** TRANSIT at a transit merchant (MCC 4111, 4131), else PURCHASE (doc). */
  readonly richTransactionType: RichTransactionType;
  /** 9F03 (tapkit extra). */
  readonly amountOtherMinor: bigint;
  /** 9F1A, ISO 3166 numeric, three digits (tapkit extra). */
  readonly countryNumeric: string;
  /** 9A, YYMMDD (tapkit extra). */
  readonly transactionDate: string;
  /** 9C, two digits: 00 purchase, 01 cash, 09 purchase with cashback, 20 refund (tapkit extra). */
  readonly transactionType: string;
  /** 9F15, four digits (tapkit extra). */
  readonly merchantCategoryCode: string;
}

/**
 * (tapkit values) What the SDK's own risk rule decides before the app's permit is asked: PROCEED, or
 * NEED_AUTH above the no-CVM limit without an on-device authentication in the last 30 s.
 */
export type RiskControlDecision = 'PROCEED' | 'NEED_AUTH';

/** The risk information the SDK gives the app's permit with each tap (doc: RiskControlInfo). */
export interface RiskControlInfo {
  /** The SDK's decision (doc field name). */
  readonly riskControlDecision: RiskControlDecision;
  /** The amount is above the no-CVM limit (and not a transit tap exempt from it). (tapkit extra) */
  readonly aboveNoCvmLimit: boolean;
  /** Credentials left before this tap spends one. (tapkit extra) */
  readonly credentialsRemaining: number;
  /** The token the tap pays with. */
  readonly tokenUniqueReference: string;
  /** What the app said in init: it lets taps through while the screen is locked (the app decides). */
  readonly isSupportLockScreenPay: boolean;
}
/** @deprecated The doc's name is RiskControlInfo. */
export type RiskInfo = RiskControlInfo;

/** The app's TransactionPermit SPI: its say on every tap before the card answers GENERATE AC. */
export interface TransactionPermit {
  /** `authBefore`: the user authenticated on the device within the last 30 s. */
  isAllowed(
    authBefore: boolean,
    transactionInfo: TransactionInfo,
    riskInfo: RiskControlInfo,
  ): Promise<PermitDecision>;
}

/** The rich transaction type of a completed tap (doc): from 9C and the merchant's MCC. */
export type CompletedTransactionType = 'PURCHASE' | 'REFUND' | 'CASH' | 'TRANSIT' | 'PURCHASE_WITH_CASHBACK';

/** onTransactionComplete's context: the doc's fields, then Tapkit's (ATC, cryptogram). */
export interface TransactionCompleteContext {
  /** 9F15. */
  readonly mcc: string;
  /** 5F2A, ISO 4217 numeric. */
  readonly currencyCode: string;
  /** 9F02 in minor units of currencyCode. */
  readonly amount: bigint;
  /** LVT at or below the no-CVM limit, HVT above it (doc). */
  readonly transactionRange: 'LVT' | 'HVT';
  /** The kind of transaction: purchase, refund, cash, transit or purchase with cashback. */
  readonly richTransactionType: CompletedTransactionType;
  /** (tapkit) The full transaction the terminal described. */
  readonly transactionInfo: TransactionInfo;
  /** (tapkit) The credential's ATC this tap spent. */
  readonly atc: number;
  /** (tapkit) 'ARQC': sent for online authorization (its outcome comes later). */
  readonly cryptogram: 'ARQC';
  /** (tapkit) The user authenticated on the device for this tap. */
  readonly onDeviceCvm: boolean;
}
/** @deprecated The doc passes a context: TransactionCompleteContext. */
export type TransactionResult = TransactionCompleteContext;

/**
 * (tapkit) The issuer's decision on a tap, learned from the Ant server's notification feed after the
 * ARQC (the 0110 goes to the terminal, not to the phone). DE39 00 is an approval.
 */
export interface TransactionOutcome {
  /** The token that paid. */
  readonly tokenUniqueReference: string;
  /** The ATC of the tap, to match it with its onTransactionComplete. */
  readonly atc: number;
  /** DE39 was 00. */
  readonly approved: boolean;
  /** The response code the issuer answered the network, e.g. 51 for insufficient balance. */
  readonly de39: string;
  /** The MPP's resultCode when the MPP declined (e.g. USER_BALANCE_NOT_ENOUGH). */
  readonly resultCode?: string;
  /** The network's trace id of the authorization. */
  readonly networkTraceId: string;
  /** The authorized amount. */
  readonly amount: {
    /** ISO 4217 alphabetic code. */
    readonly currency: string;
    /** Minor units of the currency. */
    readonly valueMinor: bigint;
  };
}

/**
 * The app's permit said no: the tap is reported as that permit result, not as a code
 * (docs/protocol/sdk.md#what-the-listener-hears).
 */
export type PermitDecline = Exclude<PermitDecision, 'PROCEED' | 'NEED_AUTH'>;

/**
 * Why a tap failed, as onTransactionFailed reports it (docs/protocol/sdk.md#result-codes):
 * - `DECLINE`, `APP_CUSTOM_DECLINE_1..4`: the app's TransactionPermit declined (no code);
 * - `NETWORK_DECLINED`: after the ARQC, the issuer (or the MPP behind it) declined (no code; the
 *   decline reason is `de39` and `declineReason`, the MPP's resultCode);
 * - `TERMINAL_DECLINED` (tapkit): the terminal itself asked the card for a decline (an AAC);
 * - an SDK result name with `error` carrying its number: `CDCVM_REQUIRED` (10003),
 *   `INSUFFICIENT_CREDENTIALS` (10007), `TOKEN_UNAVAILABLE` (10008), `INVALID_INPUT_PARAMETERS` (10011).
 */
export type TransactionFailureResult =
  | PermitDecline
  | 'NETWORK_DECLINED'
  | 'TERMINAL_DECLINED'
  | 'CDCVM_REQUIRED'
  | 'INSUFFICIENT_CREDENTIALS'
  | 'TOKEN_UNAVAILABLE'
  | 'INVALID_INPUT_PARAMETERS';

/** What onTransactionFailed receives: why the tap failed and what is known about it. */
export interface TransactionFailure {
  /** Why the tap failed. */
  readonly result: TransactionFailureResult;
  /** Present exactly for the numbered SDK results (10003, 10007, 10008, 10011). */
  readonly error?: SdkError;
  /** The transaction as the terminal described it, when the tap got that far. */
  readonly transactionInfo?: TransactionInfo;
  /** The ATC the tap spent, when it spent one. */
  readonly atc?: number;
  /** NETWORK_DECLINED: the issuer's answer to the network, e.g. 51. */
  readonly de39?: string;
  /** NETWORK_DECLINED: the MPP's resultCode when the MPP declined (e.g. USER_BALANCE_NOT_ENOUGH). */
  readonly declineReason?: string;
}

/** The app's TransactionListener SPI: hears each tap's start, completion, failure and outcome. */
export interface TransactionListener {
  /** A terminal selected the card: a tap began. */
  onTransactionStart?(): void;
  /** The card answered GENERATE AC with an ARQC: the payment went online (its outcome comes later). */
  onTransactionComplete?(context: TransactionCompleteContext): void;
  /** The tap failed on the phone, or after its ARQC the network declined it (see TransactionFailure). */
  onTransactionFailed?(failure: TransactionFailure): void;
  /** (tapkit) Every issuer decision on an ARQC learned from the notification feed, approved or not. */
  onTransactionResult?(outcome: TransactionOutcome): void;
  /** The tap needs on-device authentication: ask the user, then call sdk.notifyUserAuthenticated(). */
  onTransactionAuth?(transactionInfo: TransactionInfo): void;
}

/** The app hears that the local token status changed (e.g. became active), to switch pages. */
export interface ActivateStatusListener {
  /** The new status, as isPaymentAvailable would answer it. */
  onStatusChanged(status: PaymentStatus): void;
}

/** The NfcMonitor events the SDK tracks. */
export type MonitorEvent = 'EVENT_APPLY' | 'EVENT_CONFIRM' | 'EVENT_REPLENISH';

/**
 * NFCMonitor parameters (docs/protocol/sdk.md#nfcmonitor-events): EVENT_APPLY `applyLoopTimeConsume`,
 * `activateLoopTimeConsume`, `applyTimeConsume` (ms), `applyResult`, `phase`, `isSilent`; EVENT_CONFIRM
 * `confirmResult`, `errorCode`; EVENT_REPLENISH `countCredential`. Tapkit adds a few (`errorCode` on
 * EVENT_APPLY and EVENT_REPLENISH failures, `trigger`, `received`).
 */
export interface NfcMonitor {
  /** Records one event with its parameters, for the app's metrics. */
  track(monitorId: MonitorEvent, params: Readonly<Record<string, string | number | boolean>>): void;
}
