import { VirtualClock } from '@tapkit/protocol';
import { describe, expect, it } from 'vitest';
import type { AuthorizationEntry } from '../network/ports.ts';
import { dayMs } from './domain/validity.ts';
import type { AuthorizationExpiredEvent } from './ports.ts';
import { ExpiryTracker } from './tracker.ts';

const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);

function setup() {
  const clock = new VirtualClock(t0);
  const events: AuthorizationExpiredEvent[] = [];
  const tracker = new ExpiryTracker({
    clock,
    listener: { authorizationExpired: (event) => void events.push(event) },
  });
  return { clock, events, tracker };
}

function entry(overrides: Partial<AuthorizationEntry>): AuthorizationEntry {
  return {
    networkTraceId: 'T1',
    acquirerKey: 'k',
    tokenUniqueReference: 'TUR',
    fundingReference: 'F',
    processingCode: '000000',
    amountMinor: 100n,
    currencyNumeric: '840',
    type: 'FINAL',
    responseCode: '00',
    approvalCode: '123456',
    standIn: false,
    authorizedAtMs: t0,
    originalNetworkTraceId: undefined,
    merchantId: undefined,
    terminalId: undefined,
    ...overrides,
  };
}

describe('ExpiryTracker on a virtual clock', () => {
  it('emits an expiry event 7 days after a final authorization', async () => {
    const { clock, events, tracker } = setup();
    tracker.authorizationApproved(entry({}));
    await clock.advanceMs(7 * dayMs - 1);
    expect(events).toEqual([]);
    await clock.advanceMs(1);
    expect(events).toEqual([
      {
        networkTraceId: 'T1',
        type: 'FINAL',
        authorizedAtMs: t0,
        expiredAtMs: t0 + 7 * dayMs,
        incrementCount: 0,
      },
    ]);
    expect(tracker.trackedCount()).toBe(0);
  });

  it('stops the timer when the authorization is cleared or fully reversed', async () => {
    const { clock, events, tracker } = setup();
    tracker.authorizationApproved(entry({ networkTraceId: 'C' }));
    tracker.authorizationApproved(entry({ networkTraceId: 'R' }));
    expect(tracker.cleared('C')).toEqual({ ok: true });
    tracker.authorizationReversed({ networkTraceId: 'R' });
    await clock.advanceMs(60 * dayMs);
    expect(events).toEqual([]);
    expect(clock.pendingTimerCount()).toBe(0);
  });

  it('moves a pre-authorization from 30 to 60 to 90 days with two incrementals', async () => {
    const { clock, events, tracker } = setup();
    tracker.authorizationApproved(entry({ networkTraceId: 'P', type: 'PRE_AUTHORIZATION' }));
    await clock.advanceMs(10 * dayMs);
    tracker.authorizationApproved(
      entry({
        networkTraceId: 'I1',
        type: 'INCREMENTAL',
        originalNetworkTraceId: 'P',
        authorizedAtMs: clock.nowMs(),
      }),
    );
    tracker.authorizationApproved(
      entry({
        networkTraceId: 'I2',
        type: 'INCREMENTAL',
        originalNetworkTraceId: 'P',
        authorizedAtMs: clock.nowMs(),
      }),
    );
    await clock.advanceMs(80 * dayMs - 1);
    expect(events).toEqual([]);
    await clock.advanceMs(1);
    expect(events.map((event) => [event.networkTraceId, event.incrementCount, event.expiredAtMs])).toEqual([
      ['P', 2, t0 + 90 * dayMs],
    ]);
  });

  it('reports unknown authorizations instead of throwing', () => {
    const { tracker } = setup();
    expect(tracker.cleared('nope')).toEqual({ ok: false, error: { code: 'EXPIRY_UNKNOWN' } });
    expect(tracker.increment('nope', t0)).toEqual({ ok: false, error: { code: 'EXPIRY_UNKNOWN' } });
  });

  it('keeps running when the listener fails', async () => {
    const clock = new VirtualClock(t0);
    const errors: unknown[] = [];
    const tracker = new ExpiryTracker({
      clock,
      listener: {
        authorizationExpired: () => {
          throw new Error('issuer side down');
        },
      },
      onListenerError: (error) => errors.push(error),
    });
    tracker.authorizationApproved(entry({ networkTraceId: 'A' }));
    tracker.authorizationApproved(entry({ networkTraceId: 'B', authorizedAtMs: t0 + 1 }));
    await clock.advanceMs(8 * dayMs);
    expect(errors).toHaveLength(2);
    expect(tracker.trackedCount()).toBe(0);
  });
});
