import type { AuthorizationType } from '../network/domain/authorization-type.ts';
import type { TrackedAuthorization } from './domain/validity.ts';

/** Told when an authorization reaches the end of its validity without clearing (or reversal). */
export interface AuthorizationExpiredEvent {
  readonly networkTraceId: string;
  readonly type: Exclude<AuthorizationType, 'INCREMENTAL'>;
  readonly authorizedAtMs: number;
  readonly expiredAtMs: number;
  readonly incrementCount: number;
}

/** The issuer side's listener (the Alipay+ counterpart turns it into a refund or cancelPayment). */
export interface ExpiryListener {
  authorizationExpired(event: AuthorizationExpiredEvent): void | Promise<void>;
}

/** Open authorizations, kept so that tracking survives a restart (`ExpiryTracker.restore`). */
export interface ExpiryStore {
  /** Inserts or replaces the authorization's row. */
  save(auth: TrackedAuthorization): Promise<void>;
  remove(networkTraceId: string): Promise<void>;
  /** Open authorizations, soonest expiry first. */
  listOpen(limit: number): Promise<TrackedAuthorization[]>;
}
