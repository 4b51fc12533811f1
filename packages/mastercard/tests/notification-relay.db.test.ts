// The notifyTokenUpdated outbox on every engine: a state change and its notification are stored
// together; the relay delivers in order per token, retries on the clock, gives up after the limit, and
// a fresh relay (a restarted process) sends what an earlier one left.
import { retrySchedule, VirtualClock } from '@tapkit/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DbHandle } from '../src/adapters/db/open.ts';
import { createKyselyTokenStore } from '../src/adapters/db/token-store.ts';
import { NotificationRelay, type RelayConfig } from '../src/token-service/notification-relay.ts';
import {
  type StoredToken,
  silentLogger,
  type TokenStore,
  type TokenUpdate,
  type TokenUpdateNotifier,
} from '../src/token-service/ports.ts';
import { testEngines } from './support/engines.ts';

/** A notifier whose availability the test switches; it records every attempt. */
class SwitchableNotifier implements TokenUpdateNotifier {
  up = true;
  readonly attempts: Array<{ update: TokenUpdate; delivered: boolean }> = [];
  async notifyTokenUpdated(update: TokenUpdate) {
    this.attempts.push({ update, delivered: this.up });
    return this.up ? { delivered: true } : { delivered: false, detail: 'HTTP 503' };
  }
  delivered(): string[] {
    return this.attempts
      .filter((a) => a.delivered)
      .map((a) => `${a.update.tokenUniqueReference}:${a.update.reason}`);
  }
}

const START_MS = 1_000_000;

function baseToken(tur: string, pan: string, device: string): StoredToken {
  return {
    tokenUniqueReference: tur,
    tokenPan: pan,
    psn: '00',
    expiryYymm: '2911',
    customerId: 'customer-1',
    deviceId: device,
    taskId: `task_${tur}`,
    status: { state: 'ACTIVE' },
    provisionReadyAtMs: 0,
    atcLastIssued: 20,
    version: 1,
    createdAtMs: START_MS,
    updatedAtMs: START_MS,
  };
}

