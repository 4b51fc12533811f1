// What the Ant server needs from the world: its storage and the Mastercard token service's management
// API. The composition root (../app.ts) wires adapters to these; tests may pass doubles.

import type {
  CustomerStatus,
  SuspendReason,
  TokenEventKind,
  TokenInfo,
  TokenState,
  TransactionResult,
} from '@tapkit/protocol/wire/ant-sdk';
import type { AuthorizationDecided } from '../issuer/ports.ts';
import type { KnownCustomer } from './domain/authorize.ts';
import type { AntToken } from './domain/token.ts';

export interface StoredAuthorization {
  readonly requestId: string;
  readonly tokenUniqueReference: string;
  readonly customerId: string;
  readonly decision: 'APPROVED' | 'DECLINED';
  readonly createdAtMs: number;
}

export interface StoredEvent {
  readonly sequence: number;
  readonly tokenUniqueReference: string;
  readonly kind: TokenEventKind;
  readonly token: TokenInfo;
  readonly eventTimeMs: number;
  /** Only on TRANSACTION_RESULT. */
  readonly transaction?: TransactionResult;
}

/**
 * (tapkit) The issuer processor's decision on an authorization, as the composition hands it to the Ant
 * server (the two keep separate databases; the port is wired in process). Amount in minor units.
 */
export type AuthorizationDecidedInput = AuthorizationDecided;

export interface AntStore {
  /** Records the customer on first contact (ACTIVE) and returns what is stored. */
  touchCustomer(mppClientId: string, customerId: string, nowMs: number): Promise<KnownCustomer>;
  findCustomer(mppClientId: string, customerId: string): Promise<KnownCustomer | undefined>;
  findCustomersById(customerId: string, limit: number): Promise<KnownCustomer[]>;
  setCustomerStatus(
    mppClientId: string,
    customerId: string,
    status: CustomerStatus,
    nowMs: number,
  ): Promise<void>;
  findAuthorization(requestId: string): Promise<StoredAuthorization | undefined>;
  /** False when the requestId was already recorded (a concurrent retry won). */
  insertAuthorization(authorization: StoredAuthorization): Promise<boolean>;
  /** False when the token is already known. */
  insertToken(token: AntToken): Promise<boolean>;
  findToken(tokenUniqueReference: string): Promise<AntToken | undefined>;
  listTokens(mppClientId: string, customerId: string, limit: number): Promise<AntToken[]>;
  /** Writes `next` if the stored version is still `expectedVersion`. */
  updateToken(next: AntToken, expectedVersion: number): Promise<boolean>;
  appendEvent(
    owner: { mppClientId: string; customerId: string },
    event: Omit<StoredEvent, 'sequence'>,
  ): Promise<number>;
  listEvents(
    owner: { mppClientId: string; customerId: string },
    afterSequence: number,
    limit: number,
  ): Promise<StoredEvent[]>;
}

/** The token's state as Mastercard answered a management call. */
export interface MastercardTokenView {
  readonly tokenUniqueReference: string;
  readonly tokenState: TokenState;
  readonly suspendedBy: readonly SuspendReason[];
}

/**
 * `refused`: Mastercard answered and said no (a stable code). `unavailable`: no usable answer (network,
 * timeout, 5xx, malformed): the change may or may not have happened, so the status is not changed.
 */
export type MastercardOutcome =
  | { readonly kind: 'done'; readonly token: MastercardTokenView }
  | { readonly kind: 'refused'; readonly code: string; readonly message: string }
  | { readonly kind: 'unavailable'; readonly detail: string };

export interface MastercardTokenManagement {
  suspend(tokenUniqueReference: string, reason: SuspendReason): Promise<MastercardOutcome>;
  unsuspend(tokenUniqueReference: string, reason: SuspendReason): Promise<MastercardOutcome>;
  delete(tokenUniqueReference: string): Promise<MastercardOutcome>;
}
