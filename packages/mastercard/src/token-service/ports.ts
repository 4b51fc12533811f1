// What the token service needs from the world. The composition root (app.ts) wires adapters to these;
// unit tests pass doubles. The network-facing TokenDirectory lives in ../ports.ts (shared).
import type { SuspendReason, TokenState } from '@tapkit/protocol/wire/token-service';
import type { TokenStatus } from './domain/token-state.ts';

/** Cryptographically secure random bytes. */
export interface Random {
  bytes(length: number): Uint8Array;
}

// ---- The issuer processor (Alipay+), asked to approve a digitization ----

export type IssuerDecision = 'APPROVED' | 'DECLINED' | 'REQUIRE_ADDITIONAL_AUTHENTICATION';

export interface AuthorizeServiceInput {
  /** Unique per call; the same digitization retried keeps it. */
  readonly requestId: string;
  /** The MPP's customer id, as the MPP server forwarded it. */
  readonly customerId: string;
  /** The funding account when it differs from the customer (Tapkit: absent, the wallet is the account). */
  readonly fundingReference?: string;
  /** The reference the token will have if approved, so the issuer can keep the token mapping. */
  readonly tokenUniqueReference: string;
  readonly deviceInfo: { readonly deviceId: string; readonly deviceFingerprint: string };
}

/** `unknown`: no usable answer (timeout, network, bad signature); the digitization is not decided. */
export type AuthorizeServiceOutcome =
  | { readonly kind: 'decided'; readonly decision: IssuerDecision }
  | { readonly kind: 'unknown'; readonly detail: string };

export interface IssuerApproval {
  authorizeService(input: AuthorizeServiceInput): Promise<AuthorizeServiceOutcome>;
}

// ---- Token status changes, told to Alipay+ ----

export type TokenEventReason = 'ACTIVATED' | 'SUSPENDED' | 'RESUMED' | 'DEACTIVATED';

export interface TokenUpdate {
  readonly tokenUniqueReference: string;
  readonly customerId: string;
  readonly state: TokenState;
  readonly suspendedBy: readonly SuspendReason[];
  readonly reason: TokenEventReason;
  readonly eventTimeMs: number;
}

export interface TokenUpdateNotifier {
  /** Resolves `delivered: false` when the peer did not confirm; never rejects. */
  notifyTokenUpdated(update: TokenUpdate): Promise<{ delivered: boolean; detail?: string }>;
}

// ---- Storage ----

export interface DeviceRecord {
  readonly deviceId: string;
  readonly customerId: string;
  /** base64 DER SubjectPublicKeyInfo of the device's RSA-OAEP key. */
  readonly publicKeySpki: string;
  readonly fingerprint: string;
  readonly createdAtMs: number;
}

export interface StoredToken {
  readonly tokenUniqueReference: string;
  readonly tokenPan: string;
  readonly psn: string;
  /** YYMM. */
  readonly expiryYymm: string;
  readonly customerId: string;
  readonly deviceId: string;
  readonly taskId: string;
  readonly status: TokenStatus;
  /** When the simulated issuer review ends and PROVISION may proceed. */
  readonly provisionReadyAtMs: number;
  /** The highest ATC ever issued for this token; 0 before the first credential. */
  readonly atcLastIssued: number;
  /** Incremented on every update; updates are compare-and-set on it. */
  readonly version: number;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
}

export type InsertTokenOutcome = 'INSERTED' | 'PAN_TAKEN' | 'DEVICE_HAS_TOKEN';

export interface TokenStore {
  insertNonce(input: {
    nonce: string;
    customerId: string;
    createdAtMs: number;
    expiresAtMs: number;
  }): Promise<void>;
  /**
   * Marks the nonce used if it exists, was issued to this customer, is unused and has not expired;
   * true when this call did so.
   */
  consumeNonce(input: { nonce: string; customerId: string; nowMs: number }): Promise<boolean>;
  /** Deletes up to `limit` nonces that expired before `nowMs`; returns how many. */
  deleteExpiredNonces(nowMs: number, limit: number): Promise<number>;
  insertDevice(device: DeviceRecord): Promise<void>;
  findDevice(deviceId: string): Promise<DeviceRecord | undefined>;
  /** PAN_TAKEN / DEVICE_HAS_TOKEN when a unique rule stops the insert (nothing is written then). */
  insertToken(token: StoredToken): Promise<InsertTokenOutcome>;
  findToken(tokenUniqueReference: string): Promise<StoredToken | undefined>;
  findTokenByTaskId(taskId: string): Promise<StoredToken | undefined>;
  findTokenByPan(tokenPan: string): Promise<StoredToken | undefined>;
  /** The device's token that is not DEACTIVATED, if any (at most one exists). */
  findLiveTokenByDevice(deviceId: string): Promise<StoredToken | undefined>;
  /**
   * Writes `next` (its version must be `expectedVersion + 1`) if the stored version is still
   * `expectedVersion`; false when another writer got there first. With `notification`, the outbox row
   * is written in the same transaction: a state change and the news of it are stored together or not
   * at all.
   */
  updateToken(next: StoredToken, expectedVersion: number, notification?: TokenUpdate): Promise<boolean>;
  /**
   * Notifications due at `nowMs` that are the oldest open one of their token (a token's later news
   * waits until the earlier is delivered or abandoned), oldest first.
   */
  dueNotifications(nowMs: number, limit: number): Promise<OutboxNotification[]>;
  markNotificationDelivered(id: string, nowMs: number): Promise<void>;
  rescheduleNotification(input: {
    id: string;
    attemptCount: number;
    nextAttemptAtMs: number;
    lastError: string;
  }): Promise<void>;
  /** Gives up on a notification after the attempt limit (kept for inspection, never sent again). */
  abandonNotification(input: {
    id: string;
    attemptCount: number;
    nowMs: number;
    lastError: string;
  }): Promise<void>;
  /** When the earliest of those queue heads is due, if any. */
  nextNotificationDueMs(): Promise<number | undefined>;
}

/** A stored notifyTokenUpdated waiting to be delivered. Its id is `<tokenUniqueReference>:<version>`. */
export interface OutboxNotification {
  readonly id: string;
  readonly update: TokenUpdate;
  readonly tokenVersion: number;
  readonly attemptCount: number;
  readonly nextAttemptAtMs: number;
}

/** The subset of a pino/fastify logger the token service uses. Never pass keys or PANs to it. */
export interface Logger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
