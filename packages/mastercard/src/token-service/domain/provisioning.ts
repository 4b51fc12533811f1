// Provisioning rules: the activation delay, the task status the SDK polls, ATC allocation. Pure.

import { ATC_MAX } from '@tapkit/protocol/wire/token-service';
import type { TokenState } from '../../ports.ts';

export interface DelayRangeMs {
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * docs/architecture.md#activation: activation takes 20–30 s in the default configuration (the issuer's
 * review, simulated).
 */
export const PROVISIONING_DELAY_DEFAULT: DelayRangeMs = { minMs: 20_000, maxMs: 30_000 };

/** A delay in [minMs, maxMs] picked by `fraction` in [0, 1). */
export function provisioningDelayMs(range: DelayRangeMs, fraction: number): number {
  if (!(range.minMs >= 0 && range.maxMs >= range.minMs)) throw new RangeError('delay range: 0 <= min <= max');
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError('fraction must be in [0, 1)');
  return range.minMs + Math.floor(fraction * (range.maxMs - range.minMs + 1));
}

export type TaskStatus = 'PENDING' | 'READY' | 'DONE' | 'FAILED';

export function taskStatusOf(
  token: { state: TokenState; provisionReadyAtMs: number },
  nowMs: number,
): { status: TaskStatus; retryAfterMs?: number } {
  switch (token.state) {
    case 'DEACTIVATED':
      return { status: 'FAILED' };
    case 'ACTIVE':
    case 'SUSPENDED':
      return { status: 'DONE' };
    case 'INACTIVE':
      return nowMs < token.provisionReadyAtMs
        ? { status: 'PENDING', retryAfterMs: token.provisionReadyAtMs - nowMs }
        : { status: 'READY' };
  }
}

export interface AtcRange {
  /** First ATC of the batch. */
  readonly first: number;
  /** Last ATC of the batch, inclusive. */
  readonly last: number;
}

export type AtcAllocation = { ok: true; range: AtcRange } | { ok: false; code: 'ATC_EXHAUSTED' };

/**
 * The next `count` ATCs after the last one issued. ATCs are never reused: the range always starts
 * above everything issued before, and the caller stores `last` before any credential leaves. Near the
 * two-byte limit the batch is cut short; at the limit there is none.
 */
export function allocateAtcs(atcLastIssued: number, count: number): AtcAllocation {
  if (!(Number.isInteger(atcLastIssued) && atcLastIssued >= 0 && atcLastIssued <= ATC_MAX)) {
    throw new RangeError(`atcLastIssued out of range: ${atcLastIssued}`);
  }
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`count must be >= 1: ${count}`);
  if (atcLastIssued >= ATC_MAX) return { ok: false, code: 'ATC_EXHAUSTED' };
  return { ok: true, range: { first: atcLastIssued + 1, last: Math.min(ATC_MAX, atcLastIssued + count) } };
}

export function atcsOf(range: AtcRange): number[] {
  const out: number[] = [];
  for (let atc = range.first; atc <= range.last; atc++) out.push(atc);
  return out;
}

/** The first reported ATC that was never issued for the token, if any. */
export function firstUnissuedAtc(usedAtcs: readonly number[], atcLastIssued: number): number | undefined {
  return usedAtcs.find((atc) => atc < 1 || atc > atcLastIssued);
}
