import type { AuthorizationType } from '../../network/domain/authorization-type.ts';

// Authorization validity, after the public card-scheme rules: a final or undefined authorization is
// valid for 7 calendar days, a pre-authorization for 30, and every incremental authorization extends
// the validity by 30 days. Clearing (or a full reversal) ends the tracking. Pure: time comes in as
// milliseconds since the epoch, and days are UTC calendar days (86,400,000 ms, UTC has no DST).

export const dayMs = 86_400_000;

export const validityDaysByType: Readonly<Record<Exclude<AuthorizationType, 'INCREMENTAL'>, number>> = {
  FINAL: 7,
  UNDEFINED: 7,
  PRE_AUTHORIZATION: 30,
};

/** (tapkit) Each incremental adds 30 days to the current expiry, not to the time of the increment. */
export const incrementalExtensionDays = 30;

export type TrackedStatus = 'OPEN' | 'CLEARED' | 'REVERSED' | 'EXPIRED';

export interface TrackedAuthorization {
  readonly networkTraceId: string;
  readonly type: Exclude<AuthorizationType, 'INCREMENTAL'>;
  readonly authorizedAtMs: number;
  readonly expiresAtMs: number;
  readonly incrementCount: number;
  readonly status: TrackedStatus;
}

export type ExpiryRuleError =
  | { readonly code: 'EXPIRY_NOT_OPEN'; readonly status: TrackedStatus }
  | { readonly code: 'EXPIRY_INCREMENT_AFTER_EXPIRY' };

export type RuleResult = { ok: true; value: TrackedAuthorization } | { ok: false; error: ExpiryRuleError };

export function openAuthorization(input: {
  networkTraceId: string;
  type: Exclude<AuthorizationType, 'INCREMENTAL'>;
  authorizedAtMs: number;
}): TrackedAuthorization {
  return {
    networkTraceId: input.networkTraceId,
    type: input.type,
    authorizedAtMs: input.authorizedAtMs,
    expiresAtMs: input.authorizedAtMs + validityDaysByType[input.type] * dayMs,
    incrementCount: 0,
    status: 'OPEN',
  };
}

/** An incremental authorization on an open one: 30 more days. An expired one cannot be revived. */
export function applyIncrement(auth: TrackedAuthorization, atMs: number): RuleResult {
  if (auth.status !== 'OPEN') return { ok: false, error: { code: 'EXPIRY_NOT_OPEN', status: auth.status } };
  if (atMs >= auth.expiresAtMs) return { ok: false, error: { code: 'EXPIRY_INCREMENT_AFTER_EXPIRY' } };
  return {
    ok: true,
    value: {
      ...auth,
      expiresAtMs: auth.expiresAtMs + incrementalExtensionDays * dayMs,
      incrementCount: auth.incrementCount + 1,
    },
  };
}

/** Clearing or a full reversal stops the timer; expiry fires only for an open authorization that is due. */
export function closeTracked(
  auth: TrackedAuthorization,
  status: 'CLEARED' | 'REVERSED' | 'EXPIRED',
): RuleResult {
  if (auth.status !== 'OPEN') return { ok: false, error: { code: 'EXPIRY_NOT_OPEN', status: auth.status } };
  return { ok: true, value: { ...auth, status } };
}

export function isDue(auth: TrackedAuthorization, nowMs: number): boolean {
  return auth.status === 'OPEN' && nowMs >= auth.expiresAtMs;
}
