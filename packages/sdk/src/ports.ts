// What the SDK needs from the world. It opens no connection, reads no clock and draws no randomness of
// its own: the wallet app (or a test) hands these in through createNfcSdk. Everything here is
// isomorphic: the Node and browser implementations live in src/adapters/.
import type { SdkError } from './errors.ts';

// ---- Network: the app's NFCRequestProxy ----

export type ProxyRequestType = 'GET_PK' | 'APPLY' | 'REPLENISH' | 'SYNC_TOKEN' | 'NOTIFY' | 'TRANSFER';

/**
 * Posts `(type, body)` to the MPP server with the user's session and resolves the response body
 * unchanged; `null` when the request failed or timed out (the SDK reports 10005).
 */
export type NfcRequestProxy = (type: ProxyRequestType, body: string) => Promise<string | null>;

// ---- Time and randomness ----

export interface TimerHandle {
  cancel(): void;
}

/** Structurally the same as @tapkit/protocol's Clock (that package is not isomorphic, so not imported). */
export interface Clock {
  nowMs(): number;
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

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
  read(name: string): Promise<Uint8Array | undefined>;
  /**
   * Replaces a record atomically and durably: once the promise resolves, a crash or power cut keeps
   * the new value; if it rejects, the old value is still there.
   */
  write(name: string, value: Uint8Array): Promise<void>;
  remove(name: string): Promise<void>;
  readonly keys: KeyStore;
}

// ---- App SPIs ----

export type DeviceFingerprint = () => Promise<string>;

export type PermitDecision =
  | 'PROCEED'
  | 'DECLINE'
  | 'NEED_AUTH'
  | 'APP_CUSTOM_DECLINE_1'
  | 'APP_CUSTOM_DECLINE_2'
  | 'APP_CUSTOM_DECLINE_3'
  | 'APP_CUSTOM_DECLINE_4';

/** What the terminal told the card about the transaction (from the GENERATE AC data). */
export interface TransactionInfo {
  /** 9F02, minor units of `currencyNumeric`. Money is never a JS number. */
  readonly amountMinor: bigint;
  /** 9F03. */
  readonly amountOtherMinor: bigint;
  /** 5F2A, ISO 4217 numeric, three digits. */
  readonly currencyNumeric: string;
  /** 9F1A, ISO 3166 numeric, three digits. */
  readonly countryNumeric: string;
  /** 9A, YYMMDD. */
  readonly transactionDate: string;
  /** 9C, two digits (00 purchase, 20 refund). */
  readonly transactionType: string;
  /** 9F15, four digits. */
  readonly merchantCategoryCode: string;
}

export interface RiskInfo {
  /** The amount is above the configured no-CVM limit. */
  readonly aboveNoCvmLimit: boolean;
  /** Credentials left before this tap spends one. */
  readonly credentialsRemaining: number;
  readonly tokenUniqueReference: string;
}

export interface TransactionPermit {
  /** `authBefore`: the user authenticated on the device within the last 30 s. */
  isAllowed(
    authBefore: boolean,
    transactionInfo: TransactionInfo,
    riskInfo: RiskInfo,
  ): Promise<PermitDecision>;
}

export interface TransactionResult {
  readonly transactionInfo: TransactionInfo;
  readonly atc: number;
  /** 'ARQC' sent for online authorization, or 'AAC' (declined by the card). */
  readonly cryptogram: 'ARQC' | 'AAC';
  readonly onDeviceCvm: boolean;
}

/**
 * (tapkit) The issuer's decision on a tap, learned from the Ant server's notification feed after the
 * ARQC (the 0110 goes to the terminal, not to the phone). DE39 00 is an approval.
 */
export interface TransactionOutcome {
  readonly tokenUniqueReference: string;
  readonly atc: number;
  readonly approved: boolean;
  /** The response code the issuer answered the network, e.g. 51 for insufficient balance. */
  readonly de39: string;
  /** The MPP's resultCode when the MPP declined (e.g. USER_BALANCE_NOT_ENOUGH). */
  readonly resultCode?: string;
  readonly networkTraceId: string;
  readonly amount: { readonly currency: string; readonly valueMinor: bigint };
}

export interface TransactionFailureDetail {
  readonly transactionInfo?: TransactionInfo;
  readonly decision?: PermitDecision;
  /** On a decline the issuer reported after the tap (10012): the tap's ATC, DE39 and MPP resultCode. */
  readonly atc?: number;
  readonly de39?: string;
  readonly resultCode?: string;
}

export interface TransactionListener {
  onTransactionStart?(): void;
  /** The card answered GENERATE AC: an ARQC went online (its outcome comes later, see below). */
  onTransactionComplete?(result: TransactionResult): void;
  /**
   * The tap failed: on the phone (no cryptogram, an AAC) or, after an ARQC, declined by the issuer
   * (error.code 10012 TRANSACTION_DECLINED, with atc, de39 and resultCode in `detail`).
   */
  onTransactionFailed?(error: SdkError, detail: TransactionFailureDetail): void;
  /** (tapkit) Every issuer decision on an ARQC learned from the notification feed, approved or not. */
  onTransactionResult?(outcome: TransactionOutcome): void;
  /** The tap needs on-device authentication: ask the user, then call sdk.notifyUserAuthenticated(). */
  onTransactionAuth?(transactionInfo: TransactionInfo): void;
}

export type MonitorEvent = 'EVENT_APPLY' | 'EVENT_CONFIRM' | 'EVENT_REPLENISH';

export interface NfcMonitor {
  track(monitorId: MonitorEvent, params: Readonly<Record<string, string | number | boolean>>): void;
}
