// The token life cycle (MDES states) as a pure state machine. Errors are values; a command that leaves
// the token as it was (a retried suspend, a delete of a deleted token) is a success with `changed:
// false`, so the Ant server can retry safely and Alipay+ is told only about real changes.
//
//   INACTIVE ──activate──▶ ACTIVE ◀──unsuspend (last reason)── SUSPENDED ◀──suspend── ACTIVE
//   any ──delete / failed provisioning──▶ DEACTIVATED (final)
//
// A SUSPENDED token carries the set of parties that suspended it; it goes back to ACTIVE only when
// every one of them has lifted its suspension (the cardholder's unlock does not undo an issuer's hold).

import { SUSPEND_REASONS, type SuspendReason } from '@tapkit/protocol/wire/token-service';
import type { TokenState } from '../../ports.ts';

export type { SuspendReason, TokenState };
export { SUSPEND_REASONS };

export type TokenStatus =
  | { readonly state: 'INACTIVE' }
  | { readonly state: 'ACTIVE' }
  | { readonly state: 'SUSPENDED'; readonly suspendedBy: readonly SuspendReason[] }
  | { readonly state: 'DEACTIVATED' };

export type TokenCommand =
  | { readonly kind: 'ACTIVATE' }
  | { readonly kind: 'SUSPEND'; readonly reason: SuspendReason }
  | { readonly kind: 'UNSUSPEND'; readonly reason: SuspendReason }
  | { readonly kind: 'DELETE' };

export type TransitionErrorCode =
  | 'TOKEN_NOT_ACTIVE'
  | 'TOKEN_ALREADY_ACTIVE'
  | 'TOKEN_SUSPENDED'
  | 'TOKEN_DEACTIVATED';

export interface TransitionError {
  readonly code: TransitionErrorCode;
  readonly message: string;
}

export type Transition =
  | { readonly ok: true; readonly status: TokenStatus; readonly changed: boolean }
  | { readonly ok: false; readonly error: TransitionError };

export const INACTIVE: TokenStatus = { state: 'INACTIVE' };
export const ACTIVE: TokenStatus = { state: 'ACTIVE' };
export const DEACTIVATED: TokenStatus = { state: 'DEACTIVATED' };

/** suspendedBy in catalog order with no duplicates, so equal sets compare and store equally. */
export function normalizeReasons(reasons: Iterable<SuspendReason>): SuspendReason[] {
  const set = new Set(reasons);
  return SUSPEND_REASONS.filter((reason) => set.has(reason));
}

/** The status for a state and a reason set read back from storage; undefined when they do not agree. */
export function statusOf(state: TokenState, suspendedBy: readonly SuspendReason[]): TokenStatus | undefined {
  if (state === 'SUSPENDED') {
    return suspendedBy.length === 0 ? undefined : { state, suspendedBy: normalizeReasons(suspendedBy) };
  }
  return suspendedBy.length === 0 ? { state } : undefined;
}

export function suspendedByOf(status: TokenStatus): readonly SuspendReason[] {
  return status.state === 'SUSPENDED' ? status.suspendedBy : [];
}

const same = (status: TokenStatus): Transition => ({ ok: true, status, changed: false });
const moved = (status: TokenStatus): Transition => ({ ok: true, status, changed: true });
const refused = (code: TransitionErrorCode, message: string): Transition => ({
  ok: false,
  error: { code, message },
});

export function transition(status: TokenStatus, command: TokenCommand): Transition {
  if (command.kind === 'DELETE') return status.state === 'DEACTIVATED' ? same(status) : moved(DEACTIVATED);
  if (status.state === 'DEACTIVATED') return refused('TOKEN_DEACTIVATED', 'the token is deactivated');
  switch (command.kind) {
    case 'ACTIVATE':
      return status.state === 'INACTIVE'
        ? moved(ACTIVE)
        : refused('TOKEN_ALREADY_ACTIVE', 'the token was already activated');
    case 'SUSPEND':
      return suspend(status, command.reason);
    case 'UNSUSPEND':
      return unsuspend(status, command.reason);
  }
}

function suspend(status: TokenStatus, reason: SuspendReason): Transition {
  if (status.state === 'INACTIVE')
    return refused('TOKEN_NOT_ACTIVE', 'an inactive token cannot be suspended');
  const before = suspendedByOf(status);
  if (before.includes(reason)) return same(status);
  return moved({ state: 'SUSPENDED', suspendedBy: normalizeReasons([...before, reason]) });
}

function unsuspend(status: TokenStatus, reason: SuspendReason): Transition {
  if (status.state === 'INACTIVE') return refused('TOKEN_NOT_ACTIVE', 'an inactive token is not suspended');
  const before = suspendedByOf(status);
  // Lifting a suspension that is not there is a retried request or a no-op: not an error.
  if (!before.includes(reason)) return same(status);
  const after = before.filter((r) => r !== reason);
  return moved(after.length === 0 ? ACTIVE : { state: 'SUSPENDED', suspendedBy: after });
}

/** Whether new payment credentials may be issued for a token in this status. */
export function canIssueCredentials(
  status: TokenStatus,
): { ok: true } | { ok: false; error: TransitionError } {
  switch (status.state) {
    case 'ACTIVE':
      return { ok: true };
    case 'INACTIVE':
      return { ok: false, error: { code: 'TOKEN_NOT_ACTIVE', message: 'the token is not active yet' } };
    case 'SUSPENDED':
      return {
        ok: false,
        error: {
          code: 'TOKEN_SUSPENDED',
          message: `the token is suspended by ${status.suspendedBy.join(', ')}`,
        },
      };
    case 'DEACTIVATED':
      return { ok: false, error: { code: 'TOKEN_DEACTIVATED', message: 'the token is deactivated' } };
  }
}