for (const engine of testEngines()) {
  describe(`notification relay [${engine.name}]`, () => {
    let handle: DbHandle;
    let store: TokenStore;
    let clock: VirtualClock;
    let notifier: SwitchableNotifier;
    const tokens = new Map<string, StoredToken>();

    const relayOf = (config: Partial<RelayConfig> = {}) =>
      new NotificationRelay({ store, notifier, clock, logger: silentLogger, config });

    /** Moves a token to a new status with its notification, as the service does. */
    async function change(tur: string, status: StoredToken['status'], reason: TokenUpdate['reason']) {
      const current = tokens.get(tur) as StoredToken;
      const next = { ...current, status, version: current.version + 1, updatedAtMs: clock.nowMs() };
      const update: TokenUpdate = {
        tokenUniqueReference: tur,
        customerId: next.customerId,
        state: status.state,
        suspendedBy: status.state === 'SUSPENDED' ? status.suspendedBy : [],
        reason,
        eventTimeMs: clock.nowMs(),
      };
      expect(await store.updateToken(next, current.version, update)).toBe(true);
      tokens.set(tur, next);
    }

    beforeEach(async () => {
      handle = await engine.open();
      store = createKyselyTokenStore(handle.db);
      clock = new VirtualClock(START_MS);
      notifier = new SwitchableNotifier();
      tokens.clear();
      for (const [tur, pan, device] of [
        ['T1', '5413330000000019', 'dev_1'],
        ['T2', '5413330000000027', 'dev_2'],
      ] as const) {
        await store.insertDevice({
          deviceId: device,
          customerId: 'customer-1',
          publicKeySpki: 'x',
          fingerprint: 'f',
          createdAtMs: 0,
        });
        const token = baseToken(tur, pan, device);
        expect(await store.insertToken(token)).toBe('INSERTED');
        tokens.set(tur, token);
      }
    });
    afterEach(() => handle.close());

    it('delivers at once when Alipay+ is up', async () => {
      const relay = relayOf();
      await change('T1', { state: 'SUSPENDED', suspendedBy: ['CARDHOLDER'] }, 'SUSPENDED');
      relay.kick();
      await relay.idle();
      expect(notifier.delivered()).toEqual(['T1:SUSPENDED']);
      expect(await store.dueNotifications(clock.nowMs() + 1e9, 10)).toEqual([]);
      await relay.stop();
    });

    it('retries on the clock and keeps each token in order, other tokens unaffected', async () => {
      const relay = relayOf({ retry: retrySchedule([1_000, 5_000]) });
      notifier.up = false;
      await change('T1', { state: 'SUSPENDED', suspendedBy: ['CARDHOLDER'] }, 'SUSPENDED');
      relay.kick();
      await relay.idle();
      await change('T1', { state: 'ACTIVE' }, 'RESUMED');
      relay.kick();
      await relay.idle();
      // Only the head of T1's queue was tried; RESUMED waits behind SUSPENDED.
      expect(notifier.attempts.map((a) => a.update.reason)).toEqual(['SUSPENDED']);

      notifier.up = true;
      await change('T2', { state: 'DEACTIVATED' }, 'DEACTIVATED');
      relay.kick();
      await relay.idle();
      expect(notifier.delivered()).toEqual(['T2:DEACTIVATED']);

      await clock.advanceMs(999);
      await relay.idle();
      expect(notifier.delivered()).toEqual(['T2:DEACTIVATED']);
      await clock.advanceMs(1);
      await relay.idle();
      expect(notifier.delivered()).toEqual(['T2:DEACTIVATED', 'T1:SUSPENDED', 'T1:RESUMED']);
      await relay.stop();
    });

    it('backs off along the schedule and abandons after the attempt limit', async () => {
      const relay = relayOf({ retry: retrySchedule([1_000, 5_000]), attemptCountMax: 3 });
      notifier.up = false;
      await change('T1', { state: 'SUSPENDED', suspendedBy: ['ISSUER'] }, 'SUSPENDED');
      await change('T1', { state: 'DEACTIVATED' }, 'DEACTIVATED');
      relay.kick();
      await relay.idle();
      await clock.advanceMs(1_000);
      await relay.idle();
      await clock.advanceMs(4_999);
      await relay.idle();
      expect(notifier.attempts).toHaveLength(2);
      await clock.advanceMs(1);
      await relay.idle();
      // Third failure: SUSPENDED is abandoned and DEACTIVATED, now the head, is tried right away.
      expect(notifier.attempts.map((a) => a.update.reason)).toEqual([
        'SUSPENDED',
        'SUSPENDED',
        'SUSPENDED',
        'DEACTIVATED',
      ]);
      const row = await handle.db
        .selectFrom('ts_notification_outbox')
        .select(['attempt_count', 'abandoned_at_ms', 'last_error'])
        .where('id', '=', 'T1:2')
        .executeTakeFirstOrThrow();
      expect([Number(row.attempt_count), row.abandoned_at_ms !== null, row.last_error]).toEqual([
        3,
        true,
        'HTTP 503',
      ]);
      await relay.stop();
    });

    it('lets a new relay send what a stopped one left behind', async () => {
      const first = relayOf();
      notifier.up = false;
      await change('T2', { state: 'SUSPENDED', suspendedBy: ['MOBILE_PIN_LOCKED'] }, 'SUSPENDED');
      first.kick();
      await first.stop();
      notifier.up = true;
      clock.setMs(START_MS + 3_600_000);
      const second = relayOf();
      second.kick();
      await second.idle();
      expect(notifier.delivered()).toEqual(['T2:SUSPENDED']);
      await second.stop();
    });

    it('stores no notification when the compare-and-set loses', async () => {
      const current = tokens.get('T1') as StoredToken;
      const stale = { ...current, status: { state: 'DEACTIVATED' as const }, version: current.version + 1 };
      await change('T1', { state: 'SUSPENDED', suspendedBy: ['CARDHOLDER'] }, 'SUSPENDED');
      const update: TokenUpdate = {
        tokenUniqueReference: 'T1',
        customerId: 'customer-1',
        state: 'DEACTIVATED',
        suspendedBy: [],
        reason: 'DEACTIVATED',
        eventTimeMs: 0,
      };
      expect(await store.updateToken(stale, current.version, update)).toBe(false);
      const due = await store.dueNotifications(clock.nowMs(), 10);
      expect(due.map((n) => n.update.reason)).toEqual(['SUSPENDED']);
    });
  });
}
