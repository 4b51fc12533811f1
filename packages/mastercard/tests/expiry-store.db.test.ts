import { VirtualClock } from '@tapkit/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KyselyExpiryStore } from '../src/expiry/adapters/expiry-store-kysely.ts';
import { dayMs } from '../src/expiry/domain/validity.ts';
import { ExpiryTracker } from '../src/expiry/tracker.ts';
import { type NetworkTestDb, networkTestEngines } from './support/network-engines.ts';

// Expiry tracking that survives a restart: a second tracker restored from the store fires the expiry
// the first one armed, with the extension from an incremental, and nothing for a cleared one.

const t0 = Date.UTC(2026, 10, 25, 12, 0, 0);

for (const engine of networkTestEngines()) {
  describe(`expiry store on ${engine.name}`, () => {
    let handle: NetworkTestDb;

    beforeEach(async () => {
      handle = await engine.open();
    });

    afterEach(async () => {
      await handle.close();
    });

    it('restores open authorizations after a restart and expires them on time', async () => {
      const store = new KyselyExpiryStore(handle.db);
      const clock = new VirtualClock(t0);
      const ignored: string[] = [];
      const first = new ExpiryTracker({
        clock,
        store,
        listener: { authorizationExpired: (e) => void ignored.push(e.networkTraceId) },
      });
      first.track({ networkTraceId: 'F', type: 'FINAL', authorizedAtMs: t0 });
      first.track({ networkTraceId: 'P', type: 'PRE_AUTHORIZATION', authorizedAtMs: t0 });
      first.track({ networkTraceId: 'C', type: 'FINAL', authorizedAtMs: t0 });
      expect(first.increment('P', t0 + dayMs)).toEqual({ ok: true });
      expect(first.cleared('C')).toEqual({ ok: true });
      await first.flushed();
      expect(
        (await store.listOpen(10)).map((auth) => [
          auth.networkTraceId,
          auth.expiresAtMs,
          auth.incrementCount,
        ]),
      ).toEqual([
        ['F', t0 + 7 * dayMs, 0],
        ['P', t0 + 60 * dayMs, 1],
      ]);

      // A new process: a fresh clock (no timers), the same store.
      const laterClock = new VirtualClock(t0 + 2 * dayMs);
      const expired: string[] = [];
      const second = new ExpiryTracker({
        clock: laterClock,
        store,
        listener: { authorizationExpired: (event) => void expired.push(event.networkTraceId) },
      });
      expect(await second.restore()).toBe(2);
      await laterClock.advanceMs(5 * dayMs);
      expect(expired).toEqual(['F']);
      await laterClock.advanceMs(53 * dayMs);
      expect(expired).toEqual(['F', 'P']);
      await second.flushed();
      await vi.waitFor(async () => expect(await store.listOpen(10)).toEqual([]));
      expect(ignored).toEqual([]);
    });
  });
}
