// The Ant server's view of a token, as pure rules: what the SDK is told, how a Mastercard state change
// is folded in, and which cardholder commands make sense in which state. No I/O, no clock.
import type {
  Activation,
  AntError,
  ApplicationStatus,
  Confirmation,
  SuspendReason,
  TokenEventKind,
  TokenInfo,
  TokenState,
} from '@tapkit/protocol/wire/ant-sdk';
import { antError, SUSPEND_REASONS } from '@tapkit/protocol/wire/ant-sdk';

export interface AntToken {
  readonly tokenUniqueReference: string;
  readonly mppClientId: string;
  readonly customerId: string;
  readonly applicationStatus: ApplicationStatus;
  readonly tokenState: TokenState;
  readonly suspendedBy: readonly SuspendReason[];
  /** When the state was true: Mastercard's event time, or our clock when Mastercard answered us. */
  readonly stateTimeMs: number;
  readonly activation: Activation;
  readonly confirmation: Confirmation;
  readonly createdAtMs: number;
  readonly updatedAtMs: number;
  /** Incremented on every update; updates are compare-and-set on it. */
  readonly version: number;
}

export type CardholderOp = 'LOCK' | 'UNLOCK' | 'DELETE';

/** suspendedBy in catalog order without duplicates, so equal sets store and compare equally. */
export function normalizeReasons(reasons: Iterable<SuspendReason>): SuspendReason[] {
  const set = new Set(reasons);
  return SUSPEND_REASONS.filter((reason) => set.has(reason));
}

export function tokenInfoOf(token: AntToken): TokenInfo {
  const confirmed = token.confirmation !== 'REQUIRED';
  return {
    tokenUniqueReference: token.tokenUniqueReference,
    applicationStatus: token.applicationStatus,
    tokenState: token.tokenState,
    suspendedBy: [...token.suspendedBy],
    lockedByCardholder: token.tokenState === 'SUSPENDED' && token.suspendedBy.includes('CARDHOLDER'),
    activation: token.activation,
    confirmation: token.confirmation,
    paymentAllowed: token.tokenState === 'ACTIVE' && token.activation === 'ACTIVATED' && confirmed,
    updatedAtMs: token.updatedAtMs,
  };
}

export interface MastercardState {
  readonly tokenState: TokenState;
  readonly suspendedBy: readonly SuspendReason[];
}

/**
 * Folds a Mastercard state into the token, or says it is stale. DEACTIVATED is final and always wins;
 * nothing moves a token back to INACTIVE; otherwise the newer state wins. Notifications are not ordered
 * (the token service sends them without waiting), so an older one must not undo a newer answer.
 */
export function foldMastercardState(
  token: AntToken,
  state: MastercardState,
  stateTimeMs: number,
  /** Mastercard's own answer to our call: true now, whatever an earlier notification said. */
  authoritative = false,
): { changed: false } | { changed: true; tokenState: TokenState; suspendedBy: SuspendReason[] } {
  const suspendedBy = state.tokenState === 'SUSPENDED' ? normalizeReasons(state.suspendedBy) : [];
  const same = token.tokenState === state.tokenState && sameReasons(token.suspendedBy, suspendedBy);
  if (same || token.tokenState === 'DEACTIVATED' || state.tokenState === 'INACTIVE')
    return { changed: false };
  const fromInactive = token.tokenState === 'INACTIVE';
  if (
    !authoritative &&
    state.tokenState !== 'DEACTIVATED' &&
    !fromInactive &&
    stateTimeMs < token.stateTimeMs
  ) {
    return { changed: false };
  }
  return { changed: true, tokenState: state.tokenState, suspendedBy };
}

function sameReasons(a: readonly SuspendReason[], b: readonly SuspendReason[]): boolean {
  return a.length === b.length && a.every((reason, i) => reason === b[i]);
}

/** The event the SDK sees for a state change. */
export function eventKindOf(before: TokenState, after: TokenState): TokenEventKind {
  switch (after) {
    case 'ACTIVE':
      return before === 'INACTIVE' ? 'ACTIVATED' : 'RESUMED';
    case 'SUSPENDED':
      return 'SUSPENDED';
    case 'DEACTIVATED':
    case 'INACTIVE':
      return 'DEACTIVATED';
  }
}

/**
 * Whether a cardholder command goes to Mastercard at all. A command that changes nothing (lock a locked
 * token, unlock an unlocked one) is answered from our record without a call; a deleted token refuses all.
 */
export function planCardholderOp(
  token: AntToken,
  op: CardholderOp,
): { kind: 'call' } | { kind: 'noop' } | { kind: 'refuse'; error: AntError } {
  if (token.tokenState === 'DEACTIVATED') {
    return op === 'DELETE' ? { kind: 'noop' } : { kind: 'refuse', error: antError('TOKEN_DEACTIVATED') };
  }
  if (op === 'DELETE') return { kind: 'call' };
  if (token.tokenState === 'INACTIVE') return { kind: 'refuse', error: antError('TOKEN_NOT_ACTIVE') };
  const locked = token.suspendedBy.includes('CARDHOLDER');
  if (op === 'LOCK') return locked ? { kind: 'noop' } : { kind: 'call' };
  return locked ? { kind: 'call' } : { kind: 'noop' };
}

/** The confirmation a newly activated token starts with, by the MPP's configuration. */
export function initialConfirmation(secondaryConfirmationRequired: boolean): Confirmation {
  return secondaryConfirmationRequired ? 'REQUIRED' : 'NOT_REQUIRED';
}
