import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACTIVE,
  canIssueCredentials,
  DEACTIVATED,
  INACTIVE,
  normalizeReasons,
  SUSPEND_REASONS,
  type SuspendReason,
  statusOf,
  type TokenCommand,
  type TokenStatus,
  transition,
} from './token-state.ts';

function apply(status: TokenStatus, ...commands: TokenCommand[]): TokenStatus {
  let current = status;
  for (const command of commands) {
    const result = transition(current, command);
    if (!result.ok) throw new Error(`${command.kind} refused: ${result.error.code}`);
    current = result.status;
  }
  return current;
}

const suspend = (reason: SuspendReason): TokenCommand => ({ kind: 'SUSPEND', reason });
const unsuspend = (reason: SuspendReason): TokenCommand => ({ kind: 'UNSUSPEND', reason });

describe('token state machine', () => {
  it('activates an inactive token once', () => {
    expect(transition(INACTIVE, { kind: 'ACTIVATE' })).toEqual({ ok: true, status: ACTIVE, changed: true });
    const again = transition(ACTIVE, { kind: 'ACTIVATE' });
    expect(again.ok === false && again.error.code).toBe('TOKEN_ALREADY_ACTIVE');
  });

  it('suspends with a reason and resumes when that reason is lifted', () => {
    const suspended = apply(ACTIVE, suspend('CARDHOLDER'));
    expect(suspended).toEqual({ state: 'SUSPENDED', suspendedBy: ['CARDHOLDER'] });
    expect(apply(suspended, unsuspend('CARDHOLDER'))).toEqual(ACTIVE);
  });

  it('stays suspended until every reason is lifted, in any order', () => {
    const both = apply(ACTIVE, suspend('ISSUER'), suspend('CARDHOLDER'));
    expect(both).toEqual({ state: 'SUSPENDED', suspendedBy: ['CARDHOLDER', 'ISSUER'] });
    const one = apply(both, unsuspend('CARDHOLDER'));
    expect(one).toEqual({ state: 'SUSPENDED', suspendedBy: ['ISSUER'] });
    expect(apply(one, unsuspend('ISSUER'))).toEqual(ACTIVE);
  });

  it('treats a repeated suspend or an unsuspend of an absent reason as unchanged', () => {
    const suspended = apply(ACTIVE, suspend('MOBILE_PIN_LOCKED'));
    expect(transition(suspended, suspend('MOBILE_PIN_LOCKED'))).toEqual({
      ok: true,
      status: suspended,
      changed: false,
    });
    expect(transition(suspended, unsuspend('ISSUER'))).toEqual({
      ok: true,
      status: suspended,
      changed: false,
    });
    expect(transition(ACTIVE, unsuspend('CARDHOLDER'))).toEqual({ ok: true, status: ACTIVE, changed: false });
  });

  it('refuses to suspend an inactive token', () => {
    const result = transition(INACTIVE, suspend('CARDHOLDER'));
    expect(result.ok === false && result.error.code).toBe('TOKEN_NOT_ACTIVE');
  });

  it('deletes from every state, and DEACTIVATED is final', () => {
    for (const status of [INACTIVE, ACTIVE, apply(ACTIVE, suspend('ISSUER'))]) {
      expect(transition(status, { kind: 'DELETE' })).toEqual({
        ok: true,
        status: DEACTIVATED,
        changed: true,
      });
    }
    expect(transition(DEACTIVATED, { kind: 'DELETE' })).toEqual({
      ok: true,
      status: DEACTIVATED,
      changed: false,
    });
    for (const command of [{ kind: 'ACTIVATE' } as const, suspend('CARDHOLDER'), unsuspend('CARDHOLDER')]) {
      const result = transition(DEACTIVATED, command);
      expect(result.ok === false && result.error.code).toBe('TOKEN_DEACTIVATED');
    }
  });

  it('issues credentials only to ACTIVE tokens', () => {
    expect(canIssueCredentials(ACTIVE).ok).toBe(true);
    const codes = [INACTIVE, apply(ACTIVE, suspend('CARDHOLDER')), DEACTIVATED].map((s) => {
      const check = canIssueCredentials(s);
      return check.ok ? 'OK' : check.error.code;
    });
    expect(codes).toEqual(['TOKEN_NOT_ACTIVE', 'TOKEN_SUSPENDED', 'TOKEN_DEACTIVATED']);
  });

  it('reads back stored state only when state and reasons agree', () => {
    expect(statusOf('SUSPENDED', ['ISSUER', 'CARDHOLDER'])).toEqual({
      state: 'SUSPENDED',
      suspendedBy: ['CARDHOLDER', 'ISSUER'],
    });
    expect(statusOf('SUSPENDED', [])).toBeUndefined();
    expect(statusOf('ACTIVE', ['ISSUER'])).toBeUndefined();
    expect(statusOf('DEACTIVATED', [])).toEqual(DEACTIVATED);
  });

  it('agrees with a set model over random command sequences', () => {
    const reason = fc.constantFrom(...SUSPEND_REASONS);
    // DELETE is rare so that sequences spend most of their length in the interesting states.
    const command: fc.Arbitrary<TokenCommand> = fc.oneof(
      { arbitrary: fc.constant<TokenCommand>({ kind: 'ACTIVATE' }), weight: 2 },
      { arbitrary: reason.map((r) => suspend(r)), weight: 5 },
      { arbitrary: reason.map((r) => unsuspend(r)), weight: 5 },
      { arbitrary: fc.constant<TokenCommand>({ kind: 'DELETE' }), weight: 1 },
    );
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        let status: TokenStatus = INACTIVE;
        let model = { state: 'INACTIVE' as TokenStatus['state'], reasons: new Set<SuspendReason>() };
        for (const c of commands) {
          const result = transition(status, c);
          model = step(model, c);
          if (result.ok) status = result.status;
          expect(status.state).toBe(model.state);
          const reasons = status.state === 'SUSPENDED' ? status.suspendedBy : [];
          expect(reasons).toEqual(normalizeReasons(model.reasons));
          expect(status.state === 'SUSPENDED').toBe(reasons.length > 0);
        }
      }),
    );
  });
});

/** An independent model: a state and a plain set of reasons. */
function step(
  model: { state: TokenStatus['state']; reasons: Set<SuspendReason> },
  command: TokenCommand,
): { state: TokenStatus['state']; reasons: Set<SuspendReason> } {
  if (model.state === 'DEACTIVATED') return model;
  if (command.kind === 'DELETE') return { state: 'DEACTIVATED', reasons: new Set() };
  if (command.kind === 'ACTIVATE')
    return model.state === 'INACTIVE' ? { state: 'ACTIVE', reasons: new Set() } : model;
  if (model.state === 'INACTIVE') return model;
  const reasons = new Set(model.reasons);
  if (command.kind === 'SUSPEND') reasons.add(command.reason);
  else reasons.delete(command.reason);
  return { state: reasons.size > 0 ? 'SUSPENDED' : 'ACTIVE', reasons };
}
